from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from charter.data import fingerprint_frame, read_table
from charter.errors import DataError


@pytest.fixture
def frame() -> pd.DataFrame:
    return pd.DataFrame({"a": [1, 2, 3], "b": ["x", None, "z"], "c": [0.5, 1.5, None]})


def test_csv_and_parquet_of_one_table_share_a_fingerprint(
    tmp_path: Path, frame: pd.DataFrame
) -> None:
    frame.to_csv(tmp_path / "t.csv", index=False)
    frame.to_parquet(tmp_path / "t.parquet", index=False)
    from_csv = read_table(tmp_path / "t.csv")
    from_parquet = read_table(tmp_path / "t.parquet")
    assert fingerprint_frame(from_csv) == fingerprint_frame(from_parquet)


def test_fingerprint_changes_with_one_value(frame: pd.DataFrame) -> None:
    changed = frame.copy()
    changed.loc[0, "a"] = 99
    assert fingerprint_frame(frame) != fingerprint_frame(changed)
    assert fingerprint_frame(frame).startswith("sha256:")


def test_question_mark_reads_as_missing(tmp_path: Path) -> None:
    (tmp_path / "t.csv").write_text("a,b\n1,?\n2,x\n")
    table = read_table(tmp_path / "t.csv")
    assert table["b"].isna().tolist() == [True, False]


def test_jsonl_and_max_rows(tmp_path: Path) -> None:
    (tmp_path / "t.jsonl").write_text('{"a": 1}\n{"a": 2}\n{"a": 3}\n')
    assert read_table(tmp_path / "t.jsonl", max_rows=2)["a"].tolist() == [1, 2]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("missing.csv", None, "data file not found"),
        ("empty.csv", b"", "data file is empty"),
        ("header.csv", b"a,b\n", "has no rows"),
        ("bad.parquet", b"not parquet at all", "cannot read .* as parquet"),
        ("data.xlsx", b"PK", "unknown file type"),
    ],
)
def test_unreadable_files_name_the_problem(
    tmp_path: Path, name: str, content: bytes | None, message: str
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(DataError, match=message):
        read_table(path)


def test_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="expected a data file, got a directory"):
        read_table(tmp_path)
