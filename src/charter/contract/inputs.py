"""What goes into the model and what must be protected: features, target, identifiers, sensitive.

The server validates requests against ``FeatureSpec``, masks identifiers by their ``log`` policy,
and keeps sensitive attributes out of the model's inputs unless the charter says otherwise.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Self

from pydantic import BeforeValidator, Field, WithJsonSchema, field_validator, model_validator

from charter.contract.base import SpecModel, rule_error

__all__ = ["FeatureSpec", "FeatureType", "IdentifierSpec", "Label", "SensitiveSpec", "TargetSpec"]

FeatureType = Literal["integer", "number", "category", "boolean", "string", "datetime"]
_NUMERIC = frozenset({"integer", "number"})


def _as_label(value: Any) -> Any:
    """YAML reads ``1``, ``1.5`` or ``true`` as numbers and booleans; class labels are text."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float):
        return str(value)
    return value


Label = Annotated[
    str,
    BeforeValidator(_as_label),
    WithJsonSchema({"type": ["string", "number", "boolean"]}),
]
"""A class or category label; numbers and booleans written in YAML are read as text."""


def _unique(values: list[str] | None, what: str) -> list[str] | None:
    if values is not None:
        repeated = sorted({v for v in values if values.count(v) > 1})
        if repeated:
            raise ValueError(f"{what} listed twice: {', '.join(repeated)}")
    return values


class FeatureSpec(SpecModel):
    """One model input: its type, the values it may take and what to do with the rest."""

    type: FeatureType = Field(description="Value type of the input column.")
    min: float | None = Field(None, description="Lowest valid value (integer and number only).")
    max: float | None = Field(None, description="Highest valid value (integer and number only).")
    categories: list[Label] | None = Field(
        None, description="The known values of a category feature; others count as unseen."
    )
    nullable: bool = Field(False, description="Whether a missing value is a valid input.")
    unseen: Literal["reject", "map_to_other", "allow"] = Field(
        "reject",
        description="What to do with a category value not in `categories`: reject the row, "
        "map it to an 'other' bucket, or pass it to the model.",
    )
    description: str = Field("", description="What the feature means, for reviewers.")

    @field_validator("categories")
    @classmethod
    def _distinct(cls, value: list[str] | None) -> list[str] | None:
        if value is not None and not value:
            raise ValueError("list at least one category, or leave categories out")
        return _unique(value, "category")

    @model_validator(mode="after")
    def _check_consistency(self) -> Self:
        for key in ("min", "max"):
            if getattr(self, key) is not None and not self.is_numeric:
                raise rule_error(f"{key} applies only to integer and number features", at=key)
        if self.min is not None and self.max is not None and self.min >= self.max:
            raise rule_error(f"must be below max (min {self.min:g}, max {self.max:g})", at="min")
        if self.categories is not None and self.type != "category":
            raise rule_error(
                f"categories apply only to category features (this one is {self.type})",
                at="categories",
            )
        if self.unseen != "reject" and self.type != "category":
            raise rule_error("unseen applies only to category features", at="unseen")
        return self

    @property
    def is_numeric(self) -> bool:
        """Whether the feature holds numbers (integer or number), so ranges apply."""
        return self.type in _NUMERIC


class TargetSpec(SpecModel):
    """The column the model predicts and, for classification, its classes."""

    column: str = Field(min_length=1, description="Name of the target column in training data.")
    positive: Label | None = Field(
        None,
        description="The class a binary classifier scores (the event of interest). "
        "Required for binary classification.",
    )
    classes: list[Label] | None = Field(
        None, description="All class labels, in a stable order (classification only)."
    )

    @field_validator("classes")
    @classmethod
    def _two_or_more(cls, value: list[str] | None) -> list[str] | None:
        if value is not None and len(value) < 2:
            raise ValueError("list at least two classes")
        return _unique(value, "class")

    @model_validator(mode="after")
    def _positive_in_classes(self) -> Self:
        if self.positive is not None and self.classes and self.positive not in self.classes:
            raise rule_error(
                f"positive class '{self.positive}' is not one of the classes "
                f"{', '.join(self.classes)}",
                at="positive",
            )
        return self


class IdentifierSpec(SpecModel):
    """A column that identifies a person or a record: never a model input."""

    log: Literal["drop", "hash", "keep"] = Field(
        "hash",
        description="How the prediction log stores it: drop it, keep a keyed hash, or keep it "
        "in clear.",
    )
    entity_key: bool = Field(
        False, description="Whether labels and predictions are joined on this column."
    )


class SensitiveSpec(SpecModel):
    """A protected attribute used for fairness checks and monitoring, not as a model input."""

    reference: Label | None = Field(
        None, description="The reference group fairness ratios and differences compare against."
    )
    allow_as_input: bool = Field(
        False,
        description="Set true only when the model may use this attribute as an input "
        "(reviewers will see it).",
    )
    categories: list[Label] | None = Field(None, description="The groups of this attribute.")

    @field_validator("categories")
    @classmethod
    def _distinct(cls, value: list[str] | None) -> list[str] | None:
        return _unique(value, "category")

    @model_validator(mode="after")
    def _reference_known(self) -> Self:
        if self.reference is not None and self.categories and self.reference not in self.categories:
            raise rule_error(
                f"reference group '{self.reference}' is not one of the categories", at="reference"
            )
        return self
