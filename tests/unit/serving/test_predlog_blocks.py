"""Column blocks: one spool line per request or chunk, expanding to the same records as rows."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from charter.contract import Charter, parse_charter
from charter.errors import DataError
from charter.predlog import (
    LogPlan,
    PredictionRecord,
    SpoolWriter,
    apply_pii_policy,
    compact,
    encode_block,
    expand_line,
    expand_log,
    keyed_hash,
    read_log,
)

KEY = b"k" * 32
AT = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def charter() -> Charter:
    text = (resources.files("charter.examples") / "adult_charter.yaml").read_text(encoding="utf-8")
    return parse_charter(text)


def _block(charter: Charter, columns: dict[str, Any], n: int, **kwargs: Any) -> bytes:
    options: dict[str, Any] = {
        "request_ids": [f"r-{i}" for i in range(n)],
        "model": "adult-income",
        "version": 2,
        "source": "served",
        "inputs": LogPlan(charter, KEY).inputs(columns),
        "outputs": {"score": np.linspace(0.1, 0.9, n), "label": ["a"] * n},
        "latency_ms": 1.5,
        "at": AT,
    }
    options.update(kwargs)
    return encode_block(**options)


def test_a_block_expands_to_the_records_of_the_row_path(charter: Charter) -> None:
    columns: dict[str, Any] = {
        "age": np.array([39.0, np.nan, np.inf]),
        "hours_per_week": [40, np.int64(50), None],
        "workclass": pd.Series(["Private", None, pd.NA], dtype="string"),
        "education": pd.Series(["Bachelors", "HS-grad", None], dtype="category"),
        "customer_id": ["c1", "c2", "c1"],
        "sex": ["Male", "Female", "Male"],
        "stray": ["x", "y", "z"],
    }
    line = _block(charter, columns, 3)
    assert line.endswith(b"\n") and line.count(b"\n") == 1
    records = expand_line(line)
    assert [r.request_id for r in records] == ["r-0", "r-1", "r-2"]
    for i, record in enumerate(records):
        raw = {name: _cell(values, i) for name, values in columns.items()}
        expected = PredictionRecord.from_json(
            PredictionRecord(
                request_id=f"r-{i}",
                model="adult-income",
                version=2,
                source="served",
                inputs=apply_pii_policy(raw, charter, hash_key=KEY),
                outputs={"score": float(np.linspace(0.1, 0.9, 3)[i]), "label": "a"},
                latency_ms=1.5,
                at=AT,
            ).to_json()
        )
        assert record == expected
    assert records[1].inputs["age"] is None and records[2].inputs["age"] is None
    assert records[1].inputs["hours_per_week"] == 50
    assert records[2].inputs["workclass"] is None


def _cell(values: Any, i: int) -> Any:
    value = values.iloc[i] if isinstance(values, pd.Series) else values[i]
    if value is pd.NA or (isinstance(value, float) and not math.isfinite(value)):
        return None
    return value


def test_identifiers_are_hashed_per_value_and_never_stored_in_clear(charter: Charter) -> None:
    line = _block(charter, {"customer_id": ["c1", "c2", "c1", None]}, 4)
    text = line.decode()
    assert '"c1"' not in text and '"c2"' not in text
    ids = json.loads(text)["inputs"]["customer_id"]
    assert ids == [keyed_hash("c1", KEY), keyed_hash("c2", KEY), keyed_hash("c1", KEY), None]


def test_the_plan_drops_and_hashes_by_name_whatever_the_order(charter: Charter) -> None:
    plan = LogPlan(charter, KEY)
    ages, weights, ids = [39], [77516], ["c1"]
    kept = plan.inputs({"age": ages, "fnlwgt": weights})
    assert kept == {"age": [39]} and kept["age"] is ages, "dropped; kept lists are not copied"
    assert plan.inputs({"fnlwgt": weights, "customer_id": ids, "age": ages}) == {
        "customer_id": [keyed_hash("c1", KEY)], "age": [39]
    }  # fmt: skip
    assert plan.inputs({"age": ages, "fnlwgt": weights}) == {"age": [39]}, "remembered the same"
    assert plan.inputs({"age": np.array([1.5, np.nan]), "fnlwgt": weights}) == {
        "age": [1.5, None]
    }  # fmt: skip
    for i in range(5000):  # clients choose names and their order: what is remembered is bounded
        plan.inputs({f"x{i}": [1], "age": ages})
    assert len(plan._kept) <= 1024 and len(plan._actions) <= 4096
    assert plan.inputs({"age": ages, "fnlwgt": weights}) == {"age": [39]}, "still decided right"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"source": "nowhere"}, "source must be one of"),
        ({"at": datetime(2026, 5, 1)}, "aware datetime"),
        ({"outputs": {"score": [0.1]}}, "holds 1 values for 2 request ids"),
    ],
)
def test_bad_blocks_are_refused_with_the_rule(
    charter: Charter, change: dict[str, Any], message: str
) -> None:
    with pytest.raises(DataError, match=message):
        _block(charter, {"age": [1, 2]}, 2, **change)


def test_error_records_carry_no_inputs(charter: Charter) -> None:
    line = _block(
        charter, {}, 1, source="error", outputs={"error": ["invalid_input"], "status": [422]}
    )
    (record,) = expand_line(line)
    assert record.source == "error" and record.inputs == {}
    assert record.outputs == {"error": "invalid_input", "status": 422}


def test_compaction_mixes_row_lines_and_blocks_and_skips_a_torn_block(
    tmp_path: Path, charter: Charter
) -> None:
    spool, log = tmp_path / "spool", tmp_path / "log"
    single = PredictionRecord(
        "one", "adult-income", 2, "served", {"age": 30}, {"score": 0.2}, 1.0, AT
    )
    with SpoolWriter(spool) as writer:
        writer.append([single])
        writer.append_encoded(_block(charter, {"age": [41, 42, 43]}, 3))
        writer.append_encoded(b'{"request_ids":["x"],"model":"adult-income"}\n')  # unusable
    result = compact(spool, log)
    assert (result.records_written, result.bad_lines) == (4, 1)
    frame = expand_log(read_log(log, "adult-income"))
    assert sorted(frame["request_id"]) == ["one", "r-0", "r-1", "r-2"]
    assert sorted(frame["age"]) == [30, 41, 42, 43]
    assert compact(spool, log).records_written == 0, "a rerun adds nothing"
    with pytest.raises(DataError, match="newline"):
        SpoolWriter(spool).append_encoded(b"{}")


@pytest.mark.parametrize(
    "inputs",
    [
        ['{"age":39,"w":"a","x":null}', "{}", '{"age":41,"x":2.5,"late":"z"}'],
        ['{"age":39}', '{"age":"forty"}'],  # a type that changes: the lenient path
    ],
    ids=["typed", "mixed-types"],
)
def test_expand_log_parses_like_json_loads(inputs: list[str]) -> None:
    import pyarrow as pa

    from charter.predlog import LOG_SCHEMA

    n = len(inputs)
    outputs = ['{"score":0.5,"reasons":[{"feature":"age","weight":0.1}]}'] + ['{"score":0.25}'] * (
        n - 1
    )
    table = pa.table(
        {
            "request_id": [f"r{i}" for i in range(n)],
            "model": ["m"] * n,
            "version": [1] * n,
            "source": ["served"] * n,
            "inputs": inputs,
            "outputs": outputs,
            "latency_ms": [1.0] * n,
            "at": [AT] * n,
            "run_id": [None] * n,
        },
        schema=LOG_SCHEMA,
    )
    frame = expand_log(table)
    expected = pd.DataFrame([json.loads(v) for v in inputs])
    for column in expected.columns:
        got = [None if _missing(v) else v for v in frame[column]]
        want = [None if _missing(v) else v for v in expected[column]]
        assert got == want, column
    assert frame["output_reasons"].iloc[0] == [{"feature": "age", "weight": 0.1}]
    assert list(frame["output_score"]) == [0.5] + [0.25] * (n - 1)


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def test_the_orjson_and_json_paths_write_the_same_records(
    charter: Charter, monkeypatch: pytest.MonkeyPatch
) -> None:
    from charter.predlog import fastjson

    pytest.importorskip("orjson")
    columns: dict[str, Any] = {
        "age": [39, np.int64(50), None],
        "hours_per_week": np.array([40.0, np.nan, 1 / 3]),
        "workclass": ["Private", "Ünïcode", None],
        "customer_id": ["c1", "c2", "c1"],
    }
    reasons = [[{"feature": "age", "weight": np.float64(0.25)}], [], None]
    fast = _block(charter, columns, 3, outputs={"score": [0.1, float("nan"), 1e-12], "r": reasons})
    monkeypatch.setattr(fastjson, "orjson", None)
    slow = _block(charter, columns, 3, outputs={"score": [0.1, float("nan"), 1e-12], "r": reasons})
    assert json.loads(fast) == json.loads(slow)
    assert expand_line(fast) == expand_line(slow)
    assert expand_line(fast)[1].outputs["score"] is None


def test_compaction_keeps_every_line_its_own_row_and_refuses_bad_ones_whole(
    tmp_path: Path, charter: Charter
) -> None:
    """Single-row blocks take the compactor's fast path; a bad line never shifts a column."""
    spool, log = tmp_path / "spool", tmp_path / "log"
    good = [_block(charter, {"age": [20 + i]}, 1).replace(b'"r-0"', f'"q{i}"'.encode())
            for i in range(3)]  # fmt: skip
    bad_version = good[0].replace(b'"version":2', b'"version":"two"').replace(b'"q0"', b'"bad"')
    nan_line = good[0].replace(b"[20]", b"[NaN]").replace(b'"q0"', b'"nan"')  # json's own NaN
    other_zone = good[0].replace(b"+00:00", b"+02:00").replace(b'"q0"', b'"zone"')
    with SpoolWriter(spool) as writer:
        writer.append_encoded(b"".join([good[0], bad_version, good[1], nan_line, other_zone]))
        writer.append_encoded(good[2])
    result = compact(spool, log)
    assert (result.records_written, result.bad_lines) == (5, 1)
    frame = expand_log(read_log(log, "adult-income")).set_index("request_id")
    assert sorted(frame.index) == ["nan", "q0", "q1", "q2", "zone"]
    assert [frame.loc[r, "age"] for r in ("q0", "q1", "q2")] == [20, 21, 22]
    assert _missing(frame.loc["nan", "age"]), "a NaN the standard library wrote reads as missing"
    times = read_log(log, "adult-income").to_pandas().set_index("request_id")["at"]
    assert times["zone"] == pd.Timestamp(AT) - pd.Timedelta(hours=2), "converted to UTC"
    assert times["q0"] == pd.Timestamp(AT)


