"""Champion comparison: the candidate against the production version on the same holdout rows.

Both models score the same rows; the difference of the charter's metric gets a paired bootstrap
interval (the rows' shared noise cancels). The candidate must improve by at least ``min_change``
in the metric's better direction (a negative ``min_change`` tolerates a small loss), read as a
fraction of the champion's value when ``relative`` is set.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from charter.contract import ChampionSpec
from charter.errors import CharterError, NotFoundError
from charter.metrics import HIGHER_IS_BETTER, Interval, compute_metric, paired_bootstrap_difference
from charter.models.base import describe_error
from charter.registry import Registry
from charter.validation.context import GateContext, input_names, model_inputs
from charter.validation.report import CheckResult

__all__ = ["ChampionScores", "check_champion", "judge_champion"]

NAME = "champion"


@dataclass(frozen=True)
class ChampionScores:
    """The champion's identity and its scores on the holdout."""

    ref: str
    scores: npt.NDArray[np.float64]


def _champion_scores(registry: Registry, context: GateContext) -> ChampionScores | None:
    name = context.version.model_name
    try:
        alias = registry.store.get_alias(name, "production")
    except NotFoundError:
        return None
    version = registry.store.get_version(name, alias.version)
    model = registry.load(version)
    inputs = model_inputs(context.holdout, context.charter, input_names(version))
    scores = np.asarray(model.predict_scores(inputs, positive=context.positive), dtype=np.float64)
    return ChampionScores(version.ref, scores)


def judge_champion(
    spec: ChampionSpec, difference: Interval, champion_value: float, *, champion_ref: str
) -> CheckResult:
    """Compare ``candidate - champion`` with the allowed margin, in the metric's direction."""
    sign = 1.0 if HIGHER_IS_BETTER[spec.metric] else -1.0
    gain, gain_low = (
        sign * difference.estimate,
        sign * (difference.low if sign > 0 else difference.high),
    )
    required = spec.min_change * (abs(champion_value) if spec.relative else 1.0)
    unit = f" ({spec.min_change:+g} x champion)" if spec.relative else ""
    threshold = f"change >= {required:+.4f}{unit}"
    details = {
        "champion": champion_ref,
        "champion_value": champion_value,
        "metric": spec.metric,
        "difference": difference.to_dict(),
        "improvement": gain,
        "required": required,
    }
    direction = "higher" if sign > 0 else "lower"
    text = (
        f"{spec.metric} {difference.estimate:+.4f} vs {champion_ref} "
        f"({champion_value:.4f}; {direction} is better)"
    )
    if gain < required:
        return CheckResult(
            NAME, "champion", "fail", gain, threshold, f"{text}: short of the margin", details
        )
    if difference.n_boot and gain_low < required:
        reason = f"{text}: meets the margin, but its 95% interval reaches below it"
        return CheckResult(NAME, "champion", "warn", gain, threshold, reason, details)
    return CheckResult(NAME, "champion", "pass", gain, threshold, f"{text}: meets it", details)


def check_champion(
    registry: Registry, context: GateContext, scores: npt.NDArray[np.float64]
) -> CheckResult:
    """The champion check, or ``skipped`` when there is no production version to beat."""
    spec = context.charter.validation.champion
    if spec is None:
        return CheckResult(NAME, "champion", "skipped", reason="the charter sets no comparison")
    try:
        champion = _champion_scores(registry, context)
    except CharterError as exc:
        return CheckResult(
            NAME, "champion", "fail", reason=f"the champion could not be scored: {exc.message}"
        )
    except Exception as exc:  # a champion's library error must not stop the whole gate
        return CheckResult(
            NAME,
            "champion",
            "fail",
            reason=f"the champion could not be scored: {describe_error(exc)}",
        )
    if champion is None:
        return CheckResult(NAME, "champion", "skipped", reason="no production version yet")
    if champion.ref == context.version.ref:
        return CheckResult(
            NAME, "champion", "skipped", reason=f"{champion.ref} is itself the production version"
        )
    n_boot = context.charter.validation.bootstrap
    try:
        champion_value = compute_metric(
            spec.metric, context.y_true, champion.scores, threshold=context.threshold
        )
        if n_boot > 0:
            difference = paired_bootstrap_difference(
                spec.metric,
                context.y_true,
                scores,
                champion.scores,
                n_boot=n_boot,
                seed=context.seed,
                threshold=context.threshold,
            )
        else:
            value = (
                compute_metric(spec.metric, context.y_true, scores, threshold=context.threshold)
                - champion_value
            )
            difference = Interval(value, value, value, 0.95, 0)
    except CharterError as exc:
        return CheckResult(
            NAME, "champion", "fail", reason=f"{spec.metric} could not be compared: {exc.message}"
        )
    return judge_champion(spec, difference, champion_value, champion_ref=champion.ref)
