"""What each model-risk tier demands, and what one charter demands once its tier is applied.

A tier carries floors that a charter can only tighten (SR 11-7 and OSFI E-23 ask for validation in
proportion to risk): the gate checks that must run, the smallest holdout, the roles that must sign
off, whether the validator must be independent of the developer, and how often a full
revalidation is due. ``requirements_of`` merges those floors with the charter's own settings:

==========================  ===========================  ===========================  ==========
demand                      low                          medium                       high
==========================  ===========================  ===========================  ==========
mandatory gate checks       data, performance            data, performance            + fairness,
                                                                                      robustness,
                                                                                      calibration
minimum holdout rows        100                          200                          1000
approval roles              validation                   validation, business         same
independent validator       no                           yes                          yes
four-eyes forced            no                           no                           yes
revalidate at least every   730d                         365d                         365d
==========================  ===========================  ===========================  ==========

*Independent validator*: the validation role's approver and the person who ran the latest gate
must not be the person who registered the version.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from charter.contract.risk import TIER_RANK, RiskTier

if TYPE_CHECKING:
    from charter.contract.spec import Charter

__all__ = ["TIERS", "RiskRequirements", "TierDefaults", "requirements_of", "stricter_tier"]


@dataclass(frozen=True)
class TierDefaults:
    """The floors one tier sets; a charter may ask for more, never for less."""

    tier: RiskTier
    mandatory_checks: tuple[str, ...]
    min_holdout_rows: int
    required_roles: tuple[str, ...]
    independent_validation: bool
    four_eyes: bool
    revalidate_every: timedelta
    material_sections: tuple[str, ...]
    """Charter sections where any change is material (see ``charter.contract.changes``)."""


# A change to what the model consumes or produces, or to who must sign, always needs a new gate.
_ALWAYS_MATERIAL = (
    "model",
    "task",
    "target",
    "features",
    "identifiers",
    "sensitive",
    "outputs",
    "approvals",
)

TIERS: dict[str, TierDefaults] = {
    "low": TierDefaults(
        tier="low",
        mandatory_checks=("data", "performance"),
        min_holdout_rows=100,
        required_roles=("validation",),
        independent_validation=False,
        four_eyes=False,
        revalidate_every=timedelta(days=730),
        material_sections=_ALWAYS_MATERIAL,
    ),
    "medium": TierDefaults(
        tier="medium",
        mandatory_checks=("data", "performance"),
        min_holdout_rows=200,
        required_roles=("validation", "business"),
        independent_validation=True,
        four_eyes=False,
        revalidate_every=timedelta(days=365),
        material_sections=_ALWAYS_MATERIAL,
    ),
    "high": TierDefaults(
        tier="high",
        mandatory_checks=("data", "performance", "fairness", "robustness", "calibration"),
        min_holdout_rows=1000,
        required_roles=("validation", "business"),
        independent_validation=True,
        four_eyes=True,
        revalidate_every=timedelta(days=365),
        material_sections=(*_ALWAYS_MATERIAL, "decision", "validation", "monitoring", "policies"),
    ),
}


def stricter_tier(first: RiskTier, second: RiskTier) -> RiskTier:
    """The higher of two tiers: a change is judged by the stricter, so lowering dodges nothing."""
    return first if TIER_RANK[first] >= TIER_RANK[second] else second


@dataclass(frozen=True)
class RiskRequirements:
    """One charter's effective demands: its own settings tightened by its tier's floors."""

    tier: RiskTier
    mandatory_checks: tuple[str, ...]
    min_holdout_rows: int
    required_roles: tuple[str, ...]
    independent_validation: bool
    four_eyes: bool
    revalidate_every: timedelta


def requirements_of(charter: Charter) -> RiskRequirements:
    """The charter's demands after its tier's floors are applied."""
    floor = TIERS[charter.risk.tier]
    own_roles = tuple(charter.approvals.required)
    stated = charter.risk.revalidate_every
    return RiskRequirements(
        tier=charter.risk.tier,
        mandatory_checks=floor.mandatory_checks,
        min_holdout_rows=max(charter.validation.min_rows, floor.min_holdout_rows),
        required_roles=own_roles + tuple(r for r in floor.required_roles if r not in own_roles),
        independent_validation=floor.independent_validation,
        four_eyes=charter.approvals.four_eyes or floor.four_eyes,
        revalidate_every=min(stated, floor.revalidate_every)
        if stated is not None
        else floor.revalidate_every,
    )
