"""The ``charter`` command: one Typer app, each command group in its own module."""

from __future__ import annotations

from pathlib import Path

import typer

from charter._version import __version__
from charter.cli import (
    batch_cmds,
    contract_cmds,
    governance_cmds,
    import_cmds,
    monitor_cmds,
    policy_cmds,
    quickstart,
    registry_cmds,
    report_cmds,
    risk_cmds,
    run_cmds,
    serve_cmds,
    ui_cmds,
    validate_cmds,
)
from charter.config import Settings

app = typer.Typer(
    name="charter",
    help=(
        "Charter: take a trained model into production and keep it fit there, "
        "driven by an executable contract (charter.yaml).\n\n"
        "Start with:  charter quickstart"
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"charter {__version__}")
        raise typer.Exit(0)


@app.callback()
def root(
    ctx: typer.Context,
    home: Path | None = typer.Option(
        None,
        "--home",
        envvar="CHARTER_HOME",
        help="Folder for the registry database and artifacts (default: ./.charter).",
        show_envvar=True,
    ),
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """Resolve settings once for every command."""
    ctx.obj = {"settings": Settings.from_env(home=home)}


contract_cmds.register(app)
registry_cmds.register(app)
import_cmds.register(app)
governance_cmds.register(app)
validate_cmds.register(app)
batch_cmds.register(app)
serve_cmds.register(app)
monitor_cmds.register(app)
policy_cmds.register(app)
run_cmds.register(app)
report_cmds.register(app)
risk_cmds.register(app)
quickstart.register(app)
ui_cmds.register(app)


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
