"""The charter: one Pydantic model of ``charter.yaml``, the production contract of a model.

Sections live in their own modules (inputs, gate, delivery, monitoring); this one holds the
business sections (decision, risk, outputs, approvals) and the ``Charter`` that ties them together.
Rules that span sections (a horizon shorter than the lead time, a sensitive attribute used as an
input) are in ``charter.contract.rules`` so the loader can also run them on a half-valid file.
"""

from __future__ import annotations

from typing import Any, Literal, Self

from pydantic import Field, ValidationInfo, field_validator, model_validator

from charter.contract import rules
from charter.contract.base import Slug, SpecModel, rule_error
from charter.contract.delivery import DeliverySpec
from charter.contract.durations import Duration
from charter.contract.gate import ValidationSpec
from charter.contract.inputs import FeatureSpec, IdentifierSpec, SensitiveSpec, TargetSpec
from charter.contract.monitoring import AlertsSpec, MonitoringSpec, PolicySpec, RetrainingSpec
from charter.contract.risk import RiskSpec

__all__ = [
    "ApprovalsSpec",
    "Charter",
    "DecisionSpec",
    "LabelSpec",
    "OutputsSpec",
    "ReasonsSpec",
    "Task",
]

Task = Literal["binary_classification", "multiclass_classification", "regression"]


class DecisionSpec(SpecModel):
    """The business decision the model's output drives, and the time it needs."""

    action: str = Field(min_length=1, description="The action taken on each prediction.")
    consumers: list[str] = Field(
        default_factory=list, description="Systems or teams that consume the output."
    )
    lead_time: Duration = Field(description="How long the business needs to act on a prediction.")
    horizon: Duration = Field(
        description="How far ahead a prediction is valid; must be at least the lead time."
    )


class LabelSpec(SpecModel):
    """Turn a probability into a label."""

    threshold: float = Field(
        0.5, ge=0, le=1, description="Probability at or above which the positive label is given."
    )


class ReasonsSpec(SpecModel):
    """Reason codes returned with each prediction."""

    top: int = Field(3, ge=0, description="How many reasons (largest attributions) to return.")


class OutputsSpec(SpecModel):
    """What each prediction returns."""

    score: Literal["probability", "value", "label"] = Field(
        "probability",
        description="probability (classification), value (regression) or label only; "
        "defaults to value for regression.",
    )
    label: LabelSpec | None = Field(None, description="Also return a label at a threshold.")
    reasons: ReasonsSpec | None = Field(None, description="Also return reason codes.")


class ApprovalsSpec(SpecModel):
    """Who must sign off a version before production."""

    required: list[Slug] = Field(
        default_factory=lambda: ["validation", "business"],
        min_length=1,
        description="Roles that must each approve, e.g. validation, privacy, business.",
    )
    four_eyes: bool = Field(
        True, description="Whether the approvers must differ from the person who registered it."
    )

    @field_validator("required")
    @classmethod
    def _distinct(cls, value: list[str]) -> list[str]:
        repeated = sorted({role for role in value if value.count(role) > 1})
        if repeated:
            raise ValueError(f"role listed twice: {', '.join(repeated)}")
        return value


class Charter(SpecModel):
    """The production contract of one model use case, as written in ``charter.yaml``."""

    charter: Literal[1] = Field(description="Version of the charter format; this Charter reads 1.")
    model: Slug = Field(description="The model's name: lowercase letters, digits, '.', '_', '-'.")
    owner: str = Field(min_length=1, description="Who answers for the model (a team or email).")
    purpose: str = Field(min_length=1, description="Why the model exists, in business terms.")
    decision: DecisionSpec = Field(description="The decision the output drives, and its timing.")
    risk: RiskSpec = Field(description="Model-risk tier and the factors behind it.")
    task: Task = Field(
        description="binary_classification, multiclass_classification or regression."
    )
    target: TargetSpec = Field(description="The predicted column and its classes.")
    features: dict[str, FeatureSpec] = Field(
        min_length=1, description="Every model input by column name, in order."
    )
    identifiers: dict[str, IdentifierSpec] = Field(
        default_factory=dict, description="Identifier and PII columns, with their log policy."
    )
    sensitive: dict[str, SensitiveSpec] = Field(
        default_factory=dict,
        description="Protected attributes for fairness checks; not model inputs by default.",
    )
    outputs: OutputsSpec = Field(
        default_factory=OutputsSpec,
        description="What each prediction returns: score, label, reasons.",
    )
    delivery: DeliverySpec = Field(
        default_factory=DeliverySpec, description="Real-time and batch delivery objectives."
    )
    validation: ValidationSpec = Field(
        default_factory=ValidationSpec, description="The gate a version must pass."
    )
    approvals: ApprovalsSpec = Field(
        default_factory=ApprovalsSpec, description="The sign-offs required before production."
    )
    monitoring: MonitoringSpec = Field(
        default_factory=MonitoringSpec, description="How the live model is watched."
    )
    policies: list[PolicySpec] = Field(
        default_factory=list, description="Rules that alert, retrain or roll back."
    )
    alerts: AlertsSpec = Field(default_factory=AlertsSpec, description="Where alerts are sent.")
    retraining: RetrainingSpec | None = Field(None, description="How to train a new version.")

    @model_validator(mode="before")
    @classmethod
    def _task_defaults(cls, data: Any) -> Any:
        """A regression model scores values, so its default output is ``value``."""
        if isinstance(data, dict) and data.get("task") == "regression":
            outputs = data.get("outputs")
            if outputs is None or (isinstance(outputs, dict) and "score" not in outputs):
                data = {**data, "outputs": {**(outputs or {}), "score": "value"}}
        return data

    @model_validator(mode="after")
    def _cross_section_rules(self, info: ValidationInfo) -> Self:
        if isinstance(info.context, dict) and info.context.get(rules.SKIP_RULES):
            return self
        errors = [i for i in rules.check_rules(self.model_dump(mode="json")) if i.is_error]
        if errors:
            raise rule_error("; ".join(str(issue) for issue in errors))
        return self

    @property
    def feature_names(self) -> list[str]:
        """The model's input columns, in charter order."""
        return list(self.features)

    @property
    def is_classification(self) -> bool:
        """Whether the task is binary or multiclass classification."""
        return self.task != "regression"
