"""``charter quickstart``: the production loop on the bundled Adult data, narrated step by step."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import typer
from rich.panel import Panel
from rich.table import Table

from charter.cli._common import console, handle_errors
from charter.config import Settings
from charter.errors import CharterError, ContractError

if TYPE_CHECKING:
    import pandas as pd

    from charter.batch import BatchRunResult
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
    skip: list[str] = typer.Option(
        [],
        "--skip",
        help="Gate check families to skip, as in `charter validate --skip` (e.g. latency).",
    ),
) -> None:
    """Run the production loop on the bundled UCI Adult data, explaining each step.

    Writes a charter, trains a scikit-learn pipeline, registers it against the charter, runs the
    validation gate (HTML report), records sign-off by example reviewers, promotes it to
    production, serves it over HTTP and scores the test set in batch (Parquet and SQLite).
    Everything lands in --dir, with the registry under --dir/.charter.

    \b
    Example:
      charter quickstart --dir /tmp/charter-demo
    """
    # Heavy imports live here so that `charter --help` stays fast.
    import joblib

    from charter.batch import score
    from charter.contract import check_charter
    from charter.datasets import ADULT_ATTRIBUTION, load_adult
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
                registry,
                version.ref,
                data.test,
                settings=settings,
                run_by="validator@bank.example",
                skip=tuple(skip),
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

    rows = data.test.head(3)
    answers = _run(
        7,
        "Serve it (charter serve) and send real requests",
        lambda: _serve_and_ask(settings, version.model_name, rows),
    )
    _show_answers(rows, answers)

    def score_batches() -> list[BatchRunResult]:
        test_file = data_dir / "test.parquet"
        with Registry.open(settings) as registry:
            return [
                score(
                    registry,
                    version.ref,
                    source=str(test_file),
                    sink=sink,
                    home=settings.home,
                    reasons=False,
                    overwrite=True,
                    started_by="scheduler@bank.example",
                )
                for sink in (
                    str(directory / "scores.parquet"),
                    f"sqlite:///{directory / 'scores.db'}#adult_income_scores",
                )
            ]

    runs = _run(
        8, "Score the test set in batch into Parquet and SQLite (charter score)", score_batches
    )
    for run in runs:
        console.print(
            f"   [dim]{run.rows_scored:,} rows scored, {run.rows_rejected} rejected → "
            f"{run.output_uri}[/]"
        )
    console.print(
        f"[green]Done.[/] {version.ref} passed the gate, was signed off, is in production, "
        "answered live requests and scored a batch.\n"
        f"Look around:  charter --home {settings.home} versions {version.model_name}\n"
        f"              charter --home {settings.home} audit log {version.model_name}\n"
        f"              charter --home {settings.home} card {version.ref}\n"
        f"Gate report:  {gate_html}"
    )


def _serve_and_ask(settings: Settings, model: str, rows: pd.DataFrame) -> list[dict[str, Any]]:
    """Start `charter serve` as a real process on a free port, ask it, stop it."""
    import httpx

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [
        sys.executable,
        "-m",
        "charter.cli.main",
        "--home",
        str(settings.home),
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--models",
        model,
    ]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if server.poll() is not None:
                reason = (server.stderr.read() if server.stderr else b"").decode()[-500:]
                raise CharterError(f"charter serve stopped while starting: {reason}")
            try:
                if httpx.get(f"{url}/v2/health/ready", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise CharterError("charter serve did not become ready within 60 s")
            time.sleep(0.2)
        records = json.loads(rows.to_json(orient="records"))
        answer = httpx.post(
            f"{url}/v1/models/{model}/predict", json={"records": records}, timeout=30
        )
        answer.raise_for_status()
        return list(answer.json()["predictions"])
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()


def _show_answers(rows: pd.DataFrame, answers: list[dict[str, Any]]) -> None:
    table = Table(
        title="Live answers from POST /v1/models/adult-income/predict", title_justify="left"
    )
    for column in ("age", "education", "occupation", "score", "label", "top reasons"):
        table.add_column(column)
    for (_, row), answer in zip(rows.iterrows(), answers, strict=False):
        reasons = ", ".join(
            f"{r['feature']} {r['contribution']:+.2f}" for r in answer.get("reasons", [])
        )
        table.add_row(
            str(row["age"]),
            str(row["education"]),
            str(row["occupation"]),
            f"{answer['score']:.3f}",
            str(answer.get("label")),
            reasons,
        )
    console.print(table)


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
