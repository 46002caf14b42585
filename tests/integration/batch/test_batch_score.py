"""Batch scoring end to end through the Python API: outputs, ids, rejects, reruns, logging."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from charter.batch import ROW_NUMBER, score
from charter.errors import ConflictError, DataError, NotFoundError
from charter.predlog import SpoolWriter, default_spool_dir, expand_line
from charter.predlog.records import PredictionRecord
from charter.registry import Registry


def _spooled(home: Path) -> list[PredictionRecord]:
    spool = default_spool_dir(home)
    lines = [
        line
        for path in sorted(spool.glob("spool-*"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line
    ]
    return [record for line in lines for record in expand_line(line)]


def test_scores_a_parquet_file_with_the_charter_outputs(
    registry: Registry,
    adult_test_rows: pd.DataFrame,
    adult_model: object,
    tmp_path: Path,
    home: Path,
) -> None:
    rows = adult_test_rows.head(60)
    rows.to_parquet(tmp_path / "in.parquet", index=False)
    result = score(
        registry,
        "adult-income@1",
        source=str(tmp_path / "in.parquet"),
        sink=str(tmp_path / "out.parquet"),
        home=home,
        run_id="r1",
    )
    assert (result.status, result.rows_in, result.rows_scored, result.rows_rejected) == (
        "succeeded",
        60,
        60,
        0,
    )
    out = pd.read_parquet(tmp_path / "out.parquet")
    assert list(out.columns) == [
        "customer_id",
        "score",
        "label",
        "reasons",
        "model",
        "model_version",
        "run_id",
        "scored_at",
    ]
    expected = adult_model.predict_proba(rows[list(adult_model.feature_names_in_)])[:, 1]  # type: ignore[attr-defined]
    np.testing.assert_allclose(out["score"].to_numpy(), expected, rtol=1e-9)
    assert set(out["label"]) <= {">50K", "<=50K"}
    assert ((out["score"] >= 0.5) == (out["label"] == ">50K")).all()
    reasons = json.loads(out["reasons"].iloc[0])
    assert len(reasons) == 3 and {"feature", "contribution", "value"} <= set(reasons[0])
    assert (out["model_version"] == 1).all() and (out["run_id"] == "r1").all()
    assert (
        str(out["scored_at"].dtype).startswith("datetime64")
        and out["customer_id"].iloc[0] == "c00000"
    )
    assert pd.read_parquet(tmp_path / "out.rejects.parquet").empty
    run = registry.store.get_batch_run("adult-income", "r1")
    assert (run.status, run.rows_in, run.rows_scored, run.output_uri) == (
        "succeeded",
        60,
        60,
        result.output_uri,
    )


def test_id_column_option_wins_and_row_numbers_are_the_fallback(
    registry: Registry, adult_test_rows: pd.DataFrame, tmp_path: Path, home: Path
) -> None:
    rows = adult_test_rows.head(30).drop(columns=["customer_id"])
    rows.insert(0, "ref", range(100, 130))
    rows.to_csv(tmp_path / "in.csv", index=False)
    by_ref = score(
        registry,
        "adult-income",
        source=str(tmp_path / "in.csv"),
        sink=str(tmp_path / "a.csv"),
        id_column="ref",
        reasons=False,
        home=home,
    )
    assert by_ref.passed
    assert pd.read_csv(tmp_path / "a.csv")["ref"].tolist() == list(range(100, 130))
    numbered = score(
        registry,
        "adult-income",
        source=str(tmp_path / "in.csv"),
        sink=str(tmp_path / "b.jsonl"),
        reasons=False,
        home=home,
    )
    out = pd.read_json(tmp_path / "b.jsonl", lines=True)
    assert numbered.passed and out[ROW_NUMBER].tolist() == list(range(30))
    assert "reasons" not in out.columns
    with pytest.raises(DataError, match="--id-column 'nope' is not a column"):
        score(
            registry,
            "adult-income",
            source=str(tmp_path / "in.csv"),
            sink=str(tmp_path / "c.csv"),
            id_column="nope",
            home=home,
        )


def test_rejected_rows_are_counted_and_written_with_their_reasons(
    registry: Registry, adult_test_rows: pd.DataFrame, tmp_path: Path, home: Path
) -> None:
    rows = adult_test_rows.head(400).astype({"age": object}).copy()
    rows.loc[3, "age"] = "abc"
    rows.loc[7, "age"] = 5
    rows.to_csv(tmp_path / "in.csv", index=False)
    result = score(
        registry,
        "adult-income",
        source=str(tmp_path / "in.csv"),
        sink=str(tmp_path / "out.parquet"),
        reasons=False,
        home=home,
    )
    assert result.passed  # 2 of 400 is 0.5%, under the charter's 1%
    assert (result.rows_in, result.rows_scored, result.rows_rejected) == (400, 398, 2)
    rejects = pd.read_parquet(tmp_path / "out.rejects.parquet")
    assert rejects["customer_id"].tolist() == ["c00003", "c00007"]
    assert rejects[ROW_NUMBER].tolist() == [3, 7]
    assert rejects["reason"].tolist() == [
        "age: expected a number, got 'abc'",
        "age: must be ≥ 17, got 5",
    ]
    assert rejects["age"].tolist() == ["abc", "5"]
    assert "c00003" not in set(pd.read_parquet(tmp_path / "out.parquet")["customer_id"])


def test_a_reject_share_over_the_limit_fails_the_run_and_publishes_only_the_rejects(
    registry: Registry, adult_test_rows: pd.DataFrame, tmp_path: Path, home: Path
) -> None:
    rows = adult_test_rows.head(100).copy()
    rows.loc[:4, "education"] = None  # 5% rejected; the charter allows 1%
    rows.to_parquet(tmp_path / "in.parquet", index=False)
    result = score(
        registry,
        "adult-income",
        source=str(tmp_path / "in.parquet"),
        sink=str(tmp_path / "out.parquet"),
        reasons=False,
        home=home,
        run_id="bad",
    )
    assert (result.status, result.rows_rejected, result.rows_scored) == ("failed", 5, 0)
    assert "5 of 100 rows (5.00%)" in result.error and "1.00%" in result.error
    assert not (tmp_path / "out.parquet").exists()
    assert len(pd.read_parquet(tmp_path / "out.rejects.parquet")) == 5
    run = registry.store.get_batch_run("adult-income", "bad")
    assert (run.status, run.rows_rejected) == ("failed", 5) and "max_reject_share" in run.error
    assert _spooled(home) == []  # a failed run logs nothing


def test_rerunning_a_run_id_replaces_and_an_existing_output_is_refused(
    registry: Registry, adult_test_rows: pd.DataFrame, tmp_path: Path, home: Path
) -> None:
    adult_test_rows.head(50).to_parquet(tmp_path / "in.parquet", index=False)
    args = {
        "source": str(tmp_path / "in.parquet"),
        "sink": str(tmp_path / "out.parquet"),
        "reasons": False,
        "home": home,
    }
    score(registry, "adult-income", run_id="daily", **args)  # type: ignore[arg-type]
    again = score(registry, "adult-income", run_id="daily", **args)  # type: ignore[arg-type]
    assert again.passed and len(pd.read_parquet(tmp_path / "out.parquet")) == 50
    assert [r.run_id for r in registry.store.list_batch_runs("adult-income")] == ["daily"]
    with pytest.raises(ConflictError, match=r"output exists: .*out\.parquet; pass --overwrite"):
        score(registry, "adult-income", run_id="other", **args)  # type: ignore[arg-type]
    replaced = score(registry, "adult-income", run_id="other", overwrite=True, **args)  # type: ignore[arg-type]
    assert set(pd.read_parquet(tmp_path / "out.parquet")["run_id"]) == {replaced.run_id}
    assert not list(tmp_path.glob(".*partial*"))


def test_sql_table_sink_accumulates_runs_and_a_rerun_replaces_its_rows(
    registry: Registry, adult_test_rows: pd.DataFrame, tmp_path: Path, home: Path
) -> None:
    adult_test_rows.head(40).to_parquet(tmp_path / "in.parquet", index=False)
    sink = f"sqlite:///{tmp_path / 'scores.db'}#scores"
    for run_id in ("mon", "tue", "tue"):
        result = score(
            registry,
            "adult-income",
            source=str(tmp_path / "in.parquet"),
            sink=sink,
            run_id=run_id,
            reasons=False,
            home=home,
        )
        assert result.passed and result.output_uri == sink
    import sqlite3

    with sqlite3.connect(tmp_path / "scores.db") as connection:
        counts = dict(connection.execute("SELECT run_id, COUNT(*) FROM scores GROUP BY run_id"))
        rejects = connection.execute("SELECT COUNT(*) FROM scores_rejects").fetchone()[0]
    assert counts == {"mon": 40, "tue": 40} and rejects == 0


def test_sql_source_is_read_in_chunks(
    registry: Registry, adult_test_rows: pd.DataFrame, tmp_path: Path, home: Path
) -> None:
    import sqlite3

    with sqlite3.connect(tmp_path / "in.db") as connection:
        adult_test_rows.head(250).to_sql("customers", connection, index=False)
    result = score(
        registry,
        "adult-income",
        source=f"sqlite:///{tmp_path / 'in.db'}#customers",
        sink=str(tmp_path / "out.parquet"),
        reasons=False,
        home=home,
        batch_rows=64,
    )
    assert (result.rows_in, result.rows_scored) == (250, 250)
    assert pd.read_parquet(tmp_path / "out.parquet")["customer_id"].is_unique


def test_globs_folders_and_fsspec_urls_are_inputs(
    registry: Registry, adult_test_rows: pd.DataFrame, tmp_path: Path, home: Path
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    adult_test_rows.iloc[:30].to_csv(folder / "a.csv", index=False)
    adult_test_rows.iloc[30:50].to_json(folder / "b.jsonl", orient="records", lines=True)
    adult_test_rows.iloc[50:60].to_parquet(folder / "c.parquet", index=False)
    (folder / "_SUCCESS").write_text("")
    by_folder = score(
        registry,
        "adult-income",
        source=str(folder),
        sink=str(tmp_path / "f.parquet"),
        reasons=False,
        home=home,
    )
    by_glob = score(
        registry,
        "adult-income",
        source=f"file://{folder}/*.csv",
        sink=str(tmp_path / "g.parquet"),
        reasons=False,
        home=home,
    )
    assert (by_folder.rows_in, by_glob.rows_in) == (60, 30)
    ids = pd.read_parquet(tmp_path / "f.parquet")["customer_id"].tolist()
    assert ids == adult_test_rows["customer_id"].iloc[:60].tolist()


def test_sampled_predictions_reach_the_log_with_identifiers_hashed(
    registry: Registry, adult_test_rows: pd.DataFrame, tmp_path: Path, home: Path
) -> None:
    adult_test_rows.head(20).to_parquet(tmp_path / "in.parquet", index=False)
    score(
        registry,
        "adult-income",
        source=str(tmp_path / "in.parquet"),
        sink=str(tmp_path / "out.parquet"),
        reasons=False,
        home=home,
        run_id="logged",
    )
    records = _spooled(home)
    assert len(records) == 20  # the charter samples 1.0
    first = records[0]
    assert (first.request_id, first.source, first.run_id, first.version) == (
        "logged:0",
        "batch",
        "logged",
        1,
    )
    assert first.inputs["customer_id"].startswith("hmac-sha256:")
    assert "c00000" not in json.dumps([r.inputs for r in records])
    assert {"age", "sex", "education"} <= set(first.inputs)
    assert set(first.outputs) == {"score", "label"}
    assert SpoolWriter  # the log is appended through predlog's own writer


def test_deadline_met_or_missed_is_recorded(
    registry: Registry, adult_test_rows: pd.DataFrame, tmp_path: Path, home: Path
) -> None:
    adult_test_rows.head(10).to_parquet(tmp_path / "in.parquet", index=False)
    args = {"source": str(tmp_path / "in.parquet"), "reasons": False, "home": home}
    early = datetime(2026, 11, 30, 5, 0, tzinfo=UTC)  # the charter's 06:00 UTC deadline
    late = datetime(2026, 11, 30, 6, 30, tzinfo=UTC)
    met = score(
        registry,
        "adult-income",
        sink=str(tmp_path / "a.parquet"),
        run_id="early",
        clock=lambda: early,
        **args,
    )  # type: ignore[arg-type]
    missed = score(
        registry,
        "adult-income",
        sink=str(tmp_path / "b.parquet"),
        run_id="late",
        clock=lambda: late,
        **args,
    )  # type: ignore[arg-type]
    assert met.deadline_at == datetime(2026, 11, 30, 6, 0, tzinfo=UTC)
    assert (met.met_deadline, missed.met_deadline) == (True, False)
    runs = registry.store.list_batch_runs("adult-income", since=late)
    assert [(r.run_id, r.missed_deadline) for r in runs] == [("late", True)]


def test_bad_input_is_refused_before_anything_is_written(
    registry: Registry, adult_test_rows: pd.DataFrame, tmp_path: Path, home: Path
) -> None:
    out = str(tmp_path / "out.parquet")
    with pytest.raises(DataError, match=r"input not found: .*missing\.csv"):
        score(registry, "adult-income", source=str(tmp_path / "missing.csv"), sink=out, home=home)
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(DataError, match="input file is empty"):
        score(registry, "adult-income", source=str(tmp_path / "empty.csv"), sink=out, home=home)
    (tmp_path / "header.csv").write_text("age,workclass\n")
    with pytest.raises(DataError, match="input has no rows"):
        score(registry, "adult-income", source=str(tmp_path / "header.csv"), sink=out, home=home)
    adult_test_rows.head(5).drop(columns=["age", "education"]).to_csv(tmp_path / "cols.csv")
    with pytest.raises(DataError, match="lacks columns the charter requires: age, education"):
        score(registry, "adult-income", source=str(tmp_path / "cols.csv"), sink=out, home=home)
    with pytest.raises(NotFoundError, match="'nobody' is not registered"):
        score(registry, "nobody", source=str(tmp_path / "cols.csv"), sink=out, home=home)
    with pytest.raises(NotFoundError, match="no version 7"):
        score(registry, "adult-income@7", source=str(tmp_path / "cols.csv"), sink=out, home=home)
    with pytest.raises(DataError, match="no input given"):
        score(registry, "adult-income", sink=out, home=home)
    assert not (tmp_path / "out.parquet").exists()
    assert registry.store.list_batch_runs("adult-income") == []


def test_a_database_that_refuses_the_write_fails_cleanly(
    registry: Registry, adult_test_rows: pd.DataFrame, tmp_path: Path, home: Path
) -> None:
    import sqlite3

    from charter.errors import StorageError

    adult_test_rows.head(10).to_parquet(tmp_path / "in.parquet", index=False)
    database = tmp_path / "ro.db"
    sqlite3.connect(database).close()
    read_only = f"sqlite:///file:{database}?mode=ro&uri=true#scores"
    with pytest.raises(StorageError, match=r"ro.db\?mode=ro&uri=true#scores failed .*readonly"):
        score(
            registry,
            "adult-income",
            source=str(tmp_path / "in.parquet"),
            sink=read_only,
            reasons=False,
            home=home,
            run_id="ro",
        )
    with sqlite3.connect(database) as connection:
        assert connection.execute("SELECT name FROM sqlite_master").fetchall() == []
    run = registry.store.get_batch_run("adult-income", "ro")
    assert run.status == "failed" and "readonly" in run.error


def test_the_charter_delivery_source_and_sink_are_the_defaults(
    registry: Registry,
    adult_test_rows: pd.DataFrame,
    tmp_path: Path,
    home: Path,
    adult_charter_path: Path,
    adult_model: object,
    adult_sample: pd.DataFrame,
) -> None:
    adult_test_rows.head(10).to_parquet(tmp_path / "in.parquet", index=False)
    text = adult_charter_path.read_text(encoding="utf-8").replace(
        '    deadline: "06:00"',
        f'    deadline: "06:00"\n    source: {tmp_path / "in.parquet"}\n'
        f"    sink: {tmp_path / 'weekly.parquet'}",
    )
    custom = tmp_path / "charter.yaml"
    custom.write_text(text, encoding="utf-8")
    registry.register(adult_model, charter=custom, sample=adult_sample)
    result = score(registry, "adult-income@2", reasons=False, home=home)
    assert result.passed and pq.read_metadata(tmp_path / "weekly.parquet").num_rows == 10
