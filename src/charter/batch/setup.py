"""Getting a run ready: which column identifies a row, the output layout, the scoring plan."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd
import pyarrow as pa

from charter.batch.scorer import ROW_NUMBER, ScoringPlan
from charter.contract import Charter
from charter.data import validate_frame
from charter.errors import DataError, NotFoundError
from charter.models import LoadedModel, coerce_frame
from charter.predlog import load_hash_key
from charter.registry import Registry
from charter.store import VersionRecord

__all__ = ["BACKGROUND_ROWS", "build_plan", "output_schemas", "resolve_id_column"]

BACKGROUND_ROWS = 20
"""Reference rows for reason codes: each scored row costs features times this many model rows."""


def resolve_id_column(
    charter: Charter, columns: Sequence[str], id_column: str | None
) -> str | None:
    """``--id-column``, else the charter's entity key if the input has it, else None (row numbers).

    Also refuses an input that lacks a required feature outright: every row would be rejected,
    which is a wrong file, not bad rows.
    """
    present = set(columns)
    missing = [
        name for name, spec in charter.features.items() if name not in present and not spec.nullable
    ]
    if missing:
        raise DataError(
            f"the input lacks columns the charter requires: {', '.join(missing)} "
            f"(input columns: {', '.join(columns) or 'none'})"
        )
    if id_column is not None:
        if id_column not in present:
            raise DataError(f"--id-column {id_column!r} is not a column of the input")
        return id_column
    keys = [name for name, spec in charter.identifiers.items() if spec.entity_key]
    return next((key for key in keys if key in present), None)


def output_schemas(plan: ScoringPlan) -> tuple[pa.Schema, pa.Schema]:
    """The score and reject layouts, used for files and tables that end up with no rows."""
    id_type = pa.int64() if plan.id_column is None else pa.string()
    scores = [pa.field(plan.id_name, id_type), pa.field("score", pa.float64())]
    if plan.has_label:
        scores.append(pa.field("label", pa.string()))
    if plan.reasons_top > 0:
        scores.append(pa.field("reasons", pa.string()))
    scores += [
        pa.field("model", pa.string()),
        pa.field("model_version", pa.int32()),
        pa.field("run_id", pa.string()),
        pa.field("scored_at", pa.timestamp("us", tz="UTC")),
    ]
    rejects = []
    if plan.id_column is not None:
        rejects.append(pa.field(plan.id_column, pa.string()))
    rejects += [pa.field(ROW_NUMBER, pa.int64()), pa.field("reason", pa.string())]
    rejects += [
        pa.field(name, pa.string())
        for name in plan.charter.features
        if name not in (plan.id_column, ROW_NUMBER, "reason")
    ]
    return pa.schema(scores), pa.schema(rejects)


def build_plan(
    registry: Registry,
    version: VersionRecord,
    charter: Charter,
    *,
    run_id: str,
    id_column: str | None,
    reasons: bool | None,
    log_predictions: bool,
    home: Path,
) -> ScoringPlan:
    """Load the model (sha256 checked) and what scoring needs besides it."""
    top = charter.outputs.reasons.top if charter.outputs.reasons is not None else 0
    if reasons is False:
        top = 0
    model = registry.load(version)
    background = _background(registry, version, charter, model) if top > 0 else None
    rate = charter.monitoring.log.sample if log_predictions else 0.0
    log_columns = tuple(dict.fromkeys([*charter.identifiers, *charter.sensitive]))
    return ScoringPlan(
        model=model,
        charter=charter,
        model_name=version.model_name,
        version=version.version,
        run_id=run_id,
        id_column=id_column,
        reasons_top=top if background is not None else 0,
        background=background,
        log_rate=rate,
        log_columns=log_columns,
        hash_key=load_hash_key(home) if rate > 0 else b"",
    )


def _background(
    registry: Registry, version: VersionRecord, charter: Charter, model: LoadedModel
) -> pd.DataFrame | None:
    """A few clean rows of the version's reference sample, or None if it has none."""
    try:
        sample = registry.load_sample(version)
    except NotFoundError:
        return None
    check = validate_frame(sample, charter.features)
    clean = check.frame[check.valid]
    if clean.empty:
        return None
    rows = clean.sample(n=min(BACKGROUND_ROWS, len(clean)), random_state=0).reset_index(drop=True)
    return coerce_frame(rows, charter.features, categorical_dtype=model.categorical_dtype)
