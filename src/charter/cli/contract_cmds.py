"""``charter init``, ``charter check`` and ``charter schema``: write, check and publish the charter.

Thin shells over ``charter.contract``: they read files, call the library and render its results.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
import typer
from rich.markup import escape

from charter.cli._common import (
    EXIT_FAILED,
    EXIT_OK,
    console,
    err_console,
    handle_errors,
    print_json,
)
from charter.contract import (
    charter_hash,
    charter_json_schema,
    check_charter,
    infer_features,
    infer_sensitive,
    infer_target,
    parse_charter,
    render_template,
    slugify,
)
from charter.errors import CharterError, ConflictError, ContractIssue, DataError

__all__ = ["register"]

SAMPLE_ROWS = 100_000  # enough to see every category and range of a table, fast to read
_PARQUET_SUFFIXES = (".parquet", ".pq")


def _split(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def _read_sample(path: Path) -> pd.DataFrame:
    """The first ``SAMPLE_ROWS`` rows of a CSV or Parquet file."""
    try:
        if path.suffix.lower() in _PARQUET_SUFFIXES:
            import pyarrow.parquet as pq

            batches = pq.ParquetFile(path).iter_batches(batch_size=SAMPLE_ROWS)
            first = next(batches, None)
            return first.to_pandas() if first is not None else pd.DataFrame()
        return pd.read_csv(path, nrows=SAMPLE_ROWS, low_memory=False)
    except Exception as exc:  # pandas and pyarrow raise many types for one cause: unreadable data
        raise DataError(f"cannot read {path}: {exc}") from None


def _require_columns(frame: pd.DataFrame, names: Sequence[str], option: str, path: Path) -> None:
    missing = [name for name in names if name not in frame.columns]
    if missing:
        raise DataError(
            f"{option} names {', '.join(missing)}, not a column of {path.name}; columns are: "
            + ", ".join(map(str, frame.columns))
        )


def _draft_from_data(
    path: Path, name: str, target: str | None, sensitive: list[str], ids: list[str]
) -> tuple[str, list[str]]:
    frame = _read_sample(path)
    if frame.empty:
        raise DataError(f"{path} has no rows to learn the features from")
    if target is None:
        raise DataError(
            "--target is required with --from-data: name the column the model predicts "
            f"(columns: {', '.join(map(str, frame.columns))})"
        )
    _require_columns(frame, [target], "--target", path)
    _require_columns(frame, sensitive, "--sensitive", path)
    _require_columns(frame, ids, "--id", path)
    inferred = infer_target(frame[target])
    features = infer_features(frame, exclude=[target, *sensitive, *ids])
    if not features:
        raise DataError(f"{path.name} has no column left to use as a feature")
    text = render_template(
        name,
        features,
        target=inferred.target,
        task=inferred.task,
        sensitive=infer_sensitive(frame, sensitive),
        identifiers=ids,
        target_note=inferred.note,
        source=path.name,
    )
    notes = [f"{len(features)} features from {len(frame):,} sample rows", inferred.note]
    if sensitive or ids:
        notes.append("kept out of the features: " + ", ".join([*sensitive, *ids]))
    return text, notes


@handle_errors
def init_command(
    from_data: Path | None = typer.Option(
        None, "--from-data", metavar="FILE", help="CSV or Parquet sample to infer features from."
    ),
    name: str | None = typer.Option(
        None, "--name", help="Model name (default: this folder's name, as a slug)."
    ),
    target: str | None = typer.Option(None, "--target", metavar="COL", help="Target column."),
    sensitive: str | None = typer.Option(
        None, "--sensitive", metavar="COL,COL", help="Sensitive attributes (not model inputs)."
    ),
    ids: str | None = typer.Option(
        None, "--id", metavar="COL,COL", help="Identifier columns (never model inputs)."
    ),
    output: Path = typer.Option(Path("charter.yaml"), "-o", "--output", help="File to write."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing file."),
) -> None:
    """Write a commented charter.yaml to fill in, optionally drafted from a data sample.

    \b
    Examples:
      charter init --name churn
      charter init --from-data adult_train.csv --name adult-income \\
          --target income --sensitive sex,race
    """
    if output.exists() and not force:
        raise ConflictError(f"{output} already exists; pass --force to overwrite it")
    model = slugify(name or Path.cwd().name)
    if name and model != name:
        err_console.print(f"model name '{escape(name)}' written as '{model}'")
    sensitive_cols, id_cols = _split(sensitive), _split(ids)
    if from_data is not None:
        text, notes = _draft_from_data(from_data, model, target, sensitive_cols, id_cols)
    else:
        text = render_template(model, target=target, sensitive=sensitive_cols, identifiers=id_cols)
        notes = ["no data given: one placeholder feature (use --from-data to infer them)"]
    parse_charter(text, source=str(output))  # the draft must be valid before it is written
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise CharterError(f"cannot write {output}: {exc.strerror or exc}") from None
    console.print(f"[green]Wrote {escape(str(output))}[/] for model [bold]{model}[/]")
    for note in notes:
        console.print(f"  - {escape(note)}")
    console.print(
        f"Next: replace the EDIT values, then run [bold]charter check {escape(str(output))}[/]"
    )


def _issue_line(issue: ContractIssue) -> str:
    colour, label = ("red", "error") if issue.severity == "error" else ("yellow", "warning")
    return f"[{colour}]{label}[/] {escape(str(issue))}"


@handle_errors
def check_command(
    path: Path = typer.Argument(Path("charter.yaml"), help="The charter to check."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
    no_import: bool = typer.Option(
        False, "--no-import", help="Do not import the retraining entry point."
    ),
) -> None:
    """Check a charter and list every problem with its path and line.

    Exit codes: 0 no error (warnings allowed), 1 errors found, 2 file unreadable.

    \b
    Examples:
      charter check
      charter check models/churn/charter.yaml --json
    """
    result = check_charter(path, check_entrypoint=not no_import)
    if as_json:
        print_json(
            {
                "ok": result.is_ok,
                "path": str(path),
                "hash": charter_hash(result.charter) if result.charter is not None else None,
                "errors": [issue.to_dict() for issue in result.errors],
                "warnings": [issue.to_dict() for issue in result.warnings],
            }
        )
        raise typer.Exit(EXIT_OK if result.is_ok else EXIT_FAILED)
    for issue in result.issues:
        console.print(_issue_line(issue))
    errors, warnings = len(result.errors), len(result.warnings)
    counts = f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}"
    if result.charter is not None:
        charter = result.charter
        console.print(
            f"[green]{escape(str(path))} is valid[/]: model {charter.model}, "
            f"{len(charter.features)} features, {charter.task} ({counts})"
        )
        raise typer.Exit(EXIT_OK)
    console.print(f"[red]{escape(str(path))} has {counts}[/]")
    raise typer.Exit(EXIT_FAILED)


@handle_errors
def schema_command(
    output: Path | None = typer.Option(
        None, "-o", "--output", help="Write the schema to this file instead of printing it."
    ),
) -> None:
    """Print the JSON Schema of charter.yaml (Draft 2020-12), for editors and CI.

    \b
    Examples:
      charter schema > charter.schema.json
      charter schema -o charter.schema.json
    """
    schema = charter_json_schema()
    if output is None:
        print_json(schema)
        return
    try:
        output.write_text(json.dumps(schema, indent=2) + "\n", encoding="utf-8")
    except OSError as exc:
        raise CharterError(f"cannot write {output}: {exc.strerror or exc}") from None
    console.print(f"Wrote {escape(str(output))}")


def register(app: typer.Typer) -> None:
    """Add the contract commands to ``app``."""
    app.command("init")(init_command)
    app.command("check")(check_command)
    app.command("schema")(schema_command)
