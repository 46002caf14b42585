"""Compile a model to ONNX for serving, and keep the result only if it scores like the original.

scikit-learn pipelines go through skl2onnx (one tensor per feature), LightGBM and XGBoost models
with numeric features through onnxmltools (one float tensor). The compiled model must match the
original's scores within ``TOLERANCE`` on the version's reference sample, otherwise the original
is served. Two verified rewrites make common pipelines convertible: a ``SimpleImputer`` for text
whose missing marker is NaN is converted with ``""`` as the marker, because missing text reaches
ONNX as ``""``. Whatever skl2onnx cannot convert (for instance ``OneHotEncoder`` with
infrequent categories) falls back, with the reason recorded on the runtime.
"""

from __future__ import annotations

import copy
import importlib.util
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from charter.models import LoadedModel
from charter.models.base import describe_error
from charter.models.frame import feature_type

__all__ = ["TOLERANCE", "CompiledModel", "compile_onnx", "onnx_available"]

TOLERANCE = 1e-5
_NUMERIC = ("integer", "number")


def onnx_available() -> bool:
    """Whether ONNX Runtime and a converter are installed (the ``onnx`` extra)."""
    return all(importlib.util.find_spec(m) is not None for m in ("onnxruntime", "onnx"))


@dataclass
class CompiledModel:
    """An ONNX Runtime session fed straight from NumPy columns (no pandas on the hot path)."""

    session: Any
    layout: str  # "per_feature" (one [n,1] tensor each) or "single" (one [n, k] float tensor)
    inputs: tuple[tuple[str, str], ...]  # (feature name, "float" | "string")
    output: str
    column: int | None  # probability column of the positive class; None for values

    def scores(self, columns: Mapping[str, np.ndarray]) -> np.ndarray:
        """The charter's score for each row (binary classifiers and regressors only)."""
        if self.layout == "single":
            stacked = np.column_stack([columns[name] for name, _ in self.inputs])
            feed = {self.session.get_inputs()[0].name: stacked.astype(np.float32)}
        else:
            feed = {}
            for name, kind in self.inputs:
                values = columns[name]
                if kind == "string":
                    text = values.astype(object, copy=True)
                    text[pd.isna(text)] = ""
                    feed[name] = text.reshape(-1, 1)
                else:
                    feed[name] = values.astype(np.float32).reshape(-1, 1)
        result = np.asarray(self.session.run([self.output], feed)[0], dtype=np.float64)
        if self.column is not None:
            return result[:, self.column]
        return result.reshape(-1)


def _rewrite_imputers(obj: Any) -> None:
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import Pipeline

    if isinstance(obj, Pipeline):
        for _, step in obj.steps:
            _rewrite_imputers(step)
    elif isinstance(obj, ColumnTransformer):
        for _, step, _ in obj.transformers_:
            _rewrite_imputers(step)
    elif isinstance(obj, SimpleImputer):
        stats = getattr(obj, "statistics_", None)
        is_text = stats is not None and stats.dtype == object
        if is_text and isinstance(obj.missing_values, float) and np.isnan(obj.missing_values):
            obj.missing_values = ""


def _sklearn(native: Any, features: Mapping[str, Any]) -> tuple[bytes, str]:
    from skl2onnx import convert_sklearn
    from skl2onnx.common.data_types import FloatTensorType, StringTensorType

    model = copy.deepcopy(native)
    _rewrite_imputers(model)
    types = [
        (
            name,
            FloatTensorType([None, 1])
            if feature_type(spec) in _NUMERIC
            else StringTensorType([None, 1]),
        )
        for name, spec in features.items()
    ]
    final = model.steps[-1][1] if hasattr(model, "steps") else model
    options = {id(final): {"zipmap": False}} if hasattr(final, "predict_proba") else None
    onx = convert_sklearn(model, initial_types=types, options=options, target_opset=17)
    return onx.SerializeToString(), "per_feature"


def _boosted(loaded: LoadedModel, n_inputs: int) -> tuple[bytes, str]:
    from onnxmltools import convert_lightgbm, convert_xgboost
    from onnxmltools.convert.common.data_types import FloatTensorType

    types = [("input", FloatTensorType([None, n_inputs]))]
    convert = convert_lightgbm if loaded.flavor == "lightgbm" else convert_xgboost
    kwargs: dict[str, Any] = {"zipmap": False} if loaded.flavor == "lightgbm" else {}
    onx = convert(loaded.native, initial_types=types, target_opset=17, **kwargs)
    return onx.SerializeToString(), "single"


def compile_onnx(
    loaded: LoadedModel,
    features: Mapping[str, Any],
    validation: Mapping[str, np.ndarray],
    expected: np.ndarray,
    *,
    positive: str | None,
) -> tuple[CompiledModel | None, str]:
    """The compiled model and a note, or ``(None, why not)``; never raises."""
    if not onnx_available():
        return None, "onnx extra not installed"
    if loaded.classes is not None and len(loaded.classes) > 2:
        return None, "multiclass models are served by their own library"
    names = list(features)
    kinds = {name: feature_type(spec) for name, spec in features.items()}
    try:
        if loaded.flavor == "sklearn":
            with warnings.catch_warnings():  # converters' own deprecation noise is not ours
                warnings.simplefilter("ignore")
                data, layout = _sklearn(loaded.native, features)
        elif loaded.flavor in ("lightgbm", "xgboost"):
            if any(k not in _NUMERIC for k in kinds.values()):
                return None, "boosters with categorical inputs are served by their own library"
            order = list(loaded.input_names or names)
            if sorted(order) != sorted(names):
                return None, "model inputs do not match the charter's features"
            names = order
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                data, layout = _boosted(loaded, len(order))
        else:
            return None, f"{loaded.flavor} models are served as they are"
        import onnxruntime as ort

        session = ort.InferenceSession(
            data, sess_options=_serving_options(ort), providers=["CPUExecutionProvider"]
        )
        outputs = [o.name for o in session.get_outputs()]
        column: int | None = None
        output = outputs[0]
        if loaded.classes is not None:
            output = outputs[1] if len(outputs) > 1 else outputs[0]
            column = loaded.classes.index(positive) if positive in loaded.classes else 1
        inputs = tuple((n, "float" if kinds[n] in _NUMERIC else "string") for n in names)
        compiled = CompiledModel(session, layout, inputs, output, column)
        got = compiled.scores(validation)
    except Exception as exc:  # converters raise anything; the original model is always the fallback
        return None, f"conversion failed: {describe_error(exc)}"
    if got.shape != expected.shape:
        return None, f"compiled scores have shape {got.shape}, expected {expected.shape}"
    delta = float(np.max(np.abs(got - expected))) if expected.size else 0.0
    if not delta <= TOLERANCE:
        return None, f"compiled scores differ by up to {delta:.2e} (tolerance {TOLERANCE:g})"
    return compiled, f"onnx (max |delta score| {delta:.1e} on {expected.size} rows)"


def _serving_options(ort: Any) -> Any:
    """One intra-op thread that never spin-waits.

    A server answers many small requests at once on its own threads; ONNX Runtime's default
    pool (a thread per core, spinning between calls) competes with them for the cores and burns
    CPU while idle, which made the log's cost unmeasurable next to it.
    """
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return options
