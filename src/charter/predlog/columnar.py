"""The compactor's fast path: a whole run of block lines read at once by Arrow's JSON reader.

Reading line by line cost the compactor ~20 µs per single-row request (orjson, then Python
lists, then Arrow typing them). Arrow's reader parses and types every line in one C++ pass, and
a block's columns come back as list columns that flatten to one row per prediction without
touching Python: 1.8-2.9x cheaper per single-row line (``benchmarks/compaction.py``), and up to
1.4x per row of a 100-row block, where parsing and typing the values is the work either way.

It takes only what it reads exactly as the line-by-line path would. Anything else (a row line, a
bad or torn line, a text Arrow would read as a timestamp, a number it would round, a time not
written in UTC) returns ``None``, and the caller reads those lines one by one, which decides
each rule and counts bad lines. One difference is accepted: a column written as ``null``
instead of a list reads as missing on that line, where the line-by-line path refuses the line
(no writer of ours writes one)."""

from __future__ import annotations

import io
import math

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pj

from charter.predlog.records import SOURCES

__all__ = ["nan_as_null", "read_blocks"]

_DOUBLE_EXACT = 2.0**53  # doubles hold every integer up to here exactly
_SOURCES = pa.array(sorted(SOURCES), pa.string())
_UTC_SUFFIX = "+00:00"
_LINE_SCHEMA = pa.schema(  # a block line's own keys; Arrow infers the columns' types
    [
        ("request_ids", pa.list_(pa.string())),
        ("model", pa.string()),
        ("version", pa.int64()),
        ("source", pa.string()),
        ("latency_ms", pa.float64()),
        ("at", pa.string()),  # inferred, a time without fractions would become a timestamp
        ("run_id", pa.string()),
    ]
)
_PARSE = pj.ParseOptions(explicit_schema=_LINE_SCHEMA, unexpected_field_behavior="infer")


def read_blocks(chunk: bytes, schema: pa.Schema) -> dict[tuple[str, str], pa.Table] | None:
    """Every line of ``chunk`` (complete block lines) as log rows in ``schema``, per (model,
    UTC day); ``None`` when any line needs the line-by-line path.

    Each (model, day) is read on its own lines, so its columns are typed and ordered exactly as
    the line-by-line path types and orders them (a second read only when a chunk holds several).
    """
    lines = _read(chunk)
    if lines is None:
        return None
    try:
        model = _column(lines, "model", nullable=False)
        day = pc.utf8_slice_codeunits(_column(lines, "at", nullable=False), 0, 10)
        if pc.count_distinct(model).as_py() == 1 == pc.count_distinct(day).as_py():
            return {(model[0].as_py(), day[0].as_py()): _flatten(lines, schema)}
        keys = list(zip(model.to_pylist(), day.to_pylist(), strict=True))
        found = dict.fromkeys(keys)
        split = chunk.split(b"\n")
        tables = {}
        for key in found:
            part = _read(b"".join(split[i] + b"\n" for i, k in enumerate(keys) if k == key))
            if part is None:
                return None
            tables[key] = _flatten(part, schema)
        return tables
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
        return None


def _read(chunk: bytes) -> pa.Table | None:
    """One row per line, or ``None`` when Arrow cannot read every line exactly."""
    if not chunk:
        return None
    try:
        lines = pj.read_json(
            io.BytesIO(chunk),
            read_options=pj.ReadOptions(use_threads=False, block_size=len(chunk) + 1),
            parse_options=_PARSE,
        ).combine_chunks()
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    if lines.num_rows != chunk.count(b"\n") or not _plain_types(lines.schema):
        return None
    if not {"inputs", "outputs"} <= set(lines.column_names):  # no line holds a block's columns
        return None
    if not all(_exact(lines.column(name).chunk(0)) for name in ("inputs", "outputs")):
        return None
    return lines


def _exact(array: pa.Array) -> bool:
    """No number the line-by-line path would keep exact and Arrow may not have.

    Arrow reads an integer past 64 bits, or one past 2**53 beside fractions, as a double
    (rounded); ``pa.array`` refuses both, and the line-by-line path stores those exactly as
    JSON text. Any double of that size sends the chunk there.
    """
    kind = array.type
    if pa.types.is_floating(kind):
        largest = pc.max(pc.abs(array)).as_py()
        return largest is None or not _DOUBLE_EXACT <= largest < math.inf
    if pa.types.is_list(kind):
        return _exact(array.flatten())
    if pa.types.is_struct(kind):
        return all(_exact(array.field(i)) for i in range(kind.num_fields))
    return True


