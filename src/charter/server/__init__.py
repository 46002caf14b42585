"""The HTTP entry point: inference (OIP v2, MLflow ``/invocations``, ``/v1``), admin, metrics.

``create_app(settings)`` builds the FastAPI app; ``run_in_background(settings, port)`` runs it in
a thread of this process and returns a handle with ``url`` and ``stop()``; ``charter serve`` runs
it under uvicorn with N workers.
"""

from __future__ import annotations

from charter.server.app import create_app
from charter.server.background import ServerHandle, free_port, run_in_background

__all__ = ["ServerHandle", "create_app", "free_port", "run_in_background"]
