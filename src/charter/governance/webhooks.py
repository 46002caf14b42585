"""Registry events out: JSON POSTs to configured webhooks, signed with HMAC-SHA256.

Each request carries ``X-Charter-Event`` and ``X-Charter-Signature: sha256=<hex>``, the HMAC of
the raw body under the webhook's secret (given when the webhook was added, or read from the
environment variable it names, ``CHARTER_WEBHOOK_SECRET`` by default). Receivers recompute it
with ``sign_payload`` and compare in constant time.

Delivery happens after the change committed and never raises: a receiver that is down, slow or
answers 5xx is retried with exponential backoff, then the failure is recorded as a delivery row
(``charter webhooks deliveries``). A 4xx answer is final (the receiver refused the event).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

from charter.errors import DataError
from charter.store import RegistryStore
from charter.store.entities import VersionRecord
from charter.store.ports_governance import NewDelivery, NewWebhook, WebhookRecord

if TYPE_CHECKING:  # httpx loads only when there is a webhook to call
    import httpx

__all__ = [
    "DEFAULT_SECRET_ENV",
    "EVENTS",
    "SIGNATURE_HEADER",
    "Notifier",
    "WebhookNotifier",
    "add_webhook",
    "notify_version_event",
    "sign_payload",
]

SIGNATURE_HEADER = "X-Charter-Signature"
DEFAULT_SECRET_ENV = "CHARTER_WEBHOOK_SECRET"
EVENTS = (
    "version.registered",
    "version.validated",
    "version.approved",
    "version.rejected",
    "version.promoted",
    "version.rolled_back",
    "version.archived",
)


def sign_payload(secret: str, body: bytes) -> str:
    """The ``X-Charter-Signature`` value for ``body``: ``sha256=<hex HMAC>``."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


class Notifier(Protocol):
    """Something that announces registry events; it must never raise."""

    def notify(
        self,
        action: str,
        *,
        model_name: str | None,
        version: int | None,
        actor: str,
        details: Mapping[str, Any],
    ) -> None: ...


def add_webhook(
    store: RegistryStore,
    url: str,
    *,
    by: str,
    events: tuple[str, ...] = ("*",),
    secret: str = "",
    secret_env: str = "",
) -> WebhookRecord:
    """Check and store a webhook; without ``secret`` it signs with ``secret_env``'s value."""
    if not url.startswith(("http://", "https://")):
        raise DataError(f"a webhook URL must start with http:// or https://; got {url!r}")
    unknown = sorted(set(events) - {"*", *EVENTS})
    if unknown:
        raise DataError(
            f"unknown webhook event {', '.join(unknown)}; expected * or any of {', '.join(EVENTS)}"
        )
    env = "" if secret else (secret_env or DEFAULT_SECRET_ENV)
    return store.add_webhook(
        NewWebhook(url=url, created_by=by, events=events, secret=secret, secret_env=env)
    )


class WebhookNotifier:
    """POSTs each event to every webhook subscribed to it, recording every outcome."""

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
        self._store = store
        self._environ = environ
        self._attempts = max(1, attempts)
        self._backoff_s = backoff_s
        self._timeout_s = timeout_s
        self._transport = transport

    def notify(
        self,
        action: str,
        *,
        model_name: str | None,
        version: int | None,
        actor: str,
        details: Mapping[str, Any],
    ) -> None:
        try:
            hooks = [hook for hook in self._store.list_webhooks() if hook.wants(action)]
        except Exception:  # announcing is best effort: a store hiccup must not fail the change
            return
        if not hooks:
            return
        import httpx

        payload = {
            "event": action,
            "model": model_name,
            "version": version,
            "actor": actor,
            "at": datetime.now(UTC).isoformat(),
            "details": dict(details),
        }
        body = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str).encode()
        with httpx.Client(timeout=self._timeout_s, transport=self._transport) as client:
            for hook in hooks:
                outcome = self.deliver(client, hook, action, body)
                try:
                    self._store.record_delivery(
                        NewDelivery(
                            webhook_id=hook.id, model_name=model_name, version=version, **outcome
                        )
                    )
                except Exception:  # the delivery log is best effort too
                    continue

    def _secret(self, hook: WebhookRecord) -> str | None:
        if hook.secret:
            return hook.secret
        environ = os.environ if self._environ is None else self._environ
        return environ.get(hook.secret_env or DEFAULT_SECRET_ENV) or None

    def deliver(
        self, client: httpx.Client, hook: WebhookRecord, action: str, body: bytes
    ) -> dict[str, Any]:
        """POST one signed body to one hook, with the retries and backoff; never raises.

        Returns ``{"action", "status": "delivered"|"failed", "attempts", ...}``; policies' alerts
        send through it too, so every Charter webhook is signed and retried the same way.
        """
        secret = self._secret(hook)
        if secret is None:
            error = f"no signing secret: environment variable {hook.secret_env} is not set"
            return {"action": action, "status": "failed", "attempts": 0, "error": error}
        headers = {
            "Content-Type": "application/json",
            "X-Charter-Event": action,
            SIGNATURE_HEADER: sign_payload(secret, body),
        }
        status: int | None = None
        error = ""
        import httpx

        for attempt in range(1, self._attempts + 1):
            try:
                response = client.post(hook.url, content=body, headers=headers)
            except httpx.HTTPError as exc:
                status, error = None, f"{type(exc).__name__}: {exc}"
            else:
                status = response.status_code
                if response.is_success:
                    return {
                        "action": action,
                        "status": "delivered",
                        "attempts": attempt,
                        "response_status": status,
                    }
                error = f"HTTP {status}"
                if status < 500:
                    return {
                        "action": action,
                        "status": "failed",
                        "attempts": attempt,
                        "response_status": status,
                        "error": error,
                    }
            if attempt < self._attempts:
                time.sleep(self._backoff_s * 2 ** (attempt - 1))
        return {
            "action": action,
            "status": "failed",
            "attempts": self._attempts,
            "response_status": status,
            "error": error,
        }


def notify_version_event(
    store: RegistryStore,
    action: str,
    version: VersionRecord,
    *,
    actor: str,
    details: Mapping[str, Any] | None = None,
) -> None:
    """Announce an event of another service (``version.registered``, ``version.validated``)."""
    WebhookNotifier(store).notify(
        action,
        model_name=version.model_name,
        version=version.version,
        actor=actor,
        details=details or {},
    )
