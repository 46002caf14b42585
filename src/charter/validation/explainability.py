"""Explainability: global permutation importance and an example of per-prediction reason codes.

Importance is model-agnostic (``charter.metrics.permutation_importance``: the drop in ROC AUC, or
the rise in RMSE, when one feature is shuffled). A model whose single feature carries more than
the charter's ``max_single_feature_share`` of the total fails. Reason codes use SHAP's
TreeExplainer for tree models when ``shap`` is installed (``treeshap``), else occlusion
(``charter.metrics.reason_codes``); both speak the charter's feature names.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from charter.errors import CharterError
from charter.metrics import ImportanceResult, permutation_importance, reason_codes
from charter.models.base import describe_error
from charter.validation.context import GateContext
from charter.validation.report import CheckResult, Verdict
from charter.validation.treeshap import tree_attribution

__all__ = ["EXAMPLE_ROWS", "IMPORTANCE_ROWS", "check_explainability", "example_reason_codes"]

IMPORTANCE_ROWS = 3000
IMPORTANCE_REPEATS = 3
EXAMPLE_ROWS = 3
BACKGROUND_ROWS = 50

NAME = "explainability.max_feature_share"


def _importance(context: GateContext) -> ImportanceResult:
    metric = "roc_auc" if context.is_classification else "rmse"
    return permutation_importance(
        context.predict,
        context.inputs,
        context.y_true,
        metric=metric,
        n_repeats=IMPORTANCE_REPEATS,
        seed=context.seed,
        max_rows=IMPORTANCE_ROWS,
    )


def _example_rows(context: GateContext, scores: npt.NDArray[np.float64]) -> pd.DataFrame:
    """The highest, the median and the lowest scored rows: the cases reviewers ask about."""
    order = np.argsort(scores, kind="stable")
    picks = [int(order[-1]), int(order[len(order) // 2]), int(order[0])][:EXAMPLE_ROWS]
    return context.inputs.iloc[picks]


def example_reason_codes(
    context: GateContext, scores: npt.NDArray[np.float64], *, use_shap: bool = True
) -> dict[str, Any]:
    """Reason codes of a few example rows, with the method used."""
    top = context.charter.outputs.reasons.top if context.charter.outputs.reasons else 3
    top = max(1, min(top, len(context.input_names)))
    rows = _example_rows(context, scores)
    attribution = None
    note = ""
    if use_shap:
        try:
            attribution = tree_attribution(context.model.native, rows, positive=context.positive)
        except Exception as exc:  # SHAP is an optional extra: any failure falls back, and says so
            note = f"SHAP failed ({describe_error(exc)}); used occlusion"
    examples: list[dict[str, Any]] = []
    if attribution is not None:
        for i, (index, row) in enumerate(rows.iterrows()):
            contributions = attribution.values[i]
            order = np.argsort(-np.abs(contributions), kind="stable")[:top]
            examples.append(
                {
                    "row": int(index),  # type: ignore[call-overload]
                    "score": float(scores[int(index)]),  # type: ignore[call-overload]
                    "reasons": [
                        {
                            "feature": attribution.features[j],
                            "contribution": float(contributions[j]),
                            "value": _plain(row.iloc[j]),
                        }
                        for j in order.tolist()
                    ],
                }
            )
        method = "shap.TreeExplainer"
        return {"method": method, "output": attribution.output, "top": top, "examples": examples}
    background = context.inputs.sample(
        n=min(BACKGROUND_ROWS, len(context.inputs)), random_state=context.seed
    )
    codes = reason_codes(context.predict, rows, background=background, top=top)
    for (index, _), row_codes in zip(rows.iterrows(), codes, strict=True):
        examples.append(
            {
                "row": int(index),  # type: ignore[call-overload]
                "score": float(scores[int(index)]),  # type: ignore[call-overload]
                "reasons": [code.to_dict() for code in row_codes],
            }
        )
    return {
        "method": "occlusion",
        "output": "score",
        "top": top,
        "examples": examples,
        "note": note,
    }


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


def check_explainability(
    context: GateContext, scores: npt.NDArray[np.float64], *, use_shap: bool = True
) -> tuple[CheckResult, dict[str, Any]]:
    """The single-feature dominance check, and importances and reason codes for the report."""
    spec = context.charter.validation.explainability
    threshold = f"share <= {spec.max_single_feature_share:g}" if spec is not None else None
    try:
        importance = _importance(context)
    except CharterError as exc:
        verdict: Verdict = "fail" if spec is not None else "skipped"
        reason = f"permutation importance could not be computed: {exc.message}"
        return CheckResult(NAME, "explainability", verdict, None, threshold, reason), {}
    plots: dict[str, Any] = {"importance": importance.to_dict()}
    try:
        plots["reason_codes"] = example_reason_codes(context, scores, use_shap=use_shap)
    except CharterError as exc:
        plots["reason_codes"] = {"method": "none", "note": exc.message, "examples": []}
    top_name, _ = importance.top(1)[0]
    share = importance.max_share
    details = {"top": [name for name, _ in importance.top(5)], "metric": importance.metric}
    if spec is None:
        reason = f"'{top_name}' carries {share:.0%} of the importance; the charter sets no limit"
        return CheckResult(NAME, "explainability", "skipped", share, None, reason, details), plots
    if share > spec.max_single_feature_share:
        reason = (
            f"'{top_name}' alone carries {share:.0%} of the permutation importance, above the "
            f"limit {spec.max_single_feature_share:.0%}"
        )
        return CheckResult(NAME, "explainability", "fail", share, threshold, reason, details), plots
    reason = f"the largest share, '{top_name}', is {share:.0%} of the permutation importance"
    return CheckResult(NAME, "explainability", "pass", share, threshold, reason, details), plots
