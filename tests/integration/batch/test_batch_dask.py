"""The Dask engine: one part file per partition plus a manifest, equal to the local engine."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from charter.batch import ROW_NUMBER, score
from charter.engines import open_engine
from charter.errors import DataError
from charter.registry import Registry

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def cluster() -> Iterator[object]:
    """Two in-process workers.

    Worker processes would each import scikit-learn and Charter before their first task, 15 to 25
    seconds on a two-core CI runner; what processes add (the task must pickle) is checked by
    ``test_partition_tasks_pickle`` instead.
    """
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
        ) as local,
        distributed.Client(local) as client,
    ):
        yield client


def _input(rows: pd.DataFrame, folder: Path) -> Path:
    """Two CSV files (row counts unknown up front) and a Parquet file of three row groups."""
    folder.mkdir()
    rows = rows.astype({"age": object}).copy()
    rows.loc[5, "age"] = "unknown"  # one reject, in the first file
    rows.iloc[:120].to_csv(folder / "a.csv", index=False)
    rows.iloc[120:200].to_csv(folder / "b.csv", index=False)
    table = pa.Table.from_pandas(rows.iloc[200:500].astype({"age": int}), preserve_index=False)
    pq.write_table(table, folder / "c.parquet", row_group_size=100)
    return folder


def _comparable(frame: pd.DataFrame, key: str) -> pd.DataFrame:
    return (
        frame.drop(columns=["run_id", "scored_at"], errors="ignore")
        .sort_values(key)
        .reset_index(drop=True)
    )


@pytest.mark.slow
def test_dask_output_equals_local_output(
    registry: Registry, adult_test_rows: pd.DataFrame, tmp_path: Path, home: Path, cluster: object
) -> None:
    source = _input(adult_test_rows.drop(columns=["customer_id"]).head(500), tmp_path / "in")
    local = score(
        registry,
        "adult-income",
        source=str(source),
        sink=str(tmp_path / "local.parquet"),
        reasons=False,
        home=home,
    )
    with open_engine("dask", scheduler=cluster) as engine:
        remote = score(
            registry,
            "adult-income",
            source=str(source),
            engine=engine,
            sink=str(tmp_path / "dask.parquet"),
            reasons=False,
            home=home,
        )
    assert (remote.rows_in, remote.rows_scored, remote.rows_rejected) == (500, 499, 1)
    assert (remote.engine, local.engine) == ("dask", "local")
    assert (remote.rows_logged, local.rows_logged) == (499, 499)
    parts = sorted(p.name for p in (tmp_path / "dask.parquet").iterdir())
    assert parts == ["_manifest.json", *(f"part-{i:05d}.parquet" for i in range(5))]
    manifest = json.loads((tmp_path / "dask.parquet" / "_manifest.json").read_text())
    assert manifest["rows_scored"] == 499 and len(manifest["parts"]) == 5
    assert manifest["run_id"] == remote.run_id and remote.manifest_uri is not None
    pd.testing.assert_frame_equal(
        _comparable(pd.read_parquet(tmp_path / "dask.parquet"), ROW_NUMBER),
        _comparable(pd.read_parquet(tmp_path / "local.parquet"), ROW_NUMBER),
    )
    pd.testing.assert_frame_equal(
        _comparable(pd.read_parquet(tmp_path / "dask.rejects.parquet"), ROW_NUMBER),
        _comparable(pd.read_parquet(tmp_path / "local.rejects.parquet"), ROW_NUMBER),
    )
    assert registry.store.get_batch_run("adult-income", remote.run_id).engine == "dask"


def test_dask_refuses_a_database_sink(
    registry: Registry, adult_test_rows: pd.DataFrame, tmp_path: Path, home: Path, cluster: object
) -> None:
    adult_test_rows.head(5).to_parquet(tmp_path / "in.parquet", index=False)
    with (
        open_engine("dask", scheduler=cluster) as engine,
        pytest.raises(DataError, match="dask engine writes one file per partition"),
    ):
        score(
            registry,
            "adult-income",
            source=str(tmp_path / "in.parquet"),
            engine=engine,
            sink=f"sqlite:///{tmp_path / 's.db'}#scores",
            home=home,
        )


def test_partition_tasks_pickle(registry: Registry, tmp_path: Path, home: Path) -> None:
    """What a worker process receives survives pickling and still scores."""
    import pickle

    from charter.batch.partition import PartitionTask, run_partition
    from charter.batch.setup import build_plan, output_schemas
    from charter.batch.sources import open_source

    frame = registry.load_sample("adult-income@1").head(30)
    frame.to_parquet(tmp_path / "in.parquet", index=False)
    version = registry.get("adult-income@1")
    plan = build_plan(
        registry,
        version,
        registry.charter_of(version),
        run_id="p",
        id_column=None,
        reasons=True,
        log_predictions=True,
        home=home,
    )
    partition = open_source(str(tmp_path / "in.parquet")).partitions[0]
    task = PartitionTask(
        plan, partition, 10, f"file://{tmp_path}/work", "parquet", *output_schemas(plan)
    )
    result = run_partition(pickle.loads(pickle.dumps(task)))
    assert (result.rows_in, result.rows_scored, result.rows_logged) == (30, 30, 30)
    assert pd.read_parquet(result.scores_file)["reasons"].notna().all()
