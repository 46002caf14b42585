"""Batch log lines are spool records: same JSON as ``PredictionRecord``, PII policy applied."""

from __future__ import annotations

import json
from importlib import resources

import pandas as pd

from charter.batch.prediction_log import log_lines, sampled
from charter.contract import parse_charter
from charter.predlog import PredictionRecord, apply_pii_policy

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
    lines = log_lines(
        ["r:0", "r:1"],
        inputs,
        outputs,
        charter=charter,
        hash_key=KEY,
        model="adult-income",
        version=2,
        run_id="r",
    )
    records = [PredictionRecord.from_json(line) for line in lines]
    assert [r.request_id for r in records] == ["r:0", "r:1"]
    for record, row in zip(records, inputs.to_dict(orient="records"), strict=True):
        expected = apply_pii_policy(row, charter, hash_key=KEY)
        assert record.inputs == {k: (None if pd.isna(v) else v) for k, v in expected.items()}
        assert (record.source, record.run_id, record.version) == ("batch", "r", 2)
    assert records[1].outputs == {"score": 0.75, "label": ">50K"}
    assert json.loads(lines[0])["latency_ms"] is None


def test_sampling_is_deterministic_per_request_id() -> None:
    ids = [f"run:{i}" for i in range(2_000)]
    kept = sampled(ids, 0.1)
    assert kept == sampled(ids, 0.1) and 120 < len(kept) < 280
    assert sampled(ids, 1.0) == list(range(2_000))
