"""The LightGBM flavor: the scikit-learn API (``LGBMModel``) and raw ``Booster`` objects.

A model trained on pandas ``category`` columns keeps their category lists
(``pandas_categorical``); LightGBM refuses object columns at predict time, so the wrapper turns the
charter's object strings back into ``category`` with the training categories (unseen values become
missing, which LightGBM routes like a missing value).
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

from charter.errors import ModelError
from charter.models.base import CategoricalDtype, Flavor, LoadedModel, OutputKind, model_errors
from charter.models.extras import library_versions, loaded_module, require_extra
from charter.models.frame import select_inputs
from charter.models.sklearn import class_path, dump_joblib, json_safe, load_joblib

__all__ = ["LightGBMFlavor", "LightGBMModel"]

_AUTO_NAME = re.compile(r"Column_\d+")
_BINARY = frozenset({"binary", "cross_entropy", "xentropy"})
_MULTICLASS = frozenset({"multiclass", "multiclassova", "softmax", "multiclass_ova", "ova", "ovr"})


class LightGBMModel(LoadedModel):
    """A LightGBM model; raw boosters for binary objectives get a two-column ``predict_proba``."""

    flavor = "lightgbm"

    def __init__(self, model: Any, booster: Any, *, is_sklearn_api: bool) -> None:
        self._model = model
        self._booster = booster
        self._is_sklearn_api = is_sklearn_api
        dump = booster.dump_model(num_iteration=1)
        self._names = _declared_names(model, booster)
        self._objective = str(dump.get("objective", "")).split(" ")[0]
        self._categories: list[list[Any]] = list(dump.get("pandas_categorical") or [])
        self._categorical = _categorical_names(booster, dump)
        self.categorical_dtype: CategoricalDtype = "category" if self._categories else "object"
        if is_sklearn_api:
            classes = getattr(model, "classes_", None)
            self._classes = tuple(str(c) for c in classes) if classes is not None else None
        elif self._objective in _BINARY:
            self._classes = ("0", "1")
        elif self._objective in _MULTICLASS:
            self._classes = tuple(str(i) for i in range(int(dump.get("num_class", 1))))
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
        return "value" if self._classes is None else "probability"

    def _inputs(self, frame: pd.DataFrame) -> Any:
        if self._names is None and not self._categories:
            return frame.to_numpy(dtype=np.float64)
        selected = select_inputs(frame, self._names)
        if not self._categories:
            return selected
        columns = [name for name in self._categorical if name in selected.columns]
        if len(columns) != len(self._categories):
            # categorical_feature also named integer-coded columns: the category ones are textual
            columns = [c for c in columns if not pd.api.types.is_numeric_dtype(selected[c])]
        converted = selected.copy()
        for name, categories in zip(columns, self._categories, strict=False):
            column = selected[name]
            known = column.where(column.isin(categories))  # unseen values become missing
            converted[name] = pd.Categorical(known, categories=categories)
        return converted

    def predict_proba(self, frame: pd.DataFrame) -> np.ndarray:
        if self._classes is None:
            raise ModelError(f"a LightGBM model with objective {self._objective!r} is a regressor")
        with model_errors("LightGBM predict_proba"):
            if self._is_sklearn_api:
                return np.asarray(self._model.predict_proba(self._inputs(frame)))
            raw = np.asarray(self._booster.predict(self._inputs(frame)), dtype=np.float64)
        if raw.ndim == 1:
            raw = np.column_stack([1.0 - raw, raw])
        return raw

    def predict(self, frame: pd.DataFrame) -> np.ndarray:
        if not self._is_sklearn_api and self._classes is not None:
            proba = self.predict_proba(frame)
            labels: np.ndarray = np.asarray(self._classes, dtype=object)[proba.argmax(axis=1)]
            return labels
        with model_errors("LightGBM predict"):
            return np.asarray(self._model.predict(self._inputs(frame)))


def _declared_names(model: Any, booster: Any) -> tuple[str, ...] | None:
    names = getattr(model, "feature_names_in_", None)
    if names is not None:
        return tuple(str(n) for n in names)
    booster_names = [str(n) for n in booster.feature_name()]
    if all(_AUTO_NAME.fullmatch(n) for n in booster_names):
        return None  # trained on an array: LightGBM made the names up
    return tuple(booster_names)


def _categorical_names(booster: Any, dump: dict[str, Any]) -> list[str]:
    names = [str(n) for n in dump.get("feature_names", [])]
    params = booster.params or {}
    indexes = params.get("categorical_feature") or params.get("categorical_column")
    if isinstance(indexes, list) and all(isinstance(i, int) for i in indexes):
        return [names[i] for i in sorted(indexes) if i < len(names)]
    infos = dump.get("feature_infos", {})
    return [name for name in names if infos.get(name, {}).get("values")]


class LightGBMFlavor(Flavor):
    """``lightgbm.LGBMModel`` (saved with joblib) and ``lightgbm.Booster`` (saved as model text)."""

    name = "lightgbm"
    file_extension = ".txt"

    def matches(self, obj: Any) -> bool:
        lgb = loaded_module("lightgbm")
        return lgb is not None and isinstance(obj, lgb.LGBMModel | lgb.Booster)

    def wrap(self, obj: Any) -> LoadedModel:
        lgb = require_extra("lightgbm")
        if isinstance(obj, lgb.Booster):
            return LightGBMModel(obj, obj, is_sklearn_api=False)
        if isinstance(obj, lgb.LGBMModel):
            if not obj.__sklearn_is_fitted__():
                raise ModelError(f"{class_path(obj)} is not fitted; call fit before registering it")
            return LightGBMModel(obj, obj.booster_, is_sklearn_api=True)
        raise ModelError(f"expected a LightGBM model, got {class_path(obj)}")

    def serialize(self, obj: Any) -> tuple[bytes, dict[str, Any]]:
        loaded = self.wrap(obj)
        versions = library_versions("lightgbm", "sklearn", "numpy")
        if isinstance(loaded.native, require_extra("lightgbm").Booster):
            with model_errors("LightGBM model_to_string"):
                text = obj.model_to_string()
            return text.encode("utf-8"), {
                "file_extension": ".txt",
                "kind": "booster",
                "versions": versions,
            }
        return dump_joblib(obj), {
            "file_extension": ".joblib",
            "kind": "sklearn_api",
            "class": class_path(obj),
            "versions": versions,
        }

    def deserialize(self, data: bytes, metadata: dict[str, Any]) -> LoadedModel:
        lgb = require_extra("lightgbm")
        if metadata.get("kind") == "booster":
            with model_errors("loading the LightGBM model text"):
                booster = lgb.Booster(model_str=data.decode("utf-8"))
            return self.wrap(booster)
        return self.wrap(load_joblib(data, "LightGBM"))

    def params(self, obj: Any) -> dict[str, Any]:
        raw = obj.params if hasattr(obj, "model_to_string") else obj.get_params(deep=False)
        params: dict[str, Any] = json_safe(dict(raw or {}))
        return params
