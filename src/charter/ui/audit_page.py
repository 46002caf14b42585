"""The audit log with filters, and whether its hash chain still verifies."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import HTMLResponse

from charter.errors import DataError
from charter.governance import audit_log, verify_audit
from charter.ui.context import context_of
from charter.ui.render import render

__all__ = ["router"]

router = APIRouter()
_PAGE_ROWS = 500


def _version(text: str) -> int | None:
    """The version filter: empty (the form's blank field) means every version."""
    text = text.strip()
    if not text:
        return None
    if not text.isdigit():
        raise DataError(f"the version filter must be a version number; got {text!r}")
    return int(text)


@router.get("/audit", response_class=HTMLResponse)
def audit_page(
    request: Request,
    model: str = "",
    action: str = "",
    actor: str = "",
    version: str = "",
) -> HTMLResponse:
    """Events newest first, filtered by model, action prefix, actor substring and version."""
    store = context_of(request).registry.store
    number = _version(version)
    if model:
        store.get_model(model)  # an unknown model is an error, not an empty page
    events = audit_log(store, model or None)
    actions = sorted({e.action for e in events})
    chosen = [
        e
        for e in reversed(events)
        if (not action or e.action.startswith(action))
        and (not actor or actor.lower() in e.actor.lower())
        and (number is None or e.version == number)
    ]
    return render(
        request,
        "audit.html.j2",
        title="Audit log",
        verdict=verify_audit(store),
        events=chosen[:_PAGE_ROWS],
        n_matching=len(chosen),
        n_total=len(events),
        limit=_PAGE_ROWS,
        models=[m.name for m in store.list_models()],
        actions=actions,
        filters={"model": model, "action": action, "actor": actor, "version": number},
    )
