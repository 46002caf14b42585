"""Shadow copies are logged and can never hurt an answer; canary traffic is a sticky share."""

from __future__ import annotations

import time

import httpx
import numpy as np

from charter.predlog import HASH_PREFIX, compact, default_log_dir, default_spool_dir, read_log
from charter.server import run_in_background
from charter.serving import ServeOptions, ServingService
from charter.serving.routing import canary_bucket
from conftest import MODEL, ServedHome


def _service(server: object) -> ServingService:
    service = server.app.state.charter.service  # type: ignore[attr-defined]
    assert isinstance(service, ServingService)
    return service


def test_shadow_failures_never_reach_the_answer_and_successes_are_logged(
    served_home: ServedHome,
) -> None:
    with served_home.registry() as registry:
        registry.store.set_alias(MODEL, "shadow", 2, actor="test")
    options = ServeOptions(compile_onnx=False, compact_every_seconds=0)
    with run_in_background(served_home.settings, options=options) as server:
        service = _service(server)
        shadow = service.router.deployment(MODEL).shadow
        assert shadow is not None and shadow.version == 2
        healthy = shadow.score

        def explode(columns: object) -> np.ndarray:
            raise RuntimeError("shadow model crashed")

        shadow.score = explode  # type: ignore[method-assign]
        with httpx.Client(base_url=server.url, timeout=30) as client:
            for row in served_home.rows[:10]:
                response = client.post("/invocations", json={"dataframe_records": [row]})
                assert response.status_code == 200
            deadline = time.monotonic() + 10  # shadow copies run after the answers
            while service.metrics.shadow_failures.value(MODEL) < 10:
                assert time.monotonic() < deadline, "shadow copies did not run"
                time.sleep(0.02)
            shadow.score = healthy  # type: ignore[method-assign]
            answered = []
            for row in served_home.rows[10:20]:
                response = client.post(f"/v1/models/{MODEL}/predict", json={"records": [row]})
                assert response.status_code == 200
                answered.append(response.json()["request_id"])
        assert service.metrics.shadow_failures.value(MODEL) == 10
    home = served_home.settings.home
    compact(default_spool_dir(home), default_log_dir(home))
    log = read_log(default_log_dir(home), MODEL).to_pylist()
    shadow_ids = {r["request_id"] for r in log if r["source"] == "shadow"}
    assert shadow_ids == set(answered)
    assert {r["version"] for r in log if r["source"] == "shadow"} == {2}
    served = [r for r in log if r["source"] == "served"]
    assert len(served) == 20
    assert all(HASH_PREFIX in r["inputs"] and "CUST-" not in r["inputs"] for r in log)


def test_canary_share_is_sticky_by_entity_key(served_home: ServedHome) -> None:
    with served_home.registry() as registry:
        registry.store.set_alias(MODEL, "canary", 2, actor="test")
    options = ServeOptions(
        compile_onnx=False, compact_every_seconds=0, canary_percent=50, log_predictions=False
    )
    with (
        run_in_background(served_home.settings, options=options) as server,
        httpx.Client(base_url=server.url, timeout=30) as client,
    ):
        got = {}
        for row in served_home.rows[:40]:
            key = str(row["customer_id"])
            versions = set()
            for _ in range(2):
                response = client.post(f"/v2/models/{MODEL}/infer", json=_oip(row))
                assert response.status_code == 200
                versions.add(response.json()["model_version"])
            assert len(versions) == 1, f"{key} was not sticky"
            got[key] = versions.pop()
    expected = {key: "2" if canary_bucket(key) < 50 else "1" for key in got}
    assert got == expected
    assert set(got.values()) == {"1", "2"}


def _oip(row: dict[str, object]) -> dict[str, object]:
    inputs = []
    for name, value in row.items():
        if value is None:
            continue
        datatype = "BYTES" if isinstance(value, str) else "FP64"
        inputs.append({"name": name, "shape": [1], "datatype": datatype, "data": [value]})
    return {"inputs": inputs}


def test_refused_requests_of_a_served_model_are_logged_without_inputs(
    served_home: ServedHome,
) -> None:
    options = ServeOptions(compile_onnx=False, compact_every_seconds=0)
    bad = dict(served_home.rows[0], age="forty")
    with (
        run_in_background(served_home.settings, options=options) as server,
        httpx.Client(base_url=server.url, timeout=30) as client,
    ):
        ok = client.post(f"/v1/models/{MODEL}/predict", json={"records": [served_home.rows[1]]})
        refused = client.post(f"/v1/models/{MODEL}/predict", json={"records": [bad]})
        stranger = client.post("/v1/models/no-such-model/predict", json={"records": [bad]})
    assert (ok.status_code, refused.status_code, stranger.status_code) == (200, 400, 404)
    home = served_home.settings.home
    compact(default_spool_dir(home), default_log_dir(home))
    log = read_log(default_log_dir(home), MODEL).to_pylist()
    errors = [r for r in log if r["source"] == "error"]
    assert [r["request_id"] for r in errors] == [refused.headers["x-request-id"]]
    assert errors[0]["inputs"] == "{}" and errors[0]["version"] == 1
    assert '"status":400' in errors[0]["outputs"] and "forty" not in errors[0]["outputs"]
    assert [r["source"] for r in log if r["source"] != "error"] == ["served"]
