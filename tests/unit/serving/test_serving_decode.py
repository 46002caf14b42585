"""Protocol bodies decode into columns, or are refused with a message that says why."""

from __future__ import annotations

import json

import numpy as np
import pytest

from charter.serving import (
    InvalidRequestError,
    UnsupportedMediaTypeError,
    decode_mlflow,
    decode_oip,
    decode_records,
)


def test_oip_binary_tensors_decode_like_json() -> None:
    ages = np.array([39.0, 50.0], dtype="<f8").tobytes()
    words = b"".join(len(w).to_bytes(4, "little") + w for w in (b"Private", b"State-gov"))
    header = {
        "inputs": [
            {"name": "age", "shape": [2, 1], "datatype": "FP64",
             "parameters": {"binary_data_size": len(ages)}},
            {"name": "workclass", "shape": [2], "datatype": "BYTES",
             "parameters": {"binary_data_size": len(words)}},
        ],
        "parameters": {"binary_data_output": True},
    }  # fmt: skip
    head = json.dumps(header).encode()
    decoded = decode_oip(head + ages + words, str(len(head)))
    assert decoded.columns == {"age": [39.0, 50.0], "workclass": ["Private", "State-gov"]}
    assert decoded.n_rows == 2 and decoded.binary_default


@pytest.mark.parametrize(
    ("body", "header", "message"),
    [
        (b"", None, "the request body is empty"),
        (b"[]", None, 'expected a JSON object with an "inputs" list'),
        (b'{"inputs": []}', None, '"inputs" holds no tensors'),
        (b'{"inputs": [{"name": "a", "shape": [1], "datatype": "FP64", "data": ["x"]}]}', None,
         "input 'a': datatype FP64 holds numbers only"),
        (b'{"inputs": [{"name": "a", "shape": [1], "datatype": "INT64", "data": [1.5]}]}', None,
         "input 'a': datatype INT64 holds integers only"),
        (b'{"inputs": [{"name": "a", "shape": [1], "datatype": "FP64", "data": [1]},'
         b'{"name": "b", "shape": [2], "datatype": "FP64", "data": [1, 2]}]}', None,
         "every input must have the same number of rows"),
        (b'{"inputs": [{"name": "a", "shape": [1], "datatype": "FP64",'
         b' "parameters": {"binary_data_size": 16}}]}', "500", "between 1 and the body's length"),
        (b'{"inputs": [{"name": "a", "shape": "x", "datatype": "FP64", "data": [1]}]}', None,
         "shape must be a list of non-negative integers"),
    ],
    ids=["empty", "list", "no-tensors", "fp-text", "int-float", "rows", "binary-size", "shape"],
)  # fmt: skip
def test_oip_refusals(body: bytes, header: str | None, message: str) -> None:
    with pytest.raises(InvalidRequestError) as info:
        decode_oip(body, header)
    assert message in info.value.message


def test_binary_nan_is_refused() -> None:
    raw = np.array([np.nan], dtype="<f4").tobytes()
    head = json.dumps(
        {"inputs": [{"name": "a", "shape": [1], "datatype": "FP32",
                     "parameters": {"binary_data_size": 4}}]}
    ).encode()  # fmt: skip
    with pytest.raises(InvalidRequestError, match="NaN and infinity are not valid inputs"):
        decode_oip(head + raw, str(len(head)))


def test_mlflow_forms_and_refusals() -> None:
    split = {"dataframe_split": {"columns": ["a", "b"], "data": [[1, "x"], [2, "y"]]}}
    assert decode_mlflow(json.dumps(split).encode(), None) == ({"a": [1, 2], "b": ["x", "y"]}, 2)
    csv = decode_mlflow(b"a,b\n1,x\n,y\n", "text/csv")
    assert csv == ({"a": ["1", None], "b": ["x", "y"]}, 2)
    with pytest.raises(UnsupportedMediaTypeError):
        decode_mlflow(b"{}", "application/xml")
    with pytest.raises(InvalidRequestError, match="must be a single value, got a list"):
        decode_mlflow(b'{"instances": [{"a": [1, 2]}]}', "application/json")


def test_mlflow_reads_nan_as_missing_but_refuses_infinity() -> None:
    nan = b'{"dataframe_split": {"columns": ["a"], "data": [[NaN], [1.5]]}}'
    assert decode_mlflow(nan, None) == ({"a": [None, 1.5]}, 2)
    with pytest.raises(InvalidRequestError, match="Infinity is not valid JSON"):
        decode_mlflow(nan.replace(b"NaN", b"Infinity"), None)


def test_records_need_the_records_key() -> None:
    columns, n_rows, options = decode_records(
        b'{"records": [{"a": 1}, {"b": 2}], "explain": false}'
    )
    assert columns == {"a": [1, None], "b": [None, 2]} and n_rows == 2
    assert options == {"explain": False}
    with pytest.raises(InvalidRequestError, match=r'expected a JSON object \{"records"'):
        decode_records(b'[{"a": 1}]')
