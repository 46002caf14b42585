"""``create_ui_app(settings)``: the dashboard as a FastAPI app, standalone or mounted."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from fastapi import FastAPI
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from charter._version import __version__
from charter.config import Settings
from charter.registry import Registry
from charter.ui import actions, audit_page, charter_page, monitoring_page, pages
from charter.ui.context import UiContext
from charter.ui.errors import install_error_pages

__all__ = ["create_ui_app"]

_STATIC = Path(__file__).parent / "static"
_SECURITY_HEADERS = [
    (
        b"content-security-policy",
        b"default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        b"img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
]


class _SecurityHeaders:
    """A strict content policy: only the dashboard's own script and style run."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *_SECURITY_HEADERS]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def create_ui_app(settings: Settings, *, registry: Registry | None = None) -> FastAPI:
    """The dashboard over the registry ``settings`` point at (or the ``registry`` given).

    Mounted inside another app, its lifespan does not run: the registry it opened on first use
    is closed by ``app.state.ui.close()``.
    """
    context = UiContext(settings=settings, registry_given=registry)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            context.close()

    app = FastAPI(
        title="Charter dashboard",
        version=__version__,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.ui = context
    install_error_pages(app)
    for module in (pages, charter_page, monitoring_page, audit_page, actions):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=_STATIC), name="static")
    app.add_middleware(_SecurityHeaders)
    return app
