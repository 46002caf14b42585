"""Governance: sign-off by role, promotion rules, rollback, tokens, the audit log, model cards.

``GovernanceService(store)`` approves, rejects, promotes, rolls back and archives versions under
the rules in ``charter.governance.rules``; ``issue_token``/``authenticate``/``authorize`` guard the
HTTP admin API; ``verify_audit``/``export_audit`` serve compliance; ``render_card`` writes the
model card; ``WebhookNotifier`` announces registry events to signed webhooks.
"""

from __future__ import annotations

from charter.governance.audit import (
    AuditVerdict,
    audit_log,
    event_to_dict,
    export_audit,
    verify_audit,
)
from charter.governance.card import build_card, render_card
from charter.governance.rules import Standing, load_standing
from charter.governance.service import GovernanceService, Readiness, resolve_version
from charter.governance.tokens import (
    IssuedToken,
    Principal,
    authenticate,
    authorize,
    issue_token,
    parse_token_role,
    revoke_token,
)
from charter.governance.webhooks import (
    SIGNATURE_HEADER,
    Notifier,
    WebhookNotifier,
    add_webhook,
    notify_version_event,
    sign_payload,
)

__all__ = [
    "SIGNATURE_HEADER",
    "AuditVerdict",
    "GovernanceService",
    "IssuedToken",
    "Notifier",
    "Principal",
    "Readiness",
    "Standing",
    "WebhookNotifier",
    "add_webhook",
    "audit_log",
    "authenticate",
    "authorize",
    "build_card",
    "event_to_dict",
    "export_audit",
    "issue_token",
    "load_standing",
    "notify_version_event",
    "parse_token_role",
    "render_card",
    "resolve_version",
    "revoke_token",
    "sign_payload",
    "verify_audit",
]
