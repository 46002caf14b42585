"""What every dashboard route needs: the registry, the templates and the page's base path."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from jinja2 import ChoiceLoader, Environment, PackageLoader, select_autoescape
from starlette.requests import Request

from charter.config import Settings
from charter.errors import CharterError
from charter.registry import Registry
from charter.reports.monitor_layout import format_number
from charter.reports.svg import STATUS_COLOURS

__all__ = ["UiContext", "base_path", "context_of"]


def _environment() -> Environment:
    # The report templates come second so the dashboard can include their shared parts.
    env = Environment(
        loader=ChoiceLoader(
            [
                PackageLoader("charter.ui", "templates"),
                PackageLoader("charter.reports", "templates"),
            ]
        ),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["path"] = lambda value: quote(str(value), safe="")
    env.filters["number"] = format_number
    env.filters["when"] = lambda moment: "—" if moment is None else f"{moment:%Y-%m-%d %H:%M}"
    env.globals["status_colours"] = STATUS_COLOURS
    return env


@dataclass
class UiContext:
    """Held in ``app.state.ui``: opens the registry on first use, closes only what it opened."""

    settings: Settings
    registry_given: Registry | None = None
    env: Environment = field(default_factory=_environment)
    _opened: Registry | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def registry(self) -> Registry:
        if self.registry_given is not None:
            return self.registry_given
        with self._lock:
            if self._opened is None:
                self._opened = Registry.open(self.settings)
            return self._opened

    @property
    def home(self) -> Path:
        return self.settings.home

    def close(self) -> None:
        with self._lock:
            if self._opened is not None:
                self._opened.close()
                self._opened = None


def context_of(request: Request) -> UiContext:
    context: Any = request.app.state.ui
    if not isinstance(context, UiContext):  # pragma: no cover - set by create_ui_app
        raise CharterError("the dashboard is not set up")
    return context


def base_path(request: Request) -> str:
    """Where the dashboard is mounted: ``""`` for ``charter ui``, ``/ui`` in ``charter serve``."""
    return str(request.scope.get("root_path", "")).rstrip("/")
