"""The prediction log: every served, shadow, canary and batch prediction, kept under the charter.

Writers append ``PredictionRecord`` lines to a local spool (``SpoolWriter``) before answering; the
compactor (``compact``) moves complete lines into Parquet partitioned by model and date, exactly
once; monitoring reads it back with ``read_log``; ``purge`` enforces the charter's retention.
Inputs pass through ``apply_pii_policy`` first, and ``should_sample`` applies the charter's rate::

    key = load_hash_key(settings.home)
    inputs = apply_pii_policy(row, charter, hash_key=key)
    if should_sample(request_id, charter.monitoring.log.sample):
        writer.append([PredictionRecord(request_id, model, version, "batch", inputs, outputs,
                                        None, datetime.now(UTC), run_id)])
"""

from __future__ import annotations

from pathlib import Path

from charter.predlog.blocks import LogPlan, encode_block, expand_line
from charter.predlog.compactor import LOG_SCHEMA, CompactionResult, compact, partition_dir
from charter.predlog.pii import (
    HASH_KEY_ENV,
    HASH_PREFIX,
    apply_pii_policy,
    keyed_hash,
    load_hash_key,
    should_sample,
)
from charter.predlog.reader import PurgeResult, expand_log, logged_models, purge, read_log
from charter.predlog.records import PredictionRecord, Source
from charter.predlog.spool import SpoolWriter

__all__ = [
    "HASH_KEY_ENV",
    "HASH_PREFIX",
    "LOG_SCHEMA",
    "CompactionResult",
    "LogPlan",
    "PredictionRecord",
    "PurgeResult",
    "Source",
    "SpoolWriter",
    "apply_pii_policy",
    "compact",
    "default_log_dir",
    "default_spool_dir",
    "encode_block",
    "expand_line",
    "expand_log",
    "keyed_hash",
    "load_hash_key",
    "logged_models",
    "partition_dir",
    "purge",
    "read_log",
    "should_sample",
]


def default_spool_dir(home: str | Path) -> Path:
    """``<home>/predlog/spool``: where this machine's writers append."""
    return Path(home) / "predlog" / "spool"


def default_log_dir(home: str | Path) -> Path:
    """``<home>/predlog/log``: the compacted Parquet log."""
    return Path(home) / "predlog" / "log"
