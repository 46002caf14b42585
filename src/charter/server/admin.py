"""The admin API: promote and roll back through ``charter.governance``, always with a token.

The rules (passing gate, approvals, four eyes, compare-and-set on the slot) are governance's;
these routes only authenticate, authorize the token's role and call ``GovernanceService``. Every
server watching the registry picks the change up within its poll interval.
"""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Request

from charter.governance import GovernanceService
from charter.server.context import context_of
from charter.server.schemas import PromoteIn, RollbackIn

__all__ = ["router"]

router = APIRouter(prefix="/admin", tags=["Admin"])


def _promotion(record: Any) -> dict[str, Any]:
    return {
        "model": record.model_name,
        "version": record.version,
        "target": record.target,
        "previous_version": record.previous_version,
        "kind": record.kind,
        "canary_percent": record.canary_percent,
        "actor": record.actor,
        "at": record.created_at.isoformat(),
    }


@router.post("/models/{name}/promote")
async def promote(request: Request, name: str, body: PromoteIn) -> dict[str, Any]:
    """Promote ``name@version`` (needs a deployer or admin token)."""
    context = context_of(request)
    principal = await context.authorize(request, "promote", name)
    governance = GovernanceService(context.registry.store)
    record = await asyncio.to_thread(
        governance.promote,
        f"{name}@{body.version}",
        to=body.to,  # type: ignore[arg-type]  # checked by PromoteIn's pattern
        by=principal.actor,
        canary_percent=body.canary_percent,
        reason=body.reason,
    )
    await asyncio.to_thread(context.service.refresh)
    return _promotion(record)


@router.post("/models/{name}/rollback")
async def rollback(request: Request, name: str, body: RollbackIn | None = None) -> dict[str, Any]:
    """Roll production back (needs a deployer or admin token)."""
    context = context_of(request)
    principal = await context.authorize(request, "rollback", name)
    governance = GovernanceService(context.registry.store)
    reason = body.reason if body is not None else ""
    record = await asyncio.to_thread(governance.rollback, name, by=principal.actor, reason=reason)
    await asyncio.to_thread(context.service.refresh)
    return _promotion(record)
