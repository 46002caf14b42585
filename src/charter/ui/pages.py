"""The read-only pages about models and versions: overview, model, version, validation report."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import HTMLResponse

from charter.errors import CharterError, NotFoundError
from charter.governance import GovernanceService, Readiness, load_standing
from charter.reports.gate_html import gate_context
from charter.store import RegistryStore, ValidationRunRecord, VersionRecord
from charter.store.ports_governance import PromotionRecord
from charter.ui.context import context_of
from charter.ui.health import Light, health_lights
from charter.ui.render import render

__all__ = ["ModelRow", "router"]

router = APIRouter()


@dataclass(frozen=True)
class ModelRow:
    """One line of the overview."""

    name: str
    latest: int
    production: int | None
    shadow: int | None
    canary: PromotionRecord | None
    lights: tuple[Light, ...]


def _versions(store: RegistryStore, name: str) -> list[VersionRecord]:
    store.get_model(name)  # NotFoundError names the unknown model
    return store.list_versions(name)


def _holder(versions: list[VersionRecord], stage: str) -> int | None:
    return next((v.version for v in versions if v.stage == stage), None)


@router.get("/", response_class=HTMLResponse)
def overview(request: Request) -> HTMLResponse:
    """Every model, where its versions are deployed and a health light per area."""
    store = context_of(request).registry.store
    rows = []
    for model in store.list_models():
        versions = store.list_versions(model.name)
        rows.append(
            ModelRow(
                name=model.name,
                latest=model.latest_version,
                production=_holder(versions, "production"),
                shadow=_holder(versions, "shadow"),
                canary=store.current_canary(model.name),
                lights=health_lights(store, versions),
            )
        )
    return render(request, "overview.html.j2", title="Overview", rows=rows)


def _readiness(governance: GovernanceService, version: VersionRecord) -> Readiness | str:
    try:
        return governance.readiness(version.ref)
    except CharterError as exc:  # a charter the registry lost: say so instead of failing
        return exc.message


def _latest_runs(store: RegistryStore, name: str) -> dict[int, ValidationRunRecord]:
    latest: dict[int, ValidationRunRecord] = {}
    for run in store.list_validation_runs(name):
        latest[run.version] = run
    return latest


@router.get("/models/{name}", response_class=HTMLResponse)
def model_page(request: Request, name: str) -> HTMLResponse:
    """Versions with stage, lineage and gate verdict; approvals; the deployment history."""
    store = context_of(request).registry.store
    versions = _versions(store, name)
    governance = GovernanceService(store)
    aliases: dict[int, list[str]] = {}
    for alias in store.list_aliases(name):
        if alias.alias not in ("production", "shadow"):
            aliases.setdefault(alias.version, []).append(alias.alias)
    return render(
        request,
        "model.html.j2",
        title=name,
        model=store.get_model(name),
        versions=list(reversed(versions)),
        aliases=aliases,
        canary=store.current_canary(name),
        runs=_latest_runs(store, name),
        readiness={v.version: _readiness(governance, v) for v in versions},
        approvals=list(reversed(store.list_approvals(name))),
        promotions=list(reversed(store.list_promotions(name))),
        lights=health_lights(store, versions),
        production=_holder(versions, "production"),
    )


@router.get("/models/{name}/versions/{version}", response_class=HTMLResponse)
def version_page(request: Request, name: str, version: int) -> HTMLResponse:
    """One version: lineage, standing for production, gate runs, decisions and the actions."""
    store = context_of(request).registry.store
    record = store.get_version(name, version)
    standing = load_standing(store, record)
    return render(
        request,
        "version.html.j2",
        title=record.ref,
        version=record,
        standing=standing,
        readiness=GovernanceService(store).readiness(record.ref),
        runs=list(reversed(store.list_validation_runs(name, version))),
        approvals=list(reversed(store.list_approvals(name, version))),
        production=_holder(store.list_versions(name), "production"),
    )


@router.get("/models/{name}/versions/{version}/validation", response_class=HTMLResponse)
def validation_page(
    request: Request, name: str, version: int, run: int | None = None
) -> HTMLResponse:
    """The gate report of a run (default: the latest), the same content as ``--html``."""
    store = context_of(request).registry.store
    record = store.get_version(name, version)
    runs = store.list_validation_runs(name, version)
    if not runs:
        raise NotFoundError(f"{record.ref} has no gate run yet (run `charter validate` first)")
    chosen = runs[-1] if run is None else next((r for r in runs if r.id == run), None)
    if chosen is None:
        known = ", ".join(str(r.id) for r in runs)
        raise NotFoundError(f"{record.ref} has no gate run {run}; its runs are {known}")
    body = {**chosen.report, "run_id": chosen.id}
    return render(
        request,
        "validation.html.j2",
        title=f"Validation {record.ref}",
        version=record,
        runs=list(reversed(runs)),
        chosen=chosen,
        **gate_context(body),
    )
