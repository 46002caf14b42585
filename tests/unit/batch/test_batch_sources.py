"""Inputs resolved into partitions and read as bounded Arrow batches, with clear errors."""

from __future__ import annotations

from pathlib import Path

import fsspec
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from charter.batch.sinks import reject_path
from charter.batch.sources import file_kind, open_source, read_partition
from charter.errors import DataError


def _frame(n: int) -> pd.DataFrame:
    return pd.DataFrame({"id": range(n), "age": [20 + i % 50 for i in range(n)], "job": "x"})


def test_csv_reads_every_column_as_text_in_bounded_batches(tmp_path: Path) -> None:
    frame = _frame(250)
    frame["age"] = frame["age"].astype(object)
    frame.loc[200, "age"] = "abc"  # a late value that breaks per-block type inference
    frame.loc[3, "job"] = "?"
    frame.to_csv(tmp_path / "in.csv", index=False)
    source = open_source(str(tmp_path / "in.csv"))
    assert source.columns == ("id", "age", "job") and source.is_estimate
    batches = list(read_partition(source.partitions[0], batch_rows=100))
    assert [b.num_rows for b in batches] == [100, 100, 50]
    assert batches[0].schema.field("age").type == pa.string()
    assert batches[2].column("age")[0].as_py() == "abc"
    assert batches[0].column("job")[3].as_py() is None  # "?" marks a missing value


def test_parquet_row_groups_become_partitions_when_asked(tmp_path: Path) -> None:
    pq.write_table(pa.Table.from_pandas(_frame(300)), tmp_path / "in.parquet", row_group_size=100)
    whole = open_source(str(tmp_path / "in.parquet"))
    split = open_source(str(tmp_path / "in.parquet"), split_row_groups=True)
    assert (len(whole.partitions), whole.total_rows, whole.is_estimate) == (1, 300, False)
    assert [p.row_groups for p in split.partitions] == [(0,), (1,), (2,)]
    assert sum(b.num_rows for b in read_partition(split.partitions[1], batch_rows=64)) == 100


def test_jsonl_with_mixed_types_and_fsspec_memory_urls(tmp_path: Path) -> None:
    with fsspec.open("memory://batch/in.jsonl", "w") as handle:
        handle.write('{"id": 1, "age": 30}\n{"id": 2, "age": "thirty"}\n')
    source = open_source("memory://batch/in.jsonl")
    (batch,) = read_partition(source.partitions[0], batch_rows=10)
    assert batch.column("age").to_pylist() == ["30", "thirty"]


def test_folders_and_globs_list_known_files_in_order(tmp_path: Path) -> None:
    for name in ("b.csv", "a.csv"):
        _frame(3).to_csv(tmp_path / name, index=False)
    (tmp_path / "notes.txt").write_text("hi")
    (tmp_path / "_SUCCESS").write_text("")
    by_folder = open_source(str(tmp_path))
    assert [Path(p.uri).name for p in by_folder.partitions] == ["a.csv", "b.csv"]
    assert len(open_source(str(tmp_path / "*.csv")).partitions) == 2


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("missing.csv", None, "input not found"),
        ("empty.csv", "", "input file is empty"),
        ("header.csv", "a,b\n", "input has no rows"),
        ("data.txt", "a\n1\n", "no readable input files"),
    ],
)
def test_unusable_inputs_are_refused(
    tmp_path: Path, name: str, content: str | None, message: str
) -> None:
    if content is not None:
        (tmp_path / name).write_text(content)
    with pytest.raises(DataError, match=message):
        open_source(str(tmp_path / name))


def test_no_glob_match_and_empty_folder(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="no input files match"):
        open_source(str(tmp_path / "*.parquet"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match="input folder is empty"):
        open_source(str(tmp_path / "empty"))
    with pytest.raises(DataError, match="must name its table"):
        open_source(f"sqlite:///{tmp_path / 'x.db'}")
    with pytest.raises(DataError, match="input database not found"):
        open_source(f"sqlite:///{tmp_path / 'x.db'}#t")


def test_file_kinds_and_reject_names() -> None:
    assert [file_kind(n) for n in ("a.CSV", "a.csv.gz", "a.pq", "a.ndjson", "a.xls")] == [
        "csv",
        "csv",
        "parquet",
        "jsonl",
        None,
    ]
    assert reject_path("/out/scores.parquet") == "/out/scores.rejects.parquet"
    assert reject_path("bucket/scores") == "bucket/scores.rejects"
