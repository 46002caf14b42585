"""SIGKILL a loaded ``charter serve``: every answered request id is in the log afterwards."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from charter.predlog import compact, default_log_dir, default_spool_dir, read_log
from charter.server import free_port
from conftest import MODEL, ServedHome

pytestmark = pytest.mark.slow


def _start(home: ServedHome, port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "CHARTER_HOME": str(home.settings.home),
        "CHARTER_DB_URL": home.settings.db_url.reveal(),
        "CHARTER_ARTIFACTS": home.settings.artifacts_url,
    }
    command = [sys.executable, "-m", "charter.cli.main", "serve", "--port", str(port)]
    process = subprocess.Popen(
        # compacting every 0.2 s: the kill lands amid compactions of the live file
        [*command, "--no-onnx", "--no-access-log", "--compact-every", "0.2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/v2/health/ready", timeout=1).is_success:
                return process
        except httpx.HTTPError:
            pass
        assert process.poll() is None, "charter serve exited while starting"
        time.sleep(0.1)
    process.kill()
    raise AssertionError("charter serve did not become ready")


def _children(pid: int) -> set[int]:
    """Processes whose parent is ``pid`` (Linux ``/proc``)."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.add(int(stat.parent.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_sigkill_loses_no_answered_prediction(served_home: ServedHome) -> None:
    port = free_port()
    process = _start(served_home, port)
    answered: list[str] = []
    stop = threading.Event()

    def load() -> None:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            for row in served_home.rows * 100:
                if stop.is_set():
                    return
                request_id = uuid.uuid4().hex
                try:
                    response = client.post(
                        "/invocations",
                        json={"dataframe_records": [row]},
                        headers={"X-Request-ID": request_id},
                    )
                except httpx.HTTPError:
                    return  # the server is gone
                if response.status_code == 200:
                    answered.append(request_id)

    try:
        with ThreadPoolExecutor(4) as pool:
            futures = [pool.submit(load) for _ in range(4)]
            time.sleep(2.0)
            children = _children(process.pid)  # the compactor child, among others
            os.kill(process.pid, signal.SIGKILL)
            process.wait(10)
            stop.set()
            for future in futures:
                future.result()
    finally:
        if process.poll() is None:
            process.kill()
    assert len(answered) > 20
    home = served_home.settings.home
    compact(default_spool_dir(home), default_log_dir(home))
    compact(default_spool_dir(home), default_log_dir(home))  # a second run adds nothing
    logged = Counter(read_log(default_log_dir(home), MODEL)["request_id"].to_pylist())
    assert set(answered) <= set(logged)
    assert max(logged.values()) == 1, "a record was written twice"
    assert not any(default_spool_dir(home).glob("spool-*")), "the dead writer's spool remains"
    assert children, "the server runs its compactor in a child process"
    deadline = time.monotonic() + 20
    while any(_alive(pid) for pid in children):
        assert time.monotonic() < deadline, "a child of the killed server lingers"
        time.sleep(0.2)


def test_sigterm_drains_and_leaves_everything_compacted(served_home: ServedHome) -> None:
    port = free_port()
    process = _start(served_home, port)
    answered = []
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            for row in served_home.rows[:20]:
                response = client.post(f"/v1/models/{MODEL}/predict", json={"records": [row]})
                assert response.status_code == 200
                answered.append(response.json()["request_id"])
        process.send_signal(signal.SIGTERM)
        # uvicorn re-raises SIGTERM after its graceful shutdown, so -15 is a clean exit too
        assert process.wait(60) in (0, -signal.SIGTERM)
    finally:
        if process.poll() is None:
            process.kill()
    home = served_home.settings.home
    assert not any(default_spool_dir(home).glob("spool-*")), "the spool was not flushed"
    logged = read_log(default_log_dir(home), MODEL)["request_id"].to_pylist()
    assert sorted(logged) == sorted(answered)
