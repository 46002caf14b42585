"""Conformance suite for ``RegistryStore``: every backend (SQLite, PostgreSQL) must pass it."""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from charter.errors import DataError, NotFoundError, StorageError
from charter.store import NewVersion, RegistryStore, open_registry_store
from charter.store.sql import GENESIS_HASH, SqlRegistryStore, compute_event_hash

NewVersionFactory = Callable[..., NewVersion]


def sql(store: RegistryStore, statement: str) -> None:
    """Run raw SQL behind the store's back, as a tamperer would."""
    assert isinstance(store, SqlRegistryStore)
    with store.engine.begin() as connection:
        connection.execute(text(statement))


# --- models and versions -------------------------------------------------------------------------


def test_create_version_records_every_field(
    registry_store: RegistryStore, new_version: NewVersionFactory
) -> None:
    before = datetime.now(UTC)
    record = registry_store.create_version(new_version("churn"))

    expected = new_version("churn")
    assert (record.version, record.stage, record.ref) == (1, "candidate", "churn@1")
    for field in (
        "model_name",
        "flavor",
        "artifact_uri",
        "artifact_sha256",
        "artifact_size",
        "signature",
        "charter_hash",
        "registered_by",
        "training_fingerprint",
        "code_version",
        "params",
        "metrics",
        "sample_uri",
        "sample_sha256",
        "description",
    ):
        assert getattr(expected, field) == getattr(record, field), field
    assert before - timedelta(seconds=1) <= record.created_at <= datetime.now(UTC)
    assert record == registry_store.get_version("churn", 1)


def test_versions_are_numbered_per_model(
    registry_store: RegistryStore, new_version: NewVersionFactory
) -> None:
    numbers = [registry_store.create_version(new_version("churn")).version for _ in range(3)]
    other = registry_store.create_version(new_version("fraud")).version

    assert numbers == [1, 2, 3]
    assert other == 1
    assert [v.version for v in registry_store.list_versions("churn")] == [1, 2, 3]
    assert registry_store.get_model("churn").latest_version == 3


def test_model_is_created_by_its_first_registrant(
    registry_store: RegistryStore, new_version: NewVersionFactory
) -> None:
    registry_store.create_version(new_version("churn", registered_by="alice"))
    registry_store.create_version(new_version("churn", registered_by="bob"))
    registry_store.create_version(new_version("attrition"))

    model = registry_store.get_model("churn")
    assert (
        model.name,
        model.created_by,
        model.latest_version,
        model.description,
    ) == ("churn", "alice", 2, "")
    assert [m.name for m in registry_store.list_models()] == ["attrition", "churn"]


def test_empty_registry_lists_nothing(registry_store: RegistryStore) -> None:
    assert registry_store.list_models() == []
    assert registry_store.list_events() == []
    assert _verify(registry_store) == (True, None, "0 events, chain intact")


def test_not_found_messages_name_what_is_missing(
    registry_store: RegistryStore, new_version: NewVersionFactory
) -> None:
    registry_store.create_version(new_version("churn"))
    registry_store.create_version(new_version("churn"))

    cases = [
        (lambda: registry_store.get_model("nope"), "model 'nope' is not registered"),
        (lambda: registry_store.list_versions("nope"), "model 'nope' is not registered"),
        (lambda: registry_store.get_version("nope", 1), "model 'nope' is not registered"),
        (
            lambda: registry_store.get_version("churn", 7),
            "model 'churn' has no version 7 (latest is 2)",
        ),
        (
            lambda: registry_store.set_stage("churn", 9, "shadow", actor="a"),
            "model 'churn' has no version 9 (latest is 2)",
        ),
        (
            lambda: registry_store.get_charter("churn", "ff" * 32),
            f"model 'churn' has no charter with hash '{'ff' * 32}'",
        ),
        (
            lambda: registry_store.get_alias("churn", "champion"),
            "model 'churn' has no alias 'champion'",
        ),
        (
            lambda: registry_store.delete_alias("churn", "champion", actor="a"),
            "model 'churn' has no alias 'champion'",
        ),
        (
            lambda: registry_store.set_alias("churn", "champion", 5, actor="a"),
            "model 'churn' has no version 5 (latest is 2)",
        ),
        (lambda: registry_store.list_aliases("nope"), "model 'nope' is not registered"),
        (lambda: registry_store.list_charters("nope"), "model 'nope' is not registered"),
    ]
    for call, message in cases:
        with pytest.raises(NotFoundError) as info:
            call()
        assert message == str(info.value)


