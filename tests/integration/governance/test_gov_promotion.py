"""Promotion, canary, shadow, rollback and archive: the rules and the one-production invariant."""

from __future__ import annotations

import pytest
from governance_seed import REVIEWERS, RecordingNotifier, gate, ready_version, register

from charter.errors import ConflictError, DataError
from charter.governance import GovernanceService
from charter.store.ports_governance import NewPromotion


def _stages(service: GovernanceService) -> dict[int, str]:
    return {v.version: v.stage for v in service.store.list_versions("adult-income")}


def _aliases(service: GovernanceService) -> dict[str, int]:
    return {a.alias: a.version for a in service.store.list_aliases("adult-income")}


def test_refusal_lists_exactly_what_is_missing(service: GovernanceService) -> None:
    version = register(service.store)
    with pytest.raises(ConflictError) as info:
        service.promote(version.ref, to="production", by="ops")
    assert str(info.value) == (
        "adult-income@1: refused by rule 'production-ready': missing a passing gate "
        "(adult-income@1 has no gate run yet (run `charter validate` first)); approval by role "
        "'validation'; approval by role 'privacy'; approval by role 'business'"
    )
    gate(service.store, version)
    service.approve(version.ref, role="privacy", by=REVIEWERS["privacy"])
    with pytest.raises(ConflictError) as info:
        service.promote(version.ref, to="production", by="ops")
    assert str(info.value).endswith(
        "missing approval by role 'validation'; approval by role 'business'"
    )
    refused = [e for e in service.store.list_events() if e.action == "promotion.refused"]
    assert len(refused) == 2 and refused[0].after == {
        "rule": "production-ready",
        "to": "production",
    }
    assert _stages(service) == {1: "candidate"}


def test_exactly_one_production_version(
    service: GovernanceService, notifier: RecordingNotifier
) -> None:
    ready_version(service, 1)
    ready_version(service, 2)
    first = service.promote("adult-income@1", to="production", by="ops", reason="launch")
    assert (first.previous_version, _stages(service)) == (None, {1: "production", 2: "candidate"})
    second = service.promote("adult-income@2", to="production", by="ops")
    assert second.previous_version == 1
    assert _stages(service) == {1: "candidate", 2: "production"}
    assert _aliases(service) == {"production": 2}
    event = service.store.list_events()[-1]
    assert (event.action, event.actor) == ("version.promoted", "ops")
    assert event.before == {"production": 1, "stage": "candidate"}
    assert event.after is not None and event.after["production"] == 2
    assert [e[0] for e in notifier.events][-2:] == ["version.promoted", "version.promoted"]
    with pytest.raises(ConflictError, match="already the production version"):
        service.promote("adult-income@2", to="production", by="ops")


def test_an_archived_version_cannot_be_promoted(service: GovernanceService) -> None:
    ready_version(service, 1)
    service.archive("adult-income@1", by="ops", reason="superseded")
    with pytest.raises(ConflictError) as info:
        service.promote("adult-income@1", to="production", by="ops")
    assert str(info.value) == (
        "adult-income@1: refused by rule 'archived-is-final': archived versions cannot be promoted"
    )
    assert service.store.list_events()[-1].action == "promotion.refused"


def test_shadow_needs_a_passing_gate_but_no_approvals(service: GovernanceService) -> None:
    version = register(service.store)
    with pytest.raises(ConflictError, match="refused by rule 'gate-passed': shadow needs"):
        service.promote(version.ref, to="shadow", by="ops")
    gate(service.store, version)
    service.promote(version.ref, to="shadow", by="ops")
    assert (_stages(service), _aliases(service)) == ({1: "shadow"}, {"shadow": 1})
    for role, person in REVIEWERS.items():
        service.approve(version.ref, role=role, by=person)
    service.promote(version.ref, to="production", by="ops")
    assert (_stages(service), _aliases(service)) == ({1: "production"}, {"production": 1})


