"""Keeping a live model fit: monitoring thresholds, the policies that act on them, and alerts.

Policies are structured rules (metric, comparison, value, windows, cooldown): no free-text
expression is ever evaluated. Their metric names are checked by ``catalog.is_known_metric``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Literal, Self

from pydantic import Field, WithJsonSchema, field_validator, model_validator

from charter.contract.base import Bound, SpecModel, must_match, rule_error
from charter.contract.durations import Duration

__all__ = [
    "AlertsSpec",
    "DriftSpec",
    "LogSpec",
    "MonitoringSpec",
    "PolicySpec",
    "QualitySpec",
    "RetrainingSpec",
]

_ENV_NAME = r"^[A-Za-z_][A-Za-z0-9_]*$"
_ENTRY_POINT = r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*:[A-Za-z_]\w*$"
EnvName = Annotated[
    str,
    must_match(_ENV_NAME, "an environment variable name like HOOK_SECRET"),
    WithJsonSchema({"type": "string", "pattern": _ENV_NAME}),
]
EntryPoint = Annotated[
    str,
    must_match(_ENTRY_POINT, "a Python entry point written module:function, like 'training:fit'"),
    WithJsonSchema({"type": "string", "pattern": _ENTRY_POINT}),
]


def _positive(value: timedelta | None, what: str) -> timedelta | None:
    if value is not None and value <= timedelta(0):
        raise ValueError(f"{what} must be longer than zero")
    return value


class DriftSpec(SpecModel):
    """Which drift statistic to compute per column, and when it warns or alerts."""

    numeric: Literal["psi", "ks", "wasserstein", "jensen_shannon"] = Field(
        "psi", description="Statistic for numeric columns."
    )
    categorical: Literal["psi", "chi2", "jensen_shannon"] = Field(
        "psi", description="Statistic for categorical columns."
    )
    warn: float | None = Field(0.1, ge=0, description="Level that marks a column as drifting.")
    alert: float | None = Field(0.25, ge=0, description="Level that marks a column as drifted.")
    thresholds: Literal["fixed", "learned"] = Field(
        "fixed",
        description="fixed: use warn/alert as given; learned: mean + k_sigma std of the "
        "statistic over reference chunks.",
    )
    k_sigma: float = Field(3.0, gt=0, description="Width of learned thresholds, in std units.")

    @model_validator(mode="after")
    def _warn_below_alert(self) -> Self:
        if self.warn is not None and self.alert is not None and self.warn > self.alert:
            raise rule_error(
                f"warn ({self.warn:g}) must not be above alert ({self.alert:g})", at="warn"
            )
        return self


class QualitySpec(SpecModel):
    """Input-quality limits per window, compared with the reference data."""

    missing_rate_increase: float = Field(
        0.05, ge=0, le=1, description="Largest rise in a column's missing rate over reference."
    )
    unseen_category_rate: float = Field(
        0.02, ge=0, le=1, description="Largest share of unseen category values in a column."
    )
    out_of_range_rate: float = Field(
        0.02, ge=0, le=1, description="Largest share of values outside a column's min/max."
    )


class LogSpec(SpecModel):
    """How much of the prediction log to keep, and for how long."""

    sample: float = Field(1.0, gt=0, le=1, description="Share of predictions logged.")
    retention: Duration = Field(
        timedelta(days=400), description="How long logged predictions are kept."
    )

    @field_validator("retention")
    @classmethod
    def _retention(cls, value: timedelta) -> timedelta | None:
        return _positive(value, "retention")


class MonitoringSpec(SpecModel):
    """How the live model is watched: window, reference, drift, quality and performance."""

    window: Duration = Field(timedelta(days=1), description="Length of one monitoring window.")
    reference: str = Field("training_sample", description="Data the live inputs are compared with.")
    drift: DriftSpec = Field(default_factory=DriftSpec, description="Drift statistics.")
    quality: QualitySpec = Field(default_factory=QualitySpec, description="Input quality limits.")
    label_delay: Duration | None = Field(
        None,
        description="How long ground truth takes to arrive after a prediction; `charter run` "
        "monitors each window again once its labels are due.",
    )
    performance: dict[str, Bound] = Field(
        default_factory=dict, description="Floors on live metrics once labels arrive."
    )
    log: LogSpec = Field(default_factory=LogSpec, description="Prediction log sampling.")

    @field_validator("window")
    @classmethod
    def _window(cls, value: timedelta) -> timedelta | None:
        return _positive(value, "window")


class PolicySpec(SpecModel):
    """A rule: when ``metric`` is above/below a value for N windows, take ``action``."""

    metric: str = Field(
        description="Monitored metric: family.name, family.name.agg or family.name[feature], "
        "e.g. drift.psi.max, quality.missing_rate[age], performance.roc_auc.",
        examples=["drift.psi.max", "estimated.roc_auc", "delivery.missed_deadline"],
    )
    above: float | None = Field(None, description="Fire when the metric exceeds this value.")
    below: float | None = Field(None, description="Fire when the metric falls under this value.")
    for_windows: int = Field(1, ge=1, description="Consecutive windows the condition must hold.")
    action: Literal["alert", "retrain", "rollback"] = Field(description="What to do when it fires.")
    cooldown: Duration | None = Field(
        None, description="Quiet time after firing before the policy may fire again."
    )

    @model_validator(mode="after")
    def _one_comparison(self) -> Self:
        if (self.above is None) == (self.below is None):
            raise rule_error("give exactly one of above or below")
        return self


class AlertsSpec(SpecModel):
    """Where alerts go."""

    webhook: str | None = Field(None, description="HTTP(S) URL that receives alert JSON.")
    secret_env: EnvName | None = Field(
        None,
        description="Environment variable holding the webhook signing secret (never the secret).",
    )

    @field_validator("webhook")
    @classmethod
    def _http(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError(f"expected an http:// or https:// URL; got {value!r}")
        return value


class RetrainingSpec(SpecModel):
    """How a new version is trained when a policy asks for it."""

    entrypoint: EntryPoint = Field(
        description="Training function as module:function; called with the training data, "
        "returns a fitted model.",
        examples=["training:train_model"],
    )
    data: str | None = Field(
        None,
        description="Training data path (glob allowed; relative to where `charter run` runs); "
        "default: the production version's registered sample.",
    )
    log_window: Duration = Field(
        timedelta(days=90),
        description="How far back labelled predictions from the log join the training data.",
    )
    holdout: str | None = Field(
        None,
        description="Labelled holdout the retrained version's gate runs on; default: a seeded "
        "holdout_share of the training data, kept out of training.",
    )
    holdout_share: float = Field(
        0.2, gt=0, lt=1, description="Share of the training data held out for the gate."
    )
    auto_promote: Literal["none", "shadow", "production"] = Field(
        "shadow",
        description="Where a retrained version goes by itself; production still needs approvals.",
    )
