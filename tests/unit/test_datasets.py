from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from charter.datasets import ADULT_ATTRIBUTION, load_adult

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "datasets"


@pytest.mark.skipif(not SHARED.is_dir(), reason="shared Adult data not available")
def test_load_adult_matches_the_shared_originals() -> None:
    data = load_adult()
    assert data.train.shape == (32_561, 15)
    assert data.test.shape == (16_281, 15)
    original = pd.read_csv(f"{SHARED}/adult_test.csv", na_values=["?"])
    assert list(data.test.columns) == list(original.columns)
    assert data.test["age"].tolist() == original["age"].tolist()
    assert data.test["workclass"].isna().sum() == original["workclass"].isna().sum() > 0
    assert set(data.train["income"]) == {"<=50K", ">50K"}


def test_adult_attribution_names_the_licence() -> None:
    assert "CC BY 4.0" in ADULT_ATTRIBUTION
    assert "10.24432/C5XW20" in ADULT_ATTRIBUTION
