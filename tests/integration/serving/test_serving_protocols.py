"""The three protocols end to end on a real server: answers, health, and every refusal."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from conftest import MODEL, ServedHome

Row = dict[str, Any]


def oip_body(rows: list[Row], **extra: Any) -> dict[str, Any]:
    names = list(rows[0])
    inputs = []
    for name in names:
        values = [r[name] for r in rows]
        text = any(isinstance(v, str) for v in values)
        inputs.append(
            {
                "name": name,
                "shape": [len(rows), 1],
                "datatype": "BYTES" if text else "FP64",
                "data": values,
            }
        )
    return {"inputs": inputs, **extra}


def test_health_bodies_match_what_oip_clients_read(http: httpx.Client) -> None:
    assert http.get("/v2/health/live").json() == {"live": True}
    assert http.get("/v2/health/ready").json() == {"ready": True}
    assert http.get(f"/v2/models/{MODEL}/ready").json()["ready"] is True
    assert http.get("/ping").status_code == 200
    meta = http.get(f"/v2/models/{MODEL}").json()
    assert meta["name"] == MODEL
    assert meta["versions"] == ["1"]
    assert {i["name"] for i in meta["inputs"]} >= {"age", "workclass"}


def test_oip_json_answers_score_and_label(http: httpx.Client, shared_home: ServedHome) -> None:
    rows = shared_home.rows[:3]
    response = http.post(f"/v2/models/{MODEL}/infer", content=json.dumps(oip_body(rows)))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["model_version"] == "1"
    outputs = {o["name"]: o for o in body["outputs"]}
    assert outputs["score"]["shape"] == [3]
    assert all(0.0 <= s <= 1.0 for s in outputs["score"]["data"])
    assert set(outputs["label"]["data"]) <= {">50K", "<=50K"}


def test_mlflow_invocations_accepts_each_input_key(
    http: httpx.Client, shared_home: ServedHome
) -> None:
    rows = shared_home.rows[:2]
    columns = list(rows[0])
    bodies = [
        {"dataframe_records": rows},
        {"dataframe_split": {"columns": columns, "data": [[r[c] for c in columns] for r in rows]}},
        {"instances": rows},
        {"inputs": {c: [r[c] for r in rows] for c in columns}},
    ]
    answers = []
    for body in bodies:
        response = http.post("/invocations", json=body)
        assert response.status_code == 200, response.text
        answers.append(response.json()["predictions"])
    assert all(a == pytest.approx(answers[0]) for a in answers)
    no_type = http.post("/invocations", content=json.dumps(bodies[0]).encode())
    assert no_type.status_code == 200  # MLflow answers 500 here; JSON is the sane default


def test_mlflow_refusals_use_its_error_body(http: httpx.Client, shared_home: ServedHome) -> None:
    two = {"dataframe_records": shared_home.rows[:1], "instances": shared_home.rows[:1]}
    response = http.post("/invocations", json=two)
    assert response.status_code == 400
    assert response.json()["error_code"] == "BAD_REQUEST"
    assert "exactly one of the keys" in response.json()["message"]
    bare = http.post("/invocations", json=shared_home.rows[:1])
    assert bare.status_code == 400
    xml = http.post("/invocations", content=b"<a/>", headers={"content-type": "application/xml"})
    assert xml.status_code == 415


def test_plain_predict_returns_reason_codes(http: httpx.Client, shared_home: ServedHome) -> None:
    response = http.post(f"/v1/models/{MODEL}/predict", json={"records": shared_home.rows[:2]})
    assert response.status_code == 200, response.text
    predictions = response.json()["predictions"]
    assert len(predictions) == 2
    for row in predictions:
        assert len(row["reasons"]) == 3  # outputs.reasons.top in the charter
        assert {"feature", "contribution", "value"} <= set(row["reasons"][0])
    quiet = http.post(
        f"/v1/models/{MODEL}/predict", json={"records": shared_home.rows[:1], "explain": False}
    )
    assert "reasons" not in quiet.json()["predictions"][0]


def test_docs_and_openapi_are_served(http: httpx.Client) -> None:
    assert http.get("/docs").status_code == 200
    paths = http.get("/openapi.json").json()["paths"]
    assert "/v2/models/{name}/infer" in paths
    assert "/invocations" in paths


@pytest.mark.parametrize(
    ("mutate", "status", "message"),
    [
        (lambda b: b.replace(b'"inputs"', b'"inputs" "'), 400, "not valid JSON"),
        (lambda b: b.replace(b'"FP64"', b'"FP99"', 1), 400, "unknown datatype"),
        (lambda b: b.replace(b"[1, 1]", b"[2, 1]", 1), 400, "shape says 2 values"),
        (lambda b: b.replace(b"[1, 1]", b"[1, 2]", 1), 400, "one feature column"),
        (lambda b: b.replace(b'"data": [39', b'"data": [NaN', 1), 400, "NaN is not valid JSON"),
        (lambda b: b.replace(b'"data": [39', b'"data": [Infinity', 1), 400, "Infinity"),
        (lambda b: b.replace(b'"data": [39', b'"data": [1e999', 1), 400, "out of range"),
    ],
    ids=["malformed", "datatype", "shape-count", "shape-2d", "nan", "infinity", "overflow"],
)
def test_oip_refuses_bad_bodies_with_400(
    http: httpx.Client, shared_home: ServedHome, mutate: Any, status: int, message: str
) -> None:
    row = dict(shared_home.rows[0], age=39)
    body = json.dumps(oip_body([row])).encode()
    response = http.post(f"/v2/models/{MODEL}/infer", content=mutate(body))
    assert response.status_code == status, response.text
    assert message in response.json()["error"]


def test_wrong_datatype_for_the_charter_type_is_named(
    http: httpx.Client, shared_home: ServedHome
) -> None:
    body = oip_body(shared_home.rows[:1])
    for tensor in body["inputs"]:
        if tensor["name"] == "age":
            tensor["datatype"], tensor["data"] = "BYTES", ["forty"]
    response = http.post(f"/v2/models/{MODEL}/infer", json=body)
    assert response.status_code == 400
    assert response.json()["error"].startswith("input 'age': datatype BYTES does not fit")


def test_rule_violations_name_field_and_rule_but_never_pii(
    http: httpx.Client, shared_home: ServedHome
) -> None:
    bad = dict(shared_home.rows[0], age=300, hours_per_week=0, customer_id="SECRET-42")
    response = http.post(f"/v1/models/{MODEL}/predict", json={"records": [bad]})
    assert response.status_code == 400
    body = response.json()
    rules = {(i["field"], i["rule"]) for i in body["issues"]}
    assert rules == {("age", "max"), ("hours_per_week", "min")}
    assert "SECRET-42" not in response.text
    oip = http.post(f"/v2/models/{MODEL}/infer", json=oip_body([bad]))
    assert oip.status_code == 400 and "SECRET-42" not in oip.text


def test_unknown_model_and_version_are_404(http: httpx.Client, shared_home: ServedHome) -> None:
    body = oip_body(shared_home.rows[:1])
    missing = http.post("/v2/models/nope/infer", json=body)
    assert missing.status_code == 404
    assert missing.json()["error"] == "model 'nope' is not served here (served: adult-income)"
    version = http.post(f"/v2/models/{MODEL}/versions/7/infer", json=body)
    assert version.status_code == 404
    assert "version 7 of model 'adult-income' is not being served" in version.json()["error"]
    plain = http.post("/v1/models/nope/predict", json={"records": shared_home.rows[:1]})
    assert plain.status_code == 404 and plain.json()["error"] == "not_found"


def test_payload_and_batch_limits(http: httpx.Client, shared_home: ServedHome) -> None:
    huge = b'{"records": [' + b" " * (10 * 1024 * 1024 + 1) + b"]}"
    response = http.post(f"/v1/models/{MODEL}/predict", content=huge)
    assert response.status_code == 413
    assert "at most 10485760" in response.json()["message"]
    many = {"records": shared_home.rows[:1] * 10_001}
    response = http.post(f"/v1/models/{MODEL}/predict", json=many)
    assert response.status_code == 413
    assert response.json()["message"] == (
        "the request holds 10001 rows; the charter allows at most 10000"
    )


def test_metrics_count_requests_errors_and_latency(http: httpx.Client) -> None:
    http.post("/v2/models/nope/infer", json={})
    text = http.get("/metrics").text
    assert "# TYPE charter_request_duration_seconds histogram" in text
    assert 'charter_request_duration_seconds_bucket{model="adult-income",version="1",le=' in text
    assert 'charter_errors_total{kind="not_found"}' in text
    assert "charter_in_flight_requests" in text
    assert 'model="nope"' not in text  # unknown names never become label values
