"""Log ids of a request's rows: the request id alone, or one numbered id per row."""

from __future__ import annotations

import pytest

from charter.serving.service import row_ids


def test_single_row_keeps_the_request_id() -> None:
    assert row_ids("req-1", 1) == ["req-1"]


@pytest.mark.parametrize("n_rows", [2, 100, 1024, 1025, 3000])
def test_rows_are_numbered_from_zero_past_the_precomputed_suffixes(n_rows: int) -> None:
    assert row_ids("abc", n_rows) == [f"abc-{i}" for i in range(n_rows)]
