"""``monitor`` streams the log window by window: batches, row samples, engines and the cache.

Every test compares stored figures, never timings: small ``BATCH_ROWS``/``SAMPLE_ROWS`` make the
streaming paths run on a few hundred rows.
"""

from __future__ import annotations

import json
import pickle
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from monitor_kit import MODEL, drifted, log_rows
from sklearn.pipeline import Pipeline

from charter.datasets import load_adult
from charter.engines import open_engine
from charter.monitoring import (
    ExtraCheck,
    ReferenceData,
    WindowCheck,
    WindowData,
    ingest_labels,
    monitor,
    stream,
)
from charter.registry import Registry

DAY1 = datetime(2026, 3, 2, 9, tzinfo=UTC)
DAY2 = datetime(2026, 3, 3, 9, tzinfo=UTC)
NOW = datetime(2026, 4, 1, tzinfo=UTC)


class SeenRows(WindowCheck[None]):
    """Records what each window shows an extra check: its row ids and their logged scores."""

    name = "seen_rows"

    def __init__(self) -> None:
        self.seen: list[tuple[list[str], list[float], list[float]]] = []

    def prepare(self, reference: ReferenceData) -> None:
        return None

    def judge(self, state: None, reference: ReferenceData, window: WindowData) -> ExtraCheck:
        rows = window.rows
        logged = pd.to_numeric(rows["output_score"], errors="coerce").tolist() if len(rows) else []
        self.seen.append((rows["request_id"].astype(str).tolist(), logged, window.scores.tolist()))
        return ExtraCheck(self.name, "ok", f"{len(rows)} rows")


@pytest.fixture
def logged(home: Path, registry: Registry, adult_model: Pipeline) -> None:
    """Two days, each logged in two spool files (so two Parquet parts per day), half labelled."""
    test = load_adult().test.reset_index(drop=True)
    clean = test.sample(n=400, random_state=11).reset_index(drop=True)
    shifted = drifted(test, 400)
    frames = []
    for day, rows, prefix in ((DAY1, clean, "a"), (DAY2, shifted, "b")):
        for half in range(2):
            part = rows.iloc[half * 200 : (half + 1) * 200]
            start = day + timedelta(hours=10 * half)
            frames.append(log_rows(home, adult_model, part, start=start, prefix=f"{prefix}{half}"))
            monitor(registry, MODEL, home=home, checks=(), now=NOW)  # compacts: one part each
    labels = pd.concat(frames).iloc[::2]
    ingest_labels(
        registry, MODEL, labels[["request_id", "income"]], id_column="request_id",
        label_column="income", home=home,
    )  # fmt: skip


def _figures(result: Any) -> list[dict[str, Any]]:
    """Every stored figure of every window, without the extra checks (which see a sample)."""
    return [{**w.to_dict(), "extra": None} for w in result.windows]