def test_times_arrow_cannot_read_still_reach_the_log(tmp_path: Path, charter: Charter) -> None:
    """A UTC offset written with seconds passes Python's parser but not Arrow's cast."""
    from charter.predlog.blocks import utc_text

    odd = "2026-05-01T12:00:00.123+00:00:00"
    assert utc_text(odd) == odd, "the canonical shape is kept as written"
    spool, log = tmp_path / "spool", tmp_path / "log"
    line = json.loads(_block(charter, {"age": [30]}, 1))
    line["at"] = odd
    with SpoolWriter(spool) as writer:
        writer.append_encoded(json.dumps(line).encode() + b"\n")
    assert compact(spool, log).records_written == 1
    (at,) = read_log(log, "adult-income").column("at").to_pylist()
    assert at == AT.replace(microsecond=123000)
    with pytest.raises(DataError, match="time zone"):
        utc_text("2026-05-01T12:00:00")


def test_parts_store_typed_columns_and_read_back_as_json_objects(
    tmp_path: Path, charter: Charter
) -> None:
    """Inputs and outputs are struct columns in Parquet; ``read_log`` gives JSON text back."""
    import pyarrow.parquet as pq

    spool, log = tmp_path / "spool", tmp_path / "log"
    with SpoolWriter(spool) as writer:
        writer.append_encoded(_block(charter, {"age": [41, 42], "workclass": ["a", None]}, 2))
        writer.append_encoded(_block(charter, {"age": [43]}, 1, request_ids=["short"]))
        writer.append_encoded(
            _block(
                charter, {}, 1, request_ids=["refused"], source="error",
                outputs={"error": ["invalid_input"], "status": [422]},
            )
        )  # fmt: skip
    assert compact(spool, log).records_written == 4
    (part,) = log.rglob("part-*.parquet")
    stored = pq.read_table(part).schema
    typed = pa.struct([("age", pa.int64()), ("workclass", pa.string())])
    assert stored.field("inputs").type == typed
    rows = {r["request_id"]: r for r in read_log(log, "adult-income").to_pylist()}
    assert json.loads(rows["r-1"]["inputs"]) == {"age": 42, "workclass": None}
    assert json.loads(rows["short"]["inputs"]) == {"age": 43, "workclass": None}
    assert rows["refused"]["inputs"] == "{}", "a record without inputs reads back without any"
    assert json.loads(rows["refused"]["outputs"])["status"] == 422
    assert json.loads(rows["r-0"]["outputs"])["score"] == pytest.approx(0.1)