def _plain_types(schema: pa.Schema) -> bool:
    """No timestamps in the columns: Arrow reads ISO-like text as one, where JSON holds text."""

    def plain(kind: pa.DataType) -> bool:
        if pa.types.is_temporal(kind):
            return False
        return all(plain(kind.field(i).type) for i in range(kind.num_fields))

    return all(plain(field.type) for field in schema if field.name not in _LINE_SCHEMA.names)


def _column(lines: pa.Table, name: str, *, nullable: bool) -> pa.Array:
    """One of a line's own keys (typed by ``_LINE_SCHEMA``) on every line."""
    array = lines.column(name).chunk(0)
    if array.null_count and not nullable:
        raise pa.ArrowInvalid(f"{name} is missing on some line")
    return array


def _fields(lines: pa.Table, key: str, counts: np.ndarray, rows: _Rows) -> pa.Array:
    """A block's ``inputs``/``outputs`` columns, one value per prediction, as the line-by-line
    path stores them: a column a line lacks is null on its rows, and the rows of a line with no
    columns at all are a null struct (read back as ``{}``).
    """
    struct = lines.column(key).chunk(0)
    if not pa.types.is_struct(struct.type):
        raise pa.ArrowInvalid(f"{key} is not an object of columns")
    if struct.type.num_fields == 0:
        return pa.array(["{}"] * len(rows.line), pa.string())
    names, values = [], []
    line_has_none = np.asarray(struct.is_null())
    absent_everywhere = np.ones(len(struct), dtype=bool)
    for i in range(struct.type.num_fields):
        field = struct.field(i)
        if not pa.types.is_list(field.type):
            raise pa.ArrowInvalid(f"{key}.{struct.type.field(i).name} is not a column")
        absent = np.asarray(field.is_null()) | line_has_none
        absent_everywhere &= absent
        lengths = np.asarray(pc.list_value_length(field).fill_null(0))
        if np.any((lengths != counts) & ~absent):
            raise pa.ArrowInvalid(f"a column of {key} does not hold one value per request id")
        names.append(struct.type.field(i).name)
        values.append(nan_as_null(rows.spread(field, absent)))
    empty = absent_everywhere[rows.line]
    return pa.StructArray.from_arrays(
        values, names=names, mask=pa.array(empty) if empty.any() else None
    )


class _Rows:
    """Where each prediction sits: its line, and its place in that line's columns."""

    def __init__(self, ids: pa.ListArray) -> None:
        self.line = np.asarray(pc.list_parent_indices(ids))
        starts = np.asarray(ids.offsets)[:-1]
        self.place = np.arange(len(self.line)) - (starts - starts[0])[self.line]

    def spread(self, column: pa.ListArray, absent: np.ndarray) -> pa.Array:
        """A list column's values, one per prediction; null on the rows of lines without it."""
        if not absent.any():
            return column.flatten()
        index = np.asarray(column.offsets)[:-1][self.line] + self.place
        return column.values.take(pa.array(index, mask=absent[self.line]))


def _flatten(lines: pa.Table, schema: pa.Schema) -> pa.Table:
    ids = _column(lines, "request_ids", nullable=False)
    if ids.values.null_count:
        raise pa.ArrowInvalid("a request id is null")
    counts = np.asarray(pc.list_value_length(ids))
    rows = _Rows(ids)
    source = _column(lines, "source", nullable=False)
    if not pc.all(pc.is_in(source, value_set=_SOURCES)).as_py():
        raise pa.ArrowInvalid("unknown source")
    at = _column(lines, "at", nullable=False)
    if not pc.all(pc.ends_with(at, _UTC_SUFFIX)).as_py():
        raise pa.ArrowInvalid("a time not written in UTC")
    per_line = {
        "model": _column(lines, "model", nullable=False),
        "version": _column(lines, "version", nullable=False),
        "source": source,
        "latency_ms": _column(lines, "latency_ms", nullable=True),
        "at": at.cast(schema.field("at").type),
        "run_id": _column(lines, "run_id", nullable=True),
    }
    line_of_row = pa.array(rows.line)
    columns: dict[str, pa.Array] = {"request_id": pc.list_flatten(ids)}
    for field in schema:
        if field.name in ("inputs", "outputs"):
            columns[field.name] = _fields(lines, field.name, counts, rows)
        elif field.name != "request_id":
            columns[field.name] = per_line[field.name].take(line_of_row).cast(field.type)
    return pa.table(columns)


def nan_as_null(array: pa.Array) -> pa.Array:
    """A float column's NaNs as nulls (only the standard library's JSON writes NaN)."""
    if pa.types.is_floating(array.type) and array.null_count < len(array):
        nan = pc.is_nan(array)
        if pc.any(nan).as_py():
            return pc.if_else(nan, pa.scalar(None, array.type), array)
    return array
