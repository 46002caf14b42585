"""A missed batch deadline alerts a real local webhook, signed; a receiver that fails gets the
retries and the failure is recorded and returned, never raised."""

from __future__ import annotations

import json
from pathlib import Path

from policy_kit import MODEL, bare_registry, charter_text, end_of, events, points

from charter.governance import SIGNATURE_HEADER, sign_payload
from charter.policies import AlertSender, evaluate_policies
from charter.store import RegistryStore
from http_receiver import webhook_receiver

DEADLINE = "{metric: delivery.missed_deadline, above: 0, action: alert}"
SECRET_ENV = "POLICY_HOOK_SECRET"
SECRET = "s3cret-for-tests"


def _alerts(url: str) -> str:
    return f"alerts: {{webhook: '{url}', secret_env: {SECRET_ENV}}}\n"


def _sender(store: RegistryStore) -> AlertSender:
    return AlertSender(store, environ={SECRET_ENV: SECRET}, backoff_s=0.01, timeout_s=5)


def test_missed_deadline_alerts_a_real_webhook(
    registry_store: RegistryStore, tmp_path: Path
) -> None:
    with webhook_receiver() as receiver:
        text = charter_text(DEADLINE, alerts=_alerts(receiver.url))
        registry = bare_registry(registry_store, tmp_path, text)
        registry.store.record_points(points("delivery.missed_deadline", [0.0, 1.0]))
        sender = _sender(registry.store)
        (decision,) = evaluate_policies(registry, MODEL, now=end_of(1), sender=sender)
        (again,) = evaluate_policies(registry, MODEL, now=end_of(1), sender=sender)

    assert decision.state == "fired"
    assert decision.outcome is not None
    assert (
        decision.outcome.status,
        decision.outcome.attempts,
        decision.outcome.response_status,
    ) == ("done", 1, 200)
    assert again.state == "holding"  # one alert, not one per evaluation
    (request,) = receiver.requests
    path, headers, raw = request
    assert path == "/hooks/charter"
    assert sign_payload(SECRET, raw) == headers[SIGNATURE_HEADER]
    assert headers["X-Charter-Event"] == "policy.alert"
    body = json.loads(raw)
    assert body["text"] == (
        "Charter policy fired on adult-income@1: delivery.missed_deadline > 0 for 1 "
        "consecutive window(s) (latest 1); action: alert"
    )
    assert {k: v for k, v in body.items() if k != "text"} == {
        "event": "policy.alert",
        "model": MODEL,
        "version": 1,
        "policy": "alert:delivery.missed_deadline>0x1",
        "metric": "delivery.missed_deadline",
        "comparison": "above",
        "threshold": 0.0,
        "for_windows": 1,
        "action": "alert",
        "fired_at": "2026-03-03T00:00:00+00:00",
        "windows": [
            {
                "window_start": "2026-03-02T00:00:00+00:00",
                "window_end": "2026-03-03T00:00:00+00:00",
                "value": 1.0,
            }
        ],
    }
    (sent,) = events(registry.store, "policy.alert_sent")
    assert (sent["outcome"]["status"], sent["outcome"]["attempts"]) == ("done", 1)
    assert len(events(registry.store, "policy.fired")) == 1


def test_a_failing_webhook_is_retried_and_recorded_not_raised(
    registry_store: RegistryStore, tmp_path: Path
) -> None:
    with webhook_receiver(status=500) as receiver:
        text = charter_text(DEADLINE, alerts=_alerts(receiver.url))
        registry = bare_registry(registry_store, tmp_path, text)
        registry.store.record_points(points("delivery.missed_deadline", [2.0]))
        (decision,) = evaluate_policies(
            registry, MODEL, now=end_of(0), sender=_sender(registry.store)
        )

    assert len(receiver.requests) == 3  # three tries with backoff
    assert decision.state == "fired"
    assert decision.outcome is not None
    assert (
        decision.outcome.status,
        decision.outcome.attempts,
        decision.outcome.response_status,
    ) == ("failed", 3, 500)
    assert decision.outcome.detail == (
        f"delivery to http://127.0.0.1:{receiver.url.split(':')[2].split('/')[0]} failed after "
        "3 attempt(s): HTTP 500"
    )
    (failed,) = events(registry.store, "policy.alert_failed")
    assert failed["outcome"]["status"] == "failed"
    assert [w["value"] for w in failed["evidence"]["windows"]] == [2.0]


def test_a_missing_signing_secret_is_a_failed_delivery(
    registry_store: RegistryStore, tmp_path: Path
) -> None:
    with webhook_receiver() as receiver:
        text = charter_text(DEADLINE, alerts=_alerts(receiver.url))
        registry = bare_registry(registry_store, tmp_path, text)
        registry.store.record_points(points("delivery.missed_deadline", [1.0]))
        sender = AlertSender(registry.store, environ={}, backoff_s=0.01)
        (decision,) = evaluate_policies(registry, MODEL, now=end_of(0), sender=sender)

    assert receiver.requests == []  # nothing unsigned leaves
    assert decision.outcome is not None
    assert decision.outcome.status == "failed"
    assert decision.outcome.detail.endswith(
        f"failed after 0 attempt(s): no signing secret: environment variable {SECRET_ENV} "
        "is not set"
    )
