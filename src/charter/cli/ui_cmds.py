"""``charter ui``: the dashboard on its own port (``charter serve`` also mounts it at /ui)."""

from __future__ import annotations

import typer

from charter.cli._common import console, handle_errors, settings_from_context

__all__ = ["register"]


@handle_errors
def ui_cmd(
    ctx: typer.Context,
    host: str = typer.Option("127.0.0.1", help="Interface to listen on."),
    port: int = typer.Option(8050, min=1, max=65535, help="TCP port."),
) -> None:
    """Serve the dashboard: models, versions, sign-off, validation, monitoring and the audit log.

    Reading needs no token; approving, rejecting, promoting and rolling back need one (sign in
    on the page with a token from `charter tokens create`). Everything the pages need ships with
    Charter, so the dashboard works offline.

    \b
    Example:
      charter ui --port 8050   # then open http://127.0.0.1:8050/
    """
    import uvicorn

    from charter.ui import create_ui_app

    settings = settings_from_context(ctx)
    console.print(f"Charter dashboard on http://{host}:{port}/ (registry {settings.home})")
    uvicorn.run(
        create_ui_app(settings),
        host=host,
        port=port,
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=10,
    )


def register(app: typer.Typer) -> None:
    """Add ``ui`` to the ``charter`` app."""
    app.command("ui")(ui_cmd)
