"""Webhooks against a real local HTTP receiver: signed, retried, never blocking the action."""

from __future__ import annotations

import hmac
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from governance_seed import ready_version

from charter.governance import GovernanceService, WebhookNotifier, add_webhook, sign_payload
from charter.store import RegistryStore, open_registry_store

SECRET = "s3cret-for-tests"


class Receiver:
    """A ThreadingHTTPServer on 127.0.0.1:0 that checks the HMAC and answers ``status``."""

    def __init__(self, status: int = 200) -> None:
        self.status = status
        self.received: list[tuple[dict[str, object], bool]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                expected = sign_payload(SECRET, body)
                valid = hmac.compare_digest(expected, self.headers["X-Charter-Signature"] or "")
                receiver.received.append((json.loads(body), valid))
                self.send_response(receiver.status if valid else 401)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def store(sqlite_url: str) -> Iterator[RegistryStore]:
    opened = open_registry_store(sqlite_url)
    yield opened
    opened.close()


def _service(store: RegistryStore) -> GovernanceService:
    notifier = WebhookNotifier(store, environ={"HOOK_SECRET": SECRET}, backoff_s=0.01)
    return GovernanceService(store, notifier=notifier)


def test_events_arrive_signed(store: RegistryStore) -> None:
    receiver = Receiver()
    try:
        add_webhook(
            store, receiver.url, by="ops", events=("version.promoted",), secret_env="HOOK_SECRET"
        )
        service = _service(store)
        ready_version(service, 1)
        service.promote("adult-income@1", to="production", by="ops")
    finally:
        receiver.close()
    assert len(receiver.received) == 1
    payload, valid = receiver.received[0]
    assert valid and payload["event"] == "version.promoted"
    assert (payload["model"], payload["version"], payload["actor"]) == ("adult-income", 1, "ops")
    [delivery] = store.list_deliveries()
    assert (delivery.status, delivery.attempts, delivery.response_status) == ("delivered", 1, 200)


def test_a_failing_receiver_never_blocks_and_is_recorded(store: RegistryStore) -> None:
    receiver = Receiver(status=500)
    try:
        add_webhook(store, receiver.url, by="ops", secret=SECRET)
        service = _service(store)
        ready_version(service, 1)
        service.promote("adult-income@1", to="production", by="ops")
    finally:
        receiver.close()
    assert store.get_version("adult-income", 1).stage == "production"
    failed = [d for d in store.list_deliveries() if d.action == "version.promoted"]
    assert [(d.status, d.attempts, d.error) for d in failed] == [("failed", 3, "HTTP 500")]
    assert len(receiver.received) == 3 * 4  # every event (3 approvals, 1 promotion), 3 tries each


def test_a_receiver_that_is_down_never_blocks(store: RegistryStore, tmp_path: Path) -> None:
    receiver = Receiver()
    receiver.close()  # nothing listens on the port any more
    add_webhook(store, receiver.url, by="ops", secret_env="HOOK_SECRET")
    service = _service(store)
    ready_version(service, 1)
    service.promote("adult-income@1", to="production", by="ops")
    assert store.get_version("adult-income", 1).stage == "production"
    deliveries = store.list_deliveries()
    assert deliveries and all(d.status == "failed" and "Connect" in d.error for d in deliveries)


def test_a_missing_secret_is_recorded_not_sent(store: RegistryStore) -> None:
    add_webhook(store, "http://127.0.0.1:9/hook", by="ops", secret_env="UNSET_SECRET_VAR")
    WebhookNotifier(store, environ={}).notify(
        "version.promoted", model_name="m", version=1, actor="ops", details={}
    )
    [delivery] = store.list_deliveries()
    assert (delivery.status, delivery.attempts) == ("failed", 0)
    assert delivery.error == "no signing secret: environment variable UNSET_SECRET_VAR is not set"
