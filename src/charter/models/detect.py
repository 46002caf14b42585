"""Which flavor a model object belongs to, and the flavor-independent save/load entry points."""

from __future__ import annotations

from typing import Any

from charter.errors import ModelError
from charter.models.base import Flavor, LoadedModel
from charter.models.callable import CallableFlavor
from charter.models.lightgbm import LightGBMFlavor
from charter.models.onnx import OnnxFlavor
from charter.models.sklearn import SklearnFlavor
from charter.models.xgboost import XGBoostFlavor

__all__ = [
    "FLAVORS",
    "deserialize_model",
    "detect_flavor",
    "get_flavor",
    "serialize_model",
    "wrap_model",
]

# Detection order matters: an LGBM/XGB sklearn wrapper is also a BaseEstimator, and the library's
# own flavor saves it better; a Pipeline around one is not, so it falls through to sklearn.
FLAVORS: tuple[Flavor, ...] = (
    OnnxFlavor(),
    LightGBMFlavor(),
    XGBoostFlavor(),
    SklearnFlavor(),
    CallableFlavor(),
)
_BY_NAME = {flavor.name: flavor for flavor in FLAVORS}

SUPPORTED_KINDS = (
    "a fitted scikit-learn estimator or pipeline, a LightGBM LGBMModel or Booster, "
    "an XGBoost XGBModel or Booster, an ONNX model (OnnxModel bytes or onnx.ModelProto), "
    "or a module-level Python function"
)


def detect_flavor(obj: Any) -> Flavor:
    """The flavor that handles ``obj``; ``ModelError`` listing what is supported if none does."""
    for flavor in FLAVORS:
        if flavor.matches(obj):
            return flavor
    cls = type(obj)
    raise ModelError(
        f"Charter does not know how to handle a {cls.__module__}.{cls.__qualname__}; "
        f"expected {SUPPORTED_KINDS}"
    )


def get_flavor(name: str) -> Flavor:
    """The flavor registered under ``name`` (sklearn, lightgbm, xgboost, onnx, callable)."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise ModelError(
            f"unknown model flavor {name!r}; expected one of {', '.join(_BY_NAME)}"
        ) from None


def wrap_model(obj: Any) -> LoadedModel:
    """A ``LoadedModel`` for an in-memory model (returned as is if it already is one)."""
    if isinstance(obj, LoadedModel):
        return obj
    return detect_flavor(obj).wrap(obj)


def serialize_model(obj: Any) -> tuple[str, bytes, dict[str, Any]]:
    """Flavor name, artifact bytes and metadata (``file_extension``, ``versions``, ``params``)."""
    source = obj.source if isinstance(obj, LoadedModel) else obj
    flavor = detect_flavor(source)
    data, metadata = flavor.serialize(source)
    metadata = {"file_extension": flavor.file_extension, **metadata}
    metadata.setdefault("params", flavor.params(source))
    return flavor.name, data, metadata


def deserialize_model(flavor: str, data: bytes, metadata: dict[str, Any]) -> LoadedModel:
    """Load an artifact that the registry has already checked against its sha256."""
    return get_flavor(flavor).deserialize(data, dict(metadata))
