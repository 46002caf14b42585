"""The audit log as compliance needs it: read it, check its hash chain, export it.

The chain itself (hashing, locked appends) belongs to the store; this module turns it into
results the CLI and the admin API render: ``verify_audit`` names the first event that was edited,
deleted or reordered, and ``export_audit`` writes one JSON object per line, oldest first, with
each event's ``prev_hash`` and ``hash`` so an archive can be re-verified offline.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, TextIO

from charter.store import AuditEventRecord, RegistryStore

__all__ = ["AuditVerdict", "audit_log", "event_to_dict", "export_audit", "verify_audit"]


@dataclass(frozen=True)
class AuditVerdict:
    """The chain holds (``ok``), or the first bad event's ``seq`` and why."""

    ok: bool
    first_bad_seq: int | None
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "first_bad_seq": self.first_bad_seq, "reason": self.reason}


def verify_audit(store: RegistryStore) -> AuditVerdict:
    """Recompute every link and hash of the chain."""
    ok, seq, reason = store.verify_chain()
    return AuditVerdict(ok, seq, reason)


def audit_log(store: RegistryStore, model_name: str | None = None) -> list[AuditEventRecord]:
    """Events, oldest first; only one model's when ``model_name`` is given."""
    return store.list_events(model_name)


def event_to_dict(event: AuditEventRecord) -> dict[str, Any]:
    """An event as plain JSON values."""
    return {
        "seq": event.seq,
        "at": event.at.isoformat(),
        "actor": event.actor,
        "action": event.action,
        "model": event.model_name,
        "version": event.version,
        "before": event.before,
        "after": event.after,
        "reason": event.reason,
        "prev_hash": event.prev_hash,
        "hash": event.hash,
    }


def export_audit(store: RegistryStore, out: TextIO, *, model_name: str | None = None) -> int:
    """Write events as JSON Lines to ``out``; return how many were written."""
    count = 0
    for event in store.list_events(model_name):
        out.write(json.dumps(event_to_dict(event), sort_keys=True, ensure_ascii=False) + "\n")
        count += 1
    return count
