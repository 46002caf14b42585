"""Batch runs in the registry store, on SQLite and PostgreSQL: the conformance suite."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from charter.errors import DataError, NotFoundError
from charter.store import NewVersion, RegistryStore
from charter.store.ports_batch import FinishedBatchRun, NewBatchRun
from charter.store.sql import SqlRegistryStore

T0 = datetime(2026, 11, 30, 5, 0, tzinfo=UTC)


def _version() -> NewVersion:
    return NewVersion(
        model_name="churn",
        flavor="sklearn",
        artifact_uri="file:///a/model.joblib",
        artifact_sha256="ab" * 32,
        artifact_size=1,
        signature={},
        charter_hash="c1" * 32,
        charter_content="model: churn\n",
        registered_by="ds@bank",
    )


def _start(run_id: str, at: datetime = T0, deadline: datetime | None = None) -> NewBatchRun:
    return NewBatchRun(
        model_name="churn",
        version=1,
        run_id=run_id,
        started_at=at,
        started_by="scheduler",
        engine="local",
        input_uri="file:///in.parquet",
        output_uri="file:///out.parquet",
        reject_uri="file:///out.rejects.parquet",
        deadline_at=deadline,
    )


def _done(status: str = "succeeded", *, met: bool | None = True) -> FinishedBatchRun:
    return FinishedBatchRun(
        status=status,  # type: ignore[arg-type]
        finished_at=T0 + timedelta(minutes=5),
        rows_in=100,
        rows_scored=98 if status == "succeeded" else 0,
        rows_rejected=2,
        met_deadline=met,
        error="" if status == "succeeded" else "too many rejects",
    )


def test_runs_are_started_finished_listed_and_audited(registry_store: RegistryStore) -> None:
    registry_store.create_version(_version())
    deadline = T0 + timedelta(hours=1)
    started = registry_store.start_batch_run(_start("r1", deadline=deadline))
    assert (started.status, started.rows_in, started.finished_at) == ("running", 0, None)
    finished = registry_store.finish_batch_run("churn", "r1", _done())
    assert (finished.status, finished.rows_scored, finished.rows_rejected) == ("succeeded", 98, 2)
    assert (finished.deadline_at, finished.met_deadline, finished.missed_deadline) == (
        deadline,
        True,
        False,
    )
    registry_store.start_batch_run(_start("r2", at=T0 + timedelta(days=1)))
    failed = registry_store.finish_batch_run("churn", "r2", _done("failed", met=False))
    assert failed.missed_deadline and failed.error == "too many rejects"
    assert registry_store.get_batch_run("churn", "r1") == finished
    assert [r.run_id for r in registry_store.list_batch_runs("churn")] == ["r1", "r2"]
    since = registry_store.list_batch_runs("churn", since=T0 + timedelta(hours=12))
    assert [r.run_id for r in since] == ["r2"]
    actions = [e.action for e in registry_store.list_events("churn")]
    assert actions[-4:] == ["batch.started", "batch.finished", "batch.started", "batch.failed"]
    assert isinstance(registry_store, SqlRegistryStore)
    assert registry_store.verify_chain()[0]


def test_restarting_a_run_id_resets_it_instead_of_adding_one(
    registry_store: RegistryStore,
) -> None:
    registry_store.create_version(_version())
    registry_store.start_batch_run(_start("daily"))
    registry_store.finish_batch_run("churn", "daily", _done("failed"))
    again = registry_store.start_batch_run(_start("daily", at=T0 + timedelta(hours=1)))
    assert (again.status, again.error, again.rows_in) == ("running", "", 0)
    assert len(registry_store.list_batch_runs("churn")) == 1
    restarted = [e for e in registry_store.list_events("churn") if e.action == "batch.started"]
    assert restarted[-1].before is not None and restarted[-1].before["status"] == "failed"


def test_unknown_models_runs_and_bad_arguments_are_refused(
    registry_store: RegistryStore,
) -> None:
    registry_store.create_version(_version())
    with pytest.raises(NotFoundError, match="model 'churn' has no batch run 'nope'"):
        registry_store.get_batch_run("churn", "nope")
    with pytest.raises(NotFoundError, match="has no batch run 'nope'"):
        registry_store.finish_batch_run("churn", "nope", _done())
    with pytest.raises(NotFoundError, match="'ghost' is not registered"):
        registry_store.list_batch_runs("ghost")
    with pytest.raises(NotFoundError, match="no version 3"):
        registry_store.start_batch_run(NewBatchRun(**{**_start("x").__dict__, "version": 3}))
    with pytest.raises(DataError, match="run id must have 1 to 128 characters"):
        registry_store.start_batch_run(_start(""))
    with pytest.raises(DataError, match="aware datetime"):
        registry_store.list_batch_runs("churn", since=datetime(2026, 1, 1))
