"""A team deployment on one machine: PostgreSQL, two ``charter serve`` replicas and a Dask cluster.

Nothing is mocked. The registry is a private database on the PostgreSQL server named by
``CHARTER_TEST_DATABASE_URL`` (``scripts/start-postgres``); artifacts are a shared folder (on a
team, any fsspec URL such as ``s3://…``). Two replicas run as real processes on their own ports,
sharing the registry, the artifacts and one ``CHARTER_HOME`` (on a team, a shared volume: the
prediction log lives there). A promotion made with the CLI, and a rollback made through one
replica's admin API, reach both replicas without a restart (they poll the registry). Batch
scoring and monitoring run on a Dask ``LocalCluster`` through ``--engine dask --scheduler``.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
import pytest
from sklearn.pipeline import Pipeline

from charter.config import Secret, Settings
from charter.datasets import load_adult
from charter.examples.adult import ADULT_FEATURES
from charter.governance import GovernanceService, issue_token
from charter.predlog import compact, default_log_dir, default_spool_dir
from charter.registry import Registry
from charter.server import free_port
from charter.store import NewValidationRun

distributed = pytest.importorskip("distributed")
# ~85 s of CPU in all (seven Python processes start); the timeout leaves room for a loaded runner.
pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.timeout(900)]

MODEL = "adult-income"
REGISTRANT = "ds@bank.example"
OPERATOR = "ops@bank.example"
POLL_SECONDS = 0.5


def _environment(postgres_url: str, home: Path, artifacts: Path) -> dict[str, str]:
    """What every replica and CLI call of the deployment shares (nothing else of CHARTER_*)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHARTER_")}
    env.update(
        CHARTER_DB_URL=postgres_url,
        CHARTER_ARTIFACTS=str(artifacts),
        CHARTER_HOME=str(home),
        CHARTER_LOG_HASH_KEY="team-shared-pii-hash-key",  # the same PII hashes on every replica
        CHARTER_USER=OPERATOR,
    )
    return env


def _charter(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "charter.cli.main", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _seed(settings: Settings, model: Pipeline, sample: pd.DataFrame, charter: Path) -> str:
    """Two versions with a passing gate and every sign-off; v1 in production. A deployer token."""
    with Registry.open(settings) as registry:
        governance = GovernanceService(registry.store)
        for _ in range(2):
            version = registry.register(
                model, charter=charter, sample=sample, registered_by=REGISTRANT
            )
            registry.store.record_validation_run(  # the gate itself is tested in validation/
                NewValidationRun(
                    model_name=MODEL,
                    version=version.version,
                    charter_hash=version.charter_hash,
                    status="pass",
                    report={"checks": []},
                    data_fingerprint="holdout",
                    run_by="ci@bank.example",
                )
            )
            for role in registry.charter_of(version).approvals.required:
                governance.approve(version.ref, role=role, by=f"{role}@bank.example")
        governance.promote(f"{MODEL}@1", to="production", by=OPERATOR)
        return issue_token(registry.store, "deployer", by=OPERATOR).token


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)  # graceful: the replica compacts its log and exits
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


@pytest.fixture
def cluster() -> Iterator[str]:
    """A Dask scheduler on TCP with in-process workers; its address for ``--scheduler``.

    In-process workers: worker processes would each import scikit-learn and Charter first (15 to
    25 s on two cores); the tasks still travel pickled over TCP from the CLI's client.
    """
    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=False,
        protocol="tcp",
        host="127.0.0.1",
        dashboard_address=None,
    ) as local:
        yield str(local.scheduler_address)


