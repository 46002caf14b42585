"""Change control: a material charter change sends the model back through the gate and approvals."""

from __future__ import annotations

from governance_seed import ADULT_CHARTER, MODEL, REVIEWERS, approve_all, gate, hash_of, register

from charter.contract import parse_charter
from charter.governance import GovernanceService

LOOSER = ADULT_CHARTER.replace("roc_auc: {min: 0.85}", "roc_auc: {min: 0.80}")
NEW_OWNER = ADULT_CHARTER.replace(
    "owner: retail-analytics@bank.example", "owner: credit-analytics@bank.example"
)


def _in_production(service: GovernanceService) -> str:
    version = register(service.store)
    gate(service.store, version)
    approve_all(service, version.ref)
    service.promote(version.ref, to="production", by="ops@bank.example")
    return version.ref


def test_a_material_change_sends_the_model_back_through_the_gate(
    service: GovernanceService,
) -> None:
    ref = _in_production(service)
    assert service.readiness(ref).is_ready

    service.record_charter(MODEL, parse_charter(LOOSER), LOOSER, by="owner@bank.example")

    (missing,) = service.readiness(ref).missing
    assert missing.startswith(f"a passing gate ({ref} was validated under charter")
    assert "changed materially since (validation bound roc_auc min lowered (0.85 -> 0.8))" in (
        missing
    )
    event = service.store.list_events(MODEL)[-1]
    assert (event.action, event.actor) == ("change.classified", "owner@bank.example")
    assert event.after is not None
    assert event.after["is_material"] is True
    assert event.after["material"] == ["validation bound roc_auc min lowered (0.85 -> 0.8)"]
    assert event.after["charter_hash"] == hash_of(LOOSER)

    # Validated again under the new charter and signed off again, it may return to production.
    version = service.store.get_version(MODEL, 1)
    gate(service.store, version, text=LOOSER)
    assert service.readiness(ref).missing == tuple(
        f"approval by role '{r}'" for r in ("validation", "privacy", "business")
    )
    approve_all(service, ref)
    assert service.readiness(ref).is_ready


def test_a_minor_change_keeps_the_gate_and_approvals(service: GovernanceService) -> None:
    ref = _in_production(service)
    service.record_charter(MODEL, parse_charter(NEW_OWNER), NEW_OWNER, by="owner@bank.example")

    assert service.readiness(ref).is_ready
    event = service.store.list_events(MODEL)[-1]
    assert event.action == "change.classified"
    assert event.after is not None and event.after["is_material"] is False
    assert event.after["minor"] == ["owner changed"]
    assert event.reason == "not material: owner changed"


def test_a_new_version_under_a_material_change_makes_rollback_to_the_old_one_stale(
    service: GovernanceService,
) -> None:
    first = _in_production(service)
    second = register(service.store, text=LOOSER, index=2)
    gate(service.store, second)
    for role, person in REVIEWERS.items():
        service.approve(second.ref, role=role, by=person)
    service.promote(second.ref, to="production", by="ops@bank.example")

    assert not service.readiness(first).is_ready
    assert "changed materially" in service.readiness(first).missing[0]
