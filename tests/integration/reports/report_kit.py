"""Helpers for the report tests: an Adult registry under a home, and days of logged traffic.

A plain module (not ``conftest.py``) so the tests can import it by name.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.pipeline import Pipeline

from charter.examples.adult import ADULT_FEATURES
from charter.predlog import PredictionRecord, SpoolWriter, default_spool_dir
from charter.registry import Registry
from charter.store import open_artifact_store, open_registry_store

MODEL = "adult-income"
DAYS = tuple(datetime(2026, 3, day, tzinfo=UTC) for day in (2, 3, 4, 5))
ROWS_PER_DAY = 500


@dataclass(frozen=True)
class Monitored:
    """A registry home with logged, labelled and monitored traffic."""

    home: Path
    logged: tuple[pd.DataFrame, ...]


def open_registry(home: Path) -> Registry:
    """The SQLite registry the CLI opens for ``--home home``."""
    store = open_registry_store(f"sqlite:///{home / 'charter.db'}")
    return Registry(store, open_artifact_store(str(home / "artifacts")))


def register_adult(
    home: Path, model: Pipeline, charter_path: Path, sample: pd.DataFrame
) -> Registry:
    registry = open_registry(home)
    registry.register(model, charter=charter_path, sample=sample, registered_by="ds@bank")
    return registry


def drifted(frame: pd.DataFrame, n: int, seed: int) -> pd.DataFrame:
    """Rows re-weighted towards people of 50 and over without a degree."""
    weights = np.where(frame["age"] >= 50, 8.0, 0.3)
    weights = weights * np.where(frame["education"].isin(["HS-grad", "11th", "10th"]), 4.0, 1.0)
    sampled = frame.sample(n=n, weights=weights, replace=True, random_state=seed)
    return sampled.reset_index(drop=True)


def log_day(
    home: Path, model: Pipeline, rows: pd.DataFrame, day: datetime, prefix: str
) -> pd.DataFrame:
    """Score ``rows`` and spool one served record each, spread over the day's first hour."""
    features = rows[list(ADULT_FEATURES)]
    scores = model.predict_proba(features)[:, list(model.classes_).index(">50K")]
    ids = [f"{prefix}{i:05d}" for i in range(len(rows))]
    records = [
        PredictionRecord(
            request_id=request_id,
            model=MODEL,
            version=1,
            source="served",
            inputs={str(k): (None if pd.isna(v) else v) for k, v in features.iloc[i].items()},
            outputs={"score": float(score), "label": ">50K" if score >= 0.5 else "<=50K"},
            latency_ms=3.0,
            at=day + timedelta(seconds=int(i * 3600 / len(rows))),
        )
        for i, (request_id, score) in enumerate(zip(ids, scores, strict=True))
    ]
    writer = SpoolWriter(default_spool_dir(home))
    writer.append(records)
    writer.close()
    out = rows.copy()
    out["request_id"] = ids
    return out
