"""The ONNX flavor: a model compiled to ONNX, run with ONNX Runtime on the CPU.

Two input layouts are understood: one tensor per feature (what skl2onnx produces for a pipeline
with a ColumnTransformer: each input named after a column, shape ``[None, 1]``), or one numeric
tensor ``[None, n]`` whose column names come from ``OnnxModel.feature_names`` or the model's
``feature_names`` metadata property. Classifiers give a label output and a probability output, the
latter either a tensor or (with skl2onnx's ZipMap) a list of ``{class: probability}`` maps.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from charter.errors import DataError, ModelError
from charter.models.base import Flavor, LoadedModel, OutputKind, describe_error, model_errors
from charter.models.extras import library_versions, loaded_module, require_extra

__all__ = ["OnnxFlavor", "OnnxModel", "OnnxRuntimeModel"]

# ONNX tensor element type -> (NumPy dtype of the feed, charter type the tensor carries)
_TENSORS: dict[str, tuple[Any, str]] = {
    "tensor(string)": (object, "string"),
    "tensor(float)": (np.float32, "number"),
    "tensor(double)": (np.float64, "number"),
    "tensor(int64)": (np.int64, "integer"),
    "tensor(int32)": (np.int32, "integer"),
    "tensor(bool)": (np.bool_, "boolean"),
}


@dataclass(frozen=True)
class OnnxModel:
    """ONNX model bytes, plus the column names of a single-tensor input if the file lacks them."""

    data: bytes
    feature_names: tuple[str, ...] | None = None

    def __repr__(self) -> str:
        return f"OnnxModel(<{len(self.data)} bytes>, feature_names={self.feature_names!r})"


class OnnxRuntimeModel(LoadedModel):
    """An ``onnxruntime.InferenceSession`` fed from a DataFrame, tensor by tensor."""

    flavor = "onnx"

    def __init__(self, model: OnnxModel) -> None:
        ort = require_extra("onnxruntime")
        try:
            session = ort.InferenceSession(model.data, providers=["CPUExecutionProvider"])
        except Exception as exc:
            raise ModelError(f"not a usable ONNX model: {describe_error(exc)}") from exc
        self._model = model
        self._session = session
        self._inputs = [(i.name, i.type, list(i.shape or [])) for i in session.get_inputs()]
        for name, kind, _ in self._inputs:
            if kind not in _TENSORS:
                raise ModelError(f"ONNX input {name!r} has type {kind}, which Charter cannot feed")
        names = model.feature_names or _metadata_names(session)
        one_tensor = len(self._inputs) == 1 and (
            names is not None or _width(self._inputs[0][2]) != 1
        )
        self._single = self._inputs[0] if one_tensor else None
        self._names = names if one_tensor else tuple(name for name, _, _ in self._inputs)
        outputs = session.get_outputs()
        self._value_out = outputs[0].name
        self._proba_out = _probability_output(outputs)
        self._classes: tuple[str, ...] | None = None
        self._zip_keys: tuple[Any, ...] | None = None
        proba = [out for out in outputs if out.name == self._proba_out]
        if proba:
            self._classes, self._zip_keys = _class_labels(model.data, proba[0])

    @property
    def native(self) -> Any:
        return self._session

    @property
    def source(self) -> Any:
        return self._model

    @property
    def input_names(self) -> tuple[str, ...] | None:
        return self._names

    @property
    def input_types(self) -> dict[str, str] | None:
        if self._single is not None:
            kind = _TENSORS[self._single[1]][1]
            return dict.fromkeys(self._names or (), kind)
        return {name: _TENSORS[kind][1] for name, kind, _ in self._inputs}

    @property
    def classes(self) -> tuple[str, ...] | None:
        return self._classes

    @property
    def output(self) -> OutputKind | None:
        if self._classes is None:
            return "value"
        return "probability" if self._proba_out is not None else "label"

    def _feed(self, frame: pd.DataFrame) -> dict[str, np.ndarray]:
        if self._single is not None:
            name, kind, _ = self._single
            columns = list(self._names) if self._names is not None else list(frame.columns)
            absent = [c for c in columns if c not in frame.columns]
            if absent:
                raise DataError(f"the frame lacks the model's input(s): {', '.join(absent)}")
            parts = [_column(frame[c], c, kind) for c in columns]
            return {name: np.column_stack(parts) if parts else np.empty((len(frame), 0))}
        absent = [name for name, _, _ in self._inputs if name not in frame.columns]
        if absent:
            raise DataError(f"the frame lacks the model's input(s): {', '.join(absent)}")
        return {
            name: _column(frame[name], name, kind).reshape(-1, 1) for name, kind, _ in self._inputs
        }

    def _run(self, output: str, frame: pd.DataFrame) -> Any:
        feed = self._feed(frame)
        with model_errors("ONNX Runtime inference"):
            return self._session.run([output], feed)[0]

    def predict_proba(self, frame: pd.DataFrame) -> np.ndarray:
        if self._proba_out is None:
            raise ModelError("this ONNX model has no probability output")
        result = self._run(self._proba_out, frame)
        if isinstance(result, list):  # ZipMap: one {label: probability} map per row
            if not result:
                return np.empty((0, len(self._classes or ())), dtype=np.float64)
            keys = self._zip_keys or tuple(result[0])
            return np.array([[row[k] for k in keys] for row in result], dtype=np.float64)
        return np.asarray(result, dtype=np.float64)

    def predict(self, frame: pd.DataFrame) -> np.ndarray:
        result = np.asarray(self._run(self._value_out, frame))
        return result.reshape(len(frame)) if result.size == len(frame) else result


def _width(shape: list[Any]) -> Any:
    return shape[1] if len(shape) == 2 else None


def _metadata_names(session: Any) -> tuple[str, ...] | None:
    raw = session.get_modelmeta().custom_metadata_map.get("feature_names")
    if not raw:
        return None
    try:
        names = json.loads(raw)
    except ValueError:
        names = raw.split(",")
    return tuple(str(n).strip() for n in names)


def _probability_output(outputs: list[Any]) -> str | None:
    """The probability output: a ZipMap sequence or a tensor named like one, else the second."""
    if len(outputs) < 2:
        return None
    for out in outputs[1:]:
        if str(out.type).startswith("seq(map") or "prob" in out.name.lower():
            return str(out.name)
    return str(outputs[1].name)


def _class_labels(
    data: bytes, proba_output: Any
) -> tuple[tuple[str, ...] | None, tuple[Any, ...] | None]:
    """Class labels from the ZipMap node, else the last classifier node, else the tensor width.

    Returns the labels as strings and, for a ZipMap, its own keys (str or int) to read rows by.
    """
    onnx = require_extra("onnx")
    try:
        graph = onnx.load_from_string(data).graph
    except Exception as exc:
        raise ModelError(f"not a readable ONNX model: {describe_error(exc)}") from exc
    zipmaps = [n for n in graph.node if n.op_type == "ZipMap"]
    classifiers = [n for n in graph.node if n.op_type.endswith("Classifier")]
    for node in zipmaps[:1] + classifiers[::-1]:
        keys: tuple[Any, ...] = ()
        for attr in node.attribute:
            if attr.name == "classlabels_strings" and attr.strings:
                keys = tuple(s.decode("utf-8") for s in attr.strings)
            elif attr.name in ("classlabels_int64s", "classlabels_ints") and attr.ints:
                keys = tuple(int(i) for i in attr.ints)
        if keys:
            return tuple(str(k) for k in keys), keys if node.op_type == "ZipMap" else None
    width = _width(list(getattr(proba_output, "shape", None) or []))
    if isinstance(width, int):
        return tuple(str(i) for i in range(width)), None
    return None, None


def _column(series: pd.Series, name: str, kind: str) -> np.ndarray:
    """One input column as the tensor's element type; refuses values the type cannot carry."""
    dtype = _TENSORS[kind][0]
    if dtype is object:
        values = series.to_numpy(dtype=object, copy=True)
        missing = series.isna().to_numpy()
        values[missing] = ""  # ONNX strings cannot be missing; encoders treat "" as unknown
        if pd.api.types.infer_dtype(values, skipna=False) != "string":
            values = np.array([str(v) for v in values], dtype=object)
        return values
    try:
        numbers = series.to_numpy(dtype=np.float64, na_value=np.nan)
    except (TypeError, ValueError) as exc:
        raise DataError(f"{name}: expected numbers for the model's {kind} input") from exc
    if dtype in (np.int64, np.int32, np.bool_):
        if np.isnan(numbers).any():
            raise DataError(f"{name}: the model's {kind} input cannot take missing values")
        if (numbers != np.floor(numbers)).any():
            raise DataError(f"{name}: the model's {kind} input takes whole numbers only")
    return numbers.astype(dtype)


