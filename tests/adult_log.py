"""Adult predictions written to a home's prediction-log spool, as the server would log them.

A plain module (not ``conftest.py``) so it never shadows another folder's ``conftest``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.pipeline import Pipeline

from charter.examples.adult import ADULT_FEATURES, ADULT_SENSITIVE
from charter.predlog import PredictionRecord, Source, SpoolWriter, default_spool_dir

MODEL = "adult-income"


def log_rows(
    home: Path,
    model: Pipeline,
    rows: pd.DataFrame,
    *,
    start: datetime,
    prefix: str,
    source: Source = "served",
    latency_ms: float | None = 3.0,
    span: timedelta = timedelta(hours=1),
) -> pd.DataFrame:
    """Score ``rows`` and write one record each (with the sensitive columns, as the server logs
    them under the charter's PII policy), spread over ``span`` from ``start``."""
    features = rows[list(ADULT_FEATURES)]
    scores = model.predict_proba(features)[:, list(model.classes_).index(">50K")]
    ids = [f"{prefix}{i:05d}" for i in range(len(rows))]
    logged = rows[[c for c in (*ADULT_FEATURES, *ADULT_SENSITIVE) if c in rows.columns]]
    records = []
    for i, (request_id, score) in enumerate(zip(ids, scores, strict=True)):
        inputs = {k: (None if pd.isna(v) else v) for k, v in logged.iloc[i].items()}
        records.append(
            PredictionRecord(
                request_id=request_id,
                model=MODEL,
                version=1,
                source=source,
                inputs=inputs,
                outputs={"score": float(score), "label": ">50K" if score >= 0.5 else "<=50K"},
                latency_ms=latency_ms,
                at=start + span * (i / max(len(rows), 1)),
            )
        )
    write_records(home, records)
    out = rows.copy()
    out["request_id"] = ids
    out["score"] = scores
    return out


def write_records(home: Path, records: list[PredictionRecord]) -> None:
    """Append ``records`` to a spool file of ``home`` and close it."""
    writer = SpoolWriter(default_spool_dir(home))
    writer.append(records)
    writer.close()


def drifted(frame: pd.DataFrame, n: int, seed: int = 3) -> pd.DataFrame:
    """Adult test rows re-weighted towards older people without a degree (a vendor change)."""
    weights = np.where(frame["age"] >= 50, 8.0, 0.3)
    weights = weights * np.where(frame["education"].isin(["HS-grad", "11th", "10th"]), 4.0, 1.0)
    return frame.sample(n=n, weights=weights, replace=True, random_state=seed).reset_index(
        drop=True
    )
