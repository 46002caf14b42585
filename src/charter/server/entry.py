"""The app factory uvicorn imports in each worker process (``charter serve --workers N``)."""

from __future__ import annotations

import os

from fastapi import FastAPI

from charter.config import Settings
from charter.server.app import create_app
from charter.serving.launch import OPTIONS_ENV, options_from_env
from charter.serving.metrics_store import METRICS_DIR_ENV

__all__ = ["app_from_env"]


def app_from_env() -> FastAPI:
    """``create_app`` with settings, options and the shared metrics folder from the environment.

    See ``serving.launch`` and ``serving.metrics_store``.
    """
    return create_app(
        Settings.from_env(),
        options=options_from_env(os.environ.get(OPTIONS_ENV)),
        metrics_dir=os.environ.get(METRICS_DIR_ENV) or None,
    )
