"""Data checks: the holdout against the charter's input schema, leakage, sensitive inputs.

- schema: per feature, missing values where the charter forbids them, values outside the
  charter's range, categories outside its list. Any breaking row warns; more than 1% of rows
  fails (such a holdout no longer describes what production will send).
- leakage: a single input that alone separates the classes (univariate ROC AUC >= 0.98, either
  direction) or, for regression, tracks the target (|Spearman| >= 0.98) fails, naming it.
- sensitive inputs: the version's recorded inputs against the charter's sensitive attributes; an
  attribute the charter does not allow as input fails, an allowed one warns so reviewers see it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.stats import rankdata

from charter.validation.context import GateContext
from charter.validation.report import CheckResult, Verdict

__all__ = ["LEAKAGE_AUC", "SCHEMA_FAIL_SHARE", "check_data", "univariate_auc"]

LEAKAGE_AUC = 0.98
SCHEMA_FAIL_SHARE = 0.01


def _schema(context: GateContext) -> CheckResult:
    counts: dict[str, dict[str, int]] = {}
    bad_rows = np.zeros(len(context.holdout), dtype=bool)
    for name, spec in context.charter.features.items():
        if name not in context.holdout.columns or name not in context.inputs.columns:
            continue
        values = context.inputs[name]
        missing = values.isna().to_numpy()
        found: dict[str, int] = {}
        if missing.any() and not spec.nullable:
            found["missing"] = int(missing.sum())
            bad_rows |= missing
        if spec.is_numeric:
            numbers = values.to_numpy(dtype=np.float64)
            for key, mask in (
                ("below_min", numbers < spec.min if spec.min is not None else None),
                ("above_max", numbers > spec.max if spec.max is not None else None),
            ):
                if mask is not None and mask.any():
                    found[key] = int(mask.sum())
                    bad_rows |= mask
        if spec.type == "category" and spec.categories:
            unseen = (~values.isin(spec.categories) & ~pd.isna(values)).to_numpy()
            if unseen.any():
                found["unseen_category"] = int(unseen.sum())
                bad_rows |= unseen
        counts[name] = found
    broken = {k: v for k, v in counts.items() if v}
    share = float(bad_rows.mean()) if bad_rows.size else 0.0
    threshold = f"rows breaking the schema <= {SCHEMA_FAIL_SHARE:.0%}"
    details = {"per_feature": counts, "rows_breaking": int(bad_rows.sum())}
    if not broken:
        reason = f"all {len(context.holdout):,} rows fit the charter's input schema"
        return CheckResult("data.schema", "data", "pass", 0.0, threshold, reason, details)
    listed = "; ".join(
        f"{name}: " + ", ".join(f"{n} {kind.replace('_', ' ')}" for kind, n in found.items())
        for name, found in list(broken.items())[:4]
    )
    verdict: Verdict = "fail" if share > SCHEMA_FAIL_SHARE else "warn"
    reason = f"{int(bad_rows.sum()):,} rows ({share:.2%}) break the charter's rules ({listed})"
    return CheckResult("data.schema", "data", verdict, share, threshold, reason, details)


def univariate_auc(values: pd.Series, truth: npt.NDArray[np.bool_]) -> float:
    """ROC AUC of one column alone, either direction; categories scored by their positive rate."""
    if values.dtype.kind in "biuf":
        numbers = values.to_numpy(dtype=np.float64)
        filler = np.nanmin(numbers) - 1 if np.isfinite(numbers).any() else 0.0
        key = np.where(np.isnan(numbers), filler, numbers)
    else:
        codes, _ = pd.factorize(values.astype(object), use_na_sentinel=False)
        sums = np.bincount(codes, weights=truth.astype(np.float64))
        key = (sums / np.bincount(codes))[codes]
    ranks = rankdata(key)
    n_pos = int(truth.sum())
    n_neg = truth.size - n_pos
    auc = (ranks[truth].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)
    return float(max(auc, 1.0 - auc))


def _spearman(values: pd.Series, target: npt.NDArray[np.float64]) -> float:
    if values.dtype.kind not in "biuf":
        return 0.0
    numbers = values.to_numpy(dtype=np.float64)
    keep = np.isfinite(numbers)
    if keep.sum() < 3 or np.ptp(numbers[keep]) == 0:
        return 0.0
    return float(abs(np.corrcoef(rankdata(numbers[keep]), rankdata(target[keep]))[0, 1]))


def _leakage(context: GateContext) -> CheckResult:
    scores: dict[str, float] = {}
    for name in context.input_names:
        column = context.inputs[name]
        if context.is_classification:
            scores[name] = univariate_auc(column, context.y_true)
        else:
            scores[name] = _spearman(column, context.y_true)
    measure = "univariate AUC" if context.is_classification else "|Spearman|"
    threshold = f"{measure} < {LEAKAGE_AUC:g}"
    ranked = dict(sorted(scores.items(), key=lambda kv: -kv[1]))
    top, value = next(iter(ranked.items()))
    details: dict[str, Any] = {"measure": measure, "per_feature": ranked}
    leaks = [n for n, v in ranked.items() if v >= LEAKAGE_AUC]
    if leaks:
        reason = (
            f"'{leaks[0]}' alone predicts the target ({measure} {ranked[leaks[0]]:.4f}): leakage?"
        )
        return CheckResult(
            "data.leakage", "data", "fail", ranked[leaks[0]], threshold, reason, details
        )
    reason = (
        f"no single feature predicts the target; the strongest, '{top}', has {measure} {value:.3f}"
    )
    return CheckResult("data.leakage", "data", "pass", value, threshold, reason, details)


def _sensitive_inputs(context: GateContext) -> CheckResult:
    sensitive = context.charter.sensitive
    used = [name for name in context.input_names if name in sensitive]
    forbidden = [name for name in used if not sensitive[name].allow_as_input]
    allowed = [name for name in used if sensitive[name].allow_as_input]
    details = {"forbidden": forbidden, "allowed": allowed, "sensitive": list(sensitive)}
    threshold = "no sensitive attribute as input"
    if forbidden:
        reason = (
            f"the model takes the sensitive attribute(s) {', '.join(forbidden)} as input; the "
            "charter does not allow it (allow_as_input is not set)"
        )
        return CheckResult(
            "data.sensitive_inputs",
            "data",
            "fail",
            ", ".join(forbidden),
            threshold,
            reason,
            details,
        )
    if allowed:
        reason = f"the model takes {', '.join(allowed)} as input, as the charter allows"
        return CheckResult(
            "data.sensitive_inputs", "data", "warn", ", ".join(allowed), threshold, reason, details
        )
    reason = f"none of the {len(sensitive)} sensitive attribute(s) is a model input"
    return CheckResult("data.sensitive_inputs", "data", "pass", "none", threshold, reason, details)


def check_data(context: GateContext) -> list[CheckResult]:
    """Schema conformance, leakage and sensitive inputs (none of them needs the model)."""
    return [_schema(context), _leakage(context), _sensitive_inputs(context)]
