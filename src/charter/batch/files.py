"""Streaming Arrow tables into Parquet, CSV or JSON Lines files, one writer per file.

A ``TableFileWriter`` opens its file on the first table and casts every later table to that
schema, so a file never mixes column types; closing a writer that saw no rows still writes a
valid, empty file with the schema it was given, so consumers can tell "no rows" from "not run".
"""

from __future__ import annotations

from typing import Any, Literal

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from charter.errors import DataError

__all__ = ["OutputFormat", "TableFileWriter", "format_of"]

OutputFormat = Literal["parquet", "csv", "jsonl"]
_SUFFIXES: dict[str, OutputFormat] = {
    ".parquet": "parquet",
    ".pq": "parquet",
    ".csv": "csv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
}


def format_of(path: str, default: OutputFormat | None = None) -> OutputFormat:
    """The output format a path's suffix names, else ``default``."""
    lowered = path.lower().rstrip("/")
    for suffix, kind in _SUFFIXES.items():
        if lowered.endswith(suffix):
            return kind
    if default is not None:
        return default
    raise DataError(
        f"cannot tell the output format of {path}: end it with .parquet, .csv or .jsonl"
    )


class TableFileWriter:
    """Appends Arrow tables to one file of one format."""

    def __init__(self, fs: Any, path: str, kind: OutputFormat, empty_schema: pa.Schema) -> None:
        self._fs = fs
        self._path = path
        self._kind = kind
        self._empty_schema = empty_schema
        self._schema: pa.Schema | None = None
        self._handle: Any = None
        self._writer: Any = None
        self.rows = 0

    def write(self, table: pa.Table) -> None:
        if self._schema is None:
            self._open(table.schema)
        assert self._schema is not None
        if table.schema != self._schema:
            try:
                table = table.cast(self._schema)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError, ValueError) as exc:
                raise DataError(
                    f"a later batch of the input changes column types ({exc}); "
                    "give every input file the same column types"
                ) from None
        if self._kind == "jsonl":
            if table.num_rows:
                text = table.to_pandas().to_json(
                    orient="records", lines=True, date_format="iso", date_unit="us"
                )
                self._handle.write(text if text.endswith("\n") else text + "\n")
        else:
            self._writer.write_table(table)
        self.rows += table.num_rows

    def _open(self, schema: pa.Schema) -> None:
        self._schema = schema
        self._handle = self._fs.open(self._path, "wb" if self._kind != "jsonl" else "w")
        if self._kind == "parquet":
            self._writer = pq.ParquetWriter(self._handle, schema)
        elif self._kind == "csv":
            self._writer = pacsv.CSVWriter(self._handle, schema)

    def close(self) -> None:
        """Finish the file (an empty one with ``empty_schema`` if nothing was written)."""
        if self._schema is None:
            self._open(self._empty_schema)
        if self._writer is not None:
            self._writer.close()
        if self._handle is not None:
            self._handle.close()
        self._writer = self._handle = None

    def discard(self) -> None:
        """Close without caring about the content (the caller deletes the file)."""
        for closable in (self._writer, self._handle):
            try:
                if closable is not None:
                    closable.close()
            except Exception:
                pass
        self._writer = self._handle = None
