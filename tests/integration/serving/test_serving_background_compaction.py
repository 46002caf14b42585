"""The server compacts its spool into the Parquet log while it runs, in a child process."""

from __future__ import annotations

import time

import httpx

from charter.predlog import default_log_dir, read_log
from charter.server import run_in_background
from charter.serving import ServeOptions
from conftest import MODEL, ServedHome


def test_answered_predictions_reach_the_parquet_log_while_serving(
    served_home: ServedHome,
) -> None:
    options = ServeOptions(compile_onnx=False, compact_every_seconds=0.2)
    log_dir = default_log_dir(served_home.settings.home)
    with run_in_background(served_home.settings, options=options) as server:
        with httpx.Client(base_url=server.url, timeout=30) as client:
            ids = []
            for row in served_home.rows[:5]:
                response = client.post(f"/v1/models/{MODEL}/predict", json={"records": [row]})
                assert response.status_code == 200
                ids.append(response.json()["request_id"])
        deadline = time.monotonic() + 60  # the child process starts once (spawn), then loops
        while True:
            logged = (
                set(read_log(log_dir, MODEL)["request_id"].to_pylist())
                if log_dir.exists()
                else set()
            )
            if set(ids) <= logged:
                break
            assert time.monotonic() < deadline, f"not compacted while serving: {set(ids) - logged}"
            time.sleep(0.2)
        assert server.app.state.charter.ready  # type: ignore[attr-defined]
    assert sorted(read_log(log_dir, MODEL)["request_id"].to_pylist()) == sorted(ids)