def test_a_field_arrow_cannot_type_is_stored_as_json_text(tmp_path: Path, charter: Charter) -> None:
    import pyarrow.parquet as pq

    spool, log = tmp_path / "spool", tmp_path / "log"
    with SpoolWriter(spool) as writer:
        writer.append_encoded(_block(charter, {"age": [39, "forty"]}, 2))
        writer.append_encoded(_block(charter, {"age": [2**70]}, 1, request_ids=["huge"]))
    assert compact(spool, log).records_written == 3
    (part,) = log.rglob("part-*.parquet")
    assert pq.read_table(part).schema.field("inputs").type == pa.string()
    frame = expand_log(read_log(log, "adult-income")).set_index("request_id")
    assert [frame.loc[r, "age"] for r in ("r-0", "r-1", "huge")] == [39, "forty", 2**70]


def test_expanding_a_struct_part_equals_expanding_its_json_text(
    tmp_path: Path, charter: Charter
) -> None:
    """Monitoring expands parts' struct columns directly; the frame is the JSON path's."""
    import pyarrow.parquet as pq

    from charter.predlog.reader import conform

    spool, log = tmp_path / "spool", tmp_path / "log"
    reasons = [[{"feature": "age", "weight": 0.25}], []]
    with SpoolWriter(spool) as writer:
        writer.append_encoded(
            _block(charter, {"age": [41, None], "workclass": ["a", "b"]}, 2,
                   outputs={"score": [0.1, 0.9], "reasons": reasons})
        )  # fmt: skip
        writer.append_encoded(
            _block(
                charter, {}, 1, request_ids=["refused"], source="error",
                outputs={"error": ["invalid_input"], "status": [422]},
            )
        )  # fmt: skip
    compact(spool, log)
    (part,) = log.rglob("part-*.parquet")
    stored = pq.read_table(part)
    via_json = expand_log(conform(stored))
    direct = expand_log(conform(stored, objects_as_text=False))
    assert list(direct.columns) == list(via_json.columns)
    for column in via_json.columns:
        want = [None if _missing(v) else v for v in via_json[column]]
        got = [None if _missing(v) else v for v in direct[column]]
        assert got == want, column
    assert direct.loc[0, "output_reasons"] == [{"feature": "age", "weight": 0.25}]


