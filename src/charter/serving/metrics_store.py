"""Serving metrics shared between worker processes (``charter serve --workers N``).

uvicorn's workers are separate processes and ``GET /metrics`` is answered by whichever one takes
the connection, so each worker publishes its numbers in a directory of the server's own:

- A worker keeps counting in memory (the hot path stays a dict update under a lock) and writes a
  snapshot of all its metrics to its own file, ``metrics-<pid>-<token>.json``, every
  ``FLUSH_SECONDS``, whenever it answers ``GET /metrics`` and once more when it stops. Files are
  replaced atomically (write, then rename), so a reader never sees half a file.
- ``GET /metrics`` writes the answering worker's file first, then sums every file: counters and
  histogram buckets over every worker that ever ran in this directory (a worker that crashes or
  is replaced by uvicorn leaves its file, so totals never go down), gauges (requests in flight)
  over the workers still running. Other workers' numbers are at most ``FLUSH_SECONDS`` old.

The design is prometheus_client's multiprocess mode (``PROMETHEUS_MULTIPROC_DIR``) made smaller:
JSON snapshots instead of memory-mapped values. As there, the directory belongs to one server
run: ``charter serve`` makes a fresh one in the system's temporary folder when it starts more than
one worker and removes it when it stops. Set ``CHARTER_METRICS_DIR`` to choose the folder (for
another process manager running ``charter.server.entry:app_from_env``); ``charter serve`` empties
it of old worker files at start, any other launcher must do the same.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

__all__ = ["FLUSH_SECONDS", "METRICS_DIR_ENV", "Snapshot", "WorkerFile", "shared_metrics_dir"]

METRICS_DIR_ENV = "CHARTER_METRICS_DIR"
FLUSH_SECONDS = 1.0
"""How often each worker writes its file (the staleness of other workers' numbers)."""

Snapshot = dict[str, list[list[Any]]]
"""Metric name to ``[[label values…], value]`` (histograms: ``[…, [buckets…, sum, count]]``)."""

_PREFIX = "metrics-"


class WorkerFile:
    """This worker's file in the shared directory, and the other workers' files."""

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.pid = os.getpid()
        # a token as well as the pid: a new worker that reuses a dead one's pid must not
        # overwrite (and so lower) the dead worker's totals
        self.path = self.directory / f"{_PREFIX}{self.pid}-{uuid.uuid4().hex[:12]}.json"
        self._lock = threading.Lock()

    def write(self, take: Callable[[], Snapshot]) -> Snapshot:
        """Take a snapshot and write it; returns it.

        The snapshot is taken under the file's lock so that a slower writer can never replace
        a newer snapshot with an older one.
        """
        with self._lock:
            snapshot = take()
            text = json.dumps({"pid": self.pid, "metrics": snapshot}, separators=(",", ":"))
            partial = self.path.with_suffix(".tmp")
            partial.write_text(text, encoding="utf-8")
            os.replace(partial, self.path)
            return snapshot

    def others(self) -> list[tuple[Snapshot, bool]]:
        """Every other worker's last snapshot, with whether that worker is still running."""
        found: list[tuple[Snapshot, bool]] = []
        for path in sorted(self.directory.glob(f"{_PREFIX}*.json")):
            if path == self.path:
                continue
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
                snapshot, pid = data["metrics"], int(data["pid"])
            except (OSError, ValueError, KeyError, TypeError):
                continue  # removed meanwhile, or not ours
            if isinstance(snapshot, dict):
                found.append((snapshot, _running(pid)))
        return found


def _running(pid: int) -> bool:
    if os.name == "nt":  # pragma: no cover - no cheap check; a crashed worker's gauges stay
        return True
    try:
        os.kill(pid, 0)  # signal 0: only checks that the process exists
    except ProcessLookupError:
        return False
    except PermissionError:  # pragma: no cover - exists, belongs to another user
        return True
    return True


def clear(directory: str | os.PathLike[str]) -> None:
    """Remove the worker files a previous server run left in ``directory``."""
    for path in Path(directory).glob(f"{_PREFIX}*"):
        if path.suffix in (".json", ".tmp"):
            path.unlink(missing_ok=True)


@contextlib.contextmanager
def shared_metrics_dir(workers: int) -> Iterator[str | None]:
    """For ``charter serve``: ``CHARTER_METRICS_DIR`` set to this run's directory while it runs.

    A directory given in the environment is emptied of old worker files and kept; otherwise,
    with more than one worker, a temporary one is made and removed afterwards. One worker
    shares nothing (yields None).
    """
    given = os.environ.get(METRICS_DIR_ENV)
    if given:
        Path(given).mkdir(parents=True, exist_ok=True)
        clear(given)
        yield given
        return
    if workers <= 1:
        yield None
        return
    made = tempfile.mkdtemp(prefix="charter-metrics-")
    os.environ[METRICS_DIR_ENV] = made
    try:
        yield made
    finally:
        os.environ.pop(METRICS_DIR_ENV, None)
        shutil.rmtree(made, ignore_errors=True)