def test_small_batches_give_the_same_figures(
    home: Path, registry: Registry, logged: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    whole = monitor(registry, MODEL, home=home, checks=(), now=NOW)
    expanded: list[int] = []
    real = stream.expand_log

    def counting(table: Any) -> pd.DataFrame:
        expanded.append(table.num_rows)
        return real(table)

    monkeypatch.setattr(stream, "BATCH_ROWS", 64)
    monkeypatch.setattr(stream, "expand_log", counting)
    batched = monitor(registry, MODEL, home=home, checks=(), now=NOW)
    assert _figures(batched) == _figures(whole)
    assert [w.n_rows for w in batched.windows] == [400, 400]
    assert max(expanded) <= 64  # only one batch's inputs are ever expanded
    assert sum(expanded) == 800


def test_extra_checks_see_a_bounded_seeded_sample_aligned_with_its_outcomes(
    home: Path, registry: Registry, logged: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    everything = SeenRows()
    monitor(registry, MODEL, home=home, checks=(everything,), now=NOW)
    all_ids = [ids for ids, _, _ in everything.seen]
    assert [len(ids) for ids in all_ids] == [400, 400]  # a small window: every row, in log order
    assert all_ids[0][:3] == ["a000000", "a000001", "a000002"]

    monkeypatch.setattr(stream, "SAMPLE_ROWS", 50)
    monkeypatch.setattr(stream, "BATCH_ROWS", 64)
    runs = []
    for _ in range(2):
        sampled = SeenRows()
        monitor(registry, MODEL, home=home, checks=(sampled,), now=NOW)
        runs.append(sampled.seen)
    assert runs[0] == runs[1]  # seeded: the same rows every run
    for (ids, logged_scores, scores), window_ids in zip(runs[0], all_ids, strict=True):
        assert len(ids) == len(set(ids)) == 50
        assert set(ids) <= set(window_ids)
        assert ids == [i for i in window_ids if i in set(ids)]  # in log order
        np.testing.assert_array_equal(scores, logged_scores)  # outcomes aligned with the rows


def test_dask_engine_stores_the_local_figures(
    home: Path, registry: Registry, logged: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    distributed = pytest.importorskip("distributed")
    monkeypatch.setattr(stream, "SAMPLE_ROWS", 50)
    monkeypatch.setattr(stream, "BATCH_ROWS", 64)
    local_rows, dask_rows = SeenRows(), SeenRows()
    local = monitor(registry, MODEL, home=home, checks=(local_rows,), now=NOW)
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
        open_engine("dask", scheduler=client) as engine,
    ):
        on_dask = monitor(registry, MODEL, home=home, checks=(dask_rows,), now=NOW, engine=engine)
    assert on_dask.to_dict() == local.to_dict()
    assert dask_rows.seen == local_rows.seen
    assert on_dask.n_points == local.n_points


def test_scan_tasks_and_their_results_pickle(home: Path, registry: Registry, logged: None) -> None:
    """What worker processes would receive and send back (the in-process cluster skips it)."""
    from charter.monitoring.reference import load_reference

    reference = load_reference(registry, MODEL, 1)
    spec = stream.VersionSpec(reference.spec, tuple(reference.features), ("sex", "race"))
    part = next((home / "predlog" / "log").rglob("part-*.parquet"))
    task = stream.ScanTask(str(part), DAY1 - timedelta(days=1), DAY2 + timedelta(days=1), {1: spec})
    result = stream.scan_part(pickle.loads(pickle.dumps(task)))
    again = pickle.loads(pickle.dumps(result))
    assert again.versions[1].n_rows == result.versions[1].n_rows == 200
    assert again.versions[1].profile.n_rows == 200


def _cache_files(home: Path) -> list[Path]:
    return sorted((home / "cache" / "monitoring").rglob("*.npz"))


def _count_loads(registry: Registry, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    real = registry.load

    def load(ref: Any) -> Any:
        calls.append(1)
        return real(ref)

    monkeypatch.setattr(registry, "load", load)
    return calls


def test_reference_scores_are_cached_per_version(
    home: Path, registry: Registry, logged: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = _count_loads(registry, monkeypatch)
    first = monitor(registry, MODEL, home=home, checks=(), now=NOW)
    assert len(calls) <= 1  # the fixture's runs may have filled the cache already
    (cached,) = _cache_files(home)
    assert cached.name.startswith("1-")
    calls.clear()
    second = monitor(registry, MODEL, home=home, checks=(), now=NOW)
    assert calls == []  # the model is not loaded again
    assert second.to_dict() == first.to_dict()


def test_a_corrupt_cache_file_is_ignored_and_rebuilt(
    home: Path, registry: Registry, logged: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = monitor(registry, MODEL, home=home, checks=(), now=NOW)
    (cached,) = _cache_files(home)
    good = cached.read_bytes()
    calls = _count_loads(registry, monkeypatch)
    for bad in (b"not a zip file", good[: len(good) // 2]):
        cached.write_bytes(bad)
        again = monitor(registry, MODEL, home=home, checks=(), now=NOW)
        assert len(calls) == 1
        calls.clear()
        assert again.to_dict() == first.to_dict()
        assert cached.read_bytes() == good  # rebuilt


def test_a_new_version_never_reuses_another_versions_scores(
    home: Path,
    registry: Registry,
    logged: None,
    adult_model: Pipeline,
    adult_charter_path: Path,
    adult_sample: pd.DataFrame,
) -> None:
    monitor(registry, MODEL, home=home, checks=(), now=NOW)
    registry.register(
        adult_model, charter=adult_charter_path, sample=adult_sample.iloc[:1000],
        registered_by="ds@bank",
    )  # fmt: skip
    from charter.monitoring.reference import load_reference

    cache = home / "cache" / "monitoring"
    reference = load_reference(registry, MODEL, 2, cache_dir=cache)
    assert len(reference.scores) == 1000
    names = sorted(p.name.split("-")[0] for p in _cache_files(home))
    assert names == ["1", "2"]


def test_cli_engine_option(
    home: Path, registry: Registry, logged: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``charter monitor --engine dask`` (an in-process cluster) prints the local figures."""
    pytest.importorskip("distributed")
    from typer.testing import CliRunner

    from charter.cli.main import app

    for variable in ("CHARTER_DB_URL", "CHARTER_ARTIFACTS_URL", "CHARTER_HOME"):
        monkeypatch.delenv(variable, raising=False)
    runner = CliRunner()
    base = ["--home", str(home), "monitor", MODEL, "--until", "2026-03-04", "--json"]
    local = runner.invoke(app, [*base, "--engine", "local"])
    on_dask = runner.invoke(app, [*base, "--engine", "dask"])
    assert local.exit_code == on_dask.exit_code == 1, on_dask.output  # the drifted day alerts
    assert json.loads(on_dask.output) == json.loads(local.output)
    wrong = runner.invoke(app, [*base, "--engine", "spark"])
    assert wrong.exit_code != 0 and "engine" in wrong.output
