"""One place that turns errors into each protocol's error body; never a traceback to a client.

OIP clients read ``{"error": "<message>"}``, MLflow clients ``{"error_code": …, "message": …}``,
everything else Charter's own ``{"error": code, "message": …}`` (with ``issues`` when rows break
the charter). Anything unexpected is logged with the request id and answered 500 without details.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError as FastApiValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from charter.errors import CharterError

__all__ = ["error_body", "install_error_handlers", "mark"]

logger = logging.getLogger("charter.server")
_MLFLOW_CODES = {
    400: "BAD_REQUEST",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "RESOURCE_DOES_NOT_EXIST",
    410: "RESOURCE_DOES_NOT_EXIST",
    413: "BAD_REQUEST",
    415: "BAD_REQUEST",
}


def mark(request: Request, **fields: Any) -> None:
    """Record facts about the request for the access log and metrics middleware."""
    state = request.scope.setdefault("state", {})
    state.update(fields)


def error_body(
    path: str, status: int, code: str, message: str, extra: dict[str, Any]
) -> dict[str, Any]:
    """The error body the protocol of ``path`` expects."""
    if path.startswith("/v2"):
        return {"error": message, "code": code, **extra}
    if path.startswith("/invocations"):
        return {
            "error_code": _MLFLOW_CODES.get(status, "INTERNAL_ERROR"),
            "message": message,
            **extra,
        }
    return {"error": code, "message": message, **extra}


def _respond(request: Request, status: int, code: str, message: str, **extra: Any) -> JSONResponse:
    mark(request, error_kind=code)
    state = request.scope.get("state", {})
    request_id = state.get("request_id")
    body = error_body(request.url.path, status, code, message, extra)
    if request_id:
        body["request_id"] = request_id
    return JSONResponse(body, status_code=status)


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers on ``app``."""

    async def charter_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, CharterError)
        body = exc.to_dict()
        extra = {k: v for k, v in body.items() if k not in ("error", "message")}
        return _respond(request, exc.http_status, exc.code, exc.message, **extra)

    async def http_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, HTTPException)
        code = "not_found" if exc.status_code == 404 else f"http_{exc.status_code}"
        return _respond(request, exc.status_code, code, str(exc.detail))

    async def validation_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, FastApiValidationError)
        problems = [
            {"field": ".".join(str(p) for p in e.get("loc", ())), "message": e.get("msg", "")}
            for e in exc.errors()
        ]
        text = "; ".join(f"{p['field']}: {p['message']}" for p in problems[:5])
        return _respond(
            request, 400, "invalid_request", f"invalid request: {text}", issues=problems
        )

    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        state = request.scope.get("state", {})
        logger.error(
            "unexpected error answering %s", request.url.path, exc_info=exc,
            extra={"request_id": state.get("request_id")},
        )  # fmt: skip
        return _respond(request, 500, "internal_error", "the server failed to answer; see its log")

    app.add_exception_handler(CharterError, charter_error)
    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(FastApiValidationError, validation_error)
    app.add_exception_handler(Exception, unexpected)
