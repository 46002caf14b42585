"""The validation gate's thresholds: what a model version must show before it may be approved.

Metric names are checked against the task by the charter's rules (``charter.contract.rules``);
this module holds the shapes and the checks local to one section.
"""

from __future__ import annotations

from typing import Any, Literal, Self

from pydantic import (
    Field,
    GetJsonSchemaHandler,
    SerializerFunctionWrapHandler,
    model_serializer,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

from charter.contract.base import Bound, SpecModel, rule_error
from charter.contract.catalog import FAIRNESS_METRICS

__all__ = [
    "CalibrationSpec",
    "ChampionSpec",
    "ExplainabilitySpec",
    "FairnessBound",
    "FairnessMetric",
    "FairnessSpec",
    "LatencySpec",
    "NoiseSpec",
    "RobustnessSpec",
    "ValidationSpec",
]

FairnessMetric = Literal[
    "demographic_parity_difference",
    "demographic_parity_ratio",
    "equalized_odds_difference",
    "equalized_odds_ratio",
    "equal_opportunity_difference",
]


class ChampionSpec(SpecModel):
    """How a candidate must compare with the model in production (the champion)."""

    metric: str = Field(description="The validation metric both models are compared on.")
    min_change: float = Field(
        0.0,
        description="Smallest acceptable change over the champion in the metric's better "
        "direction; negative tolerates a small loss (-0.005).",
    )
    relative: bool = Field(
        False, description="Read min_change as a fraction of the champion's value."
    )


class FairnessBound(Bound):
    """A bound on one fairness metric, computed across the groups of the ``by`` attributes."""

    by: list[str] = Field(
        min_length=1, description="Sensitive attributes (declared in `sensitive`) to group by."
    )


class FairnessSpec(SpecModel):
    """Fairness thresholds, written flat: ``{demographic_parity_ratio: {min: 0.8, by: [sex]}}``."""

    yaml_inline_field = "metrics"

    metrics: dict[FairnessMetric, FairnessBound] = Field(
        default_factory=dict, description="Bounds per fairness metric."
    )
    min_group_size: int = Field(
        30, ge=1, description="Groups smaller than this are reported but not judged."
    )

    @classmethod
    def yaml_keys(cls) -> list[str]:
        return [*FAIRNESS_METRICS, "min_group_size"]

    @model_validator(mode="before")
    @classmethod
    def _inline_metrics(cls, data: Any) -> Any:
        """Move ``demographic_parity_ratio: {...}`` written beside the options under ``metrics``."""
        if not isinstance(data, dict):
            return data
        data = dict(data)
        metrics = data.get("metrics", {})
        if not isinstance(metrics, dict):
            return data
        metrics = dict(metrics)
        for key in [k for k in data if k in FAIRNESS_METRICS]:
            metrics[key] = data.pop(key)
        data["metrics"] = metrics
        return data

    @model_validator(mode="after")
    def _at_least_one(self) -> Self:
        if not self.metrics:
            raise rule_error(
                "list at least one fairness metric, like demographic_parity_ratio: "
                "{min: 0.8, by: [sex]}"
            )
        return self

    @model_serializer(mode="wrap")
    def _flatten(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        out: dict[str, Any] = handler(self)
        metrics = out.pop("metrics", {}) or {}
        return {**metrics, **out}

    @classmethod
    def __get_pydantic_json_schema__(
        cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        """Describe the flat YAML shape: one optional property per fairness metric."""
        reference = handler(core_schema)
        schema = handler.resolve_ref_schema(reference)
        properties = schema.get("properties", {})
        metrics = properties.pop("metrics", {})
        bound = metrics.get("additionalProperties", {})
        flat = {
            name: {
                **bound,
                "description": (
                    "ratio across groups; bound it below, e.g. min: 0.8"
                    if is_ratio
                    else "difference across groups; bound it above, e.g. max: 0.1"
                ),
            }
            for name, is_ratio in FAIRNESS_METRICS.items()
        }
        schema["properties"] = {**flat, **properties}
        schema.pop("required", None)
        schema["minProperties"] = 1
        return reference


class NoiseSpec(SpecModel):
    """Perturb numeric inputs and bound how many predictions flip."""

    numeric_std: float = Field(
        0.05, gt=0, description="Noise added to numeric features, in units of their std."
    )
    max_flip_rate: float = Field(
        0.05, ge=0, le=1, description="Largest acceptable share of changed labels."
    )


class RobustnessSpec(SpecModel):
    """How the model must behave under noisy or missing inputs."""

    noise: NoiseSpec | None = Field(None, description="Noise test; omit to skip it.")
    missing_values: Literal["must_answer", "may_reject"] = Field(
        "must_answer",
        description="Whether a row with a missing nullable feature must still get a prediction.",
    )


class CalibrationSpec(SpecModel):
    """How well predicted probabilities match observed frequencies."""

    ece: Bound | None = Field(None, description="Bound on the expected calibration error.")
    bins: int = Field(10, ge=2, description="Equal-width probability bins used for ECE.")


class ExplainabilitySpec(SpecModel):
    """Guard against a model that leans on a single input."""

    max_single_feature_share: float = Field(
        gt=0, le=1, description="Largest share of total attribution one feature may carry."
    )


class LatencySpec(SpecModel):
    """Prediction latency measured by the gate on one-row requests."""

    p99_ms: float = Field(gt=0, description="99th percentile latency limit, in milliseconds.")


class ValidationSpec(SpecModel):
    """The gate: every check a candidate version must pass before approval."""

    metrics: dict[str, Bound] = Field(
        default_factory=dict,
        description="Bounds on holdout metrics, by name (roc_auc, brier, rmse, ...).",
    )
    champion: ChampionSpec | None = Field(None, description="Comparison with production.")
    fairness: FairnessSpec | None = Field(None, description="Fairness thresholds.")
    robustness: RobustnessSpec | None = Field(None, description="Robustness tests.")
    calibration: CalibrationSpec | None = Field(None, description="Calibration check.")
    explainability: ExplainabilitySpec | None = Field(None, description="Attribution check.")
    latency: LatencySpec | None = Field(None, description="Latency check.")
    min_rows: int = Field(100, ge=1, description="Fewest holdout rows the gate accepts.")
    bootstrap: int = Field(
        200, ge=0, description="Bootstrap resamples for confidence intervals (0: none)."
    )
