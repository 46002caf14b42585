"""A model's signature (what it takes and returns) and its check against the charter.

``infer_signature`` looks at the model and a sample of training data; ``compare_signature`` says,
as a ``SignatureDiff``, how the signature departs from the charter's features and sensitive
attributes. The registry turns a non-empty diff into ``SignatureMismatchError``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import numpy as np
import pandas as pd

from charter.errors import DataError, ModelError, SignatureDiff
from charter.models.base import ColumnSignature, LoadedModel, ModelSignature, OutputKind
from charter.models.detect import wrap_model
from charter.models.frame import FeatureLike, SensitiveLike, coerce_frame, feature_type

__all__ = ["ACCEPTS", "column_type", "compare_signature", "infer_signature"]

SMOKE_ROWS = 100

#: charter type -> the types of data (or model input) it accepts
ACCEPTS: dict[str, frozenset[str]] = {
    "integer": frozenset({"integer"}),
    "number": frozenset({"integer", "number"}),
    "category": frozenset({"category", "string"}),
    "string": frozenset({"string", "category"}),
    "boolean": frozenset({"boolean"}),
    "datetime": frozenset({"datetime"}),
}
# tensor type of an ONNX input -> the types of data it can be fed
_TENSOR_ACCEPTS: dict[str, frozenset[str]] = {
    "number": frozenset({"integer", "number", "boolean"}),
    "integer": frozenset({"integer", "boolean"}),
    "string": frozenset({"string", "category"}),
    "boolean": frozenset({"boolean"}),
}


def column_type(series: pd.Series, declared: str | None = None) -> str:
    """The charter type a sample column holds; ``declared`` (the charter's) settles ambiguity.

    A float column whose values are all whole numbers is ``integer`` (NaN forces ints to float),
    a 0/1 column is ``boolean`` where the charter says boolean, and text is ``category`` where the
    charter says category, else ``string``.
    """
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "boolean"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "datetime"
    if pd.api.types.is_numeric_dtype(dtype):
        values = series.dropna().to_numpy(dtype=np.float64)
        if pd.api.types.is_integer_dtype(dtype) or (
            values.size and np.isfinite(values).all() and (values == np.floor(values)).all()
        ):
            if declared == "boolean" and np.isin(values, (0.0, 1.0)).all():
                return "boolean"
            return "integer"
        return "number"
    inferred = pd.api.types.infer_dtype(series, skipna=True)
    if inferred == "boolean":
        return "boolean"
    if inferred == "integer":
        return "integer"
    if inferred in ("floating", "mixed-integer-float", "decimal"):
        return "number"
    if inferred in ("datetime", "datetime64", "date"):
        return "datetime"
    return "category" if declared == "category" else "string"


def infer_signature(
    model: LoadedModel | Any,
    sample: pd.DataFrame,
    *,
    features: Mapping[str, FeatureLike],
    positive: str | None = None,
) -> ModelSignature:
    """The signature of ``model``, checked by scoring up to 100 rows of ``sample``.

    Input names are the model's own (``names_from="model"``) or, for a model that declares none,
    the charter's features present in the sample (``names_from="sample"``). A model that fails on
    the sample raises ``ModelError`` with the library's message.
    """
    loaded = wrap_model(model)
    declared = loaded.input_names
    names_from: Literal["model", "sample"]
    if declared is not None:
        names, names_from = declared, "model"
    else:
        names = tuple(name for name in features if name in sample.columns)
        names_from = "sample"
        if not names:
            raise DataError(
                "the sample holds none of the charter's features; expected columns "
                + ", ".join(features)
            )
    absent_known = [n for n in names if n in features and n not in sample.columns]
    if absent_known:
        raise DataError(
            "the sample lacks the charter feature(s) the model takes: " + ", ".join(absent_known)
        )
    tensors = loaded.input_types or {}
    inputs = tuple(
        ColumnSignature(name, _input_type(sample, name, features, tensors.get(name)))
        for name in names
    )
    extra: dict[str, Any] = {"flavor": loaded.flavor, "categorical_dtype": loaded.categorical_dtype}
    if tensors:
        extra["input_tensors"] = dict(tensors)
    absent = [n for n in names if n not in sample.columns]
    mistyped = [
        col.name
        for col in inputs
        if col.name in features and col.type not in ACCEPTS[feature_type(features[col.name])]
    ]
    if absent or mistyped:
        # compare_signature reports these; scoring would only fail on them first
        reason = "lacks " + ", ".join(absent) if absent else "mistypes " + ", ".join(mistyped)
        extra["smoke_test"] = f"skipped: the sample {reason}"
        output = loaded.output or "value"
    else:
        scores = _smoke_test(loaded, sample, names, features, positive)
        extra["smoke_rows"] = int(scores.shape[0])
        output = loaded.output or _score_kind(scores)
    return ModelSignature(
        inputs=inputs,
        output=output,
        classes=loaded.classes,
        names_from=names_from,
        extra=extra,
    )


def compare_signature(
    signature: ModelSignature,
    charter: Any = None,
    *,
    features: Mapping[str, FeatureLike] | None = None,
    sensitive: Mapping[str, SensitiveLike] | None = None,
) -> SignatureDiff:
    """How ``signature`` departs from the charter; an empty diff means they match.

    Pass the charter (anything with ``.features`` and ``.sensitive``) or the mappings themselves.
    A sensitive attribute used as an input is ``forbidden`` unless its spec sets
    ``allow_as_input``; an allowed one must still be declared among the features.
    """
    if features is None:
        if charter is None:
            raise TypeError("compare_signature needs a charter or features=")
        features = charter.features
    if sensitive is None:
        sensitive = getattr(charter, "sensitive", None) or {}
    forbidden = tuple(
        col.name
        for col in signature.inputs
        if col.name in sensitive and not bool(getattr(sensitive[col.name], "allow_as_input", False))
    )
    missing = tuple(
        col.name
        for col in signature.inputs
        if col.name not in features and col.name not in forbidden
    )
    taken = set(signature.input_names)
    extra = (
        tuple(name for name in features if name not in taken)
        if signature.names_from == "model"
        else ()
    )
    wrong_type: list[tuple[str, str, str]] = []
    for col in signature.inputs:
        if col.name not in features or col.type == "unknown":
            continue
        expected = feature_type(features[col.name])
        if col.type not in ACCEPTS[expected]:
            wrong_type.append((col.name, expected, col.type))
    return SignatureDiff(
        missing=missing, extra=extra, wrong_type=tuple(wrong_type), forbidden=forbidden
    )


def _input_type(
    sample: pd.DataFrame, name: str, features: Mapping[str, FeatureLike], tensor: str | None
) -> str:
    declared = feature_type(features[name]) if name in features else None
    if name not in sample.columns:
        return tensor or "unknown"
    got = column_type(sample[name], declared)
    if tensor is not None and got not in _TENSOR_ACCEPTS.get(tensor, frozenset({tensor})):
        return tensor  # the model cannot take this data: report what it does take
    return got


def _smoke_test(
    model: LoadedModel,
    sample: pd.DataFrame,
    names: tuple[str, ...],
    features: Mapping[str, FeatureLike],
    positive: str | None,
) -> np.ndarray:
    rows = sample.head(SMOKE_ROWS)
    known = {name: features[name] for name in names if name in features}
    frame = coerce_frame(rows, known, categorical_dtype="object")
    for name in names:
        if name not in known:  # not a charter feature (the diff says so); feed it as it is
            frame[name] = rows[name]
    try:
        scores = np.asarray(model.predict_scores(frame[list(names)], positive=positive))
    except ModelError as exc:
        raise ModelError(f"the model failed on the sample: {exc.message}") from exc
    if scores.shape[0] != len(frame):
        raise ModelError(
            f"the model returned {scores.shape[0]} scores for {len(frame)} sample rows"
        )
    return scores


def _score_kind(scores: np.ndarray) -> OutputKind:
    """Scores all within [0, 1] read as probabilities (a callable says nothing else)."""
    values = scores.astype(np.float64, copy=False) if scores.dtype.kind in "biuf" else None
    if values is not None and values.size and ((values >= 0) & (values <= 1)).all():
        return "probability"
    return "value"
