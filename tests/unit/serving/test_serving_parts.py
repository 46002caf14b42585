"""Metrics exposition, the adaptive batcher and ONNX compilation with verification."""

from __future__ import annotations

import asyncio
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from charter.contract import load_charter
from charter.examples.adult import ADULT_FEATURES, build_pipeline
from charter.models import coerce_frame, wrap_model
from charter.serving import AdaptiveBatcher, BatchOptions, MetricsRegistry, compile_onnx
from charter.serving.metrics import Histogram


def test_prometheus_text_format() -> None:
    metrics = MetricsRegistry()
    metrics.requests.inc("m", "1", "oip", "200")
    metrics.latency.observe(0.003, "m", "1")
    metrics.in_flight.inc()
    text = metrics.render()
    assert 'charter_requests_total{model="m",version="1",protocol="oip",status="200"} 1' in text
    assert 'charter_request_duration_seconds_bucket{model="m",version="1",le="0.0025"} 0' in text
    assert 'charter_request_duration_seconds_bucket{model="m",version="1",le="0.005"} 1' in text
    assert 'charter_request_duration_seconds_bucket{model="m",version="1",le="+Inf"} 1' in text
    assert "charter_in_flight_requests 1" in text
    histogram = Histogram("h", "help", ("a",))
    histogram.observe(1.0, 'quo"te')
    assert 'h_count{a="quo\\"te"} 1' in "\n".join(histogram.render())


def test_batcher_counts_rows_and_splits_results() -> None:
    calls: list[int] = []

    def score(columns: dict[str, np.ndarray]) -> np.ndarray:
        calls.append(len(columns["x"]))
        return columns["x"] * 2

    async def run() -> list[np.ndarray]:
        batcher = AdaptiveBatcher(score, BatchOptions(max_rows=8, max_wait_ms=20))
        sizes = [1, 3, 2, 5, 1]
        jobs = [
            batcher.submit({"x": np.arange(n, dtype=float) + 10 * i}, n)
            for i, n in enumerate(sizes)
        ]
        results = await asyncio.gather(*jobs)
        await batcher.close()
        return results

    results = asyncio.run(run())
    assert [r.tolist() for r in results] == [
        [0.0], [20.0, 22.0, 24.0], [40.0, 42.0], [60.0, 62.0, 64.0, 66.0, 68.0], [80.0]
    ]  # fmt: skip
    assert all(c <= 8 for c in calls) and sum(calls) == 12 and len(calls) < 5


@pytest.mark.parametrize("min_frequency", [None, 20], ids=["convertible", "infrequent"])
def test_onnx_compilation_is_kept_only_when_scores_match(
    adult_sample: pd.DataFrame, adult_charter_path: Path, min_frequency: int | None
) -> None:
    pytest.importorskip("skl2onnx")
    charter = load_charter(adult_charter_path)
    model = build_pipeline(max_iter=20)
    encoder = model.named_steps["columns"].transformers[0][1].steps[-1][1]
    encoder.set_params(min_frequency=min_frequency)
    model.fit(adult_sample[list(ADULT_FEATURES)], adult_sample["income"])
    loaded = wrap_model(model)
    frame = coerce_frame(adult_sample.iloc[:300], charter.features)
    columns = {c: frame[c].to_numpy() for c in frame.columns}
    expected = loaded.predict_scores(frame, positive=">50K")
    compiled, note = compile_onnx(loaded, charter.features, columns, expected, positive=">50K")
    if min_frequency is None:
        assert compiled is not None, note
        assert np.abs(compiled.scores(columns) - expected).max() <= 1e-5
        assert note.startswith("onnx (max |delta score|")
    else:
        assert compiled is None
        assert note.startswith("conversion failed: NotImplementedError: Infrequent categories")
