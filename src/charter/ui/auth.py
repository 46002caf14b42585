"""Sign-in for the dashboard: a token in an HttpOnly, SameSite=Strict cookie, and CSRF checks.

Reading pages needs no token (like ``charter serve``, the dashboard listens on 127.0.0.1 unless
told otherwise). Every action needs one: ``require`` authenticates the cookie's token with
``charter.governance.authenticate`` (a wrong or revoked token is refused and audited) and checks
its role with ``authorize``, the same calls the admin API makes. Forms carry a CSRF token derived
from the session's token, which another site can neither read nor compute; the Origin header,
when the browser sends one, must be this host.
"""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import parse_qs, urlsplit

from starlette.requests import Request

from charter.errors import DataError, PermissionDeniedError
from charter.governance import Principal, authenticate, authorize
from charter.governance.tokens import Action, hash_token
from charter.ui.context import context_of

__all__ = [
    "COOKIE",
    "SignInRequiredError",
    "check_csrf",
    "csrf_token",
    "principal_of",
    "read_form",
    "require",
    "sign_in",
]

COOKIE = "charter_ui_token"
_FORM_LIMIT = 64 * 1024
_CSRF_KEY = b"charter-ui-csrf"


class SignInRequiredError(PermissionDeniedError):
    """An action was posted without a signed-in token."""

    code = "unauthorized"
    http_status = 401


def _token(request: Request) -> str:
    return request.cookies.get(COOKIE, "").strip()


def principal_of(request: Request) -> Principal | None:
    """Who the cookie's token speaks for, for display only (no audit, no refusal).

    A wrong or revoked token reads as signed out; the action itself authenticates for real.
    """
    token = _token(request)
    if not token:
        return None
    cached = request.scope.setdefault("state", {})
    if "ui_principal" in cached:
        found: Principal | None = cached["ui_principal"]
        return found
    record = context_of(request).registry.store.find_token(hash_token(token))
    principal = (
        None
        if record is None or record.is_revoked
        else Principal(token_id=record.id, name=record.name, role=record.role)
    )
    cached["ui_principal"] = principal
    return principal


def csrf_token(request: Request) -> str:
    """The value every form of this session must send back (empty when signed out)."""
    token = _token(request)
    if not token:
        return ""
    return hmac.new(_CSRF_KEY, hash_token(token).encode(), hashlib.sha256).hexdigest()


def check_csrf(request: Request, form: dict[str, str]) -> None:
    """Refuse a form posted from another site or without this session's CSRF token."""
    origin = request.headers.get("origin")
    if origin and origin != "null" and urlsplit(origin).netloc != request.headers.get("host"):
        raise PermissionDeniedError(
            f"the form was posted from {origin}, not from this dashboard; reload the page and "
            "try again"
        )
    expected = csrf_token(request)
    if not expected or not hmac.compare_digest(form.get("csrf", ""), expected):
        raise PermissionDeniedError(
            "the form's CSRF token does not match this session; reload the page and try again"
        )


async def read_form(request: Request) -> dict[str, str]:
    """A URL-encoded form (the only kind the dashboard posts), at most 64 KiB."""
    kind = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if kind != "application/x-www-form-urlencoded":
        raise DataError(
            f"the dashboard accepts URL-encoded forms only; got content type {kind or 'none'!r}"
        )
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > _FORM_LIMIT:
            raise DataError(f"the form exceeds {_FORM_LIMIT} bytes")
    try:
        parsed = parse_qs(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
    except UnicodeDecodeError as exc:
        raise DataError("the form is not valid UTF-8") from exc
    return {key: values[0] for key, values in parsed.items()}


def sign_in(request: Request, token: str) -> Principal:
    """Authenticate a token typed into the sign-in form (a wrong one is refused and audited)."""
    if not token.strip():
        raise SignInRequiredError("type a token to sign in (charter tokens create prints one)")
    try:
        return authenticate(context_of(request).registry.store, token)
    except PermissionDeniedError as exc:
        raise SignInRequiredError(exc.message) from None


def require(
    request: Request,
    form: dict[str, str],
    action: Action,
    *,
    model_name: str,
    version: int | None = None,
    approval_role: str | None = None,
) -> Principal:
    """The principal allowed to do ``action``: CSRF, token and role checked, refusals audited."""
    token = _token(request)
    if not token:
        raise SignInRequiredError(f"sign in with a token to {action}")
    check_csrf(request, form)
    store = context_of(request).registry.store
    try:
        principal = authenticate(store, token)
    except PermissionDeniedError as exc:
        raise SignInRequiredError(exc.message) from None
    authorize(
        store,
        principal,
        action,
        approval_role=approval_role,
        model_name=model_name,
        version=version,
    )
    return principal
