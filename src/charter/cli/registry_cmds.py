"""``charter register``, ``models``, ``versions`` and ``show``: the registry from a terminal."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.table import Table

from charter.cli._common import console, handle_errors, print_json, settings_from_context

if TYPE_CHECKING:  # the registry pulls in pandas and model libraries: import on use, not for --help
    from charter.registry import Registry
    from charter.store import VersionRecord

__all__ = ["register"]


def _open(ctx: typer.Context) -> Registry:
    from charter.registry import Registry

    return Registry.open(settings_from_context(ctx))


def _version_dict(version: VersionRecord, aliases: list[str] | None = None) -> dict[str, Any]:
    signature = dict(version.signature)
    signature.pop("flavor_metadata", None)
    return {
        "ref": version.ref,
        "model": version.model_name,
        "version": version.version,
        "stage": version.stage,
        "aliases": aliases or [],
        "flavor": version.flavor,
        "artifact": {
            "uri": version.artifact_uri,
            "sha256": version.artifact_sha256,
            "size_bytes": version.artifact_size,
        },
        "signature": signature,
        "lineage": {
            "charter_hash": version.charter_hash,
            "training_fingerprint": version.training_fingerprint,
            "code_version": version.code_version,
            "registered_by": version.registered_by,
            "registered_at": version.created_at.isoformat(),
            "params": version.params,
        },
        "reference_sample": {"uri": version.sample_uri, "sha256": version.sample_sha256},
        "metrics": version.metrics,
        "description": version.description,
    }


@handle_errors
def register_cmd(
    ctx: typer.Context,
    model_file: str = typer.Argument(
        ...,
        metavar="MODEL_FILE",
        help="A .joblib/.pkl, .onnx, LightGBM .txt, XGBoost .json/.ubj file, or module:function.",
    ),
    charter_path: Path = typer.Option(
        Path("charter.yaml"), "--charter", "-c", help="The charter the model must satisfy."
    ),
    sample: Path = typer.Option(
        ..., "--sample", "-s", help="CSV/Parquet sample with the charter's feature columns."
    ),
    name: str | None = typer.Option(None, "--name", help="Registry name (default: charter.model)."),
    by: str | None = typer.Option(None, "--by", help="Who registers (default: CHARTER_USER/git)."),
    training_data: Path | None = typer.Option(
        None, "--training-data", help="Fingerprint this file as the training data (lineage)."
    ),
    description: str = typer.Option("", "--description", "-d", help="A note on this version."),
    as_json: bool = typer.Option(False, "--json", help="Print the version as JSON."),
) -> None:
    """Register a model version after checking its inputs against the charter.

    Prints NAME@VERSION. Refuses a model whose inputs are missing from, extra to, or of another
    type than the charter's features, or that uses a sensitive attribute as an input.

    \b
    Example:
      charter register model.joblib --charter charter.yaml --sample data/train.csv
    """
    with _open(ctx) as registry:
        version = registry.register(
            model_file,
            charter=charter_path,
            sample=sample,
            name=name,
            registered_by=by,
            training_data=training_data,
            description=description,
        )
    if as_json:
        print_json(_version_dict(version))
    else:
        console.print(version.ref)


@handle_errors
def models_cmd(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """List registered models with their latest version and aliases.

    \b
    Example:
      charter models --json
    """
    with _open(ctx) as registry:
        summaries = registry.models()
    if as_json:
        print_json(
            [
                {
                    "name": s.name,
                    "latest_version": s.latest_version,
                    "aliases": s.aliases,
                    "created_at": s.created_at,
                    "created_by": s.created_by,
                }
                for s in summaries
            ]
        )
        return
    if not summaries:
        console.print("No models registered yet. Try: charter quickstart")
        return
    table = Table(title="Models", title_justify="left")
    for column in ("name", "latest", "aliases", "created", "by"):
        table.add_column(column)
    for s in summaries:
        aliases = ", ".join(f"{k}→{v}" for k, v in sorted(s.aliases.items())) or "—"
        table.add_row(
            s.name,
            str(s.latest_version),
            aliases,
            s.created_at.strftime("%Y-%m-%d %H:%M"),
            s.created_by,
        )
    console.print(table)


@handle_errors
def versions_cmd(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Model name."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """List the versions of one model, oldest first.

    \b
    Example:
      charter versions premium-card-offer
    """
    with _open(ctx) as registry:
        versions = registry.versions(name)
        alias_map: dict[int, list[str]] = {}
        for alias in registry.store.list_aliases(name):
            alias_map.setdefault(alias.version, []).append(alias.alias)
    if as_json:
        print_json([_version_dict(v, alias_map.get(v.version)) for v in versions])
        return
    table = Table(title=f"Versions of {name}", title_justify="left")
    for column in ("version", "stage", "aliases", "flavor", "registered", "by", "sha256"):
        table.add_column(column)
    for v in versions:
        table.add_row(
            str(v.version),
            v.stage,
            ", ".join(alias_map.get(v.version, [])) or "—",
            v.flavor,
            v.created_at.strftime("%Y-%m-%d %H:%M"),
            v.registered_by,
            v.artifact_sha256[:12],
        )
    console.print(table)


@handle_errors
def show_cmd(
    ctx: typer.Context,
    ref: str = typer.Argument(
        ..., metavar="NAME@VERSION", help="e.g. my-model@3 or my-model@latest"
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Show one version: artifact, signature, lineage and stage.

    \b
    Example:
      charter show premium-card-offer@1
    """
    with _open(ctx) as registry:
        version = registry.get(ref)
        aliases = [
            a.alias
            for a in registry.store.list_aliases(version.model_name)
            if a.version == version.version
        ]
    info = _version_dict(version, aliases)
    if as_json:
        print_json(info)
        return
    console.print(f"[bold]{version.ref}[/]  stage: {version.stage}  flavor: {version.flavor}")
    meta = Table(show_header=False, box=None, pad_edge=False)
    meta.add_column(style="dim")
    meta.add_column()
    lineage = info["lineage"]
    rows = [
        ("aliases", ", ".join(aliases) or "—"),
        ("artifact", version.artifact_uri),
        ("sha256", version.artifact_sha256),
        ("size", f"{version.artifact_size:,} bytes"),
        ("charter", lineage["charter_hash"]),
        ("training data", lineage["training_fingerprint"] or "—"),
        ("code", lineage["code_version"] or "— (not a git checkout)"),
        ("registered", f"{lineage['registered_at']} by {lineage['registered_by']}"),
    ]
    for key, value in rows:
        meta.add_row(key, str(value))
    console.print(meta)
    inputs = Table(title="Inputs", title_justify="left")
    inputs.add_column("name")
    inputs.add_column("type")
    for column in version.signature.get("inputs", []):
        inputs.add_row(column["name"], column["type"])
    console.print(inputs)
    classes = version.signature.get("classes")
    console.print(
        f"output: {version.signature.get('output')}" + (f"  classes: {classes}" if classes else "")
    )


def register(app: typer.Typer) -> None:
    """Add the registry commands to ``app``."""
    app.command("register")(register_cmd)
    app.command("models")(models_cmd)
    app.command("versions")(versions_cmd)
    app.command("show")(show_cmd)
