"""Robustness: how the model behaves on noisy, missing, unseen and extreme inputs.

Each probe perturbs one thing on a seeded sample of holdout rows (already coerced to the model's
input types) and calls the model once, so a crash names the feature that caused it:

- noise: Gaussian noise on numeric features, ``numeric_std`` x each feature's holdout std; values
  are rounded for integer features and clipped to the charter's range, so every probe is a valid
  input. Judged by the flip rate of the label at the charter's threshold; the mean score shift is
  reported.
- missing values, feature by feature: a nullable feature must get an answer (``must_answer``), or
  under ``may_reject`` the model may refuse the row with an error (a warning). A feature that is
  not nullable never reaches the model missing: the charter rejects the row.
- unseen categories: a value outside the charter's categories is rejected by the charter
  (``unseen: reject`` with a list) or must be answered (``map_to_other``, ``allow``, no list).
- out-of-range extremes: the charter's own min and max must be answered; beyond them the charter
  rejects the row; a side without a bound gets a far value (10 stds out) that must be answered.

An answer is one finite score per row (and within [0, 1] for probabilities).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from charter.contract import FeatureSpec
from charter.models.base import describe_error
from charter.validation.context import GateContext
from charter.validation.report import CheckResult, Verdict

__all__ = ["PROBE_ROWS", "UNSEEN_VALUE", "check_robustness"]

PROBE_ROWS = 200
UNSEEN_VALUE = "__charter_unseen__"

Probe = Callable[[pd.DataFrame], npt.NDArray[np.float64]]


def _answer(
    context: GateContext, frame: pd.DataFrame
) -> tuple[npt.NDArray[np.float64] | None, str]:
    """The model's scores, or ``None`` and why it did not answer."""
    try:
        scores = context.predict(frame)
    except Exception as exc:  # any library error is the finding, not a reason to stop the gate
        return None, describe_error(getattr(exc, "__cause__", None) or exc)
    if scores.shape != (len(frame),) or not np.isfinite(scores).all():
        return None, "the model returned missing or infinite scores"
    if context.is_classification and ((scores < 0) | (scores > 1)).any():
        return None, "the model returned probabilities outside [0, 1]"
    return scores, ""


def _answer_each(
    context: GateContext, probes: dict[str, pd.DataFrame]
) -> dict[str, tuple[npt.NDArray[np.float64] | None, str]]:
    """Every probe's answer, in one model call when the model answers them all.

    A model call has a fixed cost (a pipeline's column transforms), so the probes go stacked
    first; only when that call fails are they rerun one by one to name the feature at fault.
    """
    if not probes:
        return {}
    stacked = pd.concat(list(probes.values()), ignore_index=True)
    scores, _ = _answer(context, stacked)
    if scores is not None:
        out: dict[str, tuple[npt.NDArray[np.float64] | None, str]] = {}
        start = 0
        for name, probe in probes.items():
            out[name] = (scores[start : start + len(probe)], "")
            start += len(probe)
        return out
    return {name: _answer(context, probe) for name, probe in probes.items()}


def _sample(context: GateContext) -> pd.DataFrame:
    rows = len(context.inputs)
    if rows <= PROBE_ROWS:
        return context.inputs.copy()
    rng = np.random.default_rng(context.seed)
    keep = np.sort(rng.choice(rows, size=PROBE_ROWS, replace=False))
    return context.inputs.iloc[keep].reset_index(drop=True)


def _specs(context: GateContext) -> dict[str, FeatureSpec]:
    return {
        n: context.charter.features[n] for n in context.input_names if n in context.charter.features
    }


def _noise(context: GateContext, scores: npt.NDArray[np.float64]) -> CheckResult:
    spec = context.charter.validation.robustness
    noise = spec.noise if spec is not None else None
    if noise is None:
        return CheckResult(
            "robustness.noise", "robustness", "skipped", reason="no noise test in the charter"
        )
    rng = np.random.default_rng(context.seed + 1)
    noisy = context.inputs.copy()
    perturbed: list[str] = []
    for name, feature in _specs(context).items():
        if not feature.is_numeric:
            continue
        values = noisy[name].to_numpy(dtype=np.float64)
        std = float(np.nanstd(values))
        if not np.isfinite(std) or std == 0:
            continue
        shifted = values + rng.normal(0.0, noise.numeric_std * std, size=values.size)
        if feature.type == "integer":
            shifted = np.round(shifted)
        noisy[name] = np.clip(
            shifted,
            feature.min if feature.min is not None else -np.inf,
            feature.max if feature.max is not None else np.inf,
        )
        perturbed.append(name)
    threshold = f"flip rate <= {noise.max_flip_rate:g}"
    answered, error = _answer(context, noisy)
    if answered is None:
        return CheckResult(
            "robustness.noise",
            "robustness",
            "fail",
            None,
            threshold,
            f"the model failed on noisy inputs: {error}",
        )
    shift = float(np.mean(np.abs(answered - scores)))
    details = {
        "features": perturbed,
        "numeric_std": noise.numeric_std,
        "mean_abs_score_shift": shift,
    }
    if not context.is_classification:
        reason = f"no labels to flip in a regression; mean |shift| {shift:.4g} reported for review"
        return CheckResult(
            "robustness.noise", "robustness", "warn", None, threshold, reason, details
        )
    flips = float(np.mean(context.labels_of(answered) != context.labels_of(scores)))
    verdict: Verdict = "pass" if flips <= noise.max_flip_rate else "fail"
    reason = (
        f"{flips:.2%} of labels flip under noise of {noise.numeric_std:g} std on "
        f"{len(perturbed)} numeric feature(s) (mean |score shift| {shift:.4f})"
    )
    return CheckResult("robustness.noise", "robustness", verdict, flips, threshold, reason, details)


