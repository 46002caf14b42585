"""The inventory's figures are the registry's: stage, versions, last gate, approvals, findings,
revalidation and retirement, read back with the store's own queries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from governance_seed import MODEL, gate, ready_version, register

from charter.governance import GovernanceService
from charter.governance.inventory import build_inventory
from charter.store import NewVersion
from charter.store.ports_monitoring import MonitoringPoint


def _other_model(service: GovernanceService) -> None:
    text = service.store.get_charter(MODEL, service.store.get_version(MODEL, 1).charter_hash)
    service.store.create_version(
        NewVersion(
            model_name="old-scorecard",
            flavor="sklearn",
            artifact_uri="file:///artifacts/old/1/model.joblib",
            artifact_sha256="f" * 64,
            artifact_size=10,
            signature={"inputs": []},
            charter_hash=text.charter_hash,
            charter_content=text.content,
            registered_by="ds@bank.example",
        )
    )


def test_the_inventory_equals_the_registry(service: GovernanceService) -> None:
    store = service.store
    first = ready_version(service, 1)
    service.promote(first.ref, to="production", by="ops@bank.example")
    second = register(store, index=2)
    gate(store, second, "fail")
    start = datetime(2026, 11, 1, tzinfo=UTC)
    store.record_points(
        [
            MonitoringPoint(MODEL, 1, start, start + timedelta(days=1), "drift.share_drifted", 0.4,
                            "alert"),
            MonitoringPoint(MODEL, 1, start, start + timedelta(days=1), "quality.volume_ratio", 1.0,
                            "ok"),
        ]
    )  # fmt: skip
    _other_model(service)
    service.retire("old-scorecard", reason="superseded", successor=MODEL, by="cro@bank.example")

    now = datetime.now(UTC)
    inventory = build_inventory(store, now=now)

    assert [e.name for e in inventory.entries] == sorted(m.name for m in store.list_models())
    entry = inventory.entry(MODEL)
    versions = store.list_versions(MODEL)
    (production,) = [v for v in versions if v.stage == "production"]
    runs = store.list_validation_runs(MODEL, production.version)
    approvals = {a.role: a.actor for a in store.list_approvals(MODEL, production.version)}
    assert (entry.stage, entry.production_version) == ("production", production.version)
    assert (entry.versions, entry.latest_version) == (
        len(versions),
        store.get_model(MODEL).latest_version,
    )
    assert (entry.last_validation_run, entry.last_validation_status) == (
        runs[-1].id,
        runs[-1].status,
    )
    assert (entry.last_validated_at, entry.last_validated_by) == (
        runs[-1].created_at,
        runs[-1].run_by,
    )
    assert entry.approvals == approvals
    assert entry.missing == ()
    assert entry.open_findings == ("drift.share_drifted: alert",)
    assert entry.next_revalidation == runs[-1].created_at + timedelta(days=365)
    assert not entry.revalidation_overdue
    assert (entry.owner, entry.tier) == ("retail-analytics@bank.example", "medium")

    (retired,) = inventory.retired
    model = store.get_model("old-scorecard")
    assert (retired.name, retired.stage, retired.is_retired) == ("old-scorecard", "retired", True)
    assert (retired.retired_at, retired.retired_by) == (model.retired_at, model.retired_by)
    assert (retired.retire_reason, retired.successor) == ("superseded", MODEL)
    assert [e.name for e in inventory.active] == [MODEL]
    assert inventory.to_dict()["models"][1]["retired_at"] == model.retired_at.isoformat(  # type: ignore[union-attr]
        timespec="seconds"
    )


def test_an_overdue_revalidation_is_reported(service: GovernanceService) -> None:
    version = ready_version(service, 1)
    service.promote(version.ref, to="production", by="ops@bank.example")
    (run,) = service.store.list_validation_runs(MODEL, 1)

    later = build_inventory(service.store, now=run.created_at + timedelta(days=366)).entry(MODEL)

    assert later.revalidation_overdue
    assert later.next_revalidation == run.created_at + timedelta(days=365)
