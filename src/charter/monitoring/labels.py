"""Ground-truth labels joined to logged predictions by request id.

``ingest_labels`` is idempotent: the same file twice stores nothing new the second time; a
different label for an id already stored replaces it (a correction) and counts as ``updated``.
Labels whose id is not in the model's prediction log are not stored, only counted (``unknown``).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from charter.errors import DataError
from charter.monitoring.result import LabelIngestResult
from charter.predlog import compact, default_log_dir, default_spool_dir, read_log

if TYPE_CHECKING:
    from charter.registry import Registry

__all__ = ["compact_spool", "ingest_labels", "label_text", "logged_request_ids"]

_SHOWN_UNKNOWN = 20


def label_text(value: Any) -> str:
    """A label as stored: whole floats lose their ``.0`` so 1, 1.0 and "1" agree."""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def compact_spool(home: str | Path) -> None:
    """Move complete spool lines into the Parquet log so monitoring sees them."""
    spool = default_spool_dir(home)
    if spool.exists():
        compact(spool, default_log_dir(home))


def logged_request_ids(home: str | Path, name: str) -> set[str]:
    """Every request id in the model's compacted prediction log."""
    log_dir = default_log_dir(home)
    if not log_dir.exists():
        return set()
    table = read_log(log_dir, name)
    return {str(v) for v in table["request_id"].to_pylist()}


def ingest_labels(
    registry: Registry,
    name: str,
    frame: pd.DataFrame,
    *,
    id_column: str,
    label_column: str,
    home: str | Path,
) -> LabelIngestResult:
    """Store the labels of ``frame`` for ``name``'s logged predictions.

    Rows with a missing id or label are refused (``DataError``): a silent skip would bias the
    realized metrics. For an id given twice in the file the last row wins.
    """
    registry.store.get_model(name)
    for column in (id_column, label_column):
        if column not in frame.columns:
            raise DataError(
                f"the labels have no column {column!r}; they have {list(frame.columns)}"
            )
    if frame[id_column].isna().any() or frame[label_column].isna().any():
        raise DataError(
            f"{int(frame[id_column].isna().sum())} rows have no id and "
            f"{int(frame[label_column].isna().sum())} no label; fill or drop them first"
        )
    pairs = {
        label_text(request_id): label_text(label)
        for request_id, label in zip(frame[id_column], frame[label_column], strict=True)
    }
    compact_spool(home)
    known = logged_request_ids(home, name)
    unknown = sorted(request_id for request_id in pairs if request_id not in known)
    kept = [(request_id, label) for request_id, label in pairs.items() if request_id in known]
    new, updated = registry.store.ingest_labels(name, kept) if kept else (0, 0)
    return LabelIngestResult(
        model=name,
        new=new,
        updated=updated,
        unchanged=len(kept) - new - updated,
        unknown=len(unknown),
        unknown_ids=tuple(unknown[:_SHOWN_UNKNOWN]),
    )
