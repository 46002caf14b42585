"""Read the model a user points ``charter register`` at: a file, or a ``module:function``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from charter.errors import ModelError
from charter.models.base import describe_error
from charter.models.callable import ENTRYPOINT, import_entrypoint
from charter.models.detect import SUPPORTED_KINDS, detect_flavor
from charter.models.extras import require_extra
from charter.models.onnx import OnnxModel, OnnxRuntimeModel
from charter.models.sklearn import load_joblib

__all__ = ["MODEL_FILE_KINDS", "read_model_file"]

MODEL_FILE_KINDS: dict[str, str] = {
    ".joblib": "a joblib/pickle file",
    ".pkl": "a joblib/pickle file",
    ".pickle": "a joblib/pickle file",
    ".onnx": "an ONNX model",
    ".txt": "a LightGBM model text file",
    ".json": "an XGBoost model (JSON)",
    ".ubj": "an XGBoost model (UBJSON)",
}
_EXPECTED = ", ".join(sorted(MODEL_FILE_KINDS)) + ", or a 'package.module:function' entry point"


def read_model_file(path: str | Path) -> Any:
    """The model object stored at ``path``, ready for ``detect_flavor``.

    Pickle files (``.joblib``/``.pkl``/``.pickle``) run code when loaded: read only files you
    trust. Every failure is a ``ModelError`` naming the path and what was expected.
    """
    if isinstance(path, str) and not Path(path).exists() and ENTRYPOINT.fullmatch(path):
        return import_entrypoint(path)
    file = Path(path)
    suffix = file.suffix.lower()
    if suffix not in MODEL_FILE_KINDS:
        raise ModelError(
            f"{file}: unknown model file type {suffix or '(no extension)'!r}; expected {_EXPECTED}"
        )
    if not file.is_file():
        what = "is a directory" if file.is_dir() else "does not exist"
        raise ModelError(f"{file}: {what}; expected {MODEL_FILE_KINDS[suffix]}")
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise ModelError(f"{file}: cannot be read: {describe_error(exc)}") from exc
    try:
        model = _read(file, suffix, data)
    except ModelError as exc:
        raise ModelError(f"{file}: {exc.message}") from exc
    except Exception as exc:
        raise ModelError(
            f"{file}: cannot be read as {MODEL_FILE_KINDS[suffix]}: {describe_error(exc)}"
        ) from exc
    if suffix in (".joblib", ".pkl", ".pickle"):
        try:
            detect_flavor(model)
        except ModelError as exc:
            raise ModelError(
                f"{file}: holds a {type(model).__name__}, not a model; expected {SUPPORTED_KINDS}"
            ) from exc
    return model


def _read(file: Path, suffix: str, data: bytes) -> Any:
    if suffix in (".joblib", ".pkl", ".pickle"):
        return load_joblib(data, "joblib")
    if suffix == ".onnx":
        model = OnnxModel(data)
        OnnxRuntimeModel(model)  # parse now, so a corrupt file is named here and not at serving
        return model
    if suffix == ".txt":
        lgb = require_extra("lightgbm")
        return lgb.Booster(model_str=data.decode("utf-8"))
    return _read_xgboost(data)


def _read_xgboost(data: bytes) -> Any:
    """A Booster, or the scikit-learn wrapper its ``save_model`` recorded."""
    xgb = require_extra("xgboost")
    booster = xgb.Booster()
    booster.load_model(bytearray(data))
    wrapper = _sklearn_wrapper(booster.attr("scikit_learn"))
    if wrapper is None:
        return booster
    model = getattr(xgb, wrapper)()
    model.load_model(bytearray(data))
    return model


def _sklearn_wrapper(meta: str | None) -> str | None:
    if not meta:
        return None
    try:
        kind = json.loads(meta).get("_estimator_type")
    except (ValueError, AttributeError):
        return None
    return {"classifier": "XGBClassifier", "regressor": "XGBRegressor"}.get(kind)
