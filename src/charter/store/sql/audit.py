"""The hash-chained audit log: hashing, appending under a lock, and verifying the chain.

Each event stores the hash of its predecessor and its own hash over
``prev_hash + canonical JSON of (seq, at, actor, action, model_name, version, before, after,
reason)``; the first event's predecessor is 64 zeros. Editing, deleting or reordering any event
(except cutting the newest ones off the end) breaks a hash or a link, which ``verify_events`` finds.

Appends must never fork the chain. SQLite write transactions already hold the database lock from
their first statement (``BEGIN IMMEDIATE``); on PostgreSQL the appender takes a transaction-scoped
advisory lock (``pg_advisory_xact_lock``), released at commit or rollback, before it reads the
chain head. The lock is the last one any write transaction takes, so it cannot close a deadlock.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from charter.errors import DataError
from charter.store.sql.tables import SqlAuditEvent, utc_now

__all__ = [
    "AUDIT_LOCK_KEY",
    "GENESIS_HASH",
    "ChainVerdict",
    "append_event_row",
    "canonical_json",
    "compute_event_hash",
    "verify_events",
]

GENESIS_HASH = "0" * 64
AUDIT_LOCK_KEY = 0x636861727465725F  # "charter_" as a bigint: the advisory lock for appends


def canonical_json(value: Any) -> str:
    """Sorted keys, no spaces, no NaN: the one JSON text a value hashes as."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def compute_event_hash(
    prev_hash: str,
    *,
    seq: int,
    at: datetime,
    actor: str,
    action: str,
    model_name: str | None,
    version: int | None,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    reason: str,
) -> str:
    """The sha256 (hex) that chains an event to its predecessor."""
    body = {
        "seq": seq,
        "at": _iso(at),
        "actor": actor,
        "action": action,
        "model_name": model_name,
        "version": version,
        "before": before,
        "after": after,
        "reason": reason,
    }
    return hashlib.sha256((prev_hash + canonical_json(body)).encode("utf-8")).hexdigest()


def _check_payload(action: str, name: str, value: dict[str, Any] | None) -> None:
    try:
        canonical_json(value)
    except (TypeError, ValueError) as exc:
        raise DataError(
            f"the {name!r} of audit event {action!r} must be JSON (no NaN or Infinity): {exc}"
        ) from exc


def append_event_row(
    session: Session,
    action: str,
    *,
    actor: str,
    model_name: str | None = None,
    version: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str = "",
) -> SqlAuditEvent:
    """Append one event inside the caller's write transaction; call it last in that transaction."""
    _check_payload(action, "before", before)
    _check_payload(action, "after", after)
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(AUDIT_LOCK_KEY)))
    head = session.execute(
        select(SqlAuditEvent.seq, SqlAuditEvent.hash).order_by(SqlAuditEvent.seq.desc()).limit(1)
    ).first()
    seq, prev_hash = (head[0] + 1, head[1]) if head is not None else (1, GENESIS_HASH)
    at = utc_now()
    row = SqlAuditEvent(
        seq=seq,
        at=at,
        actor=actor,
        action=action,
        model_name=model_name,
        version=version,
        before=before,
        after=after,
        reason=reason,
        prev_hash=prev_hash,
        hash=compute_event_hash(
            prev_hash,
            seq=seq,
            at=at,
            actor=actor,
            action=action,
            model_name=model_name,
            version=version,
            before=before,
            after=after,
            reason=reason,
        ),
    )
    session.add(row)
    session.flush()
    return row


@dataclass(frozen=True)
class ChainVerdict:
    """Whether the chain holds; if not, the first bad ``seq`` and why."""

    ok: bool
    first_bad_seq: int | None
    reason: str

    def as_tuple(self) -> tuple[bool, int | None, str]:
        return (self.ok, self.first_bad_seq, self.reason)


def verify_events(rows: Iterable[SqlAuditEvent]) -> ChainVerdict:
    """Walk events in ``seq`` order, checking numbering, links and hashes."""
    expected_seq, prev_hash, count = 1, GENESIS_HASH, 0
    for row in rows:
        if row.seq != expected_seq:
            missing = (
                f"{expected_seq}"
                if row.seq == expected_seq + 1
                else f"{expected_seq}..{row.seq - 1}"
            )
            return ChainVerdict(
                False, expected_seq, f"event {missing} is missing (deleted or renumbered)"
            )
        if row.prev_hash != prev_hash:
            return ChainVerdict(
                False,
                row.seq,
                f"event {row.seq} does not link to event {row.seq - 1}: prev_hash "
                f"{row.prev_hash[:12]}…, expected {prev_hash[:12]}…",
            )
        actual = compute_event_hash(
            row.prev_hash,
            seq=row.seq,
            at=row.at,
            actor=row.actor,
            action=row.action,
            model_name=row.model_name,
            version=row.version,
            before=row.before,
            after=row.after,
            reason=row.reason or "",
        )
        if actual != row.hash:
            return ChainVerdict(
                False,
                row.seq,
                f"event {row.seq} was modified: its content hashes to {actual[:12]}…, "
                f"the chain recorded {row.hash[:12]}…",
            )
        expected_seq, prev_hash, count = row.seq + 1, row.hash, count + 1
    noun = "event" if count == 1 else "events"
    return ChainVerdict(True, None, f"{count} {noun}, chain intact")
