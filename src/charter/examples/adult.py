"""The Adult income model used by the quickstart, the examples and the retraining demo.

A plain scikit-learn pipeline, written the way a data scientist would: impute and one-hot encode
the categories, leave numbers as they are, fit a histogram gradient-boosted classifier.
"""

from __future__ import annotations

import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder

__all__ = [
    "ADULT_CATEGORICAL",
    "ADULT_FEATURES",
    "ADULT_NUMERIC",
    "ADULT_SENSITIVE",
    "ADULT_TARGET",
    "build_pipeline",
    "train_model",
]

ADULT_NUMERIC = (
    "age",
    "education_num",
    "capital_gain",
    "capital_loss",
    "hours_per_week",
)
ADULT_CATEGORICAL = (
    "workclass",
    "education",
    "marital_status",
    "occupation",
    "relationship",
    "native_country",
)
ADULT_FEATURES = (
    "age",
    "workclass",
    "education",
    "education_num",
    "marital_status",
    "occupation",
    "relationship",
    "capital_gain",
    "capital_loss",
    "hours_per_week",
    "native_country",
)
ADULT_SENSITIVE = ("sex", "race")
ADULT_TARGET = "income"


def build_pipeline(
    *,
    features: tuple[str, ...] = ADULT_FEATURES,
    max_iter: int = 200,
    random_state: int = 0,
) -> Pipeline:
    """An unfitted pipeline over ``features`` (numeric ones pass through untouched)."""
    categorical = [c for c in features if c not in ADULT_NUMERIC]
    numeric = [c for c in features if c in ADULT_NUMERIC]
    encode = make_pipeline(
        SimpleImputer(strategy="constant", fill_value="missing"),
        # Every category gets its own column (no min_frequency): ONNX converters can then
        # compile the pipeline, which serving uses for sub-millisecond scoring.
        OneHotEncoder(handle_unknown="ignore", sparse_output=False),
    )
    columns = ColumnTransformer(
        [("categories", encode, categorical), ("numbers", "passthrough", numeric)],
        verbose_feature_names_out=False,
    )
    model = HistGradientBoostingClassifier(
        max_iter=max_iter, learning_rate=0.08, random_state=random_state
    )
    return Pipeline([("columns", columns), ("model", model)])


def train_model(data: pd.DataFrame) -> Pipeline:
    """Fit the Adult pipeline on ``data`` (the charter's retraining entry point)."""
    frame = data.dropna(subset=[ADULT_TARGET])
    pipeline = build_pipeline()
    pipeline.fit(frame[list(ADULT_FEATURES)], frame[ADULT_TARGET].astype(str))
    return pipeline
