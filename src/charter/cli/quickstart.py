"""``charter quickstart``: the production loop on the bundled Adult data, narrated step by step."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import typer
from rich.panel import Panel
from rich.table import Table

from charter.cli._common import console, handle_errors
from charter.config import Settings

if TYPE_CHECKING:
    from charter.store import VersionRecord

__all__ = ["register"]

T = TypeVar("T")


@contextmanager
def _step(number: int, title: str) -> Iterator[None]:
    """Narrate one step with a spinner and its duration."""
    started = time.perf_counter()
    with console.status(f"[bold]{number}.[/] {title}…", spinner="dots"):
        yield
    console.print(
        f"[green]✓[/] [bold]{number}.[/] {title} [dim]({time.perf_counter() - started:.1f} s)[/]"
    )


def _run(number: int, title: str, action: Callable[[], T]) -> T:
    with _step(number, title):
        return action()


@handle_errors
def quickstart_cmd(
    directory: Path = typer.Option(
        Path("charter-quickstart"),
        "--dir",
        help="Folder to work in (created if needed; re-running adds a new version).",
    ),
) -> None:
    """Run the production loop on the bundled UCI Adult data, explaining each step.

    Writes a charter, trains a scikit-learn pipeline, checks and registers it, and shows what the
    registry recorded. Everything lands in --dir, with the registry under --dir/.charter.

    \b
    Example:
      charter quickstart --dir /tmp/charter-demo
    """
    # Heavy imports live here so that `charter --help` stays fast.
    import joblib

    from charter.contract import check_charter
    from charter.datasets import ADULT_ATTRIBUTION, load_adult
    from charter.errors import ContractError
    from charter.examples.adult import ADULT_FEATURES, train_model
    from charter.registry import Registry

    directory = directory.resolve()
    directory.mkdir(parents=True, exist_ok=True)
    settings = Settings.from_env(home=directory / ".charter", environ={})
    console.print(
        Panel.fit(
            "Charter turns production requirements into a contract ([bold]charter.yaml[/]),\n"
            "written first and enforced at every stage.\n"
            f"Working in [bold]{directory}[/]",
            title="charter quickstart",
        )
    )

    charter_path = directory / "charter.yaml"

    def write_charter() -> None:
        template = resources.files("charter.examples") / "adult_charter.yaml"
        charter_path.write_text(template.read_text(encoding="utf-8"), encoding="utf-8")
        result = check_charter(charter_path)
        if not result.is_ok:
            raise ContractError("the quickstart charter does not pass its own check", result.errors)

    _run(1, "Write the charter and check it (charter check)", write_charter)
    console.print(f"   [dim]{charter_path}[/]")

    data = _run(2, "Load the bundled UCI Adult data", load_adult)
    data_dir = directory / "data"
    data_dir.mkdir(exist_ok=True)
    data.train.to_parquet(data_dir / "train.parquet", index=False)
    data.test.to_parquet(data_dir / "test.parquet", index=False)
    console.print(
        f"   [dim]{len(data.train):,} training rows, {len(data.test):,} test rows — "
        f"{ADULT_ATTRIBUTION}[/]"
    )

    model = _run(
        3,
        "Train a scikit-learn pipeline (one-hot + gradient boosting)",
        lambda: train_model(data.train),
    )
    model_path = directory / "model.joblib"
    joblib.dump(model, model_path)

    def register_model() -> VersionRecord:
        with Registry.open(settings) as registry:
            return registry.register(
                model_path,
                charter=charter_path,
                sample=data_dir / "train.parquet",
                registered_by="data-scientist@bank.example",
                description="quickstart: HistGradientBoosting on UCI Adult",
            )

    version = _run(
        4, "Register it: inputs checked against the charter, artifact hashed", register_model
    )

    record = version
    table = Table(title=f"Registered {record.ref}", title_justify="left", show_header=False)
    table.add_column(style="dim")
    table.add_column()
    table.add_row("flavor", record.flavor)
    table.add_row("inputs", ", ".join(c["name"] for c in record.signature["inputs"]))
    table.add_row("classes", ", ".join(record.signature.get("classes") or []))
    table.add_row("artifact sha256", record.artifact_sha256)
    table.add_row("charter hash", record.charter_hash)
    table.add_row("training data", record.training_fingerprint)
    table.add_row("registered by", record.registered_by)
    console.print(table)
    n_features = len(ADULT_FEATURES)
    console.print(
        f"[green]Done.[/] {record.ref} is registered with {n_features} checked inputs.\n"
        f"Look around:  charter --home {settings.home} versions {record.model_name}\n"
        f"              charter --home {settings.home} show {record.ref}"
    )


def register(app: typer.Typer) -> None:
    """Add ``quickstart`` to ``app``."""
    app.command("quickstart")(quickstart_cmd)
