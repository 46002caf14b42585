"""Small seeded Adult-like data, charter stand-ins and models trained once per session."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler


@dataclass(frozen=True)
class Feature:
    """Duck-typed stand-in for charter.contract's FeatureSpec."""

    type: str
    nullable: bool = False
    min: float | None = None
    max: float | None = None
    categories: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Sensitive:
    """Duck-typed stand-in for charter.contract's SensitiveSpec."""

    allow_as_input: bool = False


NUMERIC = ["age", "education_num", "hours_per_week", "capital_gain"]
CATEGORICAL = ["workclass"]

FEATURES: dict[str, Feature] = {
    "age": Feature("integer", min=17, max=100),
    "workclass": Feature("category", nullable=True),
    "education_num": Feature("integer", min=1, max=16),
    "hours_per_week": Feature("integer", min=1, max=99),
    "capital_gain": Feature("number", min=0),
}
SENSITIVE: dict[str, Sensitive] = {"sex": Sensitive()}


def make_adult_like(n: int = 300, seed: int = 0) -> pd.DataFrame:
    """Adult-shaped rows: integer, number and category features, ``sex``, ``income``."""
    rng = np.random.default_rng(seed)
    age = rng.integers(17, 80, n)
    education_num = rng.integers(1, 17, n)
    hours = rng.integers(10, 80, n)
    gain = np.round(rng.exponential(800.0, n), 2)
    workclass = rng.choice(np.array(["Private", "Self-emp", "Gov", None], dtype=object), n)
    sex = rng.choice(["Male", "Female"], n)
    logit = 0.06 * (age - 40) + 0.35 * (education_num - 10) + 0.8 * (workclass == "Self-emp")
    income = np.where(rng.random(n) < 1 / (1 + np.exp(-logit)), ">50K", "<=50K")
    return pd.DataFrame(
        {
            "age": age,
            "workclass": pd.array(workclass, dtype="str"),
            "education_num": education_num,
            "hours_per_week": hours,
            "capital_gain": gain,
            "sex": sex,
            "income": income,
        }
    )


@pytest.fixture(scope="session")
def adult() -> pd.DataFrame:
    return make_adult_like()


@pytest.fixture
def features() -> dict[str, Feature]:
    return dict(FEATURES)


@pytest.fixture(scope="session")
def pipeline(adult: pd.DataFrame) -> Pipeline:
    """One-hot + scaled numerics + logistic regression, fitted on a DataFrame."""
    model = Pipeline(
        [
            (
                "prep",
                ColumnTransformer(
                    [
                        ("cat", OneHotEncoder(handle_unknown="ignore"), CATEGORICAL),
                        ("num", StandardScaler(), NUMERIC),
                    ]
                ),
            ),
            ("clf", LogisticRegression(max_iter=1000)),
        ]
    )
    return model.fit(adult[NUMERIC + CATEGORICAL], adult["income"])


@pytest.fixture(scope="session")
def tree_frame(adult: pd.DataFrame) -> pd.DataFrame:
    """Features with ``workclass`` as pandas ``category``, as tree libraries are trained."""
    frame = adult[NUMERIC + CATEGORICAL].copy()
    frame["workclass"] = frame["workclass"].astype("category")
    return frame


@pytest.fixture(scope="session")
def y01(adult: pd.DataFrame) -> np.ndarray:
    """The target as 0/1 (XGBoost classifiers need numeric labels)."""
    return (adult["income"] == ">50K").astype(int).to_numpy()


@pytest.fixture
def make_feature() -> Callable[..., Feature]:
    return Feature


@pytest.fixture
def make_sensitive() -> Callable[..., Sensitive]:
    return Sensitive


@pytest.fixture
def sensitive() -> dict[str, Sensitive]:
    return dict(SENSITIVE)
