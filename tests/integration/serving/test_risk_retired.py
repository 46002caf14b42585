"""A retired model is refused by the real server with a clear 410, never a 500, and by batch."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pandas as pd
from sklearn.pipeline import Pipeline

from charter.governance import GovernanceService
from charter.registry import Registry
from charter.server import run_in_background
from charter.serving import ServeOptions
from conftest import MODEL, make_home


def _retire(home_settings: object) -> None:
    with Registry.open(home_settings) as registry:  # type: ignore[arg-type]
        GovernanceService(registry.store).retire(
            MODEL, reason="replaced by income-v2", by="cro@bank.example"
        )


def test_a_model_retired_while_served_is_refused_with_410(
    tmp_path: Path,
    sqlite_url: str,
    adult_model: Pipeline,
    adult_sample: pd.DataFrame,
    adult_charter_path: Path,
) -> None:
    home = make_home(tmp_path, sqlite_url, adult_model, adult_sample, adult_charter_path)
    options = ServeOptions(poll_seconds=0.2, compile_onnx=False, compact_every_seconds=0)
    body = {"dataframe_records": home.rows[:1]}
    with (
        run_in_background(home.settings, options=options) as server,
        httpx.Client(base_url=server.url, timeout=30) as client,
    ):
        assert client.post("/invocations", json=body).status_code == 200
        _retire(home.settings)
        deadline = time.monotonic() + 10
        while (response := client.post("/invocations", json=body)).status_code == 200:
            assert time.monotonic() < deadline, "the server still answers for a retired model"
            time.sleep(0.1)
        predict = client.post(f"/v2/models/{MODEL}/infer", json={"inputs": []})

    assert response.status_code == 410
    assert response.json()["message"].startswith(f"model '{MODEL}' was retired on ")
    assert "(replaced by income-v2) and is no longer served" in response.json()["message"]
    assert predict.status_code == 410
    assert predict.json()["code"] == "model_retired"


def test_a_retired_model_named_at_start_is_refused_not_loaded(
    tmp_path: Path,
    sqlite_url: str,
    adult_model: Pipeline,
    adult_sample: pd.DataFrame,
    adult_charter_path: Path,
) -> None:
    home = make_home(tmp_path, sqlite_url, adult_model, adult_sample, adult_charter_path)
    _retire(home.settings)
    options = ServeOptions(models=(MODEL,), compile_onnx=False, compact_every_seconds=0)
    with run_in_background(home.settings, options=options) as server:
        response = httpx.post(
            f"{server.url}/invocations", json={"dataframe_records": home.rows[:1]}, timeout=30
        )
    assert response.status_code == 410
