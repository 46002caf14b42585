"""Promotion and rollback made by another process reach a running server under load,
within seconds and with zero failed requests (SQLite and PostgreSQL)."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pandas as pd
from sklearn.pipeline import Pipeline

from charter.server import run_in_background
from charter.serving import ServeOptions
from conftest import MODEL, make_home

_SET_ALIAS = """
import sys
from charter.config import Secret, Settings
from charter.registry import Registry
home, url, version = sys.argv[1], sys.argv[2], int(sys.argv[3])
settings = Settings(home=home, db_url=Secret(url), artifacts_url=home + "/artifacts")
with Registry.open(settings) as registry:
    registry.store.set_alias("adult-income", "production", version, actor="other-process")
"""


def _set_production(home: Path, url: str, version: int) -> None:
    subprocess.run(
        [sys.executable, "-c", _SET_ALIAS, str(home), url, str(version)], check=True, timeout=60
    )


def test_swap_under_load_loses_nothing(
    tmp_path: Path,
    db_url: str,
    adult_model: Pipeline,
    adult_sample: pd.DataFrame,
    adult_charter_path: Path,
) -> None:
    home = make_home(tmp_path, db_url, adult_model, adult_sample, adult_charter_path)
    options = ServeOptions(poll_seconds=0.2, compile_onnx=False, compact_every_seconds=0)
    body = {"dataframe_records": home.rows[:1]}
    seen: list[tuple[float, int, str]] = []  # (time, status, version)
    stop = threading.Event()

    def hammer(url: str) -> None:
        with httpx.Client(base_url=url, timeout=30) as client:
            while not stop.is_set():
                response = client.post(f"/v2/models/{MODEL}/infer", json=_oip(home.rows[0]))
                version = response.json().get("model_version", "") if response.is_success else ""
                seen.append((time.monotonic(), response.status_code, version))
                client.post("/invocations", json=body).raise_for_status()

    with (
        run_in_background(home.settings, options=options) as server,
        ThreadPoolExecutor(4) as pool,
    ):
        futures = [pool.submit(hammer, server.url) for _ in range(4)]
        try:
            time.sleep(0.5)
            _set_production(home.settings.home, db_url, 2)
            _wait_for(seen, "2", time.monotonic())
            _set_production(home.settings.home, db_url, 1)
            _wait_for(seen, "1", time.monotonic())
            time.sleep(0.3)
        finally:
            stop.set()
        for future in futures:
            future.result()  # re-raises any failed /invocations call
    assert seen, "the load generator sent nothing"
    assert {status for _, status, _ in seen} == {200}
    assert {version for _, _, version in seen} == {"1", "2"}


def _wait_for(seen: list[tuple[float, int, str]], version: str, since: float) -> None:
    deadline = since + 5  # the server polls every 0.2 s; loading a cached version is instant
    while time.monotonic() < deadline:
        if any(t > since and v == version for t, _, v in seen[-20:]):
            return
        time.sleep(0.05)
    raise AssertionError(f"version {version} did not take over within 5 s")


def _oip(row: dict[str, object]) -> dict[str, object]:
    inputs = []
    for name, value in row.items():
        if value is None:
            continue
        datatype = "BYTES" if isinstance(value, str) else "FP64"
        inputs.append({"name": name, "shape": [1], "datatype": datatype, "data": [value]})
    return {"inputs": inputs}
