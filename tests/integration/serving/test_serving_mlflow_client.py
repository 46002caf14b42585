"""MLflow's own client (``ScoringServerClient``) works unchanged against ``POST /invocations``.

``mlflow-skinny`` is in the ``test`` extra (it pins ``importlib_metadata<10``, harmless here);
skipped where it is not installed.
"""

from __future__ import annotations

import json
import re
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.pipeline import Pipeline

from charter.examples.adult import ADULT_FEATURES
from charter.server import ServerHandle

scoring_client = pytest.importorskip("mlflow.pyfunc.scoring_server.client")


def _client(server: ServerHandle) -> Any:
    client = scoring_client.ScoringServerClient(server.host, server.port)
    client.wait_server_ready(timeout=30)  # polls GET /ping
    return client


def _complete_rows(sample: pd.DataFrame, n: int) -> pd.DataFrame:
    frame = sample[list(ADULT_FEATURES)]
    return frame[frame.notna().all(axis=1)].iloc[:n].reset_index(drop=True)


def _expected(model: Pipeline, frame: pd.DataFrame) -> np.ndarray:
    positive = list(model.classes_).index(">50K")
    return np.asarray(model.predict_proba(frame)[:, positive], dtype=np.float64)


def test_dataframe_scores_equal_the_in_process_model(
    server: ServerHandle, adult_model: Pipeline, adult_sample: pd.DataFrame
) -> None:
    frame = _complete_rows(adult_sample, 25)
    response = _client(server).invoke(frame)
    scores = response.get_predictions(predictions_format="ndarray", dtype=np.float64)
    assert scores.shape == (25,)
    np.testing.assert_allclose(scores, _expected(adult_model, frame), rtol=0, atol=1e-6)
    as_frame = response.get_predictions()  # MLflow's default: a DataFrame
    assert len(as_frame) == 25


def test_list_of_records_scores_the_same(
    server: ServerHandle, adult_model: Pipeline, adult_sample: pd.DataFrame
) -> None:
    frame = _complete_rows(adult_sample, 5)
    records = json.loads(frame.to_json(orient="records"))  # plain Python values
    response = _client(server).invoke(records)  # {"inputs": [...]}
    scores = response.get_predictions(predictions_format="ndarray", dtype=np.float64)
    np.testing.assert_allclose(scores, _expected(adult_model, frame), rtol=0, atol=1e-6)


def _error_body(excinfo: pytest.ExceptionInfo[Exception]) -> tuple[int, dict[str, object]]:
    found = re.search(r"error code (\d+), response: (.*)\)$", str(excinfo.value), re.DOTALL)
    assert found, str(excinfo.value)
    return int(found.group(1)), json.loads(found.group(2))


def test_bad_requests_surface_mlflows_error_body(
    server: ServerHandle, adult_sample: pd.DataFrame
) -> None:
    client = _client(server)
    frame = _complete_rows(adult_sample, 2).astype({"age": object})
    frame.loc[0, "age"] = "forty"
    with pytest.raises(Exception, match="Invocation failed") as wrong_type:
        client.invoke(frame)
    status, body = _error_body(wrong_type)
    assert status == 400
    assert body["error_code"] == "BAD_REQUEST"
    assert "age" in str(body["message"])
    records = json.loads(_complete_rows(adult_sample, 1).to_json(orient="records"))
    two_keys = json.dumps({"dataframe_records": records, "instances": records})
    with pytest.raises(Exception, match="Invocation failed") as ambiguous:
        client.invoke(two_keys)  # a str is posted as it is
    status, body = _error_body(ambiguous)
    assert status == 400
    assert body["error_code"] == "BAD_REQUEST"
    assert "exactly one of the keys" in str(body["message"])


def test_missing_values_from_pandas_reach_the_charters_missing_value_rules(
    server: ServerHandle, adult_model: Pipeline, adult_sample: pd.DataFrame
) -> None:
    client = _client(server)
    frame = _complete_rows(adult_sample, 3).astype({"age": "float64"})
    frame["workclass"] = frame["workclass"].astype(object)
    frame.loc[1, "workclass"] = np.nan  # nullable in the charter: answered
    response = client.invoke(frame)
    scores = response.get_predictions(predictions_format="ndarray", dtype=np.float64)
    assert scores.shape == (3,) and np.isfinite(scores).all()
    frame.loc[2, "age"] = np.nan  # pandas writes a bare NaN; age is required
    with pytest.raises(Exception, match="Invocation failed") as missing:
        client.invoke(frame)
    status, body = _error_body(missing)
    assert status == 400 and "age" in str(body["message"])
    assert "not valid JSON" not in str(body["message"])
