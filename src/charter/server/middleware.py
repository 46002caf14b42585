"""Request ids, in-flight count, latency metrics and one JSON access-log line per request.

A plain ASGI middleware (not Starlette's ``BaseHTTPMiddleware``, which costs a task per request).
Route handlers record the model, version and protocol in ``scope["state"]`` (see ``mark``).
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from charter.serving import MetricsRegistry

__all__ = ["RequestMiddleware"]

access_logger = logging.getLogger("charter.access")
_SAFE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


class RequestMiddleware:
    """Wraps every HTTP request of the app."""

    def __init__(self, app: ASGIApp, metrics: MetricsRegistry) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        given = _header(scope, b"x-request-id")
        request_id = given if given and _SAFE_ID.match(given) else uuid.uuid4().hex
        state: dict[str, Any] = scope.setdefault("state", {})
        state["request_id"] = request_id
        status = [500]

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode("ascii")))
                message["headers"] = headers
            await send(message)

        self.metrics.in_flight.inc()
        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            self.metrics.in_flight.dec()
            elapsed = time.perf_counter() - started
            self._record(scope, state, status[0], elapsed, request_id)

    def _record(
        self, scope: Scope, state: dict[str, Any], status: int, elapsed: float, request_id: str
    ) -> None:
        model = state.get("model")
        version = str(state.get("version", ""))
        kind = state.get("error_kind")
        if kind is not None:
            self.metrics.errors.inc(str(kind))
            if model is not None:
                _log_error(scope, str(model), version, request_id, str(kind), status)
        if model is not None:
            protocol = str(state.get("protocol", ""))
            self.metrics.requests.inc(str(model), version, protocol, str(status))
            self.metrics.latency.observe(elapsed, str(model), version)
        if access_logger.isEnabledFor(logging.INFO):
            access_logger.info(
                "request",
                extra={
                    "request_id": request_id,
                    "method": scope.get("method"),
                    "path": scope.get("path"),
                    "status": status,
                    "duration_ms": round(elapsed * 1000.0, 3),
                    "model": model,
                    "version": version or None,
                    "error": kind,
                },
            )


def _log_error(
    scope: Scope, model: str, version: str, request_id: str, kind: str, status: int
) -> None:
    """Put a refused request of a served model in the prediction log (best effort)."""
    context = getattr(getattr(scope.get("app"), "state", None), "charter", None)
    if context is None:
        return
    try:
        context.service.log_error(model, version or None, request_id, kind, status)
    except Exception as exc:  # the answer is already sent; never let the log break a request
        access_logger.warning("could not log a refused request: %s", type(exc).__name__)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return bytes(value).decode("latin-1")
    return None