# --- the compactor's Arrow path (``columnar``) ---------------------------------------------------


def _both_paths(
    lines: bytes, monkeypatch: pytest.MonkeyPatch
) -> tuple[dict[tuple[str, str], pa.Table], dict[tuple[str, str], pa.Table]]:
    """The compactor's tables for ``lines``, read by Arrow and read line by line."""
    from charter.predlog import LOG_SCHEMA, compactor
    from charter.predlog.columnar import read_blocks

    assert read_blocks(lines, LOG_SCHEMA) is not None, "these lines take the Arrow path"
    fast, fast_bad = compactor._read_lines(lines)
    monkeypatch.setattr(compactor, "read_blocks", lambda *_: None)
    slow, slow_bad = compactor._read_lines(lines)
    assert fast_bad == slow_bad == 0
    return fast, slow


def test_arrows_reading_of_block_lines_equals_reading_them_one_by_one(
    charter: Charter, monkeypatch: pytest.MonkeyPatch
) -> None:
    adult = pd.DataFrame(
        {"age": [39, 50, None], "workclass": ["Private", None, "Ünïcode"], "fnlwgt": [1, 2, 3]}
    )
    columns = {c: adult[c].astype(object).where(adult[c].notna(), None).tolist() for c in adult}
    reasons = [[{"feature": "age", "weight": 0.25}], [], None]
    nan_line = json.loads(_block(charter, columns, 3))
    nan_line["request_ids"] = ["n-0", "n-1", "n-2"]
    nan_line["outputs"]["score"] = [float("nan"), 0.5, float("nan")]  # as json's fallback writes
    lines = b"".join(
        [
            _block(charter, columns, 3, outputs={"score": [0.1, 0.2, 0.3], "reasons": reasons}),
            _block(charter, columns, 3, request_ids=["a", "b", "c"], latency_ms=None),
            json.dumps(nan_line).encode() + b"\n",
            *(
                _block(charter, {"age": [i], "workclass": ["x"], "fnlwgt": [i]}, 1,
                       request_ids=[f"s-{i}"], source="shadow", run_id="run-7",
                       outputs={"score": [0.5], "reasons": [[]]})
                for i in range(3)
            ),
            _block(charter, columns, 3, model="other", at=AT.replace(day=2),
                   request_ids=["o-0", "o-1", "o-2"]),
            _block(charter, {"workclass": ["w"], "age": [7]}, 1, model="third"),
        ]
    )  # fmt: skip
    fast, slow = _both_paths(lines, monkeypatch)
    assert set(fast) == set(slow) == {
        ("adult-income", "2026-05-01"), ("other", "2026-05-02"), ("third", "2026-05-01")
    }  # fmt: skip
    third = fast[("third", "2026-05-01")].schema.field("inputs").type
    assert third == pa.struct([("workclass", pa.string()), ("age", pa.int64())]), "its own"
    for key, table in slow.items():
        assert fast[key].schema == table.schema, key
        assert fast[key].equals(table), key
    scores = fast[("adult-income", "2026-05-01")].column("outputs").combine_chunks().field("score")
    assert scores.to_pylist()[6:9] == [None, 0.5, None], "NaN is logged as missing"


