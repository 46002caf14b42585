"""The seam between Charter and a model library: a flavor saves, loads and runs one kind of model.

A *flavor* knows one library (scikit-learn, LightGBM, XGBoost, ONNX, a plain callable). Services
only ever see ``LoadedModel``: a frozen wrapper that scores a pandas DataFrame whose columns are the
charter's feature names.
"""

from __future__ import annotations

import abc
import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from charter.errors import CharterError, ModelError

__all__ = [
    "CategoricalDtype",
    "ColumnSignature",
    "Flavor",
    "LoadedModel",
    "ModelSignature",
    "OutputKind",
    "describe_error",
    "model_errors",
]

OutputKind = Literal["probability", "value", "label"]
CategoricalDtype = Literal["object", "category"]


@dataclass(frozen=True)
class ColumnSignature:
    """One model input: its charter name and its charter type (integer, number, category …)."""

    name: str
    type: str

    def to_dict(self) -> dict[str, str]:
        return {"name": self.name, "type": self.type}


@dataclass(frozen=True)
class ModelSignature:
    """What a model takes and returns, recorded with every version."""

    inputs: tuple[ColumnSignature, ...]
    output: OutputKind
    classes: tuple[str, ...] | None = None
    names_from: Literal["model", "sample"] = "model"
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def input_names(self) -> tuple[str, ...]:
        return tuple(col.name for col in self.inputs)

    def to_dict(self) -> dict[str, Any]:
        return {
            "inputs": [col.to_dict() for col in self.inputs],
            "output": self.output,
            "classes": list(self.classes) if self.classes is not None else None,
            "names_from": self.names_from,
            "extra": dict(self.extra),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ModelSignature:
        classes = data.get("classes")
        return cls(
            inputs=tuple(ColumnSignature(c["name"], c["type"]) for c in data.get("inputs", [])),
            output=data.get("output", "probability"),
            classes=tuple(str(c) for c in classes) if classes is not None else None,
            names_from=data.get("names_from", "model"),
            extra=dict(data.get("extra") or {}),
        )


class LoadedModel(abc.ABC):
    """A model ready to score frames whose columns are the charter's feature names."""

    flavor: str
    #: How category features must reach ``predict``: object strings (encoders in a pipeline) or
    #: pandas ``category`` (LightGBM/XGBoost trained on categorical columns). Flavors convert
    #: object columns themselves; the value is recorded in the signature for serving and batch.
    categorical_dtype: CategoricalDtype = "object"

    @property
    @abc.abstractmethod
    def native(self) -> Any:
        """The underlying library object (estimator, booster, inference session, callable)."""

    @property
    def source(self) -> Any:
        """The object its flavor serializes; not ``native`` where a runtime wraps the model."""
        return self.native

    @property
    def input_types(self) -> dict[str, str] | None:
        """Charter types the model itself insists on per input (ONNX tensors); ``None`` if none."""
        return None

    @property
    def output(self) -> OutputKind | None:
        """What ``predict_scores`` returns; ``None`` when only running the model can tell."""
        return "probability" if self.classes is not None else "value"

    @property
    @abc.abstractmethod
    def input_names(self) -> tuple[str, ...] | None:
        """Input names the model itself declares, or ``None`` if it declares none."""

    @property
    @abc.abstractmethod
    def classes(self) -> tuple[str, ...] | None:
        """Class labels (as strings) for classifiers, in the column order of ``predict_proba``."""

    @abc.abstractmethod
    def predict_proba(self, frame: pd.DataFrame) -> np.ndarray:
        """Class probabilities, shape (n_rows, n_classes); ``ModelError`` for regressors."""

    @abc.abstractmethod
    def predict(self, frame: pd.DataFrame) -> np.ndarray:
        """Labels for classifiers, values for regressors; shape (n_rows,)."""

    def predict_scores(self, frame: pd.DataFrame, *, positive: str | None = None) -> np.ndarray:
        """The score the charter talks about.

        Binary classifiers: the probability of ``positive`` (else of the second class), 1-D.
        Multiclass: the probability matrix. Regressors: the predicted values.
        """
        classes = self.classes
        if classes is None:
            return np.asarray(self.predict(frame), dtype=np.float64)
        proba = np.asarray(self.predict_proba(frame), dtype=np.float64)
        if len(classes) != 2:
            return proba
        index = (
            classes.index(str(positive)) if positive is not None and str(positive) in classes else 1
        )
        return proba[:, index]


class Flavor(abc.ABC):
    """Knows how to recognise, save and load one kind of model."""

    name: str
    file_extension: str

    @abc.abstractmethod
    def matches(self, obj: Any) -> bool:
        """Whether ``obj`` is a model of this flavor."""

    @abc.abstractmethod
    def serialize(self, obj: Any) -> tuple[bytes, dict[str, Any]]:
        """The artifact's bytes and the metadata needed to load it again."""

    @abc.abstractmethod
    def deserialize(self, data: bytes, metadata: dict[str, Any]) -> LoadedModel:
        """Load from bytes that the registry has already verified against their sha256."""

    @abc.abstractmethod
    def wrap(self, obj: Any) -> LoadedModel:
        """Wrap an in-memory model without a round trip through bytes."""

    def params(self, obj: Any) -> dict[str, Any]:
        """JSON-safe hyper-parameters for lineage; empty when the library exposes none."""
        return {}


@contextlib.contextmanager
def model_errors(action: str) -> Iterator[None]:
    """Turn a library's exception into a ``ModelError`` that says what failed, not a traceback.

    Charter's own errors (a ``DataError`` naming a column) pass through unchanged.
    """
    try:
        yield
    except CharterError:
        raise
    except Exception as exc:
        raise ModelError(f"{action} failed: {describe_error(exc)}") from exc


def describe_error(exc: BaseException) -> str:
    """The exception's type and the first line of its message, short enough for a CLI line."""
    lines = str(exc).strip().splitlines()
    first = lines[0] if lines else ""
    if len(first) > 300:
        first = first[:297] + "..."
    return f"{type(exc).__name__}: {first}" if first else type(exc).__name__
