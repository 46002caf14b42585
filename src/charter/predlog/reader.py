"""Reading the Parquet prediction log back, and enforcing its retention."""

from __future__ import annotations

import io
import json
import shutil
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pa_json
import pyarrow.parquet as pq

from charter.errors import DataError, StorageError
from charter.predlog.compactor import LOG_SCHEMA, partition_dir

_JSON_BLOCK = 4 * 1024 * 1024  # larger than any one logged row (else the lenient path)

__all__ = [
    "PurgeResult",
    "conform",
    "expand_log",
    "first_logged_at",
    "logged_models",
    "purge",
    "read_log",
]


@dataclass(frozen=True)
class PurgeResult:
    """What a purge removed."""

    cutoff: datetime
    partitions_removed: int
    files_removed: int


def _aware(value: datetime, what: str) -> datetime:
    if value.tzinfo is None:
        raise DataError(f"{what} must be an aware datetime (with a time zone)")
    return value.astimezone(UTC)


def _partition_day(path: Path) -> date | None:
    if not path.name.startswith("date="):
        return None
    try:
        return date.fromisoformat(path.name.removeprefix("date="))
    except ValueError:
        return None


def logged_models(log_dir: str | Path) -> list[str]:
    """The model names that have a partition in the log."""
    from urllib.parse import unquote

    root = Path(log_dir)
    if not root.is_dir():
        return []
    return sorted(
        unquote(p.name.removeprefix("model="))
        for p in root.iterdir()
        if p.is_dir() and p.name.startswith("model=")
    )


def read_log(
    log_dir: str | Path,
    model: str,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
) -> pa.Table:
    """A model's logged predictions with ``since <= at < until`` (both optional, aware).

    Columns follow ``LOG_SCHEMA``; ``inputs`` and ``outputs`` are JSON objects as text
    (``expand_log`` turns them into columns). Date partitions outside the window are not opened.
    """
    low = _aware(since, "since") if since is not None else None
    high = _aware(until, "until") if until is not None else None
    root = partition_dir(log_dir, model)
    tables: list[pa.Table] = []
    if root.is_dir():
        for folder in sorted(root.iterdir()):
            day = _partition_day(folder)
            if day is None:
                continue
            if low is not None and day < low.date():
                continue
            if high is not None and day > high.date():
                continue
            for part in sorted(folder.glob("part-*.parquet")):
                try:
                    tables.append(conform(pq.read_table(part)))
                except (OSError, pa.ArrowInvalid) as exc:
                    raise StorageError(f"cannot read log part {part}: {exc}") from exc
    table = pa.concat_tables(tables) if tables else LOG_SCHEMA.empty_table()
    if low is not None:
        table = table.filter(
            pc.greater_equal(table["at"], pa.scalar(low, LOG_SCHEMA.field("at").type))
        )
    if high is not None:
        table = table.filter(pc.less(table["at"], pa.scalar(high, LOG_SCHEMA.field("at").type)))
    return table


def conform(table: pa.Table | pa.RecordBatch, *, objects_as_text: bool = True) -> pa.Table:
    """A part's rows in ``LOG_SCHEMA``: types cast, columns an older part lacks as nulls, and
    struct inputs/outputs as JSON text; with ``objects_as_text=False`` they stay structs
    (``expand_log`` takes either, and a struct skips writing and parsing JSON)."""
    names = table.schema.names
    columns, fields = [], []
    for field in LOG_SCHEMA:
        if field.name not in names:
            columns.append(pa.nulls(table.num_rows, field.type))
            fields.append(field)
            continue
        column = table.column(names.index(field.name))
        if field.name in _OBJECTS and pa.types.is_struct(column.type):
            if not objects_as_text:
                columns.append(column)
                fields.append(pa.field(field.name, column.type))
                continue
            column = _json_text(column)
        columns.append(column.cast(field.type))
        fields.append(field)
    return pa.Table.from_arrays(columns, schema=pa.schema(fields))


_OBJECTS = ("inputs", "outputs")


def _json_text(column: pa.Array | pa.ChunkedArray) -> pa.ChunkedArray:
    """One JSON object per row of a struct column, written by DuckDB's ``to_json`` in C++;
    a null row (a record with no fields) is ``{}``."""
    import duckdb

    with duckdb.connect() as connection:
        connection.register("log_part", pa.table({"objects": column}))
        texts = connection.sql(
            "SELECT coalesce(to_json(objects)::VARCHAR, '{}') AS j FROM log_part"
        )
        return texts.to_arrow_table().column("j")


