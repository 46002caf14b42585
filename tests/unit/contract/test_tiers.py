"""Tier floors a charter can only tighten, and the classification of charter changes."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

import charter
from charter.contract import Charter, parse_charter
from charter.contract.changes import classify_change
from charter.contract.tiers import TIERS, requirements_of

ADULT = (Path(charter.__file__).parent / "examples" / "adult_charter.yaml").read_text("utf-8")


def _charter(**replacements: str) -> Charter:
    text = ADULT
    for old, new in replacements.items():
        assert old in text, old
        text = text.replace(old, new)
    return parse_charter(text)


def test_the_tier_floors_tighten_the_charter() -> None:
    medium = requirements_of(_charter())
    assert medium.required_roles == ("validation", "privacy", "business")
    assert (medium.min_holdout_rows, medium.independent_validation) == (200, True)
    assert medium.revalidate_every == timedelta(days=365)

    low = requirements_of(
        _charter(**{"tier: medium": "tier: low", "required: [validation, privacy, business]":
                    "required: [privacy]", "four_eyes: true": "four_eyes: false",
                    "revalidate_every: 365d": "revalidate_every: 900d"})
    )  # fmt: skip
    assert low.required_roles == ("privacy", "validation")  # the tier's role is added
    assert (low.four_eyes, low.independent_validation) == (False, False)
    assert low.revalidate_every == timedelta(days=730)  # the charter cannot loosen the cadence

    high = requirements_of(_charter(**{"tier: medium": "tier: high", "four_eyes: true":
                                       "four_eyes: false"}))  # fmt: skip
    assert high.four_eyes is True
    assert high.mandatory_checks == TIERS["high"].mandatory_checks
    assert "fairness" in high.mandatory_checks and high.min_holdout_rows == 1000


@pytest.mark.parametrize(
    ("replacements", "material", "minor"),
    [
        ({"owner: retail-analytics@bank.example": "owner: x@bank"}, [], ["owner changed"]),
        ({"roc_auc: {min: 0.85}": "roc_auc: {min: 0.9}"}, [], ["validation tightened"]),
        (
            {"roc_auc: {min: 0.85}": "roc_auc: {min: 0.8}"},
            ["validation bound roc_auc min lowered (0.85 -> 0.8)"],
            [],
        ),
        ({"tier: medium": "tier: low"}, ["risk tier lowered (medium -> low)"], []),
        ({"four_eyes: true": "four_eyes: false"}, ["approvals changed"], []),
    ],
)
def test_changes_are_classified_by_the_tier_rules(
    replacements: dict[str, str], material: list[str], minor: list[str]
) -> None:
    change = classify_change(_charter(), _charter(**replacements))
    assert (list(change.material), list(change.minor)) == (material, minor)
    assert change.is_material == bool(material)


def test_a_high_tier_treats_any_gate_change_as_material_and_an_artifact_always() -> None:
    high = _charter(**{"tier: medium": "tier: high"})
    tighter = _charter(
        **{"tier: medium": "tier: high", "roc_auc: {min: 0.85}": "roc_auc: {min: 0.9}"}
    )
    assert classify_change(high, tighter).material == ("validation changed",)
    assert classify_change(high, high, new_artifact=True).material == ("new model artifact",)
