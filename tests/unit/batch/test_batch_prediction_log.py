"""Batch log blocks expand to spool records: the PII policy applied, one record per row."""

from __future__ import annotations

import json
from importlib import resources

import pandas as pd

from charter.batch.prediction_log import ROWS_PER_LINE, log_block, sampled
from charter.contract import parse_charter
from charter.predlog import LogPlan, apply_pii_policy, expand_line

KEY = b"k" * 32


def test_lines_parse_as_records_with_the_policy_applied() -> None:
    charter = parse_charter(
        (resources.files("charter.examples") / "adult_charter.yaml").read_text(encoding="utf-8")
    )
    inputs = pd.DataFrame(
        {
            "age": [39.0, None],
            "workclass": ["Private", None],
            "customer_id": ["c1", "c2"],
            "sex": ["Male", "Female"],
            "stray": ["x", "y"],
        }
    ).astype(object)
    outputs = pd.DataFrame({"score": [0.25, 0.75], "label": ["<=50K", ">50K"]})
    block = log_block(
        ["r:0", "r:1"],
        inputs,
        outputs,
        plan=LogPlan(charter, KEY),
        model="adult-income",
        version=2,
        run_id="r",
    )
    lines = block.decode().splitlines()
    assert len(lines) == 1 and block.endswith(b"\n")
    records = expand_line(lines[0])
    assert [r.request_id for r in records] == ["r:0", "r:1"]
    for record, row in zip(records, inputs.to_dict(orient="records"), strict=True):
        expected = apply_pii_policy(row, charter, hash_key=KEY)
        assert record.inputs == {k: (None if pd.isna(v) else v) for k, v in expected.items()}
        assert (record.source, record.run_id, record.version) == ("batch", "r", 2)
    assert records[1].outputs == {"score": 0.75, "label": ">50K"}
    assert json.loads(lines[0])["latency_ms"] is None
    assert "c1" not in block.decode() and "stray" not in block.decode()


def test_large_blocks_are_split_into_bounded_lines() -> None:
    charter = parse_charter(
        (resources.files("charter.examples") / "adult_charter.yaml").read_text(encoding="utf-8")
    )
    n = ROWS_PER_LINE * 2 + 5
    inputs = pd.DataFrame({"age": range(n)})
    outputs = pd.DataFrame({"score": [0.5] * n})
    ids = [f"r:{i}" for i in range(n)]
    block = log_block(
        ids, inputs, outputs, plan=LogPlan(charter, KEY), model="m", version=1, run_id="r"
    )
    lines = block.decode().splitlines()
    assert len(lines) == 3
    records = [record for line in lines for record in expand_line(line)]
    assert [r.request_id for r in records] == ids
    assert records[-1].inputs == {"age": n - 1}


def test_sampling_is_deterministic_per_request_id() -> None:
    ids = [f"run:{i}" for i in range(2_000)]
    kept = sampled(ids, 0.1)
    assert kept == sampled(ids, 0.1) and 120 < len(kept) < 280
    assert sampled(ids, 1.0) == list(range(2_000))