def first_logged_at(log_dir: str | Path, model: str) -> datetime | None:
    """When the model's earliest compacted record was logged; None for an empty log.

    Reads only the ``at`` column of the earliest date partition that holds a record.
    """
    root = partition_dir(log_dir, model)
    if not root.is_dir():
        return None
    for folder in sorted(root.iterdir()):
        if _partition_day(folder) is None:
            continue
        moments = []
        for part in sorted(folder.glob("part-*.parquet")):
            try:
                column = pq.read_table(part, columns=["at"])["at"]
            except (OSError, pa.ArrowInvalid) as exc:
                raise StorageError(f"cannot read log part {part}: {exc}") from exc
            if len(column):
                moments.append(pc.min(column).as_py())
        if moments:
            first: datetime = min(moments)
            return first if first.tzinfo is not None else first.replace(tzinfo=UTC)
    return None


def expand_log(table: pa.Table) -> pd.DataFrame:
    """The log as a DataFrame: one column per input field, outputs as ``output_<name>``."""
    frame = table.drop_columns(["inputs", "outputs"]).to_pandas()
    inputs = _objects(table["inputs"], frame.index)
    outputs = _objects(table["outputs"], frame.index)
    outputs.columns = [f"output_{c}" for c in outputs.columns]
    expanded: pd.DataFrame = pd.concat([frame, inputs, outputs], axis=1)
    return expanded


def _objects(column: pa.ChunkedArray, index: pd.Index) -> pd.DataFrame:
    """One JSON object per row as columns: Arrow's C++ JSON reader, ``json.loads`` as fallback.

    Arrow parses a million rows in well under a second where ``json.loads`` per row takes
    seconds; it refuses a field whose JSON type changes between rows (a number here, text
    there), and those logs take the slow, lenient path. A struct column (a part read with
    ``conform(..., objects_as_text=False)``) is taken apart field by field, without JSON.
    """
    if pa.types.is_struct(column.type):
        return _struct_columns(column, index)
    texts = column.to_pylist()
    if not texts or any(text is None or not text.startswith("{") for text in texts):
        return pd.DataFrame([json.loads(v) if v else {} for v in texts], index=index)
    data = "\n".join(texts).encode("utf-8")
    try:
        parsed = pa_json.read_json(
            io.BytesIO(data), read_options=pa_json.ReadOptions(block_size=_JSON_BLOCK)
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return pd.DataFrame([json.loads(v) for v in texts], index=index)
    if parsed.num_rows != len(texts):  # "{}" rows have no fields: Arrow still counts them
        return pd.DataFrame([json.loads(v) for v in texts], index=index)
    nested = [f.name for f in parsed.schema if pa.types.is_nested(f.type)]
    out: pd.DataFrame = parsed.drop_columns(nested).to_pandas()
    for name in nested:  # reason codes and the like: plain lists and dicts, as json.loads gives
        out[name] = pd.Series(parsed[name].to_pylist(), dtype=object)
    out = out[parsed.column_names]
    out.index = index
    return out


def _struct_columns(column: pa.ChunkedArray, index: pd.Index) -> pd.DataFrame:
    combined = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    out = pd.DataFrame(index=index)
    for field, values in zip(combined.type, combined.flatten(), strict=True):
        if pa.types.is_nested(field.type):  # reason codes and the like, as json.loads gives
            out[field.name] = pd.Series(values.to_pylist(), index=index, dtype=object)
        else:
            series = values.to_pandas()
            series.index = index
            out[field.name] = series
    return out


def purge(
    log_dir: str | Path,
    older_than: timedelta | datetime,
    *,
    model: str | None = None,
    now: datetime | None = None,
) -> PurgeResult:
    """Delete whole days of log older than a cutoff (a retention period or an aware datetime).

    Retention is enforced by day partitions: a day is removed once all of it lies before the
    cutoff, so records are kept at most one day past their retention.
    """
    if isinstance(older_than, timedelta):
        if older_than <= timedelta(0):
            raise DataError(f"retention must be longer than zero; got {older_than}")
        cutoff = _aware(now or datetime.now(UTC), "now") - older_than
    else:
        cutoff = _aware(older_than, "older_than")
    models = [model] if model is not None else logged_models(log_dir)
    partitions = files = 0
    for name in models:
        root = partition_dir(log_dir, name)
        if not root.is_dir():
            continue
        for folder in sorted(root.iterdir()):
            day = _partition_day(folder)
            if day is None or day >= cutoff.date():
                continue
            files += sum(1 for _ in folder.glob("*.parquet"))
            try:
                shutil.rmtree(folder)
            except OSError as exc:
                raise StorageError(f"cannot remove log partition {folder}: {exc}") from exc
            partitions += 1
    return PurgeResult(cutoff=cutoff, partitions_removed=partitions, files_removed=files)