def test_canary_records_its_share_and_leaves_production(service: GovernanceService) -> None:
    ready_version(service, 1)
    ready_version(service, 2)
    service.promote("adult-income@1", to="production", by="ops")
    canary = service.promote("adult-income@2", to="production", canary_percent=10, by="ops")
    assert (canary.target, canary.canary_percent) == ("canary", 10)
    assert _aliases(service) == {"canary": 2, "production": 1}
    current = service.store.current_canary("adult-income")
    assert current is not None and (current.version, current.canary_percent) == (2, 10)
    service.promote("adult-income@2", to="production", by="ops")
    assert _aliases(service) == {"production": 2}
    assert service.store.current_canary("adult-income") is None
    with pytest.raises(DataError, match="from 1 to 99"):
        service.promote("adult-income@1", to="production", canary_percent=100, by="ops")


def test_a_stale_expected_production_is_a_conflict(service: GovernanceService) -> None:
    ready_version(service, 1)
    ready_version(service, 2)
    service.promote("adult-income@1", to="production", by="ops")
    with pytest.raises(ConflictError) as info:
        service.store.promote_version(
            NewPromotion("adult-income", 2, "production", "ops", expected_version=None)
        )
    assert "production of 'adult-income' changed while this promotion was checked" in str(
        info.value
    )
    assert _stages(service) == {1: "production", 2: "candidate"}


def test_rollback_returns_to_the_previous_production(service: GovernanceService) -> None:
    for index in (1, 2, 3):
        ready_version(service, index)
        service.promote(f"adult-income@{index}", to="production", by="ops")
    record = service.rollback("adult-income", by="oncall", reason="AUC dropped")
    assert (record.version, record.kind, record.previous_version) == (2, "rollback", 3)
    assert _stages(service) == {1: "candidate", 2: "production", 3: "candidate"}
    event = service.store.list_events()[-1]
    assert (event.action, event.reason) == ("version.rolled_back", "AUC dropped")
    # v3 was rolled back from, so the next rollback goes further back, to v1.
    assert service.rollback("adult-income", by="oncall").version == 1


def test_rollback_skips_versions_that_no_longer_satisfy_the_rules(
    service: GovernanceService,
) -> None:
    for index in (1, 2):
        ready_version(service, index)
        service.promote(f"adult-income@{index}", to="production", by="ops")
    gate(service.store, service.store.get_version("adult-income", 1), "fail")
    with pytest.raises(ConflictError) as info:
        service.rollback("adult-income", by="oncall")
    assert "refused by rule 'rollback-target': no earlier production version" in str(info.value)
    assert "adult-income@1 (missing a passing gate" in str(info.value)
    assert _stages(service) == {1: "candidate", 2: "production"}
    assert service.store.list_events()[-1].action == "rollback.refused"


def test_rollback_without_a_previous_version_is_a_clear_error(service: GovernanceService) -> None:
    register(service.store)
    with pytest.raises(ConflictError, match="there is no production version to roll back from"):
        service.rollback("adult-income", by="oncall")
    ready_version(service, 2)
    service.promote("adult-income@2", to="production", by="ops")
    with pytest.raises(ConflictError, match=r"\(adult-income@2 is the first\)"):
        service.rollback("adult-income", by="oncall")


def test_archive_keeps_production_and_is_final(service: GovernanceService) -> None:
    for index in (1, 2):
        ready_version(service, index)
        service.promote(f"adult-income@{index}", to="production", by="ops")
    with pytest.raises(ConflictError, match="refused by rule 'keep-production'"):
        service.archive("adult-income@2", by="ops")
    service.archive("adult-income@1", by="ops", reason="retired")
    assert _stages(service) == {1: "archived", 2: "production"}
    with pytest.raises(ConflictError, match=r"adult-income@1 \(archived\)"):
        service.rollback("adult-income", by="oncall")
    actions = [e.action for e in service.store.list_events()]
    assert "version.archived" in actions and "archive.refused" in actions
