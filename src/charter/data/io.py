"""Reading tables users point Charter at, and fingerprinting them for lineage."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd

from charter.errors import DataError

__all__ = ["MISSING_MARKERS", "fingerprint_frame", "read_table"]

# Besides pandas' defaults ("", "NA", "NaN", "null", …), "?" marks a missing value, as in UCI Adult.
MISSING_MARKERS: tuple[str, ...] = ("?",)

_READERS = {
    ".csv": "csv",
    ".csv.gz": "csv",
    ".tsv": "tsv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
}


def _kind(path: Path) -> str:
    name = path.name.lower()
    for suffix, kind in sorted(_READERS.items(), key=lambda item: -len(item[0])):
        if name.endswith(suffix):
            return kind
    known = ", ".join(sorted(_READERS))
    raise DataError(f"cannot read {path}: unknown file type (expected one of {known})")


def read_table(path: str | Path, *, max_rows: int | None = None) -> pd.DataFrame:
    """Read a CSV, TSV, Parquet or JSON Lines file into a DataFrame.

    Raises ``DataError`` naming the file for a missing, empty, unreadable or corrupt file, so the
    CLI can answer with a message instead of a traceback.
    """
    source = Path(path)
    if not source.exists():
        raise DataError(f"data file not found: {source}")
    if source.is_dir():
        raise DataError(f"expected a data file, got a directory: {source}")
    kind = _kind(source)
    try:
        if kind in ("csv", "tsv"):
            frame = pd.read_csv(
                source,
                sep="\t" if kind == "tsv" else ",",
                na_values=list(MISSING_MARKERS),
                nrows=max_rows,
                low_memory=False,
            )
        elif kind == "parquet":
            frame = pd.read_parquet(source)
            if max_rows is not None:
                frame = frame.head(max_rows)
        else:
            frame = pd.read_json(source, lines=True, nrows=max_rows)
    except pd.errors.EmptyDataError:
        raise DataError(f"data file is empty: {source}") from None
    except (ValueError, OSError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DataError(f"cannot read {source} as {kind}: {first_line}") from None
    except Exception as exc:  # pyarrow raises its own hierarchy for corrupt Parquet
        raise DataError(f"cannot read {source} as {kind}: {type(exc).__name__}: {exc}") from None
    if frame.empty:
        raise DataError(f"data file has no rows: {source}")
    return frame


def fingerprint_frame(frame: pd.DataFrame) -> str:
    """A sha256 over column names and row contents, stable across file formats.

    Two files holding the same table (CSV and Parquet, say) get the same fingerprint, which is what
    lineage needs: *which data* trained the model, not which bytes.
    """
    digest = hashlib.sha256()
    digest.update("\x1f".join(map(str, frame.columns)).encode())
    row_hashes = pd.util.hash_pandas_object(
        frame.astype(object).where(frame.notna(), None), index=False
    )
    digest.update(row_hashes.to_numpy().tobytes())
    return f"sha256:{digest.hexdigest()}"