class OnnxFlavor(Flavor):
    """``OnnxModel`` bytes or an ``onnx.ModelProto``; saved as the ``.onnx`` file itself."""

    name = "onnx"
    file_extension = ".onnx"

    def matches(self, obj: Any) -> bool:
        if isinstance(obj, OnnxModel):
            return True
        onnx = loaded_module("onnx")
        return onnx is not None and isinstance(obj, onnx.ModelProto)

    def wrap(self, obj: Any) -> LoadedModel:
        return OnnxRuntimeModel(self._as_model(obj))

    def serialize(self, obj: Any) -> tuple[bytes, dict[str, Any]]:
        loaded = OnnxRuntimeModel(self._as_model(obj))
        model: OnnxModel = loaded.source
        metadata = {
            "file_extension": self.file_extension,
            "feature_names": list(model.feature_names) if model.feature_names else None,
            "input_types": loaded.input_types,
            "versions": library_versions("onnx", "onnxruntime", "skl2onnx", "onnxmltools"),
        }
        return model.data, metadata

    def deserialize(self, data: bytes, metadata: dict[str, Any]) -> LoadedModel:
        names = metadata.get("feature_names")
        return OnnxRuntimeModel(OnnxModel(data, tuple(names) if names else None))

    def params(self, obj: Any) -> dict[str, Any]:
        meta = OnnxRuntimeModel(self._as_model(obj)).native.get_modelmeta()
        return {"producer": meta.producer_name, "graph": meta.graph_name, "version": meta.version}

    def _as_model(self, obj: Any) -> OnnxModel:
        if isinstance(obj, OnnxModel):
            return obj
        if self.matches(obj):
            return OnnxModel(obj.SerializeToString())
        raise ModelError(
            f"expected ONNX model bytes or an onnx.ModelProto, got {type(obj).__name__}"
        )
