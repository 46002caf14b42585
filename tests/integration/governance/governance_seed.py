"""Seeding helpers for the governance tests and their worker process (not a test module)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import charter
from charter.contract import charter_hash, parse_charter
from charter.governance import GovernanceService
from charter.store import NewValidationRun, NewVersion, RegistryStore, VersionRecord

ADULT_CHARTER = (Path(charter.__file__).parent / "examples" / "adult_charter.yaml").read_text(
    encoding="utf-8"
)
MODEL = "adult-income"
REGISTRANT = "ds@bank.example"
REVIEWERS = {
    "validation": "val@bank.example",
    "privacy": "dpo@bank.example",
    "business": "owner@bank.example",
}


def charter_text(**approvals: Any) -> str:
    """The Adult charter, with its approvals section replaced when ``approvals`` are given."""
    if not approvals:
        return ADULT_CHARTER
    head, _, tail = ADULT_CHARTER.partition("approvals:")
    rest = tail.split("\n\n", 1)[1] if "\n\n" in tail else ""
    required = ", ".join(approvals.get("required", ["validation", "privacy", "business"]))
    four_eyes = str(approvals.get("four_eyes", True)).lower()
    return f"{head}approvals:\n  required: [{required}]\n  four_eyes: {four_eyes}\n\n{rest}"


def hash_of(text: str) -> str:
    return charter_hash(parse_charter(text))


def register(
    store: RegistryStore, *, text: str = ADULT_CHARTER, by: str = REGISTRANT, index: int = 1
) -> VersionRecord:
    """A version of the Adult model registered under ``text`` (no artifact needed here)."""
    return store.create_version(
        NewVersion(
            model_name=MODEL,
            flavor="sklearn",
            artifact_uri=f"file:///artifacts/{MODEL}/{index}/model.joblib",
            artifact_sha256=f"{index:064x}",
            artifact_size=100 + index,
            signature={"inputs": []},
            charter_hash=hash_of(text),
            charter_content=text,
            registered_by=by,
            training_fingerprint=f"fp-{index}",
            code_version="git:abc123",
        )
    )


def gate(
    store: RegistryStore,
    version: VersionRecord,
    status: Literal["pass", "warn", "fail"] = "pass",
    *,
    text: str | None = None,
    report: dict[str, Any] | None = None,
) -> None:
    """Record a gate run of ``version`` under ``text`` (default: its registration charter)."""
    store.record_validation_run(
        NewValidationRun(
            model_name=version.model_name,
            version=version.version,
            charter_hash=version.charter_hash if text is None else hash_of(text),
            status=status,
            report=report or {"checks": []},
            data_fingerprint="holdout-1",
            run_by="ci@bank.example",
        )
    )


def approve_all(service: GovernanceService, ref: str) -> None:
    for role, person in REVIEWERS.items():
        service.approve(ref, role=role, by=person, note=f"{role} review done")


def ready_version(service: GovernanceService, index: int) -> VersionRecord:
    """A registered version with a passing gate and every approval."""
    version = register(service.store, index=index)
    gate(service.store, version)
    approve_all(service, version.ref)
    return version


class RecordingNotifier:
    """A notifier test double: remembers every event instead of calling webhooks."""

    def __init__(self) -> None:
        self.events: list[tuple[str, str | None, int | None, str]] = []

    def notify(
        self,
        action: str,
        *,
        model_name: str | None,
        version: int | None,
        actor: str,
        details: Mapping[str, Any],
    ) -> None:
        self.events.append((action, model_name, version, actor))