def _judge_probes(
    name: str, outcomes: dict[str, dict[str, Any]], what: str, n_features: int
) -> CheckResult:
    failed = {f: o for f, o in outcomes.items() if o["outcome"] == "crashed"}
    refused = {f: o for f, o in outcomes.items() if o["outcome"] == "refused"}
    details = {"features": outcomes}
    if failed:
        first, outcome = next(iter(failed.items()))
        more = f" (and {len(failed) - 1} more feature(s))" if len(failed) > 1 else ""
        reason = f"{what} in '{first}' crashes the model: {outcome['error']}{more}"
        return CheckResult(name, "robustness", "fail", len(failed), "no crash", reason, details)
    if refused:
        listed = ", ".join(refused)
        reason = (
            f"the model refuses rows with {what} in {listed} (allowed: missing_values may_reject)"
        )
        return CheckResult(name, "robustness", "warn", 0, "no crash", reason, details)
    reason = f"{what}: answered or rejected by the charter for all {n_features} feature(s)"
    return CheckResult(name, "robustness", "pass", 0, "no crash", reason, details)


def _missing(context: GateContext, sample: pd.DataFrame) -> CheckResult:
    spec = context.charter.validation.robustness
    may_reject = spec is not None and spec.missing_values == "may_reject"
    outcomes: dict[str, dict[str, Any]] = {}
    probes: dict[str, pd.DataFrame] = {}
    for name, feature in _specs(context).items():
        if not feature.nullable:
            outcomes[name] = {"outcome": "rejected", "why": "not nullable: the charter rejects it"}
            continue
        probes[name] = sample.copy()
        probes[name][name] = np.nan
    for name, (answered, error) in _answer_each(context, probes).items():
        if answered is not None:
            outcomes[name] = {"outcome": "answered"}
        else:
            outcomes[name] = {"outcome": "refused" if may_reject else "crashed", "error": error}
    return _judge_probes("robustness.missing_values", outcomes, "a missing value", len(outcomes))


def _unseen(context: GateContext, sample: pd.DataFrame) -> CheckResult:
    outcomes: dict[str, dict[str, Any]] = {}
    probes: dict[str, pd.DataFrame] = {}
    for name, feature in _specs(context).items():
        if feature.type not in ("category", "string"):
            continue
        if feature.type == "category" and feature.categories and feature.unseen == "reject":
            outcomes[name] = {"outcome": "rejected", "why": "unseen: reject with a category list"}
            continue
        probes[name] = sample.copy()
        probes[name][name] = UNSEEN_VALUE
    for name, (answered, error) in _answer_each(context, probes).items():
        outcomes[name] = (
            {"outcome": "answered"}
            if answered is not None
            else {"outcome": "crashed", "error": error}
        )
    if not outcomes:
        return CheckResult(
            "robustness.unseen_categories", "robustness", "skipped", reason="no category features"
        )
    return _judge_probes(
        "robustness.unseen_categories", outcomes, "an unseen category", len(outcomes)
    )


def _extremes(context: GateContext, sample: pd.DataFrame) -> CheckResult:
    probes: dict[str, pd.DataFrame] = {}
    tried: dict[str, list[float]] = {}
    for name, feature in _specs(context).items():
        if not feature.is_numeric:
            continue
        values = context.inputs[name].to_numpy(dtype=np.float64)
        std = float(np.nanstd(values)) or 1.0
        low = feature.min if feature.min is not None else float(np.nanmin(values)) - 10 * std
        high = feature.max if feature.max is not None else float(np.nanmax(values)) + 10 * std
        tried[name] = [float(v) for v in (low, high) if np.isfinite(v)]
        halves = []
        for value in tried[name]:
            half = sample.copy()
            half[name] = value
            halves.append(half)
        if halves:
            probes[name] = pd.concat(halves, ignore_index=True)
    outcomes: dict[str, dict[str, Any]] = {}
    for name, (answered, error) in _answer_each(context, probes).items():
        outcome = {"outcome": "answered"} if answered is not None else {"outcome": "crashed"}
        if answered is None:
            shown = " or ".join(f"{v:g}" for v in tried[name])
            outcome["error"] = f"at {shown}: {error}"
        outcomes[name] = {**outcome, "values": tried[name]}
    if not outcomes:
        return CheckResult(
            "robustness.out_of_range", "robustness", "skipped", reason="no numeric features"
        )
    return _judge_probes("robustness.out_of_range", outcomes, "an extreme value", len(outcomes))


def check_robustness(context: GateContext, scores: npt.NDArray[np.float64]) -> list[CheckResult]:
    """The noise, missing-value, unseen-category and extreme-value probes."""
    if context.charter.validation.robustness is None:
        return [
            CheckResult("robustness", "robustness", "skipped", reason="the charter asks for none")
        ]
    sample = _sample(context)
    return [
        _noise(context, scores),
        _missing(context, sample),
        _unseen(context, sample),
        _extremes(context, sample),
    ]
