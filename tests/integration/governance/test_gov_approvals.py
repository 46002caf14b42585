"""Approvals and rejections: roles from the charter, the gate, four-eyes, lapsing, audit."""

from __future__ import annotations

import pytest
from governance_seed import (
    REGISTRANT,
    REVIEWERS,
    RecordingNotifier,
    charter_text,
    gate,
    hash_of,
    register,
)

from charter.errors import ConflictError, DataError, PermissionDeniedError
from charter.governance import GovernanceService


def _refusals(service: GovernanceService) -> list[tuple[str, str, str]]:
    return [
        (e.action, e.actor, (e.after or {}).get("rule", ""))
        for e in service.store.list_events()
        if e.action.endswith(".refused")
    ]


def test_an_approval_is_tied_to_version_and_charter_and_audited(
    service: GovernanceService, notifier: RecordingNotifier
) -> None:
    version = register(service.store)
    gate(service.store, version)

    record = service.approve(
        "adult-income@1", role="privacy", by="dpo@bank.example", note="DPIA", evidence="JIRA-1"
    )

    assert (record.version, record.role, record.decision) == (1, "privacy", "approved")
    assert record.charter_hash == version.charter_hash
    event = service.store.list_events()[-1]
    assert (event.action, event.actor, event.version) == ("version.approved", "dpo@bank.example", 1)
    assert event.after is not None and event.after["charter_hash"] == version.charter_hash
    assert event.reason == "DPIA"
    assert notifier.events == [("version.approved", "adult-income", 1, "dpo@bank.example")]
    assert service.readiness("adult-income@1").missing == (
        "approval by role 'validation'",
        "approval by role 'business'",
    )


def test_unknown_role_is_refused_naming_the_valid_roles(service: GovernanceService) -> None:
    gate(service.store, register(service.store))
    with pytest.raises(DataError) as info:
        service.approve("adult-income@1", role="legal", by="lawyer@bank.example")
    assert str(info.value) == (
        "adult-income@1: refused by rule 'known-role': unknown role 'legal'; the charter "
        "requires validation, privacy, business"
    )
    assert _refusals(service) == [("approval.refused", "lawyer@bank.example", "known-role")]


@pytest.mark.parametrize("status", [None, "fail"])
def test_a_version_without_a_passing_gate_cannot_be_approved(
    service: GovernanceService, status: str | None
) -> None:
    version = register(service.store)
    if status == "fail":
        gate(service.store, version, "fail")
    with pytest.raises(ConflictError) as info:
        service.approve("adult-income@1", role="privacy", by="dpo@bank.example")
    assert "refused by rule 'gate-passed'" in str(info.value)
    expected = "has no gate run yet" if status is None else "failed"
    assert expected in str(info.value)
    assert _refusals(service) == [("approval.refused", "dpo@bank.example", "gate-passed")]
    assert service.store.list_approvals("adult-income") == []


def test_a_warned_gate_counts_as_passed(service: GovernanceService) -> None:
    gate(service.store, register(service.store), "warn")
    assert service.approve("adult-income@1", role="privacy", by="dpo@bank.example").is_approval


def test_four_eyes_the_registrant_cannot_approve(service: GovernanceService) -> None:
    gate(service.store, register(service.store))
    with pytest.raises(PermissionDeniedError) as info:
        service.approve("adult-income@1", role="validation", by=REGISTRANT)
    assert str(info.value) == (
        f"adult-income@1: refused by rule 'four-eyes': {REGISTRANT} registered adult-income@1 "
        "and cannot approve it (the charter's approvals.four_eyes is true)"
    )
    assert _refusals(service) == [("approval.refused", REGISTRANT, "four-eyes")]


def test_four_eyes_one_person_cannot_fill_two_roles(service: GovernanceService) -> None:
    gate(service.store, register(service.store))
    service.approve("adult-income@1", role="validation", by="val@bank.example")
    with pytest.raises(PermissionDeniedError) as info:
        service.approve("adult-income@1", role="business", by="val@bank.example")
    assert "refused by rule 'one-person-one-role'" in str(info.value)
    assert "val@bank.example already approved it as validation" in str(info.value)
    # Re-approving one's own role is fine.
    service.approve("adult-income@1", role="validation", by="val@bank.example")


def test_the_store_backstops_one_person_one_role_under_its_lock(
    service: GovernanceService,
) -> None:
    from charter.store.ports_governance import NewApproval

    version = register(service.store)
    gate(service.store, version)
    service.approve("adult-income@1", role="validation", by="val@bank.example")
    with pytest.raises(PermissionDeniedError, match="one-person-one-role"):
        service.store.record_decision(
            NewApproval(
                "adult-income", 1, "business", "approved", "val@bank.example", version.charter_hash
            ),
            exclusive_roles=True,
        )


def test_a_charter_without_four_eyes_relaxes_both_rules(service: GovernanceService) -> None:
    # A low tier: medium and high ask for a validator independent of the developer.
    text = charter_text(four_eyes=False).replace("tier: medium", "tier: low")
    gate(service.store, register(service.store, text=text))
    for role in ("validation", "privacy", "business"):
        service.approve("adult-income@1", role=role, by=REGISTRANT)
    assert service.readiness("adult-income@1").is_ready


def test_approvals_lapse_when_validated_under_another_charter(service: GovernanceService) -> None:
    version = register(service.store)
    gate(service.store, version)
    for role, person in REVIEWERS.items():
        service.approve(version.ref, role=role, by=person)
    assert service.readiness(version.ref).is_ready

    changed = charter_text(required=["validation", "privacy", "business", "legal"])
    service.store.record_charter("adult-income", hash_of(changed), changed, actor="owner")
    gate(service.store, version, text=changed)

    readiness = service.readiness(version.ref)
    assert readiness.charter_hash == hash_of(changed)
    assert readiness.missing == tuple(
        f"approval by role '{r}'" for r in ("validation", "privacy", "business", "legal")
    )
    assert "charter.changed" in [e.action for e in service.store.list_events()]


def test_a_gate_run_under_an_unrecorded_charter_is_a_clear_error(
    service: GovernanceService,
) -> None:
    version = register(service.store)
    gate(service.store, version, text=charter_text(four_eyes=False))
    with pytest.raises(ConflictError, match="which the registry does not hold; record it first"):
        service.readiness(version.ref)


def test_a_rejection_withdraws_the_role_and_is_listed(service: GovernanceService) -> None:
    gate(service.store, register(service.store))
    service.approve("adult-income@1", role="business", by="owner@bank.example")
    service.reject("adult-income@1", role="business", by="cfo@bank.example", note="no uplift")
    assert "approval by role 'business' (rejected by cfo@bank.example)" in (
        service.readiness("adult-income@1").missing
    )
    assert service.store.list_events()[-1].action == "version.rejected"


def test_an_archived_version_cannot_be_approved(service: GovernanceService) -> None:
    gate(service.store, register(service.store))
    service.archive("adult-income@1", by="ops@bank.example")
    with pytest.raises(ConflictError, match="refused by rule 'archived-is-final'"):
        service.approve("adult-income@1", role="privacy", by="dpo@bank.example")
