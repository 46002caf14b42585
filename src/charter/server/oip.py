"""Open Inference Protocol v2 REST: health, metadata and infer, JSON and Triton binary tensors."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from charter._version import __version__
from charter.server.context import context_of, read_body
from charter.server.errors import mark
from charter.server.schemas import OIP_INFER_BODY
from charter.serving import InvalidRequestError, ModelRuntime, OipRequest, Prediction, decode_oip

__all__ = ["router"]

router = APIRouter(tags=["Open Inference Protocol v2"])
_FEATURE_DATATYPES = {
    "integer": "INT64",
    "number": "FP64",
    "boolean": "BOOL",
}


@router.get("/v2/health/live")
async def live() -> dict[str, bool]:
    """The process is up."""
    return {"live": True}


@router.get("/v2/health/ready")
async def ready(request: Request) -> JSONResponse:
    """Every served model is loaded."""
    is_ready = context_of(request).ready
    return JSONResponse({"ready": is_ready}, status_code=200 if is_ready else 503)


@router.get("/v2")
async def server_metadata() -> dict[str, Any]:
    """Server name, version and the protocol extensions it implements."""
    return {"name": "charter", "version": __version__, "extensions": ["binary_tensor_data"]}


def _metadata(runtime: ModelRuntime, versions: list[int]) -> dict[str, Any]:
    inputs = [
        {"name": name, "datatype": _FEATURE_DATATYPES.get(str(spec.type), "BYTES"), "shape": [-1]}
        for name, spec in runtime.charter.features.items()
    ]
    outputs = [{"name": "score", "datatype": "FP64", "shape": [-1]}]
    if runtime.model.classes is not None:
        outputs.append({"name": "label", "datatype": "BYTES", "shape": [-1]})
    return {
        "name": runtime.name,
        "versions": [str(v) for v in versions],
        "platform": f"charter_{runtime.engine}",
        "inputs": inputs,
        "outputs": outputs,
    }


@router.get("/v2/models/{name}")
@router.get("/v2/models/{name}/versions/{version}")
async def model_metadata(request: Request, name: str, version: str | None = None) -> dict[str, Any]:
    """Inputs (one tensor per charter feature), outputs and the live versions."""
    router_ = context_of(request).service.router
    runtime = router_.version(name, version) if version else router_.deployment(name).production
    return _metadata(runtime, sorted(router_.deployment(name).live()))


@router.get("/v2/models/{name}/ready")
@router.get("/v2/models/{name}/versions/{version}/ready")
async def model_ready(request: Request, name: str, version: str | None = None) -> dict[str, Any]:
    """Whether the model (or that version) is loaded and answering."""
    router_ = context_of(request).service.router
    runtime = router_.version(name, version) if version else router_.deployment(name).production
    return {"name": name, "version": str(runtime.version), "ready": True}


@router.post("/v2/models/{name}/infer", openapi_extra=OIP_INFER_BODY)
@router.post("/v2/models/{name}/versions/{version}/infer", openapi_extra=OIP_INFER_BODY)
async def infer(request: Request, name: str, version: str | None = None) -> Response:
    """Score tensors named after the charter's features (JSON or binary extension)."""
    context = context_of(request)
    service = context.service
    production = service.router.deployment(name).production
    mark(request, model=name, protocol="oip")
    body = await read_body(request, production.max_payload_bytes)
    decoded = decode_oip(body, request.headers.get("inference-header-content-length"))
    request_id = decoded.id or request.scope["state"]["request_id"]
    chosen = service.resolve(name, version, decoded.columns, request_id)
    await context.check_inference_token(request, chosen[0])
    prediction = await service.predict(
        name,
        decoded.columns,
        decoded.n_rows,
        request_id=request_id,
        version=version,
        datatypes=decoded.datatypes,
        runtime=chosen,
    )
    mark(request, version=prediction.runtime.version)
    return _render(name, prediction, decoded)


def _tensor(name: str, values: list[Any]) -> tuple[dict[str, Any], bytes]:
    if name == "label":
        encoded = [str(v).encode("utf-8") for v in values]
        raw = b"".join(len(e).to_bytes(4, "little") + e for e in encoded)
        return {"name": name, "datatype": "BYTES", "shape": [len(values)]}, raw
    raw = np.asarray(values, dtype="<f8").tobytes()
    return {"name": name, "datatype": "FP64", "shape": [len(values)]}, raw


def _render(name: str, prediction: Prediction, request: OipRequest) -> Response:
    available = prediction.outputs
    wanted = request.outputs if request.outputs is not None else list(available)
    unknown = [o for o in wanted if o not in available]
    if unknown:
        raise InvalidRequestError(
            f"unknown output(s) {', '.join(repr(u[:40]) for u in unknown)}; "
            f"this model gives {', '.join(available)}"
        )
    blobs: list[bytes] = []
    outputs: list[dict[str, Any]] = []
    for out in wanted:
        tensor, raw = _tensor(out, available[out])
        binary = out in request.binary_outputs or (
            request.binary_default and out not in request.binary_outputs
        )
        if binary:
            tensor["parameters"] = {"binary_data_size": len(raw)}
            blobs.append(raw)
        else:
            tensor["data"] = available[out]
        outputs.append(tensor)
    body = {
        "model_name": name,
        "model_version": str(prediction.runtime.version),
        "id": prediction.request_id,
        "parameters": {"source": prediction.source},
        "outputs": outputs,
    }
    header = json.dumps(body, separators=(",", ":")).encode("utf-8")
    if not blobs:
        return Response(header, media_type="application/json")
    return Response(
        header + b"".join(blobs),
        media_type="application/octet-stream",
        headers={"Inference-Header-Content-Length": str(len(header))},
    )
