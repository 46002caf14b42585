"""Batch predictions into the prediction log, only once the run's output is published.

Workers turn sampled rows into spool lines (``PredictionRecord`` JSON, inputs already through the
charter's PII policy, so no identifier is ever written in clear) in a staging file; after the
output is moved into place the staging files are renamed into the spool as closed spool files,
which the compactor then treats like any other. A failed or killed run thus logs nothing, and a
record's request id is ``<run id>:<row number>``, the same on every engine and every retry.

Lines are built a batch at a time (pandas' JSON writer) rather than one ``PredictionRecord`` per
row: at a million rows the per-record path costs more than scoring. What each column becomes is
still decided by ``apply_pii_policy`` itself, asked once per column.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from charter.contract import Charter
from charter.predlog import apply_pii_policy, keyed_hash, should_sample
from charter.predlog.spool import CLOSED_SUFFIX

__all__ = ["StagedLog", "log_lines", "sampled"]

_PROBE = "\x00charter-probe\x00"
_ROTATE_BYTES = 64 * 1024 * 1024  # the spool writer's own rotation size: compaction stays bounded


def sampled(request_ids: Sequence[str], rate: float) -> list[int]:
    """Positions of the ids the charter's sample rate keeps (deterministic per id)."""
    if rate >= 1.0:
        return list(range(len(request_ids)))
    return [i for i, request_id in enumerate(request_ids) if should_sample(request_id, rate)]


def _policy(column: str, charter: Charter, hash_key: bytes) -> str:
    """``keep``, ``hash`` or ``drop``: what ``apply_pii_policy`` does to this column."""
    probed = apply_pii_policy({column: _PROBE}, charter, hash_key=hash_key)
    if column not in probed:
        return "drop"
    return "keep" if probed[column] == _PROBE else "hash"


def _json_lines(frame: pd.DataFrame) -> list[str]:
    if frame.columns.empty:
        return ["{}"] * len(frame)
    text = frame.to_json(
        orient="records", lines=True, date_format="iso", double_precision=15, force_ascii=False
    )
    return text.splitlines()


def log_lines(
    request_ids: Sequence[str],
    inputs: pd.DataFrame,
    outputs: pd.DataFrame,
    *,
    charter: Charter,
    hash_key: bytes,
    model: str,
    version: int,
    run_id: str,
) -> list[str]:
    """One spool line per row, equal (as JSON) to ``PredictionRecord(...).to_json()``."""
    kept = pd.DataFrame(index=inputs.index)
    for column in inputs.columns:
        action = _policy(str(column), charter, hash_key)
        if action == "keep":
            kept[column] = inputs[column]
        elif action == "hash":
            hashed = [None if v is None else keyed_hash(v, hash_key) for v in inputs[column]]
            kept[column] = pd.Series(hashed, index=inputs.index, dtype=object)
    if "reasons" in outputs.columns:
        parsed: list[Any] = [json.loads(v) if v else None for v in outputs["reasons"]]
        outputs = outputs.assign(reasons=pd.Series(parsed, index=outputs.index, dtype=object))
    head = f'"model":{json.dumps(model)},"version":{int(version)},"source":"batch",'
    tail = (
        f',"latency_ms":null,"at":{json.dumps(datetime.now(UTC).isoformat())},'
        f'"run_id":{json.dumps(run_id)}}}'
    )
    return [
        f'{{"request_id":{json.dumps(rid)},{head}"inputs":{i},"outputs":{o}{tail}'
        for rid, i, o in zip(request_ids, _json_lines(kept), _json_lines(outputs), strict=True)
    ]


class StagedLog:
    """Spool lines staged beside the spool, handed over whole when the run is published."""

    def __init__(self, spool_dir: Path, name: str) -> None:
        self.spool_dir = spool_dir
        self.folder = spool_dir.parent / "staging" / name
        self.folder.mkdir(parents=True, exist_ok=True)
        self._files: list[Path] = []
        self._handle: Any = None
        self._size = 0
        self.count = 0

    def write(self, lines: Iterable[str]) -> None:
        for line in lines:
            if self._handle is None or self._size >= _ROTATE_BYTES:
                self._rotate()
            data = line + "\n"
            self._handle.write(data)
            self._size += len(data)
            self.count += 1

    def _rotate(self) -> None:
        if self._handle is not None:
            self._handle.close()
        path = self.folder / f"{len(self._files):06d}.jsonl"
        self._files.append(path)
        self._handle = path.open("w", encoding="utf-8")
        self._size = 0

    def publish(self) -> int:
        """Rename every staged file into the spool (same file system: one rename each)."""
        self.close()
        self.spool_dir.mkdir(parents=True, exist_ok=True)
        stamp = time.time_ns()
        for number, path in enumerate(self._files):
            target = f"spool-{os.getpid()}-{stamp}-batch{number:06d}{CLOSED_SUFFIX}"
            os.replace(path, self.spool_dir / target)
        self._files = []
        return self.count

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None

    def discard(self) -> None:
        self.close()
        for path in self._files:
            path.unlink(missing_ok=True)
        with contextlib.suppress(OSError):  # leftovers in staging never reach the spool
            self.folder.rmdir()
