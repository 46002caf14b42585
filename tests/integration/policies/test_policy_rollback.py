"""A breached performance floor rolls production back to the previous version: audited as the
policy's doing, with the evidence, and a running server answers with that version after."""

from __future__ import annotations

import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
from policy_kit import MODEL, charter_text, end_of, events, points
from sklearn.pipeline import Pipeline

from charter.config import Secret, Settings
from charter.examples.adult import ADULT_FEATURES
from charter.governance import GovernanceService
from charter.policies import evaluate_policies
from charter.registry import Registry
from charter.server import run_in_background
from charter.serving import ServeOptions
from charter.store import NewValidationRun

FLOOR = "{metric: performance.roc_auc, below: 0.8, for_windows: 2, action: rollback}"
KEY = "rollback:performance.roc_auc<0.8x2"
REVIEWERS = {"validation": "val@bank", "privacy": "dpo@bank", "business": "owner@bank"}


class _Quiet:
    """No registry webhooks in this test."""

    def notify(self, action: str, **kwargs: Any) -> None:
        return


def _ready(registry: Registry, governance: GovernanceService, model: Pipeline, sample: Any,
           charter: Path) -> int:  # fmt: skip
    version = registry.register(model, charter=charter, sample=sample, registered_by="ds@bank")
    registry.store.record_validation_run(
        NewValidationRun(
            model_name=MODEL,
            version=version.version,
            charter_hash=version.charter_hash,
            status="pass",
            report={"checks": []},
            data_fingerprint="holdout-1",
            run_by="ci@bank",
        )
    )
    for role, person in REVIEWERS.items():
        governance.approve(version.ref, role=role, by=person)
    return version.version


def _served_version(url: str, row: Mapping[str, object]) -> str:
    inputs = [
        {"name": k, "shape": [1], "datatype": "BYTES" if isinstance(v, str) else "FP64",
         "data": [v]}
        for k, v in row.items()
        if v is not None
    ]  # fmt: skip
    response = httpx.post(f"{url}/v2/models/{MODEL}/infer", json={"inputs": inputs}, timeout=30)
    response.raise_for_status()
    return str(response.json()["model_version"])


def test_performance_floor_breach_rolls_back_and_the_server_follows(
    tmp_path: Path, db_url: str, adult_model: Pipeline, adult_sample: pd.DataFrame
) -> None:
    path = tmp_path / "charter.yaml"
    path.write_text(charter_text(FLOOR), encoding="utf-8")
    settings = Settings(
        home=tmp_path / "home", db_url=Secret(db_url), artifacts_url=str(tmp_path / "artifacts")
    )
    sample = adult_sample.iloc[:300]
    row = {
        str(k): (v.item() if hasattr(v, "item") else v)
        for k, v in sample[list(ADULT_FEATURES)].iloc[0].items()
        if not pd.isna(v)
    }
    with Registry.open(settings) as registry:
        governance = GovernanceService(registry.store, notifier=_Quiet())
        first = _ready(registry, governance, adult_model, sample, path)
        second = _ready(registry, governance, adult_model, sample, path)
        governance.promote(f"{MODEL}@{first}", to="production", by="ops@bank")
        governance.promote(f"{MODEL}@{second}", to="production", by="ops@bank")
        registry.store.record_points(
            points("performance.roc_auc", [0.86, 0.74, 0.71], version=second)
        )
        options = ServeOptions(poll_seconds=0.2, compile_onnx=False, compact_every_seconds=0)
        with run_in_background(settings, options=options) as server:
            assert str(second) == _served_version(server.url, row)
            (decision,) = evaluate_policies(registry, MODEL, now=end_of(2), governance=governance)
            deadline = time.monotonic() + 10
            while _served_version(server.url, row) != str(first):
                assert time.monotonic() < deadline, "the server did not switch back within 10 s"
                time.sleep(0.1)

        assert decision.state == "fired"
        assert decision.outcome is not None
        assert ("done", first) == (decision.outcome.status, decision.outcome.version)
        assert first == registry.store.get_alias(MODEL, "production").version
        (rolled,) = [e for e in registry.store.list_events(MODEL)
                     if e.action == "version.rolled_back"]  # fmt: skip
        assert f"policy:{KEY}" == rolled.actor
        assert rolled.reason == (
            f"policy {KEY}: performance.roc_auc < 0.8 for 2 consecutive window(s) on "
            f"{MODEL}@{second}"
        )
        (fired,) = events(registry.store, "policy.fired")
        assert [w["value"] for w in fired["windows"]] == [0.74, 0.71]
        assert (second, 0.8, "below") == (
            fired["version"],
            fired["threshold"],
            fired["comparison"],
        )
        (done,) = events(registry.store, "policy.rollback_done")
        assert first == done["outcome"]["version"]

        # the version now in production has no breach: nothing fires again
        (after,) = evaluate_policies(registry, MODEL, now=end_of(2), governance=governance)
        assert ("no_data", first) == (after.state, after.version)
