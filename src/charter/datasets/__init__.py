"""Real data shipped with Charter for the quickstart, examples, tests and benchmarks.

UCI Adult (Census Income): Becker, B. & Kohavi, R. (1996). Adult. UCI Machine Learning Repository,
https://doi.org/10.24432/C5XW20. Licensed CC BY 4.0; see ``files/README.md`` beside this module.
"""

from __future__ import annotations

from importlib import resources
from typing import NamedTuple

import pandas as pd

__all__ = ["ADULT_ATTRIBUTION", "AdultData", "load_adult"]

ADULT_ATTRIBUTION = (
    "UCI Adult (Census Income): Becker, B. & Kohavi, R. (1996). UCI Machine Learning Repository, "
    "https://doi.org/10.24432/C5XW20. Licence: CC BY 4.0."
)

_CATEGORICAL = (
    "workclass",
    "education",
    "marital_status",
    "occupation",
    "relationship",
    "race",
    "sex",
    "native_country",
    "income",
)


class AdultData(NamedTuple):
    """The Adult train (32,561 rows) and test (16,281 rows) sets."""

    train: pd.DataFrame
    test: pd.DataFrame


def _read(name: str) -> pd.DataFrame:
    source = resources.files("charter.datasets") / "files" / name
    with resources.as_file(source) as path:
        frame = pd.read_csv(path, na_values=["?"], keep_default_na=False, compression="gzip")
    for column in _CATEGORICAL:
        # Plain object columns with NaN for missing: what pandas itself reads from a file and what
        # a flavor's coerce_frame passes at serving time, so training and serving see one marker.
        frame[column] = frame[column].astype(object)
    return frame


def load_adult() -> AdultData:
    """Load UCI Adult from the compressed copy in the package; ``?`` becomes a missing value.

    The ``income`` column (``<=50K`` / ``>50K``) is the target; ``sex`` and ``race`` are the
    sensitive attributes commonly used for fairness checks.
    """
    return AdultData(train=_read("adult_train.csv.gz"), test=_read("adult_test.csv.gz"))
