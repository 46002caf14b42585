"""The prediction log as monitoring reads it: which parts, which windows, how many rows.

``index_traffic`` compacts the spool first (the compactor keeps only complete lines, so a spool
file torn by a crash loses just its unfinished last line), then reads only the ``at``, ``source``
and ``version`` columns of the model's log, part file by part file, and keeps counts:

- ``parts``: the Parquet parts of the date partitions in range, fixed for the run (a part the
  compactor adds meanwhile waits for the next run, so counts and windows agree);
- ``first``/``last``: the earliest and latest record in ``[since, until)``, answered or not;
- ``volumes``: per aligned window start, the answered, non-shadow records (a shadow answers
  traffic the production version already counted), reaching ``history`` before ``since`` so the
  first windows have earlier windows to compare their volume with;
- ``answered``: per (window start, version) the answered records in range (for the versions of
  a window and their typical window size);
- ``error_versions``: per window start, the versions of its error records (``source ==
  "error"``: a request that got no answer; ``None`` where the record names none).

The rows themselves are read window by window (``stream``); nothing here grows with the log
beyond the counts.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from charter.errors import StorageError
from charter.monitoring.labels import compact_spool
from charter.predlog import LOG_SCHEMA, default_log_dir
from charter.predlog.compactor import partition_dir

__all__ = [
    "ERROR_SOURCE",
    "REALTIME_SOURCES",
    "SHADOW_SOURCE",
    "TrafficIndex",
    "index_traffic",
    "log_parts",
]

ERROR_SOURCE = "error"
SHADOW_SOURCE = "shadow"
REALTIME_SOURCES = frozenset({"served", "canary"})
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_COLUMNS = ["at", "source", "version"]
_SCHEMA = pa.schema([LOG_SCHEMA.field(c) for c in _COLUMNS])


@dataclass(frozen=True)
class TrafficIndex:
    """What the log holds for one ``monitor`` run (see the module docstring)."""

    parts: tuple[tuple[date, Path], ...] = ()
    first: datetime | None = None
    last: datetime | None = None
    volumes: dict[datetime, int] = field(default_factory=dict)
    answered: dict[tuple[datetime, int], int] = field(default_factory=dict)
    error_versions: dict[datetime, set[int | None]] = field(default_factory=dict)

    def parts_between(self, start: datetime, end: datetime) -> list[Path]:
        """The parts of the date partitions that may hold records in ``[start, end)``."""
        low, high = start.astimezone(UTC).date(), end.astimezone(UTC).date()
        return [path for day, path in self.parts if low <= day <= high]

    def versions_in(self, start: datetime) -> set[int]:
        """The versions with answered records in the window starting at ``start``."""
        return {version for (at, version) in self.answered if at == start}


def _day(folder: Path) -> date | None:
    if not folder.name.startswith("date="):
        return None
    try:
        return date.fromisoformat(folder.name.removeprefix("date="))
    except ValueError:
        return None


def log_parts(
    log_dir: Path, name: str, since: datetime | None, until: datetime | None
) -> list[tuple[date, Path]]:
    """``name``'s parts in date partitions that may hold records in ``[since, until)``."""
    root = partition_dir(log_dir, name)
    if not root.is_dir():
        return []
    low = since.astimezone(UTC).date() if since is not None else None
    high = until.astimezone(UTC).date() if until is not None else None
    found = []
    for folder in sorted(root.iterdir()):
        day = _day(folder)
        if day is None or (low is not None and day < low) or (high is not None and day > high):
            continue
        found += [(day, part) for part in sorted(folder.glob("part-*.parquet"))]
    return found


def _steps(at: pa.ChunkedArray, length: timedelta) -> npt.NDArray[np.int64]:
    micros = np.asarray(pc.cast(at, pa.int64()).to_numpy(zero_copy_only=False), dtype=np.int64)
    return micros // (length // timedelta(microseconds=1))


def _start(step: int, length: timedelta) -> datetime:
    return _EPOCH + int(step) * length


def index_traffic(
    home: str | Path,
    name: str,
    since: datetime | None,
    until: datetime | None,
    *,
    length: timedelta,
    history: timedelta,
) -> TrafficIndex:
    """Count ``name``'s log for a run over ``[since, until)`` (see the module docstring)."""
    compact_spool(home)
    log_dir = default_log_dir(home)
    if not log_dir.exists():
        return TrafficIndex()
    start = since - history if since is not None else None
    parts = log_parts(log_dir, name, start, until)
    at_type = LOG_SCHEMA.field("at").type
    volumes: Counter[int] = Counter()
    answered: Counter[tuple[int, int]] = Counter()
    errors: dict[int, set[int | None]] = {}
    first: datetime | None = None
    last: datetime | None = None
    for _, part in parts:
        try:
            table = pq.read_table(part, columns=_COLUMNS, schema=_SCHEMA)
        except (OSError, pa.ArrowInvalid) as exc:
            raise StorageError(f"cannot read log part {part}: {exc}") from exc
        if start is not None:
            table = table.filter(pc.greater_equal(table["at"], pa.scalar(start, at_type)))
        if until is not None:
            table = table.filter(pc.less(table["at"], pa.scalar(until, at_type)))
        is_error = pc.fill_null(pc.equal(table["source"], ERROR_SOURCE), False)
        is_shadow = pc.fill_null(pc.equal(table["source"], SHADOW_SOURCE), False)
        counted = table.filter(pc.invert(pc.or_(is_error, is_shadow)))
        steps, counts = np.unique(_steps(counted["at"], length), return_counts=True)
        volumes.update(dict(zip(steps.tolist(), counts.tolist(), strict=True)))
        if since is not None:
            in_range = pc.greater_equal(table["at"], pa.scalar(since, at_type))
            table, is_error = table.filter(in_range), pc.filter(is_error, in_range)
        if table.num_rows == 0:
            continue
        low, high = pc.min_max(table["at"]).values()
        first = low.as_py() if first is None else min(first, low.as_py())
        last = high.as_py() if last is None else max(last, high.as_py())
        ok = table.filter(pc.invert(is_error))
        if ok.num_rows:
            versions = ok["version"].to_numpy(zero_copy_only=False).astype(np.int64)
            pairs, counts = np.unique(
                np.stack([_steps(ok["at"], length), versions]), axis=1, return_counts=True
            )
            for (step, version), n in zip(pairs.T.tolist(), counts.tolist(), strict=True):
                answered[(step, version)] += n
        failed = table.filter(is_error)
        for step, version in set(
            zip(_steps(failed["at"], length).tolist(), failed["version"].to_pylist(), strict=True)
        ):
            errors.setdefault(step, set()).add(version)
    return TrafficIndex(
        parts=tuple(parts),
        first=first,
        last=last,
        volumes={_start(s, length): n for s, n in volumes.items()},
        answered={(_start(s, length), v): n for (s, v), n in answered.items()},
        error_versions={_start(s, length): vs for s, vs in errors.items()},
    )
