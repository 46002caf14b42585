"""Engines map a function over partitions in order and report each result."""

from __future__ import annotations

import pytest

from charter.engines import LocalEngine, open_engine
from charter.errors import DataError


def test_local_engine_maps_in_order_and_reports_each_result() -> None:
    seen: list[tuple[int, int]] = []
    with open_engine("local") as engine:
        assert isinstance(engine, LocalEngine) and not engine.is_distributed
        assert engine.map(
            lambda x: x * x, [1, 2, 3], on_result=lambda i, r: seen.append((i, r))
        ) == [1, 4, 9]
    assert seen == [(0, 1), (1, 4), (2, 9)]


def test_unknown_engines_and_stray_schedulers_are_refused() -> None:
    with pytest.raises(
        DataError, match=r"The 'engine' parameter must be one of local, dask\. Got 'spark'"
    ):
        open_engine("spark")
    with pytest.raises(DataError, match="only applies to --engine dask"):
        open_engine("local", scheduler="tcp://127.0.0.1:8786")


def test_an_unreachable_scheduler_is_a_clear_error() -> None:
    pytest.importorskip("distributed")
    from charter.engines.dask import DaskEngine

    with pytest.raises(DataError, match=r"cannot reach the Dask scheduler at tcp://127\.0\.0\.1:1"):
        DaskEngine("tcp://127.0.0.1:1", connect_timeout_s=0.5)
