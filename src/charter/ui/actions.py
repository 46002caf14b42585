"""The dashboard's actions: approve or reject with a note, promote, roll back, sign in and out.

Each action goes through ``GovernanceService`` with the signed-in token's principal as the
actor, after ``require`` checked CSRF, the token and its role: the rules, refusals and audit
events are the CLI's and the admin API's. Success redirects (303) to the page it came from with
a notice; a refusal shows the error page with the rule's message.
"""

from __future__ import annotations

import asyncio
from typing import Literal
from urllib.parse import quote

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from charter.errors import DataError
from charter.governance import GovernanceService
from charter.governance.tokens import Action
from charter.ui.auth import COOKIE, check_csrf, read_form, require, sign_in
from charter.ui.context import base_path, context_of
from charter.ui.render import redirect, render

__all__ = ["router"]

router = APIRouter()
_NOTE_LIMIT = 2000
_TARGETS: dict[str, Literal["production", "shadow"]] = {
    "production": "production",
    "shadow": "shadow",
}


def _note(form: dict[str, str], field: str = "note") -> str:
    text = form.get(field, "").strip()
    if len(text) > _NOTE_LIMIT:
        raise DataError(f"the {field} has {len(text)} characters; at most {_NOTE_LIMIT} fit")
    return text


def _version_path(name: str, version: int) -> str:
    return f"/models/{quote(name, safe='')}/versions/{version}"


@router.post("/models/{name}/versions/{version}/decision")
async def decide(request: Request, name: str, version: int) -> Response:
    """Approve or reject a version as one of the charter's required roles."""
    form = await read_form(request)
    decision, role = form.get("decision", ""), form.get("role", "").strip()
    action: Action = "approve" if decision == "approve" else "reject"
    if decision != action:
        raise DataError(f"'decision' must be approve or reject; got {decision!r}")
    if not role:
        raise DataError("choose the role you sign for")
    note = _note(form)

    def act() -> str:
        principal = require(
            request, form, action, model_name=name, version=version, approval_role=role
        )
        governance = GovernanceService(context_of(request).registry.store)
        do = governance.approve if decision == "approve" else governance.reject
        record = do(f"{name}@{version}", role=role, by=principal.actor, note=note)
        return f"{record.model_name}@{record.version} {record.decision} as {role} by {record.actor}"

    done = await asyncio.to_thread(act)
    return redirect(request, _version_path(name, version), done=done)


@router.post("/models/{name}/versions/{version}/promote")
async def promote(request: Request, name: str, version: int) -> Response:
    """Put a version into production or shadow (a deployer's or admin's token)."""
    form = await read_form(request)
    target = _TARGETS.get(form.get("to", ""))
    if target is None:
        raise DataError(f"'to' must be production or shadow; got {form.get('to', '')!r}")
    reason = _note(form, "reason")

    def act() -> str:
        principal = require(request, form, "promote", model_name=name, version=version)
        record = GovernanceService(context_of(request).registry.store).promote(
            f"{name}@{version}", to=target, by=principal.actor, reason=reason
        )
        return f"{record.model_name}@{record.version} promoted to {record.target}"

    done = await asyncio.to_thread(act)
    return redirect(request, f"/models/{quote(name, safe='')}", done=done)


@router.post("/models/{name}/rollback")
async def rollback(request: Request, name: str) -> Response:
    """Return production to the newest earlier version that still passes the rules."""
    form = await read_form(request)
    reason = _note(form, "reason")

    def act() -> str:
        principal = require(request, form, "rollback", model_name=name)
        record = GovernanceService(context_of(request).registry.store).rollback(
            name, by=principal.actor, reason=reason
        )
        return (
            f"{name} rolled back: production is now v{record.version} "
            f"(was v{record.previous_version})"
        )

    done = await asyncio.to_thread(act)
    return redirect(request, f"/models/{quote(name, safe='')}", done=done)


def _safe_next(request: Request, target: str) -> str:
    """Only a path inside this dashboard, so the form cannot send anyone elsewhere."""
    base = base_path(request)
    if target.startswith(f"{base}/") and not target.startswith("//") and "\\" not in target:
        return target
    return f"{base}/"


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str = "") -> HTMLResponse:
    """The sign-in form: paste a token from ``charter tokens create``."""
    return render(request, "login.html.j2", title="Sign in", next=_safe_next(request, next))


@router.post("/login")
async def login(request: Request) -> Response:
    """Check the token and keep it in an HttpOnly, SameSite=Strict cookie."""
    form = await read_form(request)
    token = form.get("token", "")
    principal = await asyncio.to_thread(sign_in, request, token)
    target = _safe_next(request, form.get("next", ""))
    sep = "&" if "?" in target else "?"
    response = RedirectResponse(
        f"{target}{sep}done={quote(f'signed in as {principal.actor} ({principal.role})')}",
        status_code=303,
    )
    response.set_cookie(
        COOKIE,
        token.strip(),
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path=f"{base_path(request)}/",
    )
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    """Forget the token."""
    form = await read_form(request)
    check_csrf(request, form)
    response = redirect(request, "/", done="signed out")
    response.delete_cookie(COOKIE, path=f"{base_path(request)}/")
    return response
