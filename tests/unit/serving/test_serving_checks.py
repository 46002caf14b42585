"""The fast request check agrees with ``validate_frame`` + ``coerce_frame`` on every row."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from charter.contract import Charter, load_charter
from charter.data import validate_frame
from charter.models import coerce_frame
from charter.serving import RequestValidationError
from charter.serving.checks import RowRules


@pytest.fixture(scope="module")
def charter(adult_charter_path: Path) -> Charter:
    return load_charter(adult_charter_path)


def _slow(charter: Charter, row: dict[str, Any]) -> dict[str, np.ndarray] | None:
    frame = pd.DataFrame({k: pd.Series([v], dtype=object) for k, v in row.items()})
    check = validate_frame(frame, charter.features)
    if not check.is_valid:
        return None
    coerced = coerce_frame(check.frame, charter.features)
    return {c: coerced[c].to_numpy() for c in coerced.columns}


values = st.one_of(
    st.none(),
    st.integers(-5, 120),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.sampled_from(["Private", "Bachelors", "", " ", "39", "United-States", "Married-civ-spouse"]),
    st.booleans(),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_fast_and_slow_paths_agree(charter: Charter, adult_sample: pd.DataFrame, data: Any) -> None:
    base = adult_sample[list(charter.features)].iloc[data.draw(st.integers(0, 50))]
    row = {
        k: (None if pd.isna(v) else (v.item() if hasattr(v, "item") else v))
        for k, v in base.items()
    }
    for name in data.draw(st.lists(st.sampled_from(list(charter.features)), max_size=3)):
        row[name] = data.draw(values)
    rules = RowRules(charter.features)
    expected = _slow(charter, row)
    if expected is None:
        with pytest.raises(RequestValidationError):
            rules.clean({k: [v] for k, v in row.items()}, 1)
        return
    got = rules.clean({k: [v] for k, v in row.items()}, 1)
    assert list(got) == list(expected)
    for name in expected:
        assert pd.Series(got[name]).equals(pd.Series(expected[name])), name
