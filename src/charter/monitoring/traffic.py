"""The prediction log as monitoring reads it: answered predictions, error records, and volume.

``load_traffic`` compacts the spool first (the compactor keeps only complete lines, so a spool
file torn by a crash loses just its unfinished last line), then reads the model's log once:

- ``answered``: every record with an answer in ``[since, until)``, inputs and outputs as
  columns; drift, quality, prediction drift, performance and fairness use only these;
- ``errors``: the error records in range (``source == "error"``: a request that got no answer;
  ``outputs`` ``{"error": kind, "status": code}``, no inputs) -- counted by serving health and,
  when their status is 4xx (input refused), as rejections;
- ``volume``: one row per answered, non-shadow record (a shadow answers traffic the production
  version already counted) with its time, reaching ``history`` before ``since`` so the first
  windows have earlier windows to compare their volume with. Only three columns of those extra
  rows are kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from charter.monitoring.labels import compact_spool
from charter.predlog import LOG_SCHEMA, default_log_dir, expand_log, read_log

__all__ = ["ERROR_SOURCE", "REALTIME_SOURCES", "Traffic", "load_traffic"]

ERROR_SOURCE = "error"
SHADOW_SOURCE = "shadow"
REALTIME_SOURCES = frozenset({"served", "canary"})


@dataclass(frozen=True)
class Traffic:
    """What the log holds for one ``monitor`` run (see the module docstring)."""

    answered: pd.DataFrame
    errors: pd.DataFrame
    volume: pd.DataFrame

    @property
    def first(self) -> datetime | None:
        """The earliest record in range, answered or not."""
        moments = [f["at"].min() for f in (self.answered, self.errors) if len(f)]
        return min(moments).to_pydatetime() if moments else None

    @property
    def last(self) -> datetime | None:
        """The latest record in range, answered or not."""
        moments = [f["at"].max() for f in (self.answered, self.errors) if len(f)]
        return max(moments).to_pydatetime() if moments else None


def _empty() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "request_id": pd.Series([], dtype=object),
            "version": pd.Series([], dtype="int64"),
            "source": pd.Series([], dtype=object),
            "at": pd.Series([], dtype="datetime64[us, UTC]"),
            "latency_ms": pd.Series([], dtype="float64"),
        }
    )


def _frame(table: pa.Table) -> pd.DataFrame:
    if table.num_rows == 0:
        return _empty()
    frame = expand_log(table)
    frame["at"] = pd.to_datetime(frame["at"], utc=True)
    return frame


def load_traffic(
    home: str | Path,
    name: str,
    since: datetime | None,
    until: datetime | None,
    *,
    history: timedelta,
) -> Traffic:
    """Read ``name``'s log for a run over ``[since, until)`` (see the module docstring)."""
    compact_spool(home)
    log_dir = default_log_dir(home)
    if not log_dir.exists():
        return Traffic(_empty(), _empty(), pd.DataFrame({"at": _empty()["at"]}))
    start = since - history if since is not None else None
    table = read_log(log_dir, name, since=start, until=until)
    source = table["source"]
    answered = pc.invert(pc.equal(source, ERROR_SOURCE))
    counted = pc.and_(answered, pc.invert(pc.equal(source, SHADOW_SOURCE)))
    volume = pd.DataFrame({"at": pd.to_datetime(table.filter(counted)["at"].to_pandas(), utc=True)})
    if since is not None:
        at_type = LOG_SCHEMA.field("at").type
        table = table.filter(pc.greater_equal(table["at"], pa.scalar(since, at_type)))
    is_error = pc.equal(table["source"], ERROR_SOURCE)
    errors = _frame(table.filter(is_error))
    return Traffic(_frame(table.filter(pc.invert(is_error))), errors, volume)
