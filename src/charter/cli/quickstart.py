"""``charter quickstart``: the production loop on the bundled Adult data, narrated step by step."""

from __future__ import annotations

import json
import logging
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime, timedelta
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
    from charter.monitoring import MonitorResult, WindowReport
    from charter.policies import PolicyDecision
    from charter.store import VersionRecord
    from charter.store.ports_governance import PromotionRecord
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
    Then a data vendor changes: drifted requests reach the live server, and monitoring the
    prediction log shows the drift. Their labels arrive, the charter's drift policy retrains the
    model, the new version passes the gate and goes to shadow; it is signed off, promoted and
    rolled back. Everything lands in --dir, with the registry under --dir/.charter.

    \b
    Example:
      charter quickstart --dir /tmp/charter-demo
    """
    # Heavy imports live here so that `charter --help` stays fast.
    import joblib
    import pandas as pd

    from charter.batch import score
    from charter.contract import check_charter
    from charter.datasets import ADULT_ATTRIBUTION, load_adult
    from charter.examples.adult import train_model
    from charter.governance import GovernanceService
    from charter.monitoring import monitor
    from charter.monitoring.labels import ingest_labels
    from charter.policies import RetrainOptions, evaluate_policies
    from charter.registry import Registry
    from charter.reports import write_gate_report
    from charter.validation import validate

    # The quickstart narrates what the policies do; their log lines would repeat it on stderr.
    logging.getLogger("charter.policies").setLevel(logging.CRITICAL)
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
    with ExitStack() as server:

        def serve_and_ask() -> tuple[str, list[dict[str, Any]]]:
            url = server.enter_context(_served(settings, version.model_name))
            return url, _ask(url, version.model_name, rows)

        url, answers = _run(7, "Serve it (charter serve) and send real requests", serve_and_ask)
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

        shifted = _vendor_change(data.test)
        answered: list[tuple[str, str]] = []  # (logged request id, true income) of each row

        def send_drifted() -> tuple[datetime, datetime]:
            from charter.serving.service import row_ids  # each row's id in the log

            # Two bursts in two consecutive short windows (see `_QUICK_WINDOW`), on whole
            # seconds so `charter monitor --since/--until` can be retyped.
            since = _next_boundary(_QUICK_WINDOW)
            half = len(shifted) // 2
            for start, stop in ((0, half), (half, len(shifted))):
                boundary = since if start == 0 else since + _QUICK_WINDOW
                time.sleep(max((boundary - datetime.now(UTC)).total_seconds(), 0.0))
                for first in range(start, stop, _DRIFT_BATCH_ROWS):
                    batch = shifted.iloc[first : min(first + _DRIFT_BATCH_ROWS, stop)]
                    request_id = _ask_id(url, version.model_name, batch.drop(columns=["income"]))
                    answered.extend(
                        zip(
                            row_ids(request_id, len(batch)),
                            batch["income"].astype(str),
                            strict=True,
                        )
                    )
            until = since + 2 * _QUICK_WINDOW
            time.sleep(max((until - datetime.now(UTC)).total_seconds(), 0.0))
            server.close()  # stop serving: everything it answered is in the log's spool
            return since, until

        since, until = _run(
            9,
            f"A data vendor changes: {len(shifted):,} drifted requests reach the live server",
            send_drifted,
        )
        console.print(
            f"   [dim]Adult test rows drawn {_OLDER_WEIGHT:g} times as often when over 50 and "
            f"again {_EDUCATION_WEIGHT:g} times for {', '.join(_VENDOR_EDUCATION)} "
            f"(seed {_DRIFT_SEED}), in requests of {_DRIFT_BATCH_ROWS} rows[/]"
        )

    def watch() -> MonitorResult:
        with Registry.open(settings) as registry:
            return monitor(
                registry, version.model_name, home=settings.home, since=since, until=until
            )

    watched = _run(10, "Monitor the prediction log against the reference (charter monitor)", watch)
    found = _show_drift(watched, version.version)

    def close_the_loop() -> list[PolicyDecision]:
        labels = pd.DataFrame(answered, columns=["request_id", "income"])
        with Registry.open(settings) as registry:
            ingest_labels(registry, version.model_name, labels, id_column="request_id",
                          label_column="income", home=settings.home)  # fmt: skip
            monitor(registry, version.model_name, home=settings.home, since=since, until=until,
                    window=_QUICK_WINDOW)  # fmt: skip
            return evaluate_policies(
                registry,
                version.model_name,
                now=until,
                retraining=RetrainOptions(
                    home=settings.home, base_dir=directory, settings=settings, skip=tuple(skip)
                ),
            )

    decisions = _run(
        11,
        "Labels arrive; the policies judge two windows: drift fires a retrain, gated, to shadow",
        close_the_loop,
    )
    retrained = _show_policies(decisions)
    rolled_back = False
    if retrained is not None:
        candidate = f"{version.model_name}@{retrained}"

        def promote_then_roll_back() -> PromotionRecord:
            with Registry.open(settings) as registry:
                # The policy both trained and gated it: a validator re-runs the gate first.
                validate(registry, candidate, data.test, settings=settings,
                         run_by="validator@bank.example", skip=tuple(skip))  # fmt: skip
                governance = GovernanceService(registry.store)
                for role, reviewer, _ in _REVIEWERS:
                    governance.approve(candidate, role=role, by=reviewer,
                                       note="retrained on the vendor's customers")  # fmt: skip
                governance.promote(candidate, to="production", by="ops@bank.example")
                return governance.rollback(
                    version.model_name,
                    by="ops@bank.example",
                    reason="quickstart: the operator returns to the previous version",
                )

        rollback = _run(
            12,
            f"Sign off {candidate} and promote it; then roll back (charter rollback)",
            promote_then_roll_back,
        )
        rolled_back = True
        console.print(
            f"   [dim]production went {version.model_name}@{retrained} → "
            f"{version.model_name}@{rollback.version}; both moves are in the audit log[/]"
        )
    window = f"--since {_iso(since)} --until {_iso(until)}"
    console.print(
        f"[green]Done.[/] {version.ref} passed the gate, was signed off, is in production, "
        "answered live requests and scored a batch"
        + (", monitoring caught the vendor change" if found else "")
        + (
            f", and the policy retrained it: {version.model_name}@{retrained} passed the gate, "
            "went to shadow, was signed off, promoted and rolled back.\n"
            if rolled_back
            else ".\n"
        )
        + f"Look around:  charter --home {settings.home} versions {version.model_name}\n"
        f"              charter --home {settings.home} audit log {version.model_name}\n"
        f"              charter --home {settings.home} card {version.ref}\n"
        f"Look deeper:  charter --home {settings.home} monitor {version.model_name} {window}\n"
        f"              charter --home {settings.home} report monitor {version.model_name} "
        f"--html {directory / 'monitor-report.html'}\n"
        f"              charter --home {settings.home} policies {version.model_name} --dry-run\n"
        f"Keep it going: cd {directory} && charter --home .charter run\n"
        f"Dashboard:    charter --home {settings.home} ui   (then open http://127.0.0.1:8050)\n"
        f"Gate report:  {gate_html}"
    )


def _show_policies(decisions: list[PolicyDecision]) -> int | None:
    """Print what each policy decided; the retrained version that reached shadow, if any."""
    retrained = None
    for d in decisions:
        sign = ">" if d.comparison == "above" else "<"
        rule = f"{d.metric} {sign} {d.threshold:g} for {d.for_windows} window(s) → {d.action}"
        if d.outcome is None:
            console.print(f"   [dim]{rule}: {d.state} ({d.reason})[/]")
            continue
        colour = "green" if d.outcome.status == "done" else "red"
        console.print(f"   [bold]{rule}[/]: fired → [{colour}]{d.outcome.status}[/]")
        console.print(f"     {d.outcome.detail}")
        if d.action == "retrain" and d.outcome.status == "done":
            retrained = d.outcome.version
    return retrained


# The vendor change: a new data vendor's customers are older and more often have some college or
# an associate degree. Seeded, so every run sends the same rows and finds the same drift: age,
# education and its numeric twin education_num alert; every other feature stays under PSI 0.1.
_OLDER_WEIGHT = 4.0
_VENDOR_EDUCATION = ("Some-college", "Assoc-voc", "Assoc-acdm")
_EDUCATION_WEIGHT = 4.0
_DRIFT_ROWS = 1500
_DRIFT_BATCH_ROWS = 250
_DRIFT_SEED = 2026
# The charter watches daily windows; the quickstart judges its drifted traffic in two windows of
# a few seconds, so a policy that needs two windows in a row can fire within the demo.
_QUICK_WINDOW = timedelta(seconds=4)


def _vendor_change(test: pd.DataFrame) -> pd.DataFrame:
    """Adult test rows re-weighted towards over-50s and college/associate degrees, with target."""
    import numpy as np

    weights = np.where(test["age"] > 50, _OLDER_WEIGHT, 1.0) * np.where(
        test["education"].isin(_VENDOR_EDUCATION), _EDUCATION_WEIGHT, 1.0
    )
    rng = np.random.default_rng(_DRIFT_SEED)
    picked = rng.choice(len(test), size=_DRIFT_ROWS, replace=True, p=weights / weights.sum())
    return test.iloc[picked].reset_index(drop=True)


def _next_boundary(length: timedelta) -> datetime:
    """The next aligned window start (UTC) at least a second from now."""
    from charter.monitoring.windows import align

    return align(datetime.now(UTC) + timedelta(seconds=1), length) + length


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@contextmanager
def _served(settings: Settings, model: str) -> Iterator[str]:
    """Start `charter serve` as a real process on a free port, yield its URL, stop it."""
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
        yield url
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()


def _ask(url: str, model: str, rows: pd.DataFrame, *, explain: bool = True) -> list[dict[str, Any]]:
    """POST the rows to ``/v1/models/{model}/predict``; the answers, in order."""
    return list(_post(url, model, rows, explain=explain)["predictions"])


def _ask_id(url: str, model: str, rows: pd.DataFrame) -> str:
    """POST the rows without reason codes; the request id their log records carry."""
    return str(_post(url, model, rows, explain=False)["request_id"])


def _post(url: str, model: str, rows: pd.DataFrame, *, explain: bool) -> dict[str, Any]:
    import httpx

    records = json.loads(rows.to_json(orient="records"))
    answer = httpx.post(
        f"{url}/v1/models/{model}/predict",
        json={"records": records, "explain": explain},
        timeout=60,
    )
    answer.raise_for_status()
    body: dict[str, Any] = answer.json()
    return body


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


_DRIFT_COLOURS = {"ok": "green", "warn": "yellow", "alert": "red", "no_data": "dim"}


def _show_drift(result: MonitorResult, version: int) -> bool:
    """The features that drifted in the vendor's traffic; True when monitoring found any."""
    reports: list[WindowReport] = [
        r for r in result.windows if r.version == version and r.n_rows > 0
    ]
    if not reports:
        console.print("   [yellow]no logged predictions in the drifted traffic's window[/]")
        return False
    found = False
    for report in reports:
        drifted = sorted(
            (c for c in report.features if c.status in ("warn", "alert")),
            key=lambda c: -(c.statistic or 0.0),
        )
        table = Table(
            title=f"Drift in {report.n_rows:,} logged predictions against the training sample",
            title_justify="left",
        )
        for column in ("feature", "method", "statistic", "alert above", "status"):
            table.add_column(
                column, justify="right" if column in {"statistic", "alert above"} else "left"
            )
        for check in drifted:
            table.add_row(
                check.feature, check.method, _figure(check.statistic), _figure(check.threshold),
                f"[{_DRIFT_COLOURS[check.status]}]{check.status}[/]",
            )  # fmt: skip
        if report.prediction_status in ("warn", "alert"):
            table.add_row(
                "prediction score", "psi", _figure(report.prediction_psi), "",
                f"[{_DRIFT_COLOURS[report.prediction_status]}]{report.prediction_status}[/]",
            )  # fmt: skip
        if drifted:
            console.print(table)
            found = True
        steady = [c.feature for c in report.features if c.status == "ok"]
        console.print(f"   {report.drift_reason}; no drift in {', '.join(steady) or 'none'}")
        for quality in report.quality:
            if quality.status == "alert":
                console.print(f"   [red]quality[/] {quality.feature}: {quality.reason}")
    return found


def _figure(value: float | None) -> str:
    return "—" if value is None else f"{value:.3g}"


def register(app: typer.Typer) -> None:
    """Add ``quickstart`` to ``app``."""
    app.command("quickstart")(quickstart_cmd)
