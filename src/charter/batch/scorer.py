"""One record batch through the charter: check the rows, score the valid ones, explain them.

``ScoringPlan`` is everything a worker needs to score (the model, the charter, the output
layout); it pickles, so the Dask engine ships it to workers once per partition. ``score_batch`` is
pure apart from the model call: a batch in, the score rows, the reject rows and the sampled
prediction-log rows out. Rejected rows are returned with their reasons, never dropped.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from charter.batch.prediction_log import log_block, sampled
from charter.contract import Charter
from charter.data import validate_frame
from charter.metrics import reason_codes
from charter.models import LoadedModel, coerce_frame
from charter.predlog import LogPlan

__all__ = ["ROW_NUMBER", "ScoredBatch", "ScoringPlan", "score_batch"]

ROW_NUMBER = "row_number"
"""The id column when neither ``--id-column`` nor an entity key is in the input: input position."""


@dataclass(frozen=True)
class ScoringPlan:
    """What scoring needs, fixed for the whole run."""

    model: LoadedModel
    charter: Charter
    model_name: str
    version: int
    run_id: str
    id_column: str | None  # None: number the rows
    reasons_top: int = 0
    background: pd.DataFrame | None = None
    log_rate: float = 0.0
    log_columns: tuple[str, ...] = field(default_factory=tuple)
    hash_key: bytes = field(default=b"", repr=False)

    log_plan: LogPlan = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # the PII decision per logged column, made once per run and shipped with the plan
        object.__setattr__(self, "log_plan", LogPlan(self.charter, self.hash_key))

    @property
    def id_name(self) -> str:
        return self.id_column or ROW_NUMBER

    @property
    def positive(self) -> str | None:
        return self.charter.target.positive

    @property
    def threshold(self) -> float:
        label = self.charter.outputs.label
        return label.threshold if label is not None else 0.5

    @property
    def has_label(self) -> bool:
        return self.charter.task != "regression"


@dataclass(frozen=True)
class ScoredBatch:
    """The outcome of one batch: rows for the output, rows for the reject file, rows to log."""

    scores: pa.Table
    rejects: pa.Table
    log: bytes  # spool lines of the sampled rows
    rows_logged: int
    rows_in: int

    @property
    def rows_scored(self) -> int:
        return int(self.scores.num_rows)

    @property
    def rows_rejected(self) -> int:
        return int(self.rejects.num_rows)


def _ids(plan: ScoringPlan, batch: pa.RecordBatch, offset: int) -> pa.Array:
    if plan.id_column is None:
        return pa.array(np.arange(offset, offset + batch.num_rows, dtype=np.int64))
    return batch.column(plan.id_column)


def _labels(plan: ScoringPlan, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """(score, label) per row: the positive-class probability and the label at the threshold."""
    classes = plan.model.classes
    if scores.ndim == 2:  # multiclass: the winning class and its probability
        names = np.asarray(classes if classes is not None else range(scores.shape[1]), dtype=object)
        winner = scores.argmax(axis=1)
        return scores.max(axis=1), names[winner].astype(str)
    if not plan.has_label:
        return scores, None
    positive = plan.positive or (classes[-1] if classes else "1")
    others = [c for c in (classes or ()) if c != positive]
    negative = others[0] if others else "0"
    labels = np.where(scores >= plan.threshold, positive, negative)
    return scores, labels.astype(str)


def _json_value(value: Any) -> Any:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, pd.Timestamp | datetime):
        return value.isoformat()
    return value


def _reasons(plan: ScoringPlan, clean: pd.DataFrame) -> list[str]:
    assert plan.background is not None

    def predict(frame: pd.DataFrame) -> np.ndarray:
        return np.asarray(plan.model.predict_scores(frame, positive=plan.positive))

    codes = reason_codes(predict, clean, background=plan.background, top=plan.reasons_top)
    return [
        json.dumps(
            [
                {
                    "feature": code.feature,
                    "contribution": _json_value(code.contribution),
                    "value": _json_value(code.value),
                }
                for code in row
            ],
            allow_nan=False,
        )
        for row in codes
    ]


def _text(column: pa.Array | pa.ChunkedArray) -> pa.Array:
    try:
        return pc.cast(column, pa.string())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return pa.array([None if v is None else str(v) for v in column.to_pylist()], pa.string())


def _rejects(
    plan: ScoringPlan,
    batch: pa.RecordBatch,
    ids: pa.Array,
    bad: np.ndarray,
    reasons: list[str],
    offset: int,
) -> pa.Table:
    rows = np.flatnonzero(bad)
    take = pa.array(rows, type=pa.int64())
    columns: dict[str, pa.Array] = {}
    if plan.id_column is not None:
        columns[plan.id_column] = _text(pc.take(ids, take))
    columns[ROW_NUMBER] = pa.array(np.asarray(rows, dtype=np.int64) + offset)
    columns["reason"] = pa.array([reasons[i] for i in rows], type=pa.string())
    names = set(batch.schema.names)
    for feature in plan.charter.features:
        if feature in (plan.id_column, ROW_NUMBER, "reason"):
            continue
        if feature in names:
            columns[feature] = _text(pc.take(batch.column(feature), take))
        else:
            columns[feature] = pa.nulls(len(rows), pa.string())
    return pa.table(columns)


def score_batch(plan: ScoringPlan, batch: pa.RecordBatch, offset: int) -> ScoredBatch:
    """Check, score and explain one batch whose first row is input row number ``offset``."""
    frame = batch.to_pandas()
    check = validate_frame(frame, plan.charter.features)
    valid = np.asarray(check.valid, dtype=bool)
    ids = _ids(plan, batch, offset)
    rejects = _rejects(plan, batch, ids, ~valid, check.reasons() if not valid.all() else [], offset)
    clean = check.frame[valid].reset_index(drop=True)
    kept = pa.array(np.flatnonzero(valid), type=pa.int64())
    now = datetime.now(UTC)
    n = len(clean)
    columns: dict[str, Any] = {plan.id_name: pc.take(ids, kept)}
    score = label = None
    reasons: list[str | None] | None = None
    if n:
        # The model's dtypes (missing categories as NaN, as at training), exactly as serving does.
        features = coerce_frame(
            clean, plan.charter.features, categorical_dtype=plan.model.categorical_dtype
        )
        raw = np.asarray(plan.model.predict_scores(features, positive=plan.positive))
        score, label = _labels(plan, raw)
        if plan.reasons_top > 0 and plan.background is not None:
            reasons = list(_reasons(plan, features))
    columns["score"] = pa.array(score if score is not None else [], type=pa.float64())
    if plan.has_label:
        columns["label"] = pa.array(label if label is not None else [], type=pa.string())
    if plan.reasons_top > 0:
        columns["reasons"] = pa.array(reasons if reasons else [None] * n, type=pa.string())
    columns["model"] = pa.array([plan.model_name] * n, type=pa.string())
    columns["model_version"] = pa.array([plan.version] * n, type=pa.int32())
    columns["run_id"] = pa.array([plan.run_id] * n, type=pa.string())
    columns["scored_at"] = pa.array([now] * n, type=pa.timestamp("us", tz="UTC"))
    scores = pa.table(columns)
    log, logged = _log_rows(plan, batch, clean, np.flatnonzero(valid), scores, offset)
    return ScoredBatch(scores, rejects, log, logged, batch.num_rows)


def _log_rows(
    plan: ScoringPlan,
    batch: pa.RecordBatch,
    clean: pd.DataFrame,
    positions: np.ndarray,
    scores: pa.Table,
    offset: int,
) -> tuple[bytes, int]:
    """Spool lines for the sampled scored rows (checked inputs, identifiers, outputs); rows."""
    if plan.log_rate <= 0 or not len(clean):
        return b"", 0
    request_ids = [f"{plan.run_id}:{offset + p}" for p in positions.tolist()]
    chosen = sampled(request_ids, plan.log_rate)
    if not chosen:
        return b"", 0
    inputs = clean.iloc[chosen].reset_index(drop=True)
    names = set(batch.schema.names)
    take = pa.array(positions[chosen], type=pa.int64())
    for column in plan.log_columns:
        if column in names and column not in inputs.columns:
            inputs[column] = pc.take(batch.column(column), take).to_pandas().astype(object)
    outputs = scores.select([c for c in ("score", "label", "reasons") if c in scores.column_names])
    outputs = outputs.take(pa.array(chosen, type=pa.int64()))
    block = log_block(
        [request_ids[i] for i in chosen],
        inputs,
        outputs.to_pandas(),
        plan=plan.log_plan,
        model=plan.model_name,
        version=plan.version,
        run_id=plan.run_id,
    )
    return block, len(chosen)
