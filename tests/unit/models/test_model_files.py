from __future__ import annotations

import re
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import pytest
from sklearn.pipeline import Pipeline

from charter.errors import ModelError
from charter.models import OnnxModel, detect_flavor, read_model_file, wrap_model

INPUTS = ["age", "education_num", "hours_per_week", "capital_gain", "workclass"]


@pytest.mark.parametrize("suffix", [".joblib", ".pkl", ".pickle"])
def test_pickled_pipeline(tmp_path: Path, pipeline: Pipeline, suffix: str) -> None:
    path = tmp_path / f"model{suffix}"
    joblib.dump(pipeline, path)

    model = read_model_file(str(path))

    assert detect_flavor(model).name == "sklearn"
    assert wrap_model(model).input_names == tuple(INPUTS)


def test_corrupt_joblib_names_the_path(tmp_path: Path) -> None:
    path = tmp_path / "model.joblib"
    path.write_bytes(b"\x80\x04 definitely not a pickle")

    with pytest.raises(
        ModelError, match="^" + re.escape(f"{path}: could not load the joblib artifact: ")
    ):
        read_model_file(path)


def test_pickle_that_holds_no_model(tmp_path: Path) -> None:
    path = tmp_path / "model.pkl"
    joblib.dump({"weights": [1, 2]}, path)

    with pytest.raises(
        ModelError, match="^" + re.escape(f"{path}: holds a dict, not a model; expected a fitted")
    ):
        read_model_file(path)


def test_unknown_extension_lists_what_is_expected(tmp_path: Path) -> None:
    path = tmp_path / "model.csv"
    path.write_text("a,b\n")

    with pytest.raises(ModelError) as caught:
        read_model_file(path)
    assert caught.value.message == (
        f"{path}: unknown model file type '.csv'; expected .joblib, .json, .onnx, .pickle, "
        ".pkl, .txt, .ubj, or a 'package.module:function' entry point"
    )


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match=r"model.joblib: does not exist; expected a joblib/pickle"):
        read_model_file(tmp_path / "model.joblib")
    (tmp_path / "folder.onnx").mkdir()
    with pytest.raises(ModelError, match=r"folder.onnx: is a directory; expected an ONNX model"):
        read_model_file(tmp_path / "folder.onnx")


def test_onnx_file(tmp_path: Path, adult: pd.DataFrame) -> None:
    skl2onnx = pytest.importorskip("skl2onnx")
    pytest.importorskip("onnxruntime")
    from skl2onnx.common.data_types import FloatTensorType
    from sklearn.linear_model import LogisticRegression

    x = adult[["age", "hours_per_week"]].to_numpy(dtype=np.float32)
    clf = LogisticRegression().fit(x, adult["income"])
    proto = skl2onnx.convert_sklearn(clf, initial_types=[("x", FloatTensorType([None, 2]))])
    good = tmp_path / "model.onnx"
    good.write_bytes(proto.SerializeToString())
    corrupt = tmp_path / "corrupt.onnx"
    corrupt.write_bytes(b"garbage")

    model = read_model_file(good)

    assert isinstance(model, OnnxModel)
    assert wrap_model(model).classes == ("<=50K", ">50K")
    with pytest.raises(ModelError, match="^" + re.escape(f"{corrupt}: not a usable ONNX model: ")):
        read_model_file(corrupt)


def test_lightgbm_text_file(tmp_path: Path, adult: pd.DataFrame, y01: np.ndarray) -> None:
    lgb = pytest.importorskip("lightgbm")
    numeric = adult[["age", "hours_per_week"]]
    booster = lgb.train({"objective": "binary", "verbose": -1}, lgb.Dataset(numeric, y01), 3)
    path = tmp_path / "model.txt"
    booster.save_model(path)
    corrupt = tmp_path / "corrupt.txt"
    corrupt.write_text("this is not a model\n")

    model = read_model_file(path)

    assert isinstance(model, lgb.Booster)
    np.testing.assert_allclose(wrap_model(model).predict_scores(numeric), booster.predict(numeric))
    with pytest.raises(
        ModelError,
        match="^" + re.escape(f"{corrupt}: cannot be read as a LightGBM model text file: "),
    ):
        read_model_file(corrupt)


@pytest.mark.parametrize("suffix", [".json", ".ubj"])
def test_xgboost_files(tmp_path: Path, adult: pd.DataFrame, y01: np.ndarray, suffix: str) -> None:
    xgb = pytest.importorskip("xgboost")
    numeric = adult[["age", "hours_per_week"]]
    booster = xgb.train({"objective": "binary:logistic"}, xgb.DMatrix(numeric, y01), 3)
    classifier = xgb.XGBClassifier(n_estimators=3).fit(numeric, y01)
    booster.save_model(tmp_path / f"booster{suffix}")
    classifier.save_model(tmp_path / f"classifier{suffix}")

    raw = read_model_file(tmp_path / f"booster{suffix}")
    wrapped = read_model_file(tmp_path / f"classifier{suffix}")

    assert isinstance(raw, xgb.Booster)
    assert isinstance(wrapped, xgb.XGBClassifier)
    np.testing.assert_allclose(
        wrap_model(wrapped).predict_proba(numeric), classifier.predict_proba(numeric)
    )


def test_corrupt_xgboost_file(tmp_path: Path) -> None:
    pytest.importorskip("xgboost")
    path = tmp_path / "model.json"
    path.write_text("{not json")

    with pytest.raises(
        ModelError, match="^" + re.escape(f"{path}: cannot be read as an XGBoost model (JSON): ")
    ):
        read_model_file(path)
