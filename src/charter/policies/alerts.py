"""The alert action: a Slack-compatible JSON message to the charter's webhook, and the log.

The body has Slack's ``text`` field plus the structured facts (model, version, policy, metric,
threshold, the windows and their values). It is signed and sent by the governance webhook sender
(``X-Charter-Signature: sha256=<HMAC of the body>`` under the secret in the environment variable
``alerts.secret_env`` names, ``CHARTER_WEBHOOK_SECRET`` by default), with its retries and
exponential backoff on 5xx and connection errors. A failed delivery is an outcome, never an
exception: the loop goes on.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from charter.contract import AlertsSpec
from charter.governance.webhooks import DEFAULT_SECRET_ENV, WebhookNotifier
from charter.policies.decision import ActionOutcome, PolicyDecision
from charter.store import RegistryStore
from charter.store.ports_governance import WebhookRecord

if TYPE_CHECKING:
    import httpx

__all__ = ["ALERT_EVENT", "AlertSender", "alert_body"]

ALERT_EVENT = "policy.alert"
logger = logging.getLogger("charter.policies")


def alert_body(decision: PolicyDecision, *, fired_at: datetime) -> dict[str, Any]:
    """The JSON message of one firing: Slack's ``text`` and the structured evidence."""
    latest = decision.windows[-1] if decision.windows else decision.latest
    shown = "—" if latest is None or latest.value is None else f"{latest.value:.6g}"
    sign = ">" if decision.comparison == "above" else "<"
    text = (
        f"Charter policy fired on {decision.model}@{decision.version}: {decision.metric} "
        f"{sign} {decision.threshold:g} for {decision.run} consecutive window(s) "
        f"(latest {shown}); action: {decision.action}"
    )
    return {
        "text": text,
        "event": ALERT_EVENT,
        "model": decision.model,
        "version": decision.version,
        "policy": decision.key,
        "action": decision.action,
        "fired_at": fired_at.isoformat(),
        **decision.evidence(),
    }


class AlertSender:
    """Posts alert messages to ``alerts.webhook`` through the governance webhook sender."""

    def __init__(
        self,
        store: RegistryStore,
        *,
        environ: Mapping[str, str] | None = None,
        attempts: int = 3,
        backoff_s: float = 0.2,
        timeout_s: float = 5.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._sender = WebhookNotifier(
            store,
            environ=environ,
            attempts=attempts,
            backoff_s=backoff_s,
            timeout_s=timeout_s,
            transport=transport,
        )
        self._timeout_s = timeout_s
        self._transport = transport

    def send(self, alerts: AlertsSpec, body: Mapping[str, Any]) -> ActionOutcome:
        """Log the alert, then deliver it; a failure comes back as a ``failed`` outcome."""
        logger.warning("policy alert: %s", body.get("text", ""))
        if alerts.webhook is None:
            return ActionOutcome(
                "alert", "done", "logged only: the charter names no alerts.webhook"
            )
        import httpx

        hook = WebhookRecord(
            id=0,
            url=alerts.webhook,
            events=(ALERT_EVENT,),
            secret_env=alerts.secret_env or DEFAULT_SECRET_ENV,
            created_by="charter",
            created_at=datetime.now(UTC),
        )
        raw = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str).encode()
        try:
            with httpx.Client(timeout=self._timeout_s, transport=self._transport) as client:
                # One sender for every Charter webhook: signing, retries and backoff live there.
                result = self._sender.deliver(client, hook, ALERT_EVENT, raw)
        except Exception as exc:  # an alert must never break the loop
            result = {"status": "failed", "attempts": 0, "error": f"{type(exc).__name__}: {exc}"}
        where = _where(alerts.webhook)
        delivered = result.get("status") == "delivered"
        attempts = int(result.get("attempts", 0))
        status = result.get("response_status")
        detail = (
            f"delivered to {where} after {attempts} attempt(s)"
            if delivered
            else f"delivery to {where} failed after {attempts} attempt(s): "
            f"{result.get('error', 'unknown error')}"
        )
        if not delivered:
            logger.error("policy alert not delivered: %s", detail)
        return ActionOutcome(
            "alert",
            "done" if delivered else "failed",
            detail,
            attempts=attempts,
            response_status=status if isinstance(status, int) else None,
        )


def _where(url: str) -> str:
    """Scheme and host only: webhook paths often carry a token (Slack's do)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname or ''}" + (f":{parts.port}" if parts.port else "")
