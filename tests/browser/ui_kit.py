"""A registry filled the way the quickstart fills it, for the dashboard's browser tests.

A plain module (not ``conftest.py``) so tests can import its names. ``build_home`` registers
the Adult model twice (v2 under a charter with another owner), validates both, signs v1
off and promotes it, logs four days of v1 traffic (the last two drifted), ingests labels for
the first three and runs ``monitor``; then issues one token per role the tests act as.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.pipeline import Pipeline
from threadpoolctl import threadpool_limits

from charter.datasets import load_adult
from charter.examples.adult import ADULT_FEATURES, ADULT_SENSITIVE
from charter.governance import GovernanceService, issue_token
from charter.monitoring import ingest_labels, monitor
from charter.predlog import PredictionRecord, SpoolWriter, default_spool_dir
from charter.registry import Registry
from charter.store import open_artifact_store, open_registry_store
from charter.validation import validate

MODEL = "adult-income"
DAYS = tuple(datetime(2026, 3, day, tzinfo=UTC) for day in (2, 3, 4, 5))
ROWS_PER_DAY = 300
# v2's charter changes the owner only: a minor change, so v1 stays a valid rollback target
OWNER, NEW_OWNER = "retail-analytics@bank.example", "card-analytics@bank.example"
HOLDOUT_ROWS = 2_000
SKIPPED = ("latency", "robustness", "explainability")  # the slow checks: seconds each
REVIEWERS = (
    ("validation", "validator@bank.example", "gate passed on the Adult test set"),
    ("privacy", "dpo@bank.example", "identifiers hashed in the log"),
    ("business", "owner@bank.example", "fit for the premium card campaign"),
)
ROLES = ("approver:validation", "approver:privacy", "approver:business", "deployer", "viewer")


@dataclass(frozen=True)
class Filled:
    """The home the dashboard serves and the tokens the tests sign in with (role -> token)."""

    home: Path
    tokens: dict[str, str]


def open_registry(home: Path) -> Registry:
    """The SQLite registry ``charter --home home`` opens."""
    store = open_registry_store(f"sqlite:///{home / 'charter.db'}")
    return Registry(store, open_artifact_store(str(home / "artifacts")))


def _drifted(frame: pd.DataFrame, n: int, seed: int) -> pd.DataFrame:
    weights = np.where(frame["age"] >= 50, 8.0, 0.3)
    weights = weights * np.where(frame["education"].isin(["HS-grad", "11th", "10th"]), 4.0, 1.0)
    return frame.sample(n=n, weights=weights, replace=True, random_state=seed).reset_index(
        drop=True
    )


def _log_day(home: Path, model: Pipeline, rows: pd.DataFrame, day: datetime, prefix: str) -> None:
    features = rows[list(ADULT_FEATURES)]
    scores = model.predict_proba(features)[:, list(model.classes_).index(">50K")]
    logged = rows[[c for c in (*ADULT_FEATURES, *ADULT_SENSITIVE) if c in rows.columns]]
    records = [
        PredictionRecord(
            request_id=f"{prefix}{i:05d}",
            model=MODEL,
            version=1,
            source="served",
            inputs={str(k): (None if pd.isna(v) else v) for k, v in logged.iloc[i].items()},
            outputs={"score": float(score), "label": ">50K" if score >= 0.5 else "<=50K"},
            latency_ms=3.0 + (i % 7),
            at=day + timedelta(seconds=int(i * 3600 / len(rows))),
        )
        for i, score in enumerate(scores)
    ]
    writer = SpoolWriter(default_spool_dir(home))
    writer.append(records)
    writer.close()


def build_home(
    home: Path, model: Pipeline, charter_path: Path, sample: pd.DataFrame, work: Path
) -> Filled:
    """Fill ``home`` (see the module docstring); ``work`` holds the second charter file.

    One OpenMP thread: on a busy 2-core machine the boosting's thread pool spins far longer
    than the work takes.
    """
    with threadpool_limits(limits=1):
        return _build(home, model, charter_path, sample, work)


def _build(
    home: Path, model: Pipeline, charter_path: Path, sample: pd.DataFrame, work: Path
) -> Filled:
    test = load_adult().test.reset_index(drop=True)
    holdout = test.sample(n=HOLDOUT_ROWS, random_state=11).reset_index(drop=True)
    changed = work / "charter-v2.yaml"
    text = charter_path.read_text(encoding="utf-8")
    changed.write_text(text.replace(OWNER, NEW_OWNER), "utf-8")
    with open_registry(home) as registry:
        governance = GovernanceService(registry.store)
        first = registry.register(
            model, charter=charter_path, sample=sample, registered_by="ds@bank"
        )
        validate(registry, first.ref, holdout, run_by="validator@bank.example", skip=SKIPPED)
        for role, reviewer, note in REVIEWERS:
            governance.approve(first.ref, role=role, by=reviewer, note=note)
        governance.promote(first.ref, to="production", by="ops@bank.example")
        second = registry.register(model, charter=changed, sample=sample, registered_by="ds@bank")
        validate(registry, second.ref, holdout, run_by="validator@bank.example", skip=SKIPPED)
        logged = []
        for i, day in enumerate(DAYS):
            rows = (
                test.sample(n=ROWS_PER_DAY, random_state=i).reset_index(drop=True)
                if i < 2
                else _drifted(test, ROWS_PER_DAY, seed=i)
            )
            _log_day(home, model, rows, day, prefix=f"d{i}-")
            logged.append(rows.assign(request_id=[f"d{i}-{k:05d}" for k in range(len(rows))]))
        labelled = pd.concat(logged[:3])
        labels = pd.DataFrame({"rid": labelled["request_id"], "y": labelled["income"]})
        ingest_labels(registry, MODEL, labels, id_column="rid", label_column="y", home=home)
        monitor(registry, MODEL, home=home, window=timedelta(days=1))
        tokens = {
            role: issue_token(
                registry.store, role, by="admin@bank.example", name=role.split(":")[-1]
            ).token
            for role in ROLES
        }
    return Filled(home=home, tokens=tokens)
