from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from sklearn.pipeline import Pipeline

import charter.models
from charter.errors import ModelError
from charter.models import detect_flavor, get_flavor, wrap_model
from charter.models.detect import FLAVORS
from charter.models.extras import require_extra


def test_public_api_is_pinned() -> None:
    assert charter.models.__all__ == [
        "CategoricalDtype",
        "ColumnSignature",
        "FeatureLike",
        "Flavor",
        "LoadedModel",
        "ModelSignature",
        "OnnxModel",
        "OutputKind",
        "SensitiveLike",
        "coerce_frame",
        "compare_signature",
        "deserialize_model",
        "detect_flavor",
        "get_flavor",
        "infer_signature",
        "read_model_file",
        "serialize_model",
        "wrap_model",
    ]
    assert all(hasattr(charter.models, name) for name in charter.models.__all__)


def test_detection_order_and_names() -> None:
    assert [flavor.name for flavor in FLAVORS] == [
        "onnx",
        "lightgbm",
        "xgboost",
        "sklearn",
        "callable",
    ]
    assert all(get_flavor(flavor.name) is flavor for flavor in FLAVORS)


def test_importing_charter_models_loads_no_optional_library() -> None:
    code = (
        "import sys, charter.models; "
        "print(sorted(m for m in ('lightgbm', 'xgboost', 'onnx', 'onnxruntime') "
        "if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )

    assert result.stdout.strip() == "[]"


def test_unknown_objects_and_names() -> None:
    with pytest.raises(ModelError, match=r"^Charter does not know how to handle a builtins.dict; "):
        detect_flavor({"not": "a model"})
    with pytest.raises(ModelError) as caught:
        get_flavor("tensorflow")
    assert caught.value.message == (
        "unknown model flavor 'tensorflow'; expected one of onnx, lightgbm, xgboost, sklearn, "
        "callable"
    )


def test_missing_extra_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # makes the import fail

    with pytest.raises(ModelError) as caught:
        require_extra("onnxruntime")
    assert caught.value.message == (
        "this model needs the 'onnxruntime' library, which is not installed; "
        "install it with: pip install 'charter-mlops[onnx]'"
    )


def test_wrap_model_passes_loaded_models_through(pipeline: Pipeline) -> None:
    model = wrap_model(pipeline)

    assert wrap_model(model) is model


def test_predict_scores_for_multiclass_returns_the_matrix(adult: pd.DataFrame) -> None:
    from sklearn.linear_model import LogisticRegression

    x = adult[["age", "education_num"]]
    y = np.array(["a", "b", "c"])[adult["hours_per_week"].to_numpy() % 3]
    model = wrap_model(LogisticRegression(max_iter=1000).fit(x, y))

    assert model.predict_scores(x).shape == (len(x), 3)
