"""Turn a template and its values into a page, with what the layout needs on every page."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse

from charter.ui.auth import csrf_token, principal_of
from charter.ui.context import base_path, context_of

__all__ = ["redirect", "render"]


def render(
    request: Request, template: str, *, status_code: int = 200, **values: Any
) -> HTMLResponse:
    """The page, with the base path, the signed-in principal, its CSRF token and any notice."""
    principal = principal_of(request)
    page = (
        context_of(request)
        .env.get_template(template)
        .render(
            base=base_path(request),
            principal=principal,
            csrf=csrf_token(request) if principal is not None else "",
            notice=request.query_params.get("done", "")[:300],
            here=request.url.path,
            **values,
        )
    )
    return HTMLResponse(page, status_code=status_code)


def redirect(request: Request, path: str, *, done: str = "") -> RedirectResponse:
    """303 to a dashboard path (after a POST), with a notice the next page shows."""
    from urllib.parse import urlencode

    query = f"?{urlencode({'done': done})}" if done else ""
    return RedirectResponse(f"{base_path(request)}{path}{query}", status_code=303)
