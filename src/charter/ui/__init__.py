"""The dashboard: one server-rendered page per question a reviewer or operator asks.

``create_ui_app(settings)`` is served by ``charter ui`` and mounted by ``charter serve`` under
``/ui``. Pages are Jinja2 templates with inline SVG charts (``charter.reports``); the only script
and stylesheet ship in ``static/``, so the dashboard works offline. Actions (approve, reject,
promote, roll back) go through ``GovernanceService`` with the signed-in token's role, exactly as
the CLI and the admin API do.
"""

from __future__ import annotations

from charter.ui.app import create_ui_app

__all__ = ["create_ui_app"]
