"""Training entry points for the retrain tests: one that cannot rank anyone, one that crashes."""

from __future__ import annotations

import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.dummy import DummyClassifier
from sklearn.pipeline import Pipeline

from charter.examples.adult import ADULT_FEATURES, ADULT_TARGET


def constant_model(data: pd.DataFrame) -> Pipeline:
    """Predicts the base rate for everyone: a ROC AUC of 0.5, which no gate lets through."""
    columns = ColumnTransformer([("numbers", "passthrough", ["age"])])
    model = Pipeline([("columns", columns), ("model", DummyClassifier(strategy="prior"))])
    return model.fit(data[list(ADULT_FEATURES)], data[ADULT_TARGET].astype(str))


def broken(data: pd.DataFrame) -> Pipeline:
    raise RuntimeError("the feature store is down")
