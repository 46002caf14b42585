"""Model risk: the tier that sets how much validation, approval and revalidation a model needs.

The tier is the owner's statement; the factors are the facts behind it. ``suggested_tier`` scores
the factors so ``charter check`` can warn when a tier looks understated.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from charter.contract.base import SpecModel
from charter.contract.durations import Duration

__all__ = ["TIER_RANK", "RiskFactors", "RiskSpec", "RiskTier"]

RiskTier = Literal["high", "medium", "low"]
TIER_RANK = {"low": 0, "medium": 1, "high": 2}


class RiskFactors(SpecModel):
    """The facts behind a model-risk tier; ``suggested_tier`` turns them into a tier."""

    decision_impact: Literal["low", "medium", "high"] = Field(
        "medium", description="How much a wrong decision costs the customer or the business."
    )
    customer_facing: bool = Field(False, description="Whether customers see the outcome.")
    automated_decision: bool = Field(
        False, description="Whether the decision is taken without a human in the loop."
    )
    sensitive_data: bool = Field(
        False, description="Whether personal or protected data is processed."
    )
    complexity: Literal["low", "moderate", "high"] = Field(
        "moderate", description="How hard the model is to understand and validate."
    )

    def suggested_tier(self) -> RiskTier:
        """The tier these factors call for.

        Points: decision impact low 0 / medium 1 / high 2; one each for customer-facing,
        automated decision, sensitive data and high complexity. 4 or more points, or a
        high-impact decision taken automatically, is ``high``; 2-3 is ``medium``; else ``low``.
        """
        points = {"low": 0, "medium": 1, "high": 2}[self.decision_impact]
        points += sum((self.customer_facing, self.automated_decision, self.sensitive_data))
        points += self.complexity == "high"
        if points >= 4 or (self.decision_impact == "high" and self.automated_decision):
            return "high"
        return "medium" if points >= 2 else "low"


class RiskSpec(SpecModel):
    """The model-risk tier: it sets the minimum validation, approvals and revalidation cadence."""

    tier: RiskTier = Field(description="Model-risk tier: high, medium or low.")
    factors: RiskFactors = Field(default_factory=RiskFactors, description="Why this tier.")
    revalidate_every: Duration | None = Field(
        None, description="How often the model must be revalidated, e.g. 365d."
    )

    def is_below_suggested(self) -> bool:
        """Whether the stated tier is lower than the factors suggest."""
        return TIER_RANK[self.tier] < TIER_RANK[self.factors.suggested_tier()]