def test_json_fields_round_trip(
    registry_store: RegistryStore, new_version: NewVersionFactory
) -> None:
    signature = {
        "inputs": [{"name": "âge", "type": "int64", "nullable": False, "range": [0, 120]}],
        "outputs": {"score": {"type": "float64"}, "labels": ["no", "yes"]},
        "empty": {},
        "none": None,
    }
    params = {"alpha": 1e-12, "depth": 3, "flags": [True, False, None], "name": "日本"}
    metrics = {"auc": 0.9134567891234567, "by_group": {"F": {"tpr": 0.5}, "M": {"tpr": 0.75}}}
    registry_store.create_version(
        new_version("churn", signature=signature, params=params, metrics=metrics)
    )

    stored = registry_store.get_version("churn", 1)
    assert (signature, params, metrics) == (stored.signature, stored.params, stored.metrics)


def test_non_json_values_are_refused_before_writing(
    registry_store: RegistryStore, new_version: NewVersionFactory
) -> None:
    with pytest.raises(DataError, match="the metrics of 'churn' must be JSON"):
        registry_store.create_version(new_version("churn", metrics={"auc": math.nan}))
    with pytest.raises(DataError, match="the params of 'churn' must be JSON"):
        registry_store.create_version(new_version("churn", params={"when": datetime.now(UTC)}))

    with pytest.raises(NotFoundError):
        registry_store.get_model("churn")


def test_timestamps_are_aware_utc(
    registry_store: RegistryStore, new_version: NewVersionFactory
) -> None:
    registry_store.create_version(new_version("churn"))
    registry_store.set_alias("churn", "champion", 1, actor="alice")

    stamps = [
        registry_store.get_model("churn").created_at,
        registry_store.get_version("churn", 1).created_at,
        registry_store.list_charters("churn")[0].created_at,
        registry_store.get_alias("churn", "champion").updated_at,
        *(event.at for event in registry_store.list_events()),
    ]
    now = datetime.now(UTC)
    for stamp in stamps:
        assert timedelta(0) == stamp.utcoffset()
        assert abs(now - stamp) < timedelta(minutes=1)


# --- stages and metrics --------------------------------------------------------------------------


def test_set_stage_changes_the_stage_and_audits_it(
    registry_store: RegistryStore, new_version: NewVersionFactory
) -> None:
    registry_store.create_version(new_version("churn"))

    record = registry_store.set_stage("churn", 1, "production", actor="bob", reason="gate passed")
    again = registry_store.set_stage("churn", 1, "production", actor="bob")

    assert "production" == record.stage == again.stage
    assert registry_store.get_version("churn", 1).stage == "production"
    events = registry_store.list_events("churn")
    assert [e.action for e in events] == ["version.registered", "version.stage_changed"]
    changed = events[1]
    assert (
        changed.actor,
        changed.version,
        changed.before,
        changed.after,
        changed.reason,
    ) == ("bob", 1, {"stage": "candidate"}, {"stage": "production"}, "gate passed")


@pytest.mark.parametrize("stage", ["candidate", "shadow", "production", "archived"])
def test_every_stage_is_accepted(
    registry_store: RegistryStore, new_version: NewVersionFactory, stage: str
) -> None:
    registry_store.create_version(new_version("churn"))
    assert stage == registry_store.set_stage("churn", 1, stage, actor="a").stage  # type: ignore[arg-type]


def test_unknown_stage_is_refused(
    registry_store: RegistryStore, new_version: NewVersionFactory
) -> None:
    registry_store.create_version(new_version("churn"))
    with pytest.raises(DataError) as info:
        registry_store.set_stage("churn", 1, "prod", actor="a")  # type: ignore[arg-type]
    assert str(info.value) == (
        "The 'stage' parameter of set_stage must be one of candidate, shadow, production, "
        "archived. Got 'prod' instead."
    )


def test_update_version_metrics_merges_and_audits(
    registry_store: RegistryStore, new_version: NewVersionFactory
) -> None:
    registry_store.create_version(new_version("churn", metrics={"auc": 0.9, "f1": 0.5}))

    record = registry_store.update_version_metrics("churn", 1, {"f1": 0.6, "brier": 0.1})
    registry_store.update_version_metrics("churn", 1, {"f1": 0.6})  # no change, no event

    assert record.metrics == {"auc": 0.9, "f1": 0.6, "brier": 0.1}
    assert record.metrics == registry_store.get_version("churn", 1).metrics
    event = registry_store.list_events("churn")[-1]
    assert (
        event.action,
        event.before,
        event.after,
    ) == ("version.metrics_updated", {"f1": 0.5}, {"f1": 0.6, "brier": 0.1})
    assert len(registry_store.list_events("churn")) == 2


