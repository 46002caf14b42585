"""One window of the prediction log in one streaming pass: a profile, narrow columns and a sample.

A window is read part file by part file (``scan_part``, one task per Parquet part of the window's
date partitions; the local engine runs them one after another, the Dask engine on its workers) in
Arrow record batches of ``BATCH_ROWS`` rows. Only the batch in hand has its ``inputs``/``outputs``
JSON expanded; per version answering in it, the batch then feeds:

- the version's drift/quality ``Profile`` (mergeable sketches on the reference's bins);
- the narrow per-row columns the other checks need (``NARROW_COLUMNS`` and the charter's
  sensitive attributes): performance, fairness, prediction drift, serving health;
- a bounded sample of whole rows (``SAMPLE_ROWS``) for checks that need rows (``WindowData``):
  the rows whose seeded hash of the request id is smallest (bottom-k sampling, ties broken by
  log order), so the sample is uniform, the same on every run and on every engine, and -- in a
  window of at most ``SAMPLE_ROWS`` rows -- every row, in log order.

Error records (``source == "error"``) keep only their version and status. ``merge_scans`` joins
the parts' results in part order, so the result does not depend on the engine. Memory is one
batch plus the narrow columns of the window plus the sample, never the window's expanded rows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from charter.errors import StorageError
from charter.metrics.profile import Profile, ReferenceSpec, profile_data
from charter.predlog import LOG_SCHEMA, expand_log
from charter.predlog.reader import conform

__all__ = [
    "BATCH_ROWS",
    "NARROW_COLUMNS",
    "SAMPLE_ROWS",
    "PartScan",
    "ScanTask",
    "VersionScan",
    "VersionSpec",
    "WindowScan",
    "merge_scans",
    "scan_part",
]

BATCH_ROWS = 16_384
SAMPLE_ROWS = 20_000
SAMPLE_SEED = "charter-sample-1"  # the 16-character key of the sample's hash
NARROW_COLUMNS = (
    "request_id",
    "version",
    "source",
    "at",
    "latency_ms",
    "output_score",
    "output_label",
)
ERROR_COLUMNS = ("version", "output_status")
ERROR_SOURCE = "error"
_BUFFER_BYTES = 1 << 20  # read column chunks through a 1 MiB buffer, not whole


@dataclass(frozen=True)
class VersionSpec:
    """What a task needs of one version's reference."""

    spec: ReferenceSpec
    features: tuple[str, ...]
    sensitive: tuple[str, ...]


@dataclass(frozen=True)
class ScanTask:
    """One Parquet part of the log, the window's ``[start, end)`` in it, and the versions."""

    part: str
    start: datetime
    end: datetime
    versions: Mapping[int, VersionSpec]
    sample_rows: int = SAMPLE_ROWS
    batch_rows: int = BATCH_ROWS


@dataclass
class VersionScan:
    """One version's rows of one part (or, merged, of one window)."""

    profile: Profile
    narrow: list[pd.DataFrame] = field(default_factory=list)
    n_rows: int = 0
    sample: pd.DataFrame | None = None
    sample_keys: npt.NDArray[np.uint64] = field(
        default_factory=lambda: np.empty(0, dtype=np.uint64)
    )
    sample_positions: npt.NDArray[np.int64] = field(
        default_factory=lambda: np.empty(0, dtype=np.int64)
    )


@dataclass
class PartScan:
    """What one part contributed: per version its scan, and its error records."""

    versions: dict[int, VersionScan]
    errors: list[pd.DataFrame]


@dataclass(frozen=True)
class WindowScan:
    """One version's window: its profile, narrow rows (index 0..n-1) and its row sample.

    ``sample``'s index holds each sampled row's position in ``rows``.
    """

    profile: Profile
    rows: pd.DataFrame
    sample: pd.DataFrame


def _keys(ids: pd.Series) -> npt.NDArray[np.uint64]:
    hashed = pd.util.hash_pandas_object(ids.astype(str), index=False, hash_key=SAMPLE_SEED)
    return np.asarray(hashed.to_numpy(), dtype=np.uint64)


def _keep_smallest(
    scan: VersionScan,
    rows: pd.DataFrame,
    keys: npt.NDArray[np.uint64],
    positions: npt.NDArray[np.int64],
    limit: int,
) -> None:
    """Fold ``rows`` into the scan's bottom-``limit`` sample."""
    if scan.sample is not None:
        rows = pd.concat([scan.sample, rows], ignore_index=True)
        keys = np.concatenate([scan.sample_keys, keys])
        positions = np.concatenate([scan.sample_positions, positions])
    if len(rows) > limit:
        chosen = np.lexsort((positions, keys))[:limit]
        chosen.sort()
        rows = rows.iloc[chosen].reset_index(drop=True)
        keys, positions = keys[chosen], positions[chosen]
    scan.sample, scan.sample_keys, scan.sample_positions = rows, keys, positions


def _expanded(batch: pa.Table) -> pd.DataFrame:
    frame = expand_log(batch)
    frame["at"] = pd.to_datetime(frame["at"], utc=True)
    return frame


