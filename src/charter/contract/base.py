"""The base every charter section shares: strict, frozen, and able to point at the exact key.

``rule_error`` lets a section's validator blame one of its keys (``min`` rather than the whole
feature), so ``charter check`` can print ``features.age.min: must be below max (line 12)``.
"""

from __future__ import annotations

import re
from typing import Annotated, ClassVar, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, WithJsonSchema, model_validator
from pydantic_core import PydanticCustomError

__all__ = ["RULE_ERROR", "SLUG_PATTERN", "Bound", "Slug", "SpecModel", "must_match", "rule_error"]

RULE_ERROR = "charter_rule"


def must_match(pattern: str, expected: str) -> AfterValidator:
    """A string check whose error says ``expected`` in words instead of printing a regex."""
    compiled = re.compile(pattern)

    def check(value: str) -> str:
        if not compiled.fullmatch(value):
            raise ValueError(f"expected {expected}; got {value!r}")
        return value

    return AfterValidator(check)


SLUG_PATTERN = r"^[a-z0-9][a-z0-9._-]{0,99}$"
Slug = Annotated[
    str,
    must_match(
        SLUG_PATTERN,
        "a lowercase name of letters, digits, '.', '_' or '-', like 'premium-card-offer'",
    ),
    WithJsonSchema({"type": "string", "pattern": SLUG_PATTERN}),
]
"""A lowercase name safe in URLs and file names: ``premium-card-offer``, ``validation``."""


def rule_error(message: str, at: str | None = None) -> PydanticCustomError:
    """A validation error for ``message``; ``at`` names the key inside the section to blame."""
    return PydanticCustomError(RULE_ERROR, "{message}", {"message": message, "at": at or ""})


class SpecModel(BaseModel):
    """A charter section: unknown keys are errors, values cannot change after loading."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)

    # the name of a field whose keys are written one level up in YAML (see FairnessSpec)
    yaml_inline_field: ClassVar[str | None] = None

    @classmethod
    def yaml_keys(cls) -> list[str]:
        """The keys this section accepts in YAML (used to suggest a fix for a typo)."""
        return list(cls.model_fields)


class Bound(SpecModel):
    """An acceptable range for a number: ``{min: 0.8}``, ``{max: 0.1}`` or both."""

    min: float | None = Field(None, description="Lowest acceptable value (inclusive).")
    max: float | None = Field(None, description="Highest acceptable value (inclusive).")

    @model_validator(mode="after")
    def _check_range(self) -> Self:
        if self.min is None and self.max is None:
            raise rule_error("give at least one of min or max")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise rule_error(f"min {self.min:g} is above max {self.max:g}", at="min")
        return self

    def contains(self, value: float) -> bool:
        """Whether ``value`` lies within the bound (both ends inclusive)."""
        if self.min is not None and value < self.min:
            return False
        return not (self.max is not None and value > self.max)
