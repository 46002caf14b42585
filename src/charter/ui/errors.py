"""Every error as a page: a clear message and the right status, never a traceback.

``CharterError`` keeps its status (404 unknown model or version, 401 no or bad token, 403 wrong
role or a rule's refusal, 409 a conflict, 400 bad input); an unknown path is 404, a malformed
parameter 400, and anything unexpected is logged and answered 500 without details.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from charter.errors import CharterError
from charter.ui.render import render

__all__ = ["install_error_pages"]

logger = logging.getLogger("charter.ui")
_TITLES = {
    400: "Bad request",
    401: "Sign-in needed",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    409: "Refused",
    413: "Too large",
    500: "Something failed",
}


def _page(request: Request, status: int, code: str, message: str) -> Response:
    title = _TITLES.get(status, "Error")
    values = {"title": title, "status": status, "code": code, "message": message}
    try:
        return render(request, "error.html.j2", status_code=status, **values)
    except Exception:  # the store itself failed: a bare page still says what happened
        logger.exception("rendering the error page failed")
        return HTMLResponse(f"<h1>{title}</h1><p>{code}</p>", status_code=status)


def install_error_pages(app: FastAPI) -> None:
    """Register the handlers on the dashboard app."""

    async def charter_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, CharterError)
        status = exc.http_status if 400 <= exc.http_status < 600 else 500
        return _page(request, status, exc.code, exc.message)

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        message = (
            f"there is no page at {request.url.path}" if exc.status_code == 404 else str(exc.detail)
        )
        return _page(request, exc.status_code, f"http_{exc.status_code}", message)

    async def bad_parameter(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e.get('loc', ())[1:]) or 'request'}: {e.get('msg', '')}"
            for e in exc.errors()[:5]
        )
        return _page(request, 400, "invalid_request", f"bad parameter: {problems}")

    async def unexpected(request: Request, exc: Exception) -> Response:
        logger.error("unexpected error on %s", request.url.path, exc_info=exc)
        return _page(request, 500, "internal_error", "the dashboard failed; see its log")

    app.add_exception_handler(CharterError, charter_error)
    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(RequestValidationError, bad_parameter)
    app.add_exception_handler(Exception, unexpected)
