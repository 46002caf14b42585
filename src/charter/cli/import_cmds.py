"""``charter import mlflow``: register models saved by other tools, so their users can move in."""

from __future__ import annotations

from pathlib import Path

import typer

from charter.cli._common import console, handle_errors, print_json, settings_from_context

__all__ = ["register"]

import_app = typer.Typer(help="Register models saved in another tool's format.")


@handle_errors
def mlflow_cmd(
    ctx: typer.Context,
    path: Path = typer.Argument(
        ..., metavar="PATH", help="An MLflow model folder (the one holding its MLmodel file)."
    ),
    charter_path: Path = typer.Option(
        Path("charter.yaml"), "--charter", "-c", help="The charter the model must satisfy."
    ),
    sample: Path | None = typer.Option(
        None,
        "--sample",
        "-s",
        help="CSV/Parquet sample with the charter's features (default: MLflow's input example).",
    ),
    name: str | None = typer.Option(None, "--name", help="Registry name (default: charter.model)."),
    by: str | None = typer.Option(None, "--by", help="Who registers (default: CHARTER_USER/git)."),
    description: str = typer.Option(
        "", "--description", "-d", help="A note on this version (default: its MLflow origin)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the version as JSON."),
) -> None:
    """Register a model saved in MLflow's format, checked against the charter like any other.

    Reads the sklearn flavor's pickle directly (MLflow not needed); other flavors load through
    MLflow's python_function loader when MLflow is installed. Prints NAME@VERSION. The pickle
    runs code when loaded: import only models you trust.

    \b
    Example:
      charter import mlflow mlruns/0/abc123/artifacts/model --charter charter.yaml -s train.csv
    """
    from charter.registry import Registry
    from charter.registry.mlflow_import import import_mlflow_model

    with Registry.open(settings_from_context(ctx)) as registry:
        version = import_mlflow_model(
            registry,
            path,
            charter=charter_path,
            sample=sample,
            name=name,
            registered_by=by,
            description=description,
        )
    if as_json:
        print_json(
            {
                "ref": version.ref,
                "model": version.model_name,
                "version": version.version,
                "flavor": version.flavor,
                "sha256": version.artifact_sha256,
                "description": version.description,
            }
        )
    else:
        console.print(version.ref)


def register(app: typer.Typer) -> None:
    """Add the ``import`` group to ``app``."""
    import_app.command("mlflow")(mlflow_cmd)
    app.add_typer(import_app, name="import")
