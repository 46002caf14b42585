"""Callable models for the gate's tests: importable as ``gate_models:<name>`` from ``tests/``."""

from __future__ import annotations

import numpy as np
import pandas as pd


def refuses_missing(frame: pd.DataFrame) -> np.ndarray:
    """A plausible income score that raises on any missing value, as many hand-written models do."""
    missing = [str(c) for c in frame.columns if frame[c].isna().any()]
    if missing:
        raise ValueError(f"Input contains NaN in column {missing[0]}")
    married = frame["marital_status"].astype(str).str.startswith("Married").to_numpy()
    z = (
        -7.5
        + 0.04 * frame["age"].to_numpy(dtype=float)
        + 0.3 * frame["education_num"].to_numpy(dtype=float)
        + 2.0 * married
        + 0.0003 * frame["capital_gain"].to_numpy(dtype=float)
    )
    return 1.0 / (1.0 + np.exp(-z))
