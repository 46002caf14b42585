"""Decommissioning: a retired model cannot be promoted; its records stay; it is audited."""

from __future__ import annotations

import pytest
from governance_seed import MODEL, ready_version

from charter.errors import ConflictError, DataError, NotFoundError
from charter.governance import GovernanceService


def test_a_retired_model_cannot_be_promoted_and_keeps_its_records(
    service: GovernanceService,
) -> None:
    version = ready_version(service, 1)
    service.promote(version.ref, to="production", by="ops@bank.example")
    spare = ready_version(service, 2)
    before = (
        service.store.list_versions(MODEL),
        service.store.list_approvals(MODEL),
        service.store.list_validation_runs(MODEL),
    )

    record = service.retire(MODEL, reason="replaced by the 2027 scorecard", by="cro@bank.example")

    assert record.is_retired and record.retired_by == "cro@bank.example"
    assert record.retire_reason == "replaced by the 2027 scorecard"
    with pytest.raises(ConflictError) as info:
        service.promote(spare.ref, to="production", by="ops@bank.example")
    assert str(info.value).startswith(
        f"{spare.ref}: refused by rule 'retired-is-final': {MODEL} was retired on "
    )
    assert "by cro@bank.example (replaced by the 2027 scorecard)" in str(info.value)
    after = (
        service.store.list_versions(MODEL),
        service.store.list_approvals(MODEL),
        service.store.list_validation_runs(MODEL),
    )
    assert after == before
    actions = [e.action for e in service.store.list_events(MODEL)]
    assert actions[-2:] == ["model.retired", "promotion.refused"]
    assert service.store.verify_chain()[0]


def test_retiring_twice_or_with_a_bad_successor_is_refused(service: GovernanceService) -> None:
    ready_version(service, 1)
    with pytest.raises(DataError, match="The 'reason' parameter of retire"):
        service.retire(MODEL, reason="  ", by="cro@bank.example")
    with pytest.raises(NotFoundError, match="the successor 'nope' is not a registered model"):
        service.retire(MODEL, reason="old", successor="nope", by="cro@bank.example")
    service.retire(MODEL, reason="old", by="cro@bank.example")
    with pytest.raises(ConflictError, match="refused by rule 'retired-is-final'"):
        service.retire(MODEL, reason="again", by="cro@bank.example")
    assert service.store.get_model(MODEL).retire_reason == "old"
