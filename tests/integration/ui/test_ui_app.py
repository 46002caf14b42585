"""The dashboard app without a browser: cookies, CSRF, refusals as pages, the /ui mount."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pandas as pd
import pytest
import uvicorn
from sklearn.pipeline import Pipeline

from charter.config import Settings
from charter.governance import issue_token
from charter.registry import Registry
from charter.server import run_in_background
from charter.server.background import free_port
from charter.serving import ServeOptions
from charter.store import open_artifact_store, open_registry_store
from charter.ui import create_ui_app

MODEL = "adult-income"


@pytest.fixture(scope="module")
def home(
    tmp_path_factory: pytest.TempPathFactory,
    adult_model: Pipeline,
    adult_charter_path: Path,
    adult_sample: pd.DataFrame,
) -> Path:
    """A registry with ``adult-income@1`` registered and never validated."""
    home = tmp_path_factory.mktemp("ui") / "home"
    store = open_registry_store(f"sqlite:///{home / 'charter.db'}")
    with Registry(store, open_artifact_store(str(home / "artifacts"))) as registry:
        registry.register(adult_model, charter=adult_charter_path, sample=adult_sample,
                          registered_by="ds@bank")  # fmt: skip
    return home


@pytest.fixture(scope="module")
def settings(home: Path) -> Settings:
    return Settings.from_env({}, home=home)


@pytest.fixture(scope="module")
def ui_url(settings: Settings) -> Iterator[str]:
    """``create_ui_app`` under uvicorn in a thread, as ``charter ui`` runs it."""
    port = free_port("127.0.0.1")
    config = uvicorn.Config(create_ui_app(settings), host="127.0.0.1", port=port,
                            log_level="warning", access_log=False)  # fmt: skip
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def client(ui_url: str) -> Iterator[httpx.Client]:
    """A client with an empty cookie jar, following redirects like a browser."""
    with httpx.Client(base_url=ui_url, follow_redirects=True, timeout=30) as client:
        yield client


def _token(settings: Settings, role: str) -> str:
    with Registry.open(settings) as registry:
        return issue_token(registry.store, role, by="admin@bank", name=role).token


def _signed_in(client: httpx.Client, token: str) -> str:
    """Sign in through the form; the page's CSRF token."""
    answer = client.post("/login", data={"token": token, "next": f"/models/{MODEL}/versions/1"})
    assert answer.status_code == 200
    found = re.search(r'name="csrf" value="([0-9a-f]+)"', answer.text)
    assert found is not None
    return found.group(1)


def _events(settings: Settings, action: str) -> int:
    with Registry.open(settings) as registry:
        return sum(1 for e in registry.store.list_events(MODEL) if e.action == action)


def test_sign_in_keeps_the_token_in_a_strict_http_only_cookie(
    client: httpx.Client, settings: Settings
) -> None:
    answer = client.post(
        "/login", data={"token": _token(settings, "viewer"), "next": "/"}, follow_redirects=False
    )
    assert answer.status_code == 303
    cookie = answer.headers["set-cookie"].lower()
    assert "charter_ui_token=" in cookie
    assert "httponly" in cookie and "samesite=strict" in cookie and "path=/" in cookie
    assert answer.headers["location"].startswith("/?done=signed")


def test_a_form_without_the_csrf_token_is_refused(client: httpx.Client, settings: Settings) -> None:
    _signed_in(client, _token(settings, "approver:validation"))
    answer = client.post(f"/models/{MODEL}/versions/1/decision",
                         data={"decision": "approve", "role": "validation"})  # fmt: skip
    assert answer.status_code == 403
    assert "CSRF token does not match" in answer.text
    assert answer.headers["content-type"].startswith("text/html")


def test_a_form_posted_from_another_site_is_refused(
    client: httpx.Client, settings: Settings
) -> None:
    csrf = _signed_in(client, _token(settings, "approver:validation"))
    answer = client.post(
        f"/models/{MODEL}/versions/1/decision",
        data={"decision": "approve", "role": "validation", "csrf": csrf},
        headers={"origin": "http://evil.example"},
    )
    assert answer.status_code == 403
    assert "posted from http://evil.example" in answer.text


def test_an_action_without_a_token_asks_to_sign_in(client: httpx.Client) -> None:
    answer = client.post(f"/models/{MODEL}/rollback", data={"reason": "x"})
    assert answer.status_code == 401
    assert "sign in with a token to rollback" in answer.text


def test_a_rule_refusal_is_a_page_and_an_audit_event(
    client: httpx.Client, settings: Settings
) -> None:
    csrf = _signed_in(client, _token(settings, "approver:validation"))
    before = _events(settings, "approval.refused")
    form = {"decision": "approve", "role": "validation", "csrf": csrf}
    answer = client.post(f"/models/{MODEL}/versions/1/decision", data=form)
    assert answer.status_code == 409
    assert "refused by rule &#39;gate-passed&#39;" in answer.text
    assert _events(settings, "approval.refused") == before + 1


@pytest.mark.parametrize(
    ("path", "status", "words"),
    [
        ("/models/nope", 404, "nope"),
        (f"/models/{MODEL}/versions/7", 404, "7"),
        (f"/models/{MODEL}/versions/seven", 400, "bad parameter"),
        (f"/models/{MODEL}/versions/1/validation", 404, "no gate run yet"),
        (f"/models/{MODEL}/charter?version=9", 404, "does not exist"),
        (f"/models/{MODEL}/monitoring?version=3", 404, "no monitoring figures"),
        ("/audit?version=x", 400, "version number"),
        ("/no/such/page", 404, "no page at /no/such/page"),
    ],
)
def test_bad_input_gets_an_error_page(
    client: httpx.Client, path: str, status: int, words: str
) -> None:
    answer = client.get(path)
    assert answer.status_code == status
    assert answer.headers["content-type"].startswith("text/html")
    assert words in answer.text
    assert "Traceback" not in answer.text


def test_pages_carry_a_strict_content_policy_and_ship_their_assets(client: httpx.Client) -> None:
    page = client.get("/")
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert "http://" not in page.text.replace('href="http://127.0.0.1', "")
    assert client.get("/static/charter.js").status_code == 200
    assert client.get("/static/charter.css").status_code == 200


def test_charter_serve_mounts_the_dashboard_under_ui(settings: Settings) -> None:
    options = ServeOptions(compact_every_seconds=0, compile_onnx=False, allow_unpromoted=True)
    handle = run_in_background(settings, options=options)
    try:
        with httpx.Client(base_url=handle.url, timeout=30) as client:
            page = client.get("/ui/")
            assert page.status_code == 200
            assert 'href="/ui/models/adult-income"' in page.text
            assert 'src="/ui/static/charter.js"' in page.text
            assert client.get("/ui/static/charter.css").status_code == 200
            assert client.get("/ui/models/nope").status_code == 404
            assert client.get("/v2/health/live").status_code == 200
    finally:
        handle.stop()
