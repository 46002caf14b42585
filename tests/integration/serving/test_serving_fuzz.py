"""A bounded property-based fuzz of the inference routes: no input a client sends gives a 5xx."""

from __future__ import annotations

import json
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from charter.server import ServerHandle
from conftest import MODEL, ServedHome

FEATURES = ["age", "workclass", "education", "education_num", "capital_gain", "hours_per_week"]
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12),
)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
names = st.one_of(st.sampled_from([*FEATURES, "customer_id"]), st.text(max_size=8))
tensors = st.fixed_dictionaries(
    {
        "name": names,
        "shape": st.lists(st.integers(-1, 3), min_size=0, max_size=3),
        "datatype": st.sampled_from(["BOOL", "INT64", "FP32", "FP64", "BYTES", "UINT8", "X"]),
        "data": st.lists(scalars, max_size=4) | json_values,
    },
    optional={"parameters": st.dictionaries(st.sampled_from(["binary_data_size", "x"]), scalars)},
)
oip_bodies = st.one_of(
    json_values.map(json.dumps),
    st.fixed_dictionaries(
        {"inputs": st.lists(tensors, max_size=4)},
        optional={"outputs": st.lists(st.fixed_dictionaries({"name": st.text(max_size=6)}))},
    ).map(json.dumps),
    st.binary(max_size=64).map(lambda b: b.decode("latin-1")),
)
records = st.lists(st.dictionaries(names, scalars, max_size=6), max_size=3)
mlflow_bodies = st.one_of(
    json_values.map(json.dumps),
    st.builds(lambda key, rows: json.dumps({key: rows}),
              st.sampled_from(["dataframe_records", "instances", "inputs", "dataframe_split"]),
              records | json_values),
)  # fmt: skip
plain_bodies = st.one_of(
    json_values.map(json.dumps),
    st.builds(lambda rows, explain: json.dumps({"records": rows, "explain": explain}),
              records, st.booleans() | scalars),
)  # fmt: skip


def _settings() -> Any:
    return settings(
        max_examples=80,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


def _post(server: ServerHandle, path: str, body: str, headers: dict[str, str]) -> None:
    response = httpx.post(f"{server.url}{path}", content=body.encode(), headers=headers, timeout=30)
    assert response.status_code < 500, (path, body[:300], response.text[:300])
    assert response.headers["content-type"].startswith(("application/json", "application/oct"))


@_settings()
@given(body=oip_bodies, binary_header=st.none() | st.integers(-5, 200))
def test_oip_infer_never_fails_with_5xx(
    server: ServerHandle, body: str, binary_header: int | None
) -> None:
    headers = (
        {} if binary_header is None else {"Inference-Header-Content-Length": str(binary_header)}
    )
    _post(server, f"/v2/models/{MODEL}/infer", body, headers)


@_settings()
@given(body=mlflow_bodies, content_type=st.sampled_from(["application/json", "text/csv", "x/y"]))
def test_invocations_never_fail_with_5xx(
    server: ServerHandle, body: str, content_type: str
) -> None:
    _post(server, "/invocations", body, {"content-type": content_type})


@_settings()
@given(body=plain_bodies)
def test_plain_predict_never_fails_with_5xx(server: ServerHandle, body: str) -> None:
    _post(server, f"/v1/models/{MODEL}/predict", body, {"content-type": "application/json"})


@_settings()
@given(row=st.fixed_dictionaries(dict.fromkeys(FEATURES, scalars)))
def test_near_valid_rows_never_fail_with_5xx(
    server: ServerHandle, shared_home: ServedHome, row: dict[str, Any]
) -> None:
    record = {**shared_home.rows[0], **row}
    body = json.dumps({"records": [record], "explain": False})
    _post(server, f"/v1/models/{MODEL}/predict", body, {"content-type": "application/json"})
