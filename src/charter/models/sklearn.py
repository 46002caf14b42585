"""The scikit-learn flavor: any fitted estimator or pipeline with ``predict``.

Artifacts are joblib pickles. Unpickling runs code, so the registry only loads one after checking
its sha256 against the value recorded at registration (see ``charter.store``); never point
``deserialize`` at bytes of unknown origin.
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping
from typing import Any

import joblib
import numpy as np
import pandas as pd

from charter.errors import ModelError
from charter.models.base import Flavor, LoadedModel, OutputKind, describe_error, model_errors
from charter.models.extras import library_versions, loaded_module
from charter.models.frame import select_inputs

__all__ = ["SklearnFlavor", "SklearnModel", "json_safe"]

_VERSIONED = ("sklearn", "joblib", "numpy", "pandas", "lightgbm", "xgboost")


def json_safe(value: Any) -> Any:
    """A JSON-serialisable rendering of a hyper-parameter value, for lineage records.

    Nested estimators become their class name and anything JSON cannot hold becomes its ``repr``,
    so ``json.dumps`` always succeeds.
    """
    if value is None or isinstance(value, bool | str | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else repr(value)
    if isinstance(value, np.generic):
        return json_safe(value.item())
    if hasattr(value, "get_params") and not isinstance(value, type):
        return type(value).__name__
    if isinstance(value, Mapping):
        return {str(key): json_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(item) for item in value]
    if isinstance(value, np.ndarray) and value.size <= 1000:
        return json_safe(value.tolist())
    if callable(value):
        return getattr(value, "__qualname__", None) or repr(value)
    return repr(value)


def class_path(obj: Any) -> str:
    """``module.QualName`` of an object's class, recorded so a reader knows what was saved."""
    cls = type(obj)
    return f"{cls.__module__}.{cls.__qualname__}"


def dump_joblib(obj: Any) -> bytes:
    """Pickle with joblib into bytes (joblib handles large NumPy arrays efficiently)."""
    buffer = io.BytesIO()
    with model_errors(f"saving {class_path(obj)} with joblib"):
        joblib.dump(obj, buffer)
    return buffer.getvalue()


def load_joblib(data: bytes, what: str) -> Any:
    """Unpickle joblib bytes; only for artifacts whose sha256 the registry has verified."""
    try:
        return joblib.load(io.BytesIO(data))
    except Exception as exc:
        raise ModelError(f"could not load the {what} artifact: {describe_error(exc)}") from exc


class SklearnModel(LoadedModel):
    """A fitted scikit-learn estimator or pipeline."""

    flavor = "sklearn"

    def __init__(self, estimator: Any) -> None:
        self._estimator = estimator
        names = getattr(estimator, "feature_names_in_", None)
        self._names = tuple(str(name) for name in names) if names is not None else None
        classes = getattr(estimator, "classes_", None)
        self._classes = tuple(str(c) for c in classes) if classes is not None else None
        self._has_proba = hasattr(estimator, "predict_proba")

    @property
    def native(self) -> Any:
        return self._estimator

    @property
    def input_names(self) -> tuple[str, ...] | None:
        return self._names

    @property
    def classes(self) -> tuple[str, ...] | None:
        return self._classes

    @property
    def output(self) -> OutputKind | None:
        if self._classes is None:
            return "value"
        return "probability" if self._has_proba else "label"

    def _inputs(self, frame: pd.DataFrame) -> Any:
        # An estimator fitted on an array warns when given names; give it the array it knows.
        if self._names is None:
            return frame.to_numpy()
        return select_inputs(frame, self._names)

    def predict_proba(self, frame: pd.DataFrame) -> np.ndarray:
        if self._classes is None or not self._has_proba:
            raise ModelError(
                f"{class_path(self._estimator)} does not give class probabilities "
                "(it has no predict_proba)"
            )
        with model_errors(f"{type(self._estimator).__name__}.predict_proba"):
            return np.asarray(self._estimator.predict_proba(self._inputs(frame)))

    def predict(self, frame: pd.DataFrame) -> np.ndarray:
        with model_errors(f"{type(self._estimator).__name__}.predict"):
            return np.asarray(self._estimator.predict(self._inputs(frame)))


class SklearnFlavor(Flavor):
    """Fitted ``BaseEstimator`` objects (estimators, pipelines, column transformers + model)."""

    name = "sklearn"
    file_extension = ".joblib"

    def matches(self, obj: Any) -> bool:
        # scikit-learn is imported only when a model needs it: a command that only reads the
        # registry starts ~1.5 s sooner, and an estimator cannot exist before its module does.
        base = loaded_module("sklearn.base")
        return base is not None and isinstance(obj, base.BaseEstimator) and hasattr(obj, "predict")

    def wrap(self, obj: Any) -> LoadedModel:
        self._check(obj)
        return SklearnModel(obj)

    def serialize(self, obj: Any) -> tuple[bytes, dict[str, Any]]:
        self._check(obj)
        metadata = {
            "file_extension": self.file_extension,
            "format": "joblib",
            "class": class_path(obj),
            "versions": library_versions(*_VERSIONED),
        }
        return dump_joblib(obj), metadata

    def deserialize(self, data: bytes, metadata: dict[str, Any]) -> LoadedModel:
        return self.wrap(load_joblib(data, "scikit-learn"))

    def params(self, obj: Any) -> dict[str, Any]:
        params: dict[str, Any] = json_safe(obj.get_params(deep=False))
        return params

    def _check(self, obj: Any) -> None:
        from sklearn.exceptions import NotFittedError
        from sklearn.utils.validation import check_is_fitted

        if not self.matches(obj):
            raise ModelError(
                f"expected a fitted scikit-learn estimator with predict, got {class_path(obj)}"
            )
        try:
            check_is_fitted(obj)
        except NotFittedError as exc:
            raise ModelError(
                f"{class_path(obj)} is not fitted; call fit before registering it"
            ) from exc
