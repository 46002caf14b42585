"""A real ``charter ui`` process over a filled registry, and headless Debian Chromium to drive it.

The browser is the system's ``/usr/bin/chromium`` (``.ci/run`` installs it), started by
Playwright with the flags that keep it off the network; Playwright never downloads a browser.
Without ``/usr/bin/chromium`` every test here is skipped with that reason. Screenshots go to
``$CHARTER_TEST_ARTIFACTS`` (else a temporary folder).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pandas as pd
import pytest
from sklearn.pipeline import Pipeline
from ui_kit import Filled, build_home

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
START_SECONDS = 90


@pytest.fixture(scope="session")
def chromium_path() -> Path:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is absent: install Debian's chromium (.ci/run does)")
    return CHROMIUM


@pytest.fixture(scope="session")
def filled(
    chromium_path: Path,
    tmp_path_factory: pytest.TempPathFactory,
    adult_model: Pipeline,
    adult_charter_path: Path,
    adult_sample: pd.DataFrame,
) -> Filled:
    work = tmp_path_factory.mktemp("dashboard")
    return build_home(work / "home", adult_model, adult_charter_path, adult_sample, work)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="session")
def ui_url(filled: Filled) -> Iterator[str]:
    """``charter --home H ui --port P`` as a real process; its URL once it answers."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHARTER_")}
    env["OMP_NUM_THREADS"] = "1"  # the monitoring page scores a sample; no spinning thread pool
    command = [sys.executable, "-m", "charter.cli.main", "--home", str(filled.home), "ui",
               "--host", "127.0.0.1", "--port", str(port)]  # fmt: skip
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_SECONDS
        while True:
            if process.poll() is not None:
                reason = (process.stderr.read() if process.stderr else b"").decode()[-2000:]
                pytest.fail(f"charter ui stopped while starting: {reason}")
            try:
                if httpx.get(f"{url}/", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"charter ui did not answer within {START_SECONDS} s")
            time.sleep(0.3)
        yield url
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stderr is not None:
            process.stderr.close()


@pytest.fixture(scope="session")
def artifacts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where screenshots go: ``$CHARTER_TEST_ARTIFACTS/browser`` or a temporary folder."""
    given = os.environ.get("CHARTER_TEST_ARTIFACTS")
    folder = Path(given) / "browser" if given else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


# Module scope: Playwright's sync API keeps an event loop running in the main thread while it
# is open, and every later test calling asyncio.run() would fail if it outlived the browser tests.
@pytest.fixture(scope="module")
def browser(chromium_path: Path) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(chromium_path), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield launched
        finally:
            launched.close()
