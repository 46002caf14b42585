"""MLflow-compatible ``/invocations``, the plain ``/v1`` API with reason codes, and ``/metrics``."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from charter.errors import DataError, NotFoundError
from charter.server.context import context_of, read_body
from charter.server.errors import mark
from charter.server.schemas import MLFLOW_BODY, RECORDS_BODY
from charter.serving import decode_mlflow, decode_records

__all__ = ["router"]

router = APIRouter()


@router.get("/ping", tags=["MLflow scoring"])
@router.get("/health", tags=["MLflow scoring"])
async def ping(request: Request) -> JSONResponse:
    """MLflow's health check: 200 once models are loaded."""
    ready = context_of(request).ready
    return JSONResponse({"ready": ready}, status_code=200 if ready else 503)


@router.post("/invocations", tags=["MLflow scoring"], openapi_extra=MLFLOW_BODY)
async def invocations(request: Request, model: str | None = None) -> JSONResponse:
    """MLflow's scoring API; ``predictions`` are the charter's scores (``?model=`` picks one)."""
    context = context_of(request)
    service = context.service
    names = service.router.models or service.router.retired  # a retired one answers 410
    name = model or (names[0] if names else None)
    if name is None:
        raise NotFoundError("no model is served here")
    production = service.router.deployment(name).production
    mark(request, model=name, protocol="mlflow")
    body = await read_body(request, production.max_payload_bytes)
    columns, n_rows = decode_mlflow(body, request.headers.get("content-type"))
    request_id = request.scope["state"]["request_id"]
    chosen = service.resolve(name, None, columns, request_id)
    await context.check_inference_token(request, chosen[0])
    prediction = await service.predict(name, columns, n_rows, request_id=request_id, runtime=chosen)
    mark(request, version=prediction.runtime.version)
    return JSONResponse({"predictions": prediction.outputs["score"]})


@router.get("/v1/models", tags=["Charter"])
async def list_models(request: Request) -> dict[str, Any]:
    """The served models and what the registry routes to each."""
    service = context_of(request).service
    out = []
    for name in service.router.models:
        deployment = service.router.deployment(name)
        state = deployment.state
        out.append(
            {
                "name": name,
                "production": state.production,
                "shadow": state.shadow,
                "canary": state.canary,
                "canary_percent": state.canary_percent if state.canary is not None else None,
                "engine": deployment.production.engine,
                "compile": deployment.production.compile_note,
            }
        )
    return {"models": out}


@router.post("/v1/models/{name}/predict", tags=["Charter"], openapi_extra=RECORDS_BODY)
async def predict(request: Request, name: str) -> JSONResponse:
    """Score JSON records; each answer has score, label and the charter's reason codes."""
    context = context_of(request)
    service = context.service
    production = service.router.deployment(name).production
    mark(request, model=name, protocol="v1")
    body = await read_body(request, production.max_payload_bytes)
    columns, n_rows, options = decode_records(body)
    explain = options.get("explain", True)
    if not isinstance(explain, bool):
        raise DataError("explain must be true or false")
    request_id = request.scope["state"]["request_id"]
    chosen = service.resolve(name, None, columns, request_id)
    await context.check_inference_token(request, chosen[0])
    prediction = await service.predict(
        name, columns, n_rows, request_id=request_id, explain=explain, runtime=chosen
    )
    mark(request, version=prediction.runtime.version)
    rows = []
    for i in range(n_rows):
        row: dict[str, Any] = {key: values[i] for key, values in prediction.outputs.items()}
        if prediction.reasons is not None:
            row["reasons"] = prediction.reasons[i]
        rows.append(row)
    return JSONResponse(
        {
            "model": name,
            "version": prediction.runtime.version,
            "request_id": request_id,
            "predictions": rows,
        }
    )


@router.get("/metrics", tags=["Operations"])
async def metrics(request: Request) -> Response:
    """Prometheus text exposition; with several workers, the totals of all of them."""
    registry = context_of(request).service.metrics
    text = await asyncio.to_thread(registry.exposition) if registry.shared else registry.render()
    return Response(text, media_type=registry.content_type)
