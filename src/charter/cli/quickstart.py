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
    from charter.validation import GateReport

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

    Writes a charter, trains a scikit-learn pipeline, registers it against the charter, runs the
    validation gate (HTML report), records sign-off by example reviewers and promotes it to
    production. Everything lands in --dir, with the registry under --dir/.charter.

    \b
    Example:
      charter quickstart --dir /tmp/charter-demo
    """
    # Heavy imports live here so that `charter --help` stays fast.
    import joblib

    from charter.contract import check_charter
    from charter.datasets import ADULT_ATTRIBUTION, load_adult
    from charter.errors import ContractError
    from charter.examples.adult import train_model
    from charter.governance import GovernanceService
    from charter.registry import Registry
    from charter.reports import write_gate_report
    from charter.validation import validate

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

    _show_version(version)

    gate_html = directory / "gate-report.html"

    def run_gate() -> GateReport:
        with Registry.open(settings) as registry:
            report = validate(
                registry, version.ref, data.test, settings=settings, run_by="validator@bank.example"
            )
        write_gate_report(report, path_html=gate_html, path_json=directory / "gate-report.json")
        return report

    report = _run(5, "Run the validation gate on the Adult test set (charter validate)", run_gate)
    _show_gate(report, gate_html)
    if not report.passed:
        console.print("[red]The gate failed, so the quickstart stops before sign-off.[/]")
        raise typer.Exit(1)

    def sign_off() -> tuple[str, ...]:
        with Registry.open(settings) as registry:
            governance = GovernanceService(registry.store)
            for role, reviewer, note in _REVIEWERS:
                governance.approve(version.ref, role=role, by=reviewer, note=note)
            missing = governance.readiness(version.ref).missing
            if not missing:
                governance.promote(version.ref, to="production", by="ops@bank.example")
            return tuple(str(item) for item in missing)

    missing = _run(
        6, "Sign-off by validation, privacy and business; promote to production", sign_off
    )
    if missing:
        console.print(f"[red]Not promoted; still missing: {', '.join(missing)}[/]")
        raise typer.Exit(1)
    for role, reviewer, _ in _REVIEWERS:
        console.print(f"   [dim]{role:<10} approved by {reviewer}[/]")
    console.print(
        f"[green]Done.[/] {version.ref} passed the gate, was signed off and is in production.\n"
        f"Look around:  charter --home {settings.home} versions {version.model_name}\n"
        f"              charter --home {settings.home} audit log {version.model_name}\n"
        f"              charter --home {settings.home} card {version.ref}\n"
        f"Gate report:  {gate_html}"
    )


_REVIEWERS = (
    ("validation", "validator@bank.example", "gate passed on the Adult test set"),
    ("privacy", "dpo@bank.example", "identifiers hashed in the log; sex and race not inputs"),
    ("business", "owner@bank.example", "fit for the premium card campaign"),
)


def _show_version(record: VersionRecord) -> None:
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


def _show_gate(report: GateReport, html: Path) -> None:
    colours = {"pass": "green", "warn": "yellow", "fail": "red", "skipped": "dim"}
    counts: dict[str, int] = {}
    for check in report.checks:
        counts[check.verdict] = counts.get(check.verdict, 0) + 1
    summary = ", ".join(f"[{colours.get(k, 'white')}]{n} {k}[/]" for k, n in sorted(counts.items()))
    console.print(f"   gate [bold]{report.status}[/]: {summary} — report: [dim]{html}[/]")
    for check in (*report.failures, *report.warnings):
        console.print(
            f"   [{colours[check.verdict]}]{check.verdict}[/] {check.name}: {check.reason}"
        )


def register(app: typer.Typer) -> None:
    """Add ``quickstart`` to ``app``."""
    app.command("quickstart")(quickstart_cmd)