# --- charters ------------------------------------------------------------------------------------


def test_charter_rows_are_stored_once_per_hash(
    registry_store: RegistryStore, new_version: NewVersionFactory
) -> None:
    first, second = "c1" * 32, "c2" * 32
    registry_store.create_version(
        new_version("churn", charter_hash=first, charter_content="v: 1\n")
    )
    registry_store.create_version(
        new_version("churn", charter_hash=first, charter_content="v: 1\n")
    )
    registry_store.create_version(
        new_version("churn", charter_hash=second, charter_content="v: 2\n")
    )
    registry_store.create_version(
        new_version("fraud", charter_hash=first, charter_content="v: 1\n")
    )

    charters = registry_store.list_charters("churn")
    assert [(first, "v: 1\n"), (second, "v: 2\n")] == [
        (c.charter_hash, c.content) for c in charters
    ]
    assert registry_store.get_charter("churn", second).content == "v: 2\n"
    assert (charters[0].model_name, charters[0].created_by) == ("churn", "alice@example.com")
    assert len(registry_store.list_charters("fraud")) == 1


# --- aliases -------------------------------------------------------------------------------------


def test_aliases_point_move_and_disappear(
    registry_store: RegistryStore, new_version: NewVersionFactory
) -> None:
    for _ in range(3):
        registry_store.create_version(new_version("churn"))

    registry_store.set_alias("churn", "production", 1, actor="alice")
    registry_store.set_alias("churn", "champion", 2, actor="alice")
    moved = registry_store.set_alias("churn", "production", 3, actor="bob")

    assert (
        moved.model_name,
        moved.alias,
        moved.version,
        moved.updated_by,
    ) == ("churn", "production", 3, "bob")
    assert registry_store.get_alias("churn", "production").version == 3
    assert [(a.alias, a.version) for a in registry_store.list_aliases("churn")] == [
        ("champion", 2),
        ("production", 3),
    ]

    registry_store.delete_alias("churn", "production", actor="carol")
    assert [a.alias for a in registry_store.list_aliases("churn")] == ["champion"]

    events = [e for e in registry_store.list_events("churn") if e.action.startswith("alias.")]
    assert [(e.action, e.before, e.after) for e in events] == [
        ("alias.set", None, {"alias": "production", "version": 1}),
        ("alias.set", None, {"alias": "champion", "version": 2}),
        ("alias.set", {"alias": "production", "version": 1}, {"alias": "production", "version": 3}),
        ("alias.deleted", {"alias": "production", "version": 3}, None),
    ]
    assert events[-1].actor == "carol"


def test_empty_alias_is_refused(
    registry_store: RegistryStore, new_version: NewVersionFactory
) -> None:
    registry_store.create_version(new_version("churn"))
    with pytest.raises(DataError, match="an alias needs a name"):
        registry_store.set_alias("churn", "", 1, actor="a")


# --- audit chain ---------------------------------------------------------------------------------


def _verify(store: RegistryStore) -> tuple[bool, int | None, str]:
    assert isinstance(store, SqlRegistryStore)
    return store.verify_chain()


def test_append_event_chains_hashes(registry_store: RegistryStore) -> None:
    first = registry_store.append_event("approval.granted", actor="val", model_name="m", version=1)
    second = registry_store.append_event(
        "deploy", actor="ops", before={"v": None}, after={"v": 1, "ok": True}, reason="go"
    )

    assert (first.seq, first.prev_hash) == (1, GENESIS_HASH)
    assert (2, first.hash) == (second.seq, second.prev_hash)
    assert second.hash == compute_event_hash(
        first.hash,
        seq=2,
        at=second.at,
        actor="ops",
        action="deploy",
        model_name=None,
        version=None,
        before={"v": None},
        after={"v": 1, "ok": True},
        reason="go",
    )
    assert [first, second] == registry_store.list_events()
    assert [first] == registry_store.list_events("m")
    assert _verify(registry_store) == (True, None, "2 events, chain intact")


