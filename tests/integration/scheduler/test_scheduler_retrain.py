"""The loop closed: drifted traffic sent to a live server for a model trained on one population
makes the retrain policy fire once; the retrained version passes the gate and goes to shadow, is
signed off and promoted, and the server switches. A retrain that fails the gate, or crashes,
never touches production."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pandas as pd
import pytest
from sched_kit import HOUR, MODEL, T0, charter_text, production_registry, write_charter
from sklearn.pipeline import Pipeline

from adult_log import log_rows
from charter.config import Settings
from charter.datasets import load_adult
from charter.examples.adult import ADULT_FEATURES, build_pipeline
from charter.governance import GovernanceService
from charter.monitoring.labels import ingest_labels
from charter.monitoring.windows import align
from charter.policies import RetrainOptions
from charter.registry import Registry
from charter.scheduler import SchedulerOptions, run_pass
from charter.server import run_in_background
from charter.serving import ServeOptions
from charter.validation import validate

HERE = Path(__file__).parent
RETRAIN = {"metric": "drift.psi.max", "above": 0.25, "for_windows": 2, "action": "retrain"}
# The gate of this loop: ranking quality and the champion; fairness has its own tests.
GATE = {
    "metrics": {"roc_auc": {"min": 0.8}},
    "champion": {"metric": "roc_auc", "min_change": -0.02},
}
REVIEWERS = {"validation": "val@bank", "privacy": "dpo@bank", "business": "owner@bank"}


class _Quiet:
    def notify(self, action: str, **kwargs: object) -> None:
        return


@pytest.fixture(scope="module")
def young() -> tuple[Pipeline, pd.DataFrame]:
    """A model trained on customers under 40 only, and its training rows."""
    train = load_adult().train
    rows = train[train["age"] < 40].sample(n=4000, random_state=11).reset_index(drop=True)
    model = build_pipeline(max_iter=60)
    model.fit(rows[list(ADULT_FEATURES)], rows["income"])
    return model, rows


def _loop_home(tmp_path: Path, young: tuple[Pipeline, pd.DataFrame], entrypoint: str):  # type: ignore[no-untyped-def]
    model, rows = young
    text = charter_text(
        monitoring__window="1h",
        policies=[RETRAIN],
        validation=GATE,
        retraining={"entrypoint": entrypoint, "auto_promote": "shadow"},
    )
    home = tmp_path / "home"
    registry, _ = production_registry(home, model, write_charter(tmp_path, text), rows)
    test = load_adult().test
    steady, older = test[test["age"] < 40], test[test["age"] >= 50]
    logged = []
    for hour in range(5):
        source = steady if hour < 2 else older
        chunk = source.sample(n=400, random_state=hour).reset_index(drop=True)
        logged.append(log_rows(home, model, chunk, start=T0 + hour * HOUR, prefix=f"h{hour}-"))
    return registry, home, pd.concat(logged, ignore_index=True)


def _pass(registry: Registry, home: Path) -> None:
    options = SchedulerOptions(
        home=home,
        checks=(),
        retraining=RetrainOptions(home=home, base_dir=HERE, skip=("latency",)),
    )
    report = run_pass(registry, options, now=T0 + 6 * HOUR)
    assert not report.failed, report.failed


WINDOW = timedelta(seconds=4)


def _burst(url: str, rows: pd.DataFrame) -> list[tuple[str, str]]:
    """POST ``rows`` to the live server in requests of 200; (logged id, true label) per row."""
    answered = []
    for start in range(0, len(rows), 200):
        chunk = rows.iloc[start : start + 200]
        records = json.loads(chunk[list(ADULT_FEATURES)].to_json(orient="records"))
        answer = httpx.post(f"{url}/v1/models/{MODEL}/predict",
                            json={"records": records, "explain": False}, timeout=60)  # fmt: skip
        answer.raise_for_status()
        request_id = answer.json()["request_id"]
        answered += [(f"{request_id}-{i}", str(y)) for i, y in enumerate(chunk["income"])]
    return answered


def _sleep_until(moment: datetime) -> None:
    time.sleep(max((moment - datetime.now(UTC)).total_seconds(), 0.0))


def test_served_drift_fires_one_retrain_that_reaches_shadow_then_production(
    tmp_path: Path, young: tuple[Pipeline, pd.DataFrame]
) -> None:
    model, rows = young
    text = charter_text(
        monitoring__window="4s",  # four-second windows, so four of them pass within the test
        policies=[RETRAIN],
        validation=GATE,
        retraining={"entrypoint": "charter.examples.adult:train_model", "auto_promote": "shadow"},
    )
    home = tmp_path / "home"
    registry, _ = production_registry(home, model, write_charter(tmp_path, text), rows)
    store = registry.store
    settings = Settings.from_env(home=home, environ={})
    test = load_adult().test
    steady, older = test[test["age"] < 40], test[test["age"] >= 50]
    options = ServeOptions(poll_seconds=0.2, compile_onnx=False, compact_every_seconds=0)
    with run_in_background(settings, options=options) as server:
        # One steady window, then three windows of older customers, through the live server.
        first = align(datetime.now(UTC), WINDOW) + 2 * WINDOW
        answered = []
        for i in range(4):
            _sleep_until(first + i * WINDOW + timedelta(milliseconds=200))
            source = steady if i == 0 else older
            answered += _burst(server.url, source.sample(n=400, random_state=i))
        _sleep_until(first + 4 * WINDOW + timedelta(seconds=6))  # the last window is over
        # The delayed ground truth arrives for every answered row, then one scheduler pass.
        labels = pd.DataFrame(answered, columns=["request_id", "income"])
        ingest_labels(registry, MODEL, labels, id_column="request_id", label_column="income",
                      home=home)  # fmt: skip
        report = run_pass(
            registry,
            SchedulerOptions(
                home=home,
                checks=(),
                retraining=RetrainOptions(home=home, base_dir=HERE, skip=("latency",)),
            ),
        )
        assert not report.failed, report.failed
        monitored = [j.slot for j in report.jobs if j.job == "monitor"]
        assert monitored[-4:] == [first + i * WINDOW for i in range(4)]

        fired = [e for e in store.list_events(MODEL) if e.action == "policy.fired"]
        assert len(fired) == 1  # two drifted windows fire it; the third holds
        (done,) = [e for e in store.list_events(MODEL) if e.action == "policy.retrain_done"]
        assert done.after is not None and done.after["outcome"]["version"] == 2
        retrained = store.get_version(MODEL, 2)
        assert retrained.registered_by == "policy:retrain:drift.psi.max>0.25x2"
        assert "labelled from the prediction log" in retrained.description
        assert store.get_alias(MODEL, "shadow").version == 2
        assert store.get_alias(MODEL, "production").version == 1
        # Monitoring saw the drop too: realized ROC AUC of the older windows below the steady one.
        auc = {p.window_start: p.value for p in store.list_points(MODEL,
               metric="performance.roc_auc")}  # fmt: skip
        drifted = [auc[first + i * WINDOW] for i in (1, 2, 3)]
        assert max(drifted) < auc[first]

        # Sign-off through the same rules as the CLI: an independent validator re-runs the gate
        # (the policy both registered and gated v2), three roles approve, ops promote; the
        # server follows.
        holdout = test.sample(n=1500, random_state=5)
        gate = validate(registry, f"{MODEL}@2", holdout, run_by="val@bank", skip=("latency",))
        assert gate.passed, [f"{c.name}: {c.reason}" for c in gate.failures]
        governance = GovernanceService(store, notifier=_Quiet())
        row = {k: v for k, v in steady[list(ADULT_FEATURES)].iloc[0].items() if not pd.isna(v)}
        assert _served_version(server.url, row) == 1
        for role, person in REVIEWERS.items():
            governance.approve(f"{MODEL}@2", role=role, by=person, note="retrain reviewed")
        governance.promote(f"{MODEL}@2", to="production", by="ops@bank")
        deadline = time.monotonic() + 10
        while _served_version(server.url, row) != 2:
            assert time.monotonic() < deadline, "the server did not switch within 10 s"
            time.sleep(0.1)
    approvals = [e for e in store.list_events(MODEL) if e.action == "version.approved"]
    assert {e.actor for e in approvals} == set(REVIEWERS.values())
    registry.close()


def _served_version(url: str, row: dict[str, object]) -> int:
    records = [{k: (v.item() if hasattr(v, "item") else v) for k, v in row.items()}]
    answer = httpx.post(f"{url}/v1/models/{MODEL}/predict",
                        json={"records": records, "explain": False}, timeout=30)  # fmt: skip
    answer.raise_for_status()
    return int(answer.json()["version"])


@pytest.mark.parametrize(
    ("entrypoint", "reason"),
    [
        ("sched_training:constant_model", "failed the gate"),
        ("sched_training:broken", "RuntimeError: the feature store is down"),
    ],
)
def test_a_retrain_that_fails_never_reaches_shadow_or_production(
    tmp_path: Path, young: tuple[Pipeline, pd.DataFrame], entrypoint: str, reason: str
) -> None:
    registry, home, logged = _loop_home(tmp_path, young, entrypoint)
    ingest_labels(registry, MODEL, logged, id_column="request_id", label_column="income",
                  home=home)  # fmt: skip
    _pass(registry, home)
    store = registry.store
    (failed,) = [e for e in store.list_events(MODEL) if e.action == "policy.retrain_failed"]
    assert failed.after is not None and reason in failed.after["outcome"]["detail"]
    assert store.get_alias(MODEL, "production").version == 1
    assert "shadow" not in {a.alias for a in store.list_aliases(MODEL)}
    stages = {v.version: v.stage for v in store.list_versions(MODEL)}
    assert stages.get(2, "candidate") == "candidate"
    registry.close()
