"""What every check reads: the version, its model, the charter and the holdout, checked once.

``build_context`` does all the work that can find bad input (missing columns, labels outside the
charter's classes, too few rows) before any check runs, so a bad holdout stops the gate with a
``DataError`` and nothing is written to the registry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from charter.contract import Charter
from charter.errors import DataError
from charter.models import LoadedModel, coerce_frame
from charter.store import VersionRecord

__all__ = ["GateContext", "build_context", "label_text", "model_inputs"]

Scorer = Callable[[pd.DataFrame], npt.NDArray[np.float64]]


def label_text(value: Any) -> str:
    """A label as the charter writes it (``1.0`` -> ``"1"``, ``True`` -> ``"true"``)."""
    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    return str(value)


def input_names(version: VersionRecord) -> tuple[str, ...]:
    """The model's inputs as recorded at registration, in the model's order."""
    return tuple(str(col["name"]) for col in version.signature.get("inputs", []))


def model_inputs(frame: pd.DataFrame, charter: Charter, names: tuple[str, ...]) -> pd.DataFrame:
    """``frame`` as the model takes it: charter features coerced, other inputs passed as they are.

    A model may take a column the enforcing charter does not declare (a sensitive attribute a
    newer charter forbids); it still gets the holdout's values so the gate can judge it.
    """
    known = {name: charter.features[name] for name in names if name in charter.features}
    out = coerce_frame(frame, known, categorical_dtype="object")
    for name in names:
        if name not in known:
            out[name] = frame[name].to_numpy()
    return out[list(names)]


@dataclass
class GateContext:
    """The holdout and the candidate's scores on it, shared by every check."""

    charter: Charter
    version: VersionRecord
    model: LoadedModel
    holdout: pd.DataFrame
    inputs: pd.DataFrame
    y_true: npt.NDArray[Any]
    positive: str | None
    threshold: float
    seed: int = 0
    scores: npt.NDArray[np.float64] | None = None
    scoring_error: str = ""
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def is_classification(self) -> bool:
        return self.charter.is_classification

    @property
    def input_names(self) -> tuple[str, ...]:
        return tuple(str(c) for c in self.inputs.columns)

    def predict(self, inputs: pd.DataFrame) -> npt.NDArray[np.float64]:
        """The model's scores on an already-coerced frame (P(positive) or the value)."""
        raw = self.model.predict_scores(inputs, positive=self.positive)
        return np.asarray(raw, dtype=np.float64)

    def labels_of(self, scores: npt.NDArray[np.float64]) -> npt.NDArray[np.bool_]:
        """Decisions at the charter's threshold."""
        return np.asarray(scores >= self.threshold)


def _check_columns(frame: pd.DataFrame, charter: Charter, names: tuple[str, ...]) -> None:
    wanted = list(dict.fromkeys([*names, charter.target.column]))
    fairness = charter.validation.fairness
    if fairness is not None:
        for bound in fairness.metrics.values():
            wanted.extend(a for a in bound.by if a not in wanted)
    required = [
        c
        for c in wanted
        if c not in frame.columns and not (c in charter.features and charter.features[c].nullable)
    ]
    if required:
        raise DataError("the holdout lacks required column(s): " + ", ".join(required))


def _classification_labels(
    values: pd.Series, charter: Charter, model: LoadedModel
) -> npt.NDArray[np.bool_]:
    column = charter.target.column
    if values.isna().any():
        raise DataError(
            f"the target column '{column}' has {int(values.isna().sum())} missing labels"
        )
    labels = np.array([label_text(v) for v in values.to_numpy()], dtype=object)
    classes = charter.target.classes or (list(model.classes) if model.classes else None)
    if classes:
        unknown = sorted(set(labels.tolist()) - set(classes))
        if unknown:
            shown = ", ".join(repr(u) for u in unknown[:5])
            raise DataError(
                f"the target column '{column}' holds labels outside the charter's classes: "
                f"{shown}; expected {', '.join(classes)}"
            )
    positive = charter.target.positive
    if charter.task == "binary_classification" and positive is not None:
        truth = labels == positive
    else:
        raise DataError(f"the gate checks binary classification and regression; got {charter.task}")
    if truth.all() or not truth.any():
        raise DataError(
            f"the holdout must hold both classes of '{column}'; got only "
            f"{'the positive' if truth.all() else 'the negative'} class"
        )
    return np.asarray(truth, dtype=bool)


def _regression_targets(values: pd.Series, column: str) -> npt.NDArray[np.float64]:
    numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype=np.float64)
    bad = ~np.isfinite(numbers)
    if bad.any():
        raise DataError(
            f"the target column '{column}' needs finite numbers; {int(bad.sum())} rows are "
            "missing or not numbers"
        )
    return numbers


def build_context(
    charter: Charter,
    version: VersionRecord,
    model: LoadedModel,
    holdout: pd.DataFrame,
    *,
    seed: int = 0,
) -> GateContext:
    """Check the holdout against the charter and the model, and score it once.

    Raises
    ------
    DataError
        Too few rows, missing columns, labels outside the charter's classes, a task the gate
        does not check, or values that cannot be read as the charter's types.
    """
    minimum = charter.validation.min_rows
    if len(holdout) < minimum:
        raise DataError(
            f"the holdout has {len(holdout)} rows; the charter's gate needs at least {minimum}"
        )
    names = input_names(version)
    _check_columns(holdout, charter, names)
    target = holdout[charter.target.column]
    if charter.is_classification:
        y_true: npt.NDArray[Any] = _classification_labels(target, charter, model)
    else:
        y_true = _regression_targets(target, charter.target.column)
    inputs = model_inputs(holdout, charter, names)
    threshold = charter.outputs.label.threshold if charter.outputs.label else 0.5
    context = GateContext(
        charter=charter,
        version=version,
        model=model,
        holdout=holdout.reset_index(drop=True),
        inputs=inputs.reset_index(drop=True),
        y_true=y_true,
        positive=charter.target.positive,
        threshold=threshold,
        seed=seed,
    )
    return context
