"""``charter serve`` and ``charter log compact|purge``: the prediction API and its log."""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any

import typer

from charter.cli._common import console, handle_errors, print_json, settings_from_context

__all__ = ["register"]

log_app = typer.Typer(help="The prediction log: compact the spool, purge by retention.")


@handle_errors
def serve_cmd(
    ctx: typer.Context,
    host: str = typer.Option("127.0.0.1", help="Interface to listen on."),
    port: int = typer.Option(8000, help="TCP port."),
    workers: int = typer.Option(1, min=1, help="Worker processes (each loads every model)."),
    models: list[str] = typer.Option(
        [], "--models", help="Serve only these models (repeat; default: all in production)."
    ),
    canary_percent: float = typer.Option(
        10.0, min=0, max=100, help="Canary share when the registry does not record one."
    ),
    batch_max_rows: int = typer.Option(
        0, min=0, help="Adaptive batching: most rows per model call (0: off)."
    ),
    batch_max_wait_ms: float = typer.Option(2.0, min=0, help="Adaptive batching: longest wait."),
    onnx: bool = typer.Option(True, "--onnx/--no-onnx", help="Compile models to ONNX if exact."),
    log_predictions: bool = typer.Option(
        True, "--log/--no-log", help="Write the prediction log (the charter may require it)."
    ),
    fsync: bool = typer.Option(False, help="fsync the spool on every request (power-cut safe)."),
    compact_every: float = typer.Option(
        30.0,
        min=0,
        help="Seconds between spool compactions to Parquet (0: never; use `charter log compact`).",
    ),
    poll_seconds: float = typer.Option(1.0, min=0.1, help="How often to re-read the registry."),
    allow_unpromoted: bool = typer.Option(
        False, help="Serve a model's latest version when it has no production version."
    ),
    access_log: bool = typer.Option(True, "--access-log/--no-access-log", help="JSON access log."),
) -> None:
    """Serve the production version of each model (OIP v2, MLflow /invocations, /v1)."""
    import uvicorn

    from charter.serving import BatchOptions, ServeOptions
    from charter.serving.launch import APP_FACTORY, OPTIONS_ENV, options_to_env
    from charter.serving.logs import configure_logging
    from charter.serving.metrics_store import shared_metrics_dir

    settings = settings_from_context(ctx)
    options = ServeOptions(
        models=tuple(models),
        poll_seconds=poll_seconds,
        canary_percent=canary_percent,
        allow_unpromoted=allow_unpromoted,
        compile_onnx=onnx,
        batch=BatchOptions(max_rows=batch_max_rows, max_wait_ms=batch_max_wait_ms),
        log_predictions=log_predictions,
        fsync=fsync,
        compact_every_seconds=compact_every,
    )
    os.environ[OPTIONS_ENV] = options_to_env(options)
    os.environ["CHARTER_HOME"] = str(settings.home)
    configure_logging(access_log=access_log)
    with shared_metrics_dir(workers):  # workers sum their /metrics through files in it
        uvicorn.run(
            APP_FACTORY,
            factory=True,
            host=host,
            port=port,
            workers=workers,
            access_log=False,
            log_level="warning",
            timeout_graceful_shutdown=30,
        )


def _retention_of(settings: Any, model: str) -> timedelta | None:
    from charter.registry import Registry

    with Registry.open(settings) as registry:
        try:
            return registry.charter_of(f"{model}@production").monitoring.log.retention
        except Exception:
            try:
                return registry.charter_of(f"{model}@latest").monitoring.log.retention
            except Exception:
                return None


@handle_errors
def compact_cmd(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Move spooled predictions into the Parquet log (safe to run any time, any number of times)."""
    from charter.predlog import compact, default_log_dir, default_spool_dir

    settings = settings_from_context(ctx)
    result = compact(default_spool_dir(settings.home), default_log_dir(settings.home))
    if as_json:
        print_json(result)
        return
    console.print(
        f"compacted {result.records_written} record(s) into {result.parts_written} part(s) "
        f"from {result.files_read} spool file(s)"
        + (f"; {result.bad_lines} unreadable line(s) skipped" if result.bad_lines else "")
    )


@handle_errors
def purge_cmd(
    ctx: typer.Context,
    model: str | None = typer.Option(None, "--model", help="Only this model (default: all)."),
    older_than: str | None = typer.Option(
        None, "--older-than", help="Override the charter's retention, e.g. 30d."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Delete logged predictions older than each model's charter retention."""
    from charter.contract.durations import parse_duration
    from charter.errors import DataError
    from charter.predlog import default_log_dir, logged_models, purge

    settings = settings_from_context(ctx)
    log_dir = default_log_dir(settings.home)
    override = parse_duration(older_than) if older_than else None
    results = []
    for name in [model] if model else logged_models(log_dir):
        retention = override or _retention_of(settings, name)
        if retention is None:
            raise DataError(f"no charter found for {name!r}; give --older-than")
        result = purge(log_dir, retention, model=name)
        results.append({"model": name, "retention": str(retention), **vars(result)})
    if as_json:
        print_json(results)
        return
    for item in results:
        console.print(
            f"{item['model']}: removed {item['partitions_removed']} day(s), "
            f"{item['files_removed']} file(s) older than {item['retention']}"
        )


def register(app: typer.Typer) -> None:
    """Add ``serve`` and the ``log`` group to the ``charter`` app."""
    app.command("serve")(serve_cmd)
    log_app.command("compact")(compact_cmd)
    log_app.command("purge")(purge_cmd)
    app.add_typer(log_app, name="log")
