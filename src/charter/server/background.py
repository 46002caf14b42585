"""Run the server in a background thread of this process (the quickstart, tests, notebooks)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

import uvicorn

from charter.config import Settings
from charter.errors import CharterError
from charter.server.app import create_app
from charter.serving import ServeOptions

__all__ = ["ServerHandle", "free_port", "run_in_background"]


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


@dataclass
class ServerHandle:
    """A running server: its ``url``; ``stop()`` shuts it down gracefully."""

    host: str
    port: int
    _server: uvicorn.Server = field(repr=False)
    _thread: threading.Thread = field(repr=False)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def app(self) -> Any:
        """The running FastAPI app (its ``state.charter`` holds the serving service)."""
        return self._server.config.app

    def stop(self, timeout: float = 15.0) -> None:
        self._server.should_exit = True
        self._thread.join(timeout)

    def __enter__(self) -> ServerHandle:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def run_in_background(
    settings: Settings,
    port: int | None = None,
    *,
    host: str = "127.0.0.1",
    models: Sequence[str] | None = None,
    options: ServeOptions | None = None,
    timeout: float = 60.0,
) -> ServerHandle:
    """Start ``create_app(settings)`` under uvicorn in a daemon thread; returns once it is ready.

    ``port`` None picks a free one. Raises ``CharterError`` if the server fails to start (for
    instance a model without a production version).
    """
    chosen = port or free_port(host)
    app = create_app(settings, models=models, options=options)
    config = uvicorn.Config(
        app, host=host, port=chosen, log_level="warning", access_log=False, lifespan="on"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"charter-serve-{chosen}", daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive():
            raise CharterError("the server stopped while starting; see its log for the reason")
        if time.monotonic() > deadline:
            server.should_exit = True
            raise CharterError(f"the server did not start within {timeout:g} s")
        time.sleep(0.02)
    return ServerHandle(host, chosen, server, thread)
