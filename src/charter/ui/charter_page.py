"""The charter of a model: rendered as written, its history, and a diff between two versions."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import HTMLResponse

from charter.errors import NotFoundError
from charter.store import CharterRecord, VersionRecord
from charter.ui.context import context_of
from charter.ui.render import render

__all__ = ["DiffLine", "charter_diff", "router"]

router = APIRouter()


@dataclass(frozen=True)
class DiffLine:
    """One line of a unified diff: ``kind`` is add, remove, hunk or same."""

    kind: str
    text: str


def charter_diff(old: str, new: str, *, old_name: str, new_name: str) -> list[DiffLine]:
    """A unified diff of two charter texts, each line tagged for colouring."""
    lines = difflib.unified_diff(
        old.splitlines(), new.splitlines(), fromfile=old_name, tofile=new_name, lineterm=""
    )
    tagged = []
    for line in lines:
        if line.startswith(("---", "+++")):
            kind = "file"
        elif line.startswith("@@"):
            kind = "hunk"
        elif line.startswith("+"):
            kind = "add"
        elif line.startswith("-"):
            kind = "remove"
        else:
            kind = "same"
        tagged.append(DiffLine(kind, line))
    return tagged


def _version(versions: list[VersionRecord], number: int | None, what: str) -> VersionRecord:
    if number is None:
        return versions[-1]
    found = next((v for v in versions if v.version == number), None)
    if found is None:
        known = ", ".join(str(v.version) for v in versions)
        raise NotFoundError(f"the {what} version {number} does not exist; the versions are {known}")
    return found


@router.get("/models/{name}/charter", response_class=HTMLResponse)
def charter_page(
    request: Request, name: str, version: int | None = None, against: int | None = None
) -> HTMLResponse:
    """``version``'s charter (default: the newest version's); ``against`` adds a diff."""
    store = context_of(request).registry.store
    store.get_model(name)
    versions = store.list_versions(name)
    if not versions:
        raise NotFoundError(f"model '{name}' has no versions yet")
    shown = _version(versions, version, "charter's")
    charters: dict[str, CharterRecord] = {c.charter_hash: c for c in store.list_charters(name)}
    used_by: dict[str, list[int]] = {}
    for v in versions:
        used_by.setdefault(v.charter_hash, []).append(v.version)
    text = charters[shown.charter_hash].content if shown.charter_hash in charters else ""
    diff: list[DiffLine] | None = None
    other: VersionRecord | None = None
    if against is not None:
        other = _version(versions, against, "compared")
        other_text = charters[other.charter_hash].content if other.charter_hash in charters else ""
        diff = charter_diff(
            other_text, text, old_name=f"{other.ref} charter", new_name=f"{shown.ref} charter"
        )
    return render(
        request,
        "charter.html.j2",
        title=f"{name} charter",
        name=name,
        shown=shown,
        text=text,
        history=list(reversed(list(charters.values()))),
        used_by=used_by,
        versions=list(reversed(versions)),
        diff=diff,
        other=other,
    )
