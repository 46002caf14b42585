"""Model flavors (scikit-learn, LightGBM, XGBoost, ONNX, plain callables) and signatures.

Services see only ``LoadedModel``; ``detect_flavor`` picks the flavor for a user's object,
``serialize_model``/``deserialize_model`` move it through the registry's bytes, and
``infer_signature``/``compare_signature`` check it against the charter. LightGBM, XGBoost and ONNX
are optional: they are imported only when a model needs them.
"""

from __future__ import annotations

from charter.models.base import (
    CategoricalDtype,
    ColumnSignature,
    Flavor,
    LoadedModel,
    ModelSignature,
    OutputKind,
)
from charter.models.detect import (
    deserialize_model,
    detect_flavor,
    get_flavor,
    serialize_model,
    wrap_model,
)
from charter.models.files import read_model_file
from charter.models.frame import FeatureLike, SensitiveLike, coerce_frame
from charter.models.onnx import OnnxModel
from charter.models.signature import compare_signature, infer_signature

__all__ = [
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
