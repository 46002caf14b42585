"""``verify_audit`` names the first edited, deleted or reordered event; export is JSON Lines."""

from __future__ import annotations

import io
import json

import pytest
from sqlalchemy import text

from charter.governance import AuditVerdict, export_audit, verify_audit
from charter.store import RegistryStore
from charter.store.sql import SqlRegistryStore


def _five_events(store: RegistryStore) -> None:
    for index in range(1, 6):
        store.append_event(f"test.event{index}", actor="auditor", reason=f"reason {index}")


def _tamper(store: RegistryStore, *statements: str) -> AuditVerdict:
    assert isinstance(store, SqlRegistryStore)
    with store.engine.begin() as connection:
        for statement in statements:
            connection.execute(text(statement))
    return verify_audit(store)


def test_an_intact_chain_verifies(registry_store: RegistryStore) -> None:
    _five_events(registry_store)
    assert verify_audit(registry_store) == AuditVerdict(True, None, "5 events, chain intact")


@pytest.mark.parametrize(
    ("statements", "bad_seq", "says"),
    [
        (["UPDATE audit_events SET reason = 'nothing to see' WHERE seq = 3"], 3, "was modified"),
        (["DELETE FROM audit_events WHERE seq = 2"], 2, "event 2 is missing"),
        (
            [
                "UPDATE audit_events SET seq = -1 WHERE seq = 2",
                "UPDATE audit_events SET seq = 2 WHERE seq = 4",
                "UPDATE audit_events SET seq = 4 WHERE seq = -1",
            ],
            2,
            "does not link to event 1",
        ),
    ],
    ids=["edited", "deleted", "reordered"],
)
def test_tampering_is_caught_at_the_first_bad_event(
    registry_store: RegistryStore, statements: list[str], bad_seq: int, says: str
) -> None:
    _five_events(registry_store)
    verdict = _tamper(registry_store, *statements)
    assert (verdict.ok, verdict.first_bad_seq) == (False, bad_seq)
    assert says in verdict.reason


def test_export_writes_one_json_object_per_event(registry_store: RegistryStore) -> None:
    _five_events(registry_store)
    out = io.StringIO()
    assert export_audit(registry_store, out) == 5
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [line["seq"] for line in lines] == [1, 2, 3, 4, 5]
    assert lines[1]["prev_hash"] == lines[0]["hash"]
    assert set(lines[0]) == {
        "seq",
        "at",
        "actor",
        "action",
        "model",
        "version",
        "before",
        "after",
        "reason",
        "prev_hash",
        "hash",
    }