def test_compute_event_hash_is_sha256_of_prev_hash_and_canonical_json() -> None:
    at = datetime(2024, 5, 1, 12, 30, 0, 123456, tzinfo=UTC)
    body = {
        "action": "version.registered",
        "actor": "alice",
        "after": {"b": 1, "a": [1.5, "é"]},
        "at": "2024-05-01T12:30:00.123456+00:00",
        "before": None,
        "model_name": "churn",
        "reason": "",
        "seq": 1,
        "version": 1,
    }
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    expected = hashlib.sha256((GENESIS_HASH + canonical).encode()).hexdigest()

    assert expected == compute_event_hash(
        GENESIS_HASH,
        seq=1,
        at=at,
        actor="alice",
        action="version.registered",
        model_name="churn",
        version=1,
        before=None,
        after={"a": [1.5, "é"], "b": 1},
        reason="",
    )


def _three_events(store: RegistryStore, new_version: NewVersionFactory) -> None:
    store.create_version(new_version("churn"))
    store.set_stage("churn", 1, "shadow", actor="bob")
    store.set_alias("churn", "champion", 1, actor="carol")
    assert _verify(store)[0]


def test_verify_detects_an_edited_event(
    registry_store: RegistryStore, new_version: NewVersionFactory
) -> None:
    _three_events(registry_store, new_version)
    sql(registry_store, "UPDATE audit_events SET actor = 'mallory' WHERE seq = 2")

    ok, seq, reason = _verify(registry_store)
    assert (ok, seq) == (False, 2)
    assert reason.startswith("event 2 was modified: its content hashes to ")


def test_verify_detects_an_edited_payload(
    registry_store: RegistryStore, new_version: NewVersionFactory
) -> None:
    _three_events(registry_store, new_version)
    sql(registry_store, "UPDATE audit_events SET after = NULL WHERE seq = 3")

    assert _verify(registry_store)[:2] == (False, 3)


def test_verify_detects_a_deleted_event(
    registry_store: RegistryStore, new_version: NewVersionFactory
) -> None:
    _three_events(registry_store, new_version)
    sql(registry_store, "DELETE FROM audit_events WHERE seq = 2")

    assert _verify(registry_store) == (False, 2, "event 2 is missing (deleted or renumbered)")


def test_verify_detects_reordered_events(
    registry_store: RegistryStore, new_version: NewVersionFactory
) -> None:
    _three_events(registry_store, new_version)
    sql(registry_store, "UPDATE audit_events SET seq = 100 WHERE seq = 2")
    sql(registry_store, "UPDATE audit_events SET seq = 2 WHERE seq = 3")
    sql(registry_store, "UPDATE audit_events SET seq = 3 WHERE seq = 100")

    ok, seq, reason = _verify(registry_store)
    assert (ok, seq) == (False, 2)
    assert reason.startswith("event 2 does not link to event 1: prev_hash ")


def test_verify_detects_a_rewritten_chain_link(
    registry_store: RegistryStore, new_version: NewVersionFactory
) -> None:
    _three_events(registry_store, new_version)
    sql(registry_store, f"UPDATE audit_events SET prev_hash = '{'0' * 64}' WHERE seq = 2")

    assert _verify(registry_store)[:2] == (False, 2)


def test_non_json_audit_payload_is_refused(registry_store: RegistryStore) -> None:
    with pytest.raises(DataError, match="the 'after' of audit event 'x' must be JSON"):
        registry_store.append_event("x", actor="a", after={"score": math.inf})
    assert registry_store.list_events() == []


# --- opening and errors --------------------------------------------------------------------------


def test_unreachable_database_gives_storage_error_without_password() -> None:
    with pytest.raises(StorageError) as info:
        open_registry_store("postgres://charter:s3cret-pw@127.0.0.1:1/registry")
    message = str(info.value)
    assert "s3cret-pw" not in message
    assert message.startswith(
        "registry database postgresql+psycopg://charter:***@127.0.0.1:1/registry failed while "
        "upgrading the schema: OperationalError: "
    )


def test_unsupported_url_scheme_is_refused() -> None:
    with pytest.raises(StorageError) as info:
        open_registry_store("mysql://root:hunter2@db/charter")
    assert "hunter2" not in str(info.value)
    assert str(info.value).startswith("unsupported registry URL scheme 'mysql' in ")


@pytest.mark.postgres
def test_repr_hides_the_password(postgres_url: str) -> None:
    store = open_registry_store(postgres_url)
    try:
        assert "postgres:***@" in repr(store)
        assert ":postgres@" not in repr(store)
    finally:
        store.close()


def test_in_memory_sqlite_works(new_version: NewVersionFactory) -> None:
    store = open_registry_store("sqlite://")
    try:
        assert store.create_version(new_version("churn")).version == 1
        assert store.get_version("churn", 1).version == 1
    finally:
        store.close()