class Replica:
    """One ``charter serve`` process on its own port; its output goes to a file for post-mortems."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        command = [sys.executable, "-m", "charter.cli.main", "serve", "--port", str(self.port)]
        options = ["--no-onnx", "--no-access-log", "--poll-seconds", str(POLL_SECONDS)]
        self._log = log.open("wb")
        self.process = subprocess.Popen(
            [*command, *options], env=env, stdout=self._log, stderr=subprocess.STDOUT
        )

    def wait_ready(self, seconds: float = 180.0) -> None:
        deadline = time.monotonic() + seconds
        while True:
            assert self.process.poll() is None, f"replica on {self.port} exited while starting"
            try:
                if httpx.get(f"{self.url}/v2/health/ready", timeout=1).is_success:
                    return
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, f"replica on {self.port} did not become ready"
            time.sleep(0.2)

    def production(self) -> int:
        models = httpx.get(f"{self.url}/v1/models", timeout=10).json()["models"]
        return int(next(m for m in models if m["name"] == MODEL)["production"])

    def wait_production(self, version: int, seconds: float = 15.0) -> float:
        """Seconds until this replica routes production to ``version``."""
        started = time.monotonic()
        while self.production() != version:
            assert time.monotonic() - started < seconds, (
                f"replica on {self.port} still serves v{self.production()}, not v{version}"
            )
            time.sleep(0.1)
        return time.monotonic() - started

    def predict(self, rows: list[dict[str, Any]]) -> tuple[int, list[float]]:
        response = httpx.post(
            f"{self.url}/v1/models/{MODEL}/predict",
            json={"records": rows, "explain": False},
            timeout=30,
        )
        assert response.status_code == 200, response.text
        body = response.json()
        return int(body["version"]), [p["score"] for p in body["predictions"]]

    def stop(self) -> None:
        _stop(self.process)
        self._log.close()


@pytest.fixture
def replicas(
    tmp_path: Path,
    postgres_url: str,
    adult_model: Pipeline,
    adult_sample: pd.DataFrame,
    adult_charter_path: Path,
) -> Iterator[tuple[dict[str, str], str, list[Replica]]]:
    home, artifacts = tmp_path / "home", tmp_path / "artifacts"
    settings = Settings(home=home, db_url=Secret(postgres_url), artifacts_url=str(artifacts))
    token = _seed(settings, adult_model, adult_sample, adult_charter_path)
    env = _environment(postgres_url, home, artifacts)
    started = [Replica(env, tmp_path / f"replica-{i}.log") for i in (1, 2)]
    try:
        for replica in started:
            replica.wait_ready()
        yield env, token, started
    finally:
        for replica in started:
            replica.stop()


def _rows(n: int) -> list[dict[str, Any]]:
    frame = load_adult().test[list(ADULT_FEATURES)].dropna().head(n)
    records: list[dict[str, Any]] = json.loads(frame.to_json(orient="records"))
    return records


def test_replicas_share_the_registry_and_dask_runs_batch_and_monitoring(
    replicas: tuple[dict[str, str], str, list[Replica]], cluster: str, tmp_path: Path
) -> None:
    env, token, (first, second) = replicas
    rows = _rows(20)
    sent = 0

    # Both replicas serve v1, identically.
    assert (first.production(), second.production()) == (1, 1)
    answers = [replica.predict(rows) for replica in (first, second)]
    sent += 2 * len(rows)
    assert answers[0] == answers[1] and answers[0][0] == 1

    # A promotion made with the CLI (against PostgreSQL) reaches both running replicas.
    promoted = _charter(env, "promote", f"{MODEL}@2", "--to", "production", "--reason", "retrain")
    assert promoted.returncode == 0, promoted.stdout + promoted.stderr
    for replica in (first, second):
        assert replica.wait_production(2) < 10 * POLL_SECONDS + 5
        version, _ = replica.predict(rows)
        sent += len(rows)
        assert version == 2

    # A rollback through one replica's admin API reaches the other one too.
    rollback = httpx.post(
        f"{first.url}/admin/models/{MODEL}/rollback",
        json={"reason": "team deployment test"},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert rollback.status_code == 200, rollback.text
    assert rollback.json()["version"] == 1
    assert first.production() == 1  # the replica that made the change applies it at once
    second.wait_production(1)
    assert second.predict(rows)[0] == 1
    sent += len(rows)

    # Batch scoring on the Dask cluster, from the CLI.
    source = tmp_path / "customers.parquet"
    batch = load_adult().test[list(ADULT_FEATURES)].head(400)
    batch.to_parquet(source, index=False)
    scored = _charter(
        env,
        "score",
        f"{MODEL}@production",
        "--input",
        str(source),
        "--output",
        str(tmp_path / "scores.parquet"),
        "--engine",
        "dask",
        "--scheduler",
        cluster,
        "--json",
    )
    assert scored.returncode == 0, scored.stdout + scored.stderr
    run = json.loads(scored.stdout)
    assert (run["engine"], run["version"]) == ("dask", 1)
    assert run["rows_in"] == len(batch)
    assert run["rows_scored"] + run["rows_rejected"] == len(batch)
    assert run["rows_scored"] > 0.9 * len(batch)

    # Stop the replicas (each compacts its share of the log), then monitor on the cluster.
    for replica in (first, second):
        replica.stop()
    home = Path(env["CHARTER_HOME"])
    compact(default_spool_dir(home), default_log_dir(home))  # what `charter log compact` does
    monitored = _charter(
        env, "monitor", MODEL, "--engine", "dask", "--scheduler", cluster, "--json"
    )
    assert monitored.returncode in (0, 1), monitored.stdout + monitored.stderr  # 1: an alert
    result = json.loads(monitored.stdout)
    logged = sum(window["n_rows"] for window in result["windows"])
    assert logged == sent + run["rows_scored"]  # every replica's answers and the batch run
    assert {window["version"] for window in result["windows"]} == {1, 2}
    assert result["n_points"] > 0