def _add_answered(task: ScanTask, scans: dict[int, VersionScan], batch: pa.Table) -> None:
    frame = _expanded(batch)
    versions = frame["version"].astype(int).to_numpy()
    for version in sorted({int(v) for v in np.unique(versions)}):
        known = task.versions.get(version)
        if known is None:  # not asked for (the caller lists every version of the window)
            continue
        rows = frame[versions == version]
        scan = scans.get(version)
        if scan is None:
            scan = scans[version] = VersionScan(Profile.empty(known.spec))
        profile = profile_data(known.spec, rows.reindex(columns=list(known.features)))
        scan.profile = scan.profile.merge(profile)
        wanted = list(dict.fromkeys((*NARROW_COLUMNS, *known.sensitive)))
        scan.narrow.append(rows[[c for c in wanted if c in rows.columns]].reset_index(drop=True))
        positions = np.arange(scan.n_rows, scan.n_rows + len(rows), dtype=np.int64)
        scan.n_rows += len(rows)
        _keep_smallest(
            scan, rows.reset_index(drop=True), _keys(rows["request_id"]), positions,
            task.sample_rows,
        )  # fmt: skip


def _overlaps(file: pq.ParquetFile, group: int, task: ScanTask) -> bool:
    """Whether a row group may hold rows in ``[start, end)`` (by its ``at`` statistics)."""
    meta = file.metadata.row_group(group)
    for i in range(meta.num_columns):
        column = meta.column(i)
        if column.path_in_schema != "at":
            continue
        stats = column.statistics
        if stats is None or not stats.has_min_max:
            return True
        low, high = _aware(stats.min), _aware(stats.max)
        return not (high < task.start or low >= task.end)
    return True


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def scan_part(task: ScanTask) -> PartScan:
    """Stream one part's rows in ``[start, end)`` (see the module docstring); picklable.

    Row groups whose ``at`` statistics lie outside the range are skipped; the rest are read a
    batch at a time without read-ahead, so memory is about one batch, not the file.
    """
    at_type = LOG_SCHEMA.field("at").type
    low, high = pa.scalar(task.start, at_type), pa.scalar(task.end, at_type)
    scans: dict[int, VersionScan] = {}
    errors: list[pd.DataFrame] = []
    try:
        file = pq.ParquetFile(task.part, pre_buffer=False, buffer_size=_BUFFER_BYTES)
        groups = [g for g in range(file.num_row_groups) if _overlaps(file, g, task)]
        for batch in file.iter_batches(batch_size=task.batch_rows, row_groups=groups):
            table = conform(batch, objects_as_text=False)
            table = table.filter(
                pc.and_(pc.greater_equal(table["at"], low), pc.less(table["at"], high))
            )
            if table.num_rows == 0:
                continue
            is_error = pc.fill_null(pc.equal(table["source"], ERROR_SOURCE), False)
            failed = table.filter(is_error)
            if failed.num_rows:
                frame = _expanded(failed)
                errors.append(frame[[c for c in ERROR_COLUMNS if c in frame.columns]])
            answered = table.filter(pc.invert(is_error))
            if answered.num_rows:
                _add_answered(task, scans, answered)
            del table, failed, answered
            pa.default_memory_pool().release_unused()  # give the batch's memory back
    except (OSError, pa.ArrowInvalid) as exc:
        raise StorageError(f"cannot read log part {task.part}: {exc}") from exc
    return PartScan(scans, errors)


def _empty_rows() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "request_id": pd.Series([], dtype=object),
            "version": pd.Series([], dtype="int64"),
            "source": pd.Series([], dtype=object),
            "at": pd.Series([], dtype="datetime64[us, UTC]"),
            "latency_ms": pd.Series([], dtype="float64"),
        }
    )


def merge_scans(
    parts: Sequence[PartScan], versions: Mapping[int, VersionSpec], *, sample_rows: int
) -> tuple[dict[int, WindowScan], pd.DataFrame]:
    """The window per version (in part order, as one scan would give), and its error records."""
    merged: dict[int, VersionScan] = {}
    for part in parts:
        for version, scan in part.versions.items():
            into = merged.get(version)
            if into is None:
                into = merged[version] = VersionScan(Profile.empty(versions[version].spec))
            into.profile = into.profile.merge(scan.profile)
            into.narrow.extend(scan.narrow)
            if scan.sample is not None:
                _keep_smallest(
                    into, scan.sample, scan.sample_keys, scan.sample_positions + into.n_rows,
                    sample_rows,
                )  # fmt: skip
            into.n_rows += scan.n_rows
    out: dict[int, WindowScan] = {}
    for version, known in versions.items():
        found = merged.get(version)
        if found is None or found.n_rows == 0:
            empty = _empty_rows()
            profile = profile_data(known.spec, empty.reindex(columns=list(known.features)))
            out[version] = WindowScan(profile, empty, empty)
            continue
        rows = pd.concat(found.narrow, ignore_index=True)
        sample = found.sample if found.sample is not None else rows.iloc[:0]
        order = np.argsort(found.sample_positions, kind="stable")
        sample = sample.iloc[order]
        sample.index = pd.Index(found.sample_positions[order])
        out[version] = WindowScan(found.profile, rows, sample)
    frames = [frame for part in parts for frame in part.errors]
    errors = (
        pd.concat(frames, ignore_index=True)
        if frames
        else pd.DataFrame({"version": pd.Series([], dtype="int64")})
    )
    return out, errors
