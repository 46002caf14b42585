"""The XGBoost flavor: the scikit-learn API (``XGBModel``) and raw ``Booster`` objects.

Both are saved in XGBoost's own JSON format, never pickled, so an artifact loads across XGBoost
versions; the wrapper class is recorded to rebuild it. Features trained as pandas ``category``
(``feature_types`` ``"c"``) are passed back as ``category``: XGBoost 3 stores the training
categories and re-codes, so unseen values become missing.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from charter.errors import ModelError
from charter.models.base import CategoricalDtype, Flavor, LoadedModel, OutputKind, model_errors
from charter.models.extras import library_versions, loaded_module, require_extra
from charter.models.frame import select_inputs
from charter.models.sklearn import class_path, json_safe

__all__ = ["XGBoostFlavor", "XGBoostModel"]

_WRAPPERS = frozenset(
    {"XGBClassifier", "XGBRegressor", "XGBRanker", "XGBRFClassifier", "XGBRFRegressor"}
)


class XGBoostModel(LoadedModel):
    """An XGBoost model; raw boosters for ``binary:logistic`` get a two-column ``predict_proba``."""

    flavor = "xgboost"

    def __init__(self, model: Any, booster: Any, *, is_sklearn_api: bool) -> None:
        self._model = model
        self._booster = booster
        self._is_sklearn_api = is_sklearn_api
        names = booster.feature_names
        self._names = tuple(str(n) for n in names) if names else None
        types = booster.feature_types or []
        self._categorical = [n for n, t in zip(self._names or (), types, strict=False) if t == "c"]
        self.categorical_dtype: CategoricalDtype = "category" if self._categorical else "object"
        config = json.loads(booster.save_config())["learner"]
        self._objective = str(config["objective"]["name"])
        num_class = int(config["learner_model_param"].get("num_class", "0") or 0)
        if is_sklearn_api:
            classes = getattr(model, "classes_", None)
            self._classes = tuple(str(c) for c in classes) if classes is not None else None
        elif self._objective == "binary:logistic":
            self._classes = ("0", "1")
        elif self._objective.startswith("multi:"):
            self._classes = tuple(str(i) for i in range(num_class))
        else:
            self._classes = None

    @property
    def native(self) -> Any:
        return self._model

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
        return "label" if self._objective == "multi:softmax" else "probability"

    def _inputs(self, frame: pd.DataFrame) -> Any:
        if self._names is None:
            return frame.to_numpy(dtype=np.float64)
        selected = select_inputs(frame, self._names)
        if not self._categorical:
            return selected
        converted = selected.copy()
        for name in self._categorical:
            if not isinstance(converted[name].dtype, pd.CategoricalDtype):
                converted[name] = converted[name].astype("category")
        return converted

    def _booster_predict(self, frame: pd.DataFrame) -> np.ndarray:
        xgb = require_extra("xgboost")
        matrix = xgb.DMatrix(self._inputs(frame), enable_categorical=bool(self._categorical))
        return np.asarray(self._booster.predict(matrix), dtype=np.float64)

    def predict_proba(self, frame: pd.DataFrame) -> np.ndarray:
        if self.output != "probability":
            raise ModelError(
                f"an XGBoost model with objective {self._objective!r} gives no class probabilities"
            )
        with model_errors("XGBoost predict_proba"):
            if self._is_sklearn_api:
                return np.asarray(self._model.predict_proba(self._inputs(frame)))
            raw = self._booster_predict(frame)
        if raw.ndim == 1:
            raw = np.column_stack([1.0 - raw, raw])
        return raw

    def predict(self, frame: pd.DataFrame) -> np.ndarray:
        if self._is_sklearn_api:
            with model_errors("XGBoost predict"):
                return np.asarray(self._model.predict(self._inputs(frame)))
        if self.output == "probability":
            proba = self.predict_proba(frame)
            labels: np.ndarray = np.asarray(self._classes, dtype=object)[proba.argmax(axis=1)]
            return labels
        with model_errors("XGBoost predict"):
            raw = self._booster_predict(frame)
        if self._classes is not None:  # multi:softmax predicts class indexes
            return np.asarray(self._classes, dtype=object)[raw.astype(np.int64)]
        return raw


class XGBoostFlavor(Flavor):
    """``xgboost.XGBModel`` subclasses and ``xgboost.Booster``, saved as XGBoost JSON."""

    name = "xgboost"
    file_extension = ".json"

    def matches(self, obj: Any) -> bool:
        xgb = loaded_module("xgboost")
        return xgb is not None and isinstance(obj, xgb.XGBModel | xgb.Booster)

    def wrap(self, obj: Any) -> LoadedModel:
        xgb = require_extra("xgboost")
        if isinstance(obj, xgb.Booster):
            return XGBoostModel(obj, obj, is_sklearn_api=False)
        if isinstance(obj, xgb.XGBModel):
            if not obj.__sklearn_is_fitted__():
                raise ModelError(f"{class_path(obj)} is not fitted; call fit before registering it")
            return XGBoostModel(obj, obj.get_booster(), is_sklearn_api=True)
        raise ModelError(f"expected an XGBoost model, got {class_path(obj)}")

    def serialize(self, obj: Any) -> tuple[bytes, dict[str, Any]]:
        self.wrap(obj)  # refuses what it cannot load again
        metadata: dict[str, Any] = {
            "file_extension": ".json",
            "versions": library_versions("xgboost", "sklearn", "numpy"),
        }
        if isinstance(obj, require_extra("xgboost").Booster):
            with model_errors("XGBoost save_raw"):
                data = bytes(obj.save_raw(raw_format="json"))
            return data, {**metadata, "kind": "booster"}
        wrapper = type(obj).__name__
        if wrapper not in _WRAPPERS:
            raise ModelError(
                f"cannot save {class_path(obj)}: "
                f"Charter reloads only {', '.join(sorted(_WRAPPERS))}"
            )
        # The wrapper's save_model also records classes and its type; it only writes to files.
        with tempfile.TemporaryDirectory() as folder, model_errors("XGBoost save_model"):
            path = Path(folder) / "model.json"
            obj.save_model(path)
            data = path.read_bytes()
        return data, {**metadata, "kind": "sklearn_api", "wrapper": wrapper}

    def deserialize(self, data: bytes, metadata: dict[str, Any]) -> LoadedModel:
        xgb = require_extra("xgboost")
        if metadata.get("kind") == "booster":
            booster = xgb.Booster()
            with model_errors("loading the XGBoost model"):
                booster.load_model(bytearray(data))
            return self.wrap(booster)
        wrapper = str(metadata.get("wrapper", ""))
        if wrapper not in _WRAPPERS:
            raise ModelError(
                f"unknown XGBoost wrapper {wrapper!r} in the artifact's metadata; "
                f"expected one of {', '.join(sorted(_WRAPPERS))}"
            )
        model = getattr(xgb, wrapper)()
        with model_errors("loading the XGBoost model"):
            model.load_model(bytearray(data))
        return self.wrap(model)

    def params(self, obj: Any) -> dict[str, Any]:
        if hasattr(obj, "get_params"):
            params: dict[str, Any] = json_safe(obj.get_params(deep=False))
            return params
        config = json.loads(obj.save_config())["learner"]
        return {
            "objective": config["objective"]["name"],
            "num_boosted_rounds": int(obj.num_boosted_rounds()),
        }
