"""Change control: whether a change to a charter (or a new model artifact) is material.

A material change sends the model back through the gate and its approvals; a minor one (the
owner, the purpose text, where alerts go) does not. The rules come from the stricter of the two
charters' tiers (``TierDefaults.material_sections``), so lowering the tier cannot hide a change:

- any change to a section the tier lists (always: model, task, target, features, identifiers,
  sensitive, outputs, approvals; high adds decision, validation, monitoring, policies) is material;
- elsewhere, ``validation`` is material when it loosens: a metric or fairness bound relaxed or
  dropped, fewer holdout rows, a check section removed or changed in another way;
- ``decision.horizon`` and ``decision.lead_time`` are material; its action and consumers are not;
- ``risk`` is material when the tier goes down or revalidation gets rarer;
- a new model artifact is always material.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from charter.contract.durations import parse_duration
from charter.contract.risk import TIER_RANK, RiskTier
from charter.contract.tiers import TIERS, stricter_tier

if TYPE_CHECKING:
    from charter.contract.spec import Charter

__all__ = ["ChangeClassification", "classify_change"]

NEW_ARTIFACT = "new model artifact"


@dataclass(frozen=True)
class ChangeClassification:
    """The verdict on one change: material or not, and every reason found."""

    tier: RiskTier
    material: tuple[str, ...]
    minor: tuple[str, ...]

    @property
    def is_material(self) -> bool:
        return bool(self.material)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, as the audit log records it."""
        return {
            "tier": self.tier,
            "is_material": self.is_material,
            "material": list(self.material),
            "minor": list(self.minor),
        }


def _bounds(section: Any) -> dict[str, dict[str, Any]]:
    return {str(k): v for k, v in (section or {}).items() if isinstance(v, dict)}


def _loosened_bound(name: str, old: dict[str, Any], new: dict[str, Any] | None) -> str | None:
    if new is None:
        return f"validation bound {name} removed"
    low_old, low_new = old.get("min"), new.get("min")
    if low_old is not None and (low_new is None or low_new < low_old):
        return f"validation bound {name} min lowered ({low_old} -> {low_new})"
    high_old, high_new = old.get("max"), new.get("max")
    if high_old is not None and (high_new is None or high_new > high_old):
        return f"validation bound {name} max raised ({high_old} -> {high_new})"
    return None


def _validation_loosened(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Why the new gate accepts something the old one refused (empty when it only tightened)."""
    found: list[str] = []
    old_metrics, new_metrics = _bounds(old.get("metrics")), _bounds(new.get("metrics"))
    for name, bound in old_metrics.items():
        reason = _loosened_bound(name, bound, new_metrics.get(name))
        if reason:
            found.append(reason)
    old_fair, new_fair = old.get("fairness") or {}, new.get("fairness") or {}
    if old_fair and not new_fair:
        found.append("validation.fairness removed")
    elif old_fair:
        for name, bound in _bounds(old_fair).items():
            reason = _loosened_bound(f"fairness.{name}", bound, _bounds(new_fair).get(name))
            if reason:
                found.append(reason)
    if int(new.get("min_rows", 0)) < int(old.get("min_rows", 0)):
        found.append(f"validation.min_rows lowered ({old['min_rows']} -> {new['min_rows']})")
    handled = {"metrics", "fairness", "min_rows", "bootstrap"}
    for key in sorted((set(old) | set(new)) - handled):
        if old.get(key) is not None and old.get(key) != new.get(key):
            verb = "removed" if new.get(key) is None else "changed"
            found.append(f"validation.{key} {verb}")
    return found


def _risk_loosened(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    found: list[str] = []
    if TIER_RANK[new["tier"]] < TIER_RANK[old["tier"]]:
        found.append(f"risk tier lowered ({old['tier']} -> {new['tier']})")
    before, after = old.get("revalidate_every"), new.get("revalidate_every")
    if before is not None and (after is None or parse_duration(after) > parse_duration(before)):
        found.append(f"risk.revalidate_every lengthened ({before} -> {after})")
    return found


def classify_change(
    before: Charter, after: Charter, *, new_artifact: bool = False
) -> ChangeClassification:
    """Classify the change from ``before`` to ``after`` (see the module docstring)."""
    tier = stricter_tier(before.risk.tier, after.risk.tier)
    listed = set(TIERS[tier].material_sections)
    old, new = before.model_dump(mode="json"), after.model_dump(mode="json")
    material: list[str] = [NEW_ARTIFACT] if new_artifact else []
    minor: list[str] = []
    for key in [k for k in old if k in new] + [k for k in new if k not in old]:
        if old.get(key) == new.get(key):
            continue
        if key in listed:
            material.append(f"{key} changed")
        elif key == "validation":
            loosened = _validation_loosened(old[key], new[key])
            material.extend(loosened)
            if not loosened:
                minor.append("validation tightened")
        elif key == "risk":
            loosened = _risk_loosened(old[key], new[key])
            material.extend(loosened)
            if not loosened:
                minor.append("risk changed")
        elif key == "decision":
            timing = [f for f in ("horizon", "lead_time") if old[key].get(f) != new[key].get(f)]
            material.extend(f"decision.{f} changed" for f in timing)
            if not timing:
                minor.append("decision text changed")
        else:
            minor.append(f"{key} changed")
    return ChangeClassification(tier=tier, material=tuple(material), minor=tuple(minor))
