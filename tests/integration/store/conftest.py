"""Helpers for the store tests: version factories and child processes that use the registry."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from charter.store import NewVersion, open_registry_store
from charter.store.sql import SqlRegistryStore

WORKER = Path(__file__).with_name("registry_worker.py")

NewVersionFactory = Callable[..., NewVersion]


def make_new_version(model_name: str = "churn", **overrides: Any) -> NewVersion:
    """A valid ``NewVersion`` with every field set; ``overrides`` replace any of them."""
    fields: dict[str, Any] = {
        "model_name": model_name,
        "flavor": "sklearn",
        "artifact_uri": f"file:///artifacts/models/{model_name}/abc/model.joblib",
        "artifact_sha256": "ab" * 32,
        "artifact_size": 1234,
        "signature": {"inputs": [{"name": "age", "type": "int64"}], "outputs": ["score"]},
        "charter_hash": "c1" * 32,
        "charter_content": "name: churn\ntask: binary\n",
        "registered_by": "alice@example.com",
        "training_fingerprint": "fp-1",
        "code_version": "git:0123abc",
        "params": {"max_depth": 3, "learning_rate": 0.1},
        "metrics": {"auc": 0.91},
        "sample_uri": "file:///artifacts/samples/s.parquet",
        "sample_sha256": "5a" * 32,
        "description": "first try",
    }
    fields.update(overrides)
    return NewVersion(**fields)


def _assert_consistent(url: str, model: str, expected_versions: int) -> None:
    """Versions 1..N with no gaps, each with its audit event and charter row; chain intact."""
    store = open_registry_store(url)
    assert isinstance(store, SqlRegistryStore)
    try:
        versions = store.list_versions(model)
        assert list(range(1, expected_versions + 1)) == [v.version for v in versions]
        assert expected_versions == store.get_model(model).latest_version
        registered = [
            e.version for e in store.list_events(model) if e.action == "version.registered"
        ]
        assert sorted(registered) == [v.version for v in versions]
        charters = {c.charter_hash for c in store.list_charters(model)}
        assert {v.charter_hash for v in versions} <= charters
        ok, bad_seq, reason = store.verify_chain()
        assert (ok, bad_seq) == (True, None), reason
        assert list(range(1, len(store.list_events()) + 1)) == [e.seq for e in store.list_events()]
    finally:
        store.close()


@pytest.fixture
def assert_consistent() -> Callable[[str, str, int], None]:
    """``assert_consistent(url, model, n)``: the registry invariants after races and kills."""
    return _assert_consistent


@pytest.fixture
def new_version() -> NewVersionFactory:
    """Factory: ``new_version("model", metrics={...})``."""
    return make_new_version


class Worker:
    """A child process running ``registry_worker.py``; read its stdout line by line."""

    def __init__(self, *args: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, str(WORKER), *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def read_line(self, timeout_s: float = 30.0) -> str:
        """The next stdout line (blocking; the worker flushes every line)."""
        assert self.process.stdout is not None
        deadline = time.monotonic() + timeout_s
        line = self.process.stdout.readline()
        if not line:
            _, err = self.process.communicate(timeout=max(0.1, deadline - time.monotonic()))
            raise AssertionError(f"worker ended without output; stderr:\n{err}")
        return line.strip()

    def finish(self, timeout_s: float = 60.0) -> str:
        """Wait for the exit; return stdout; fail with stderr on a non-zero exit."""
        out, err = self.process.communicate(timeout=timeout_s)
        assert self.process.returncode == 0, f"worker failed ({self.process.returncode}):\n{err}"
        return out

    def kill(self) -> None:
        """SIGKILL: the child gets no chance to roll back or clean up."""
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
        self.process.communicate(timeout=30)


@pytest.fixture
def spawn_worker() -> Iterator[Callable[..., Worker]]:
    """Start worker processes; any still running at teardown are killed."""
    started: list[Worker] = []

    def spawn(*args: str) -> Worker:
        worker = Worker(*args)
        started.append(worker)
        return worker

    yield spawn
    for worker in started:
        worker.kill()
