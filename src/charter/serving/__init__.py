"""Real-time serving: routing, request checks, compiled models, batching, metrics, the log.

The server (``charter.server``) is a thin shell over ``ServingService``: it decodes a protocol's
body into columns, calls ``predict`` and renders the answer.
"""

from __future__ import annotations

from charter.serving.batcher import AdaptiveBatcher, BatchOptions
from charter.serving.compile import TOLERANCE, CompiledModel, compile_onnx, onnx_available
from charter.serving.decode import (
    Columns,
    OipRequest,
    columns_from_records,
    decode_mlflow,
    decode_oip,
    decode_records,
    loads_json,
)
from charter.serving.errors import (
    InvalidRequestError,
    PayloadTooLargeError,
    RequestValidationError,
    UnauthorizedError,
    UnsupportedMediaTypeError,
)
from charter.serving.metrics import MetricsRegistry
from charter.serving.routing import Deployment, DeploymentState, DeploymentWatcher, Router
from charter.serving.runtime import (
    REASON_BACKGROUND_ROWS,
    ModelRuntime,
    RuntimeOptions,
    load_runtime,
)
from charter.serving.service import Prediction, ServeOptions, ServingService

__all__ = [
    "REASON_BACKGROUND_ROWS",
    "TOLERANCE",
    "AdaptiveBatcher",
    "BatchOptions",
    "Columns",
    "CompiledModel",
    "Deployment",
    "DeploymentState",
    "DeploymentWatcher",
    "InvalidRequestError",
    "MetricsRegistry",
    "ModelRuntime",
    "OipRequest",
    "PayloadTooLargeError",
    "Prediction",
    "RequestValidationError",
    "Router",
    "RuntimeOptions",
    "ServeOptions",
    "ServingService",
    "UnauthorizedError",
    "UnsupportedMediaTypeError",
    "columns_from_records",
    "compile_onnx",
    "decode_mlflow",
    "decode_oip",
    "decode_records",
    "load_runtime",
    "loads_json",
    "onnx_available",
]
