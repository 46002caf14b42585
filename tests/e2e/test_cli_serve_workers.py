"""``charter serve --workers 2``: ``GET /metrics`` counts every worker's requests, whoever asks."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pandas as pd
import pytest
from sklearn.pipeline import Pipeline

from charter.config import Settings
from charter.examples.adult import ADULT_FEATURES
from charter.registry import Registry
from charter.server import free_port

MODEL = "adult-income"
pytestmark = pytest.mark.slow


def _worker_counts(directory: Path) -> dict[int, float]:
    """Requests for the model in each worker's file, by pid."""
    counts: dict[int, float] = {}
    for path in directory.glob("metrics-*.json"):
        data = json.loads(path.read_text(encoding="utf-8"))
        series = data["metrics"]["charter_requests_total"]
        counts[data["pid"]] = sum(value for labels, value in series if labels[0] == MODEL)
    return counts


def _scraped(url: str) -> tuple[float, str]:
    """Requests for the model in ``GET /metrics`` (a fresh connection), and the text."""
    text = httpx.get(f"{url}/metrics", timeout=10).text
    prefix = f'charter_requests_total{{model="{MODEL}",'
    lines = [line for line in text.splitlines() if line.startswith(prefix)]
    return sum(float(line.rsplit(" ", 1)[1]) for line in lines), text


def _wait_for(url: str, expected: float, seconds: float = 30.0) -> str:
    """Scrape until the total is ``expected`` (other workers write theirs every second)."""
    deadline = time.monotonic() + seconds
    while True:
        total, text = _scraped(url)
        assert total <= expected, f"/metrics counts {total} requests; only {expected} were sent"
        if total == expected:
            return text
        assert time.monotonic() < deadline, f"/metrics still counts {total} of {expected}"
        time.sleep(0.2)


@pytest.fixture
def served(
    tmp_path: Path, adult_model: Pipeline, adult_sample: pd.DataFrame, adult_charter_path: Path
) -> Iterator[tuple[str, Path, list[dict[str, object]]]]:
    home = tmp_path / "home"
    with Registry.open(Settings.from_env({}, home=home)) as registry:
        version = registry.register(adult_model, charter=adult_charter_path, sample=adult_sample)
        registry.store.set_alias(MODEL, "production", version.version, actor="e2e")
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    stale = {"pid": 1, "metrics": {"charter_requests_total": [[[MODEL, "1", "mlflow", "200"], 99]]}}
    (metrics_dir / "metrics-1-old.json").write_text(json.dumps(stale), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHARTER_")}
    env["CHARTER_METRICS_DIR"] = str(metrics_dir)  # chosen here to look at the worker files
    port = free_port()
    command = [sys.executable, "-m", "charter.cli.main", "--home", str(home), "serve"]
    options = ["--port", str(port), "--workers", "2", "--no-onnx", "--no-access-log"]
    process = subprocess.Popen(
        [*command, *options], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            assert process.poll() is None, "charter serve exited while starting"
            try:
                if httpx.get(f"{url}/v2/health/ready", timeout=1).is_success:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "charter serve did not become ready"
            time.sleep(0.1)
        frame = adult_sample[list(ADULT_FEATURES)]
        rows = json.loads(frame[frame.notna().all(axis=1)].iloc[:4].to_json(orient="records"))
        yield url, metrics_dir, rows
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)


def test_metrics_total_every_workers_requests(
    served: tuple[str, Path, list[dict[str, object]]],
) -> None:
    url, metrics_dir, rows = served
    assert not (metrics_dir / "metrics-1-old.json").exists(), "an old run's file was kept"

    def score(i: int) -> None:  # httpx.post: a new connection each time, so workers alternate
        body = {"dataframe_records": [rows[i % len(rows)]]}
        response = httpx.post(f"{url}/invocations", json=body, timeout=30)
        assert response.status_code == 200, response.text

    sent = 0
    deadline = time.monotonic() + 90
    with ThreadPoolExecutor(6) as pool:
        while True:  # until both workers have answered some (the second may still be loading)
            list(pool.map(score, range(sent, sent + 12)))
            sent += 12
            _wait_for(url, sent)  # every worker's file is written within a second
            if sum(1 for n in _worker_counts(metrics_dir).values() if n > 0) >= 2:
                break
            assert time.monotonic() < deadline, "the second worker never answered"
    counts = _worker_counts(metrics_dir)
    assert sum(counts.values()) == sent
    for _ in range(5):  # every scrape, whichever worker answers it, says the same
        total, text = _scraped(url)
        assert total == sent
    assert f'charter_request_duration_seconds_count{{model="{MODEL}",version="1"}} {sent}' in text
    assert "# TYPE charter_in_flight_requests gauge" in text

    victim = next(pid for pid, n in counts.items() if n > 0)
    os.kill(victim, signal.SIGKILL)  # a worker of the server this test started
    for _ in range(5):  # the dead worker's requests still count
        assert _scraped(url)[0] == sent
    list(map(score, range(4)))
    _wait_for(url, sent + 4)
