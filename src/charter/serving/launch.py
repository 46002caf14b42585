"""``ServeOptions`` through the environment, for uvicorn worker processes.

Worker processes cannot receive Python objects, so ``charter serve`` puts its options in
``CHARTER_SERVE_OPTIONS`` (JSON) and the app factory each worker imports reads them back.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from charter.serving.batcher import BatchOptions
from charter.serving.service import ServeOptions

__all__ = ["APP_FACTORY", "OPTIONS_ENV", "options_from_env", "options_to_env"]

OPTIONS_ENV = "CHARTER_SERVE_OPTIONS"
APP_FACTORY = "charter.server.entry:app_from_env"
"""The import string uvicorn loads in each worker (``factory=True``)."""


def options_to_env(options: ServeOptions) -> str:
    """The options as the JSON text ``options_from_env`` reads."""
    data: dict[str, Any] = asdict(options)
    for key in ("spool_dir", "log_dir"):
        if data[key] is not None:
            data[key] = str(data[key])
    return json.dumps(data)


def options_from_env(raw: str | None) -> ServeOptions:
    """Options from ``options_to_env`` text; defaults when ``raw`` is empty."""
    if not raw:
        return ServeOptions()
    data = json.loads(raw)
    data["models"] = tuple(data.get("models") or ())
    data["batch"] = BatchOptions(**(data.get("batch") or {}))
    for key in ("spool_dir", "log_dir"):
        if data.get(key):
            data[key] = Path(data[key])
    return ServeOptions(**data)
