"""The model inventory: every model with its risk rating, state and evidence, for model risk.

One ``InventoryEntry`` per registered model, read from the registry only (nothing is computed that
the registry does not already hold): owner, purpose and tier from the model's charter; stage and
production version; the last gate run and its verdict; the standing approvals of the version in
question (production, else the latest); the open monitoring findings (``warn``/``alert`` points of
that version's latest monitored window); the next revalidation date; and retirement.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from charter.contract import parse_charter
from charter.contract.tiers import requirements_of
from charter.errors import CharterError
from charter.governance.rules import load_standing, model_charter
from charter.store import RegistryStore, VersionRecord

__all__ = ["Inventory", "InventoryEntry", "build_inventory"]

_OPEN = ("warn", "alert")


@dataclass(frozen=True)
class InventoryEntry:
    """One model in the inventory."""

    name: str
    owner: str
    purpose: str
    tier: str
    suggested_tier: str
    stage: str  # production, shadow, candidate, archived or retired
    production_version: int | None
    latest_version: int
    versions: int
    subject_version: int  # the version the evidence below is about
    last_validation_run: int | None
    last_validation_status: str | None
    last_validated_at: datetime | None
    last_validated_by: str | None
    approvals: dict[str, str] = field(default_factory=dict)  # role -> approver
    missing: tuple[str, ...] = ()
    open_findings: tuple[str, ...] = ()  # "metric: status" of the latest monitored window
    findings_window: datetime | None = None
    next_revalidation: datetime | None = None
    revalidation_overdue: bool = False
    is_retired: bool = False
    retired_at: datetime | None = None
    retired_by: str = ""
    retire_reason: str = ""
    successor: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: datetimes as ISO 8601 text."""
        out = asdict(self)
        for key, value in out.items():
            if isinstance(value, datetime):
                out[key] = value.isoformat(timespec="seconds")
            elif isinstance(value, tuple):
                out[key] = list(value)
        return out


@dataclass(frozen=True)
class Inventory:
    """Every model, by name, as of ``at``."""

    at: datetime
    entries: tuple[InventoryEntry, ...]

    @property
    def active(self) -> tuple[InventoryEntry, ...]:
        return tuple(e for e in self.entries if not e.is_retired)

    @property
    def retired(self) -> tuple[InventoryEntry, ...]:
        return tuple(e for e in self.entries if e.is_retired)

    def entry(self, name: str) -> InventoryEntry:
        for entry in self.entries:
            if entry.name == name:
                return entry
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        return {
            "at": self.at.isoformat(timespec="seconds"),
            "models": [entry.to_dict() for entry in self.entries],
        }


def _stage(versions: list[VersionRecord], retired: bool) -> str:
    if retired:
        return "retired"
    stages = {v.stage for v in versions}
    return next((s for s in ("production", "shadow", "candidate") if s in stages), "archived")


def _findings(store: RegistryStore, name: str, version: int) -> tuple[tuple[str, ...], Any]:
    points = [p for p in store.list_points(name) if p.version == version]
    if not points:
        return (), None
    latest = max(p.window_start for p in points)
    found = sorted(
        f"{p.metric}: {p.status}" for p in points if p.window_start == latest and p.status in _OPEN
    )
    return tuple(found), latest


def _entry(store: RegistryStore, name: str, now: datetime) -> InventoryEntry:
    model = store.get_model(name)
    versions = store.list_versions(name)
    charter = parse_charter(model_charter(store, name).content, source=f"{name} charter")
    production = next((v for v in versions if v.stage == "production"), None)
    subject = production or max(versions, key=lambda v: v.version)
    runs = store.list_validation_runs(name, subject.version)
    last = runs[-1] if runs else None
    try:
        standing = load_standing(store, subject)
        approvals = {r: d.actor for r, d in standing.approved_roles().items()}
        missing = tuple(standing.missing_for_production())
        needs = standing.requirements
    except CharterError as exc:  # an unrecorded charter: say so instead of failing the list
        approvals, missing, needs = {}, (exc.message,), requirements_of(charter)
    passed = [run.created_at for run in runs if run.passed]
    start = max(passed) if passed else subject.created_at
    next_due = start + needs.revalidate_every
    findings, window = _findings(store, name, subject.version)
    return InventoryEntry(
        name=name,
        owner=charter.owner,
        purpose=charter.purpose,
        tier=charter.risk.tier,
        suggested_tier=charter.risk.factors.suggested_tier(),
        stage=_stage(versions, model.is_retired),
        production_version=production.version if production is not None else None,
        latest_version=model.latest_version,
        versions=len(versions),
        subject_version=subject.version,
        last_validation_run=last.id if last is not None else None,
        last_validation_status=last.status if last is not None else None,
        last_validated_at=last.created_at if last is not None else None,
        last_validated_by=last.run_by if last is not None else None,
        approvals=approvals,
        missing=missing,
        open_findings=findings,
        findings_window=window,
        next_revalidation=next_due,
        revalidation_overdue=next_due < now and not model.is_retired,
        is_retired=model.is_retired,
        retired_at=model.retired_at,
        retired_by=model.retired_by,
        retire_reason=model.retire_reason,
        successor=model.successor,
    )


def build_inventory(store: RegistryStore, *, now: datetime | None = None) -> Inventory:
    """Every registered model's inventory entry, by name; ``now`` (aware) for tests."""
    at = now or datetime.now(UTC)
    names = sorted(m.name for m in store.list_models() if m.latest_version > 0)
    return Inventory(at=at, entries=tuple(_entry(store, name, at) for name in names))