def _line(charter: Charter, **changes: Any) -> bytes:
    data = json.loads(_block(charter, {"age": [30, 31], "workclass": ["a", "b"]}, 2))
    for key, value in changes.items():
        if value is None:
            del data[key]
        else:
            data[key] = value
    return json.dumps(data).encode() + b"\n"


@pytest.mark.parametrize(
    ("case", "make"),
    [
        ("row line", lambda c: PredictionRecord(
            request_id="row", model="adult-income", version=2, source="served",
            inputs={"age": 1}, outputs={"score": 0.5}, latency_ms=1.0, at=AT,
        ).to_json().encode() + b"\n"),
        ("torn line", lambda c: _line(c)[:40] + b"\n"),
        ("version as text", lambda c: _line(c, version="two")),
        ("unknown source", lambda c: _line(c, source="guess")),
        ("another zone", lambda c: _line(c).replace(b"+00:00", b"+02:00")),
        ("short column", lambda c: _line(c, inputs={"age": [30], "workclass": ["a", "b"]})),
        ("date-like text", lambda c: _line(c, inputs={"age": [1, 2], "d": ["2026-01-01"] * 2})),
        ("long integer", lambda c: _line(c, inputs={"age": [2**63, 1], "workclass": ["a", "b"]})),
        ("integer beside fractions", lambda c: _line(c, outputs={"s": [2**53 + 1, 0.5]})),
        ("nested long integer", lambda c: _line(c, outputs={"s": [[1, 2**64], []]})),
        ("null request id", lambda c: _line(c, request_ids=["r", None])),
        ("no time", lambda c: _line(c, at=None)),
        ("blank line", lambda c: _line(c) + b"\n"),
        ("two objects on a line", lambda c: _line(c)[:-1] + _line(c)),
    ],
)  # fmt: skip
def test_lines_arrow_cannot_take_exactly_go_line_by_line(
    charter: Charter, case: str, make: Any
) -> None:
    from charter.predlog import LOG_SCHEMA
    from charter.predlog.columnar import read_blocks

    good = _line(charter)
    assert read_blocks(good, LOG_SCHEMA) is not None
    assert read_blocks(good + make(charter), LOG_SCHEMA) is None, case


def test_a_chunk_of_objects_that_are_no_blocks_is_counted_bad_not_raised(
    tmp_path: Path,
) -> None:
    from charter.predlog import LOG_SCHEMA
    from charter.predlog.columnar import read_blocks

    junk = b'{"x": 1}\n{"x": 2, "inputs": 3}\n'
    assert read_blocks(junk, LOG_SCHEMA) is None
    spool, log = tmp_path / "spool", tmp_path / "log"
    with SpoolWriter(spool) as writer:
        writer.append_encoded(junk)
    result = compact(spool, log)
    assert (result.bad_lines, result.records_written) == (2, 0)


def test_a_column_missing_from_some_lines_is_null_there_either_way(
    charter: Charter, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = b"".join(
        [
            _line(charter),
            _line(charter, inputs={"age": [5, 6]}, request_ids=["x", "y"]),
            _line(charter, inputs={}, outputs={"error": ["bad"] * 2}, request_ids=["e", "f"]),
        ]
    )
    fast, slow = _both_paths(lines, monkeypatch)
    ((key, table),) = slow.items()
    assert fast[key].equals(table)
    inputs = table.column("inputs").combine_chunks()
    assert inputs.field("workclass").to_pylist()[2:4] == [None] * 2
    assert inputs.is_null().to_pylist() == [False] * 4 + [True] * 2, "no inputs: read as {}"
