"""``orjson`` when the ``fast`` extra is installed, else nothing: callers fall back to ``json``."""

from __future__ import annotations

from types import ModuleType

__all__ = ["orjson"]

orjson: ModuleType | None
try:
    import orjson as _module
except ImportError:  # pragma: no cover - exercised where orjson is not installed
    orjson = None
else:
    orjson = _module
