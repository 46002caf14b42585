"""Factories for charter tests: a minimal valid charter as a mapping, and helpers to check it."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from charter.contract.loader import CheckResult, evaluate_charter

SHARED = Path(__file__).resolve().parents[4] / "shared"
EXAMPLE = SHARED / "charter.example.yaml"
ADULT = SHARED / "datasets" / "adult_train.csv"

MINIMAL: dict[str, Any] = {
    "charter": 1,
    "model": "churn",
    "owner": "team@example.com",
    "purpose": "Find customers about to leave.",
    "decision": {"action": "call the customer", "lead_time": "7d", "horizon": "30d"},
    "risk": {"tier": "low"},
    "task": "binary_classification",
    "target": {"column": "churned", "positive": "yes"},
    "features": {
        "age": {"type": "integer", "min": 18, "max": 99},
        "plan": {"type": "category", "categories": ["basic", "premium"]},
    },
}


@pytest.fixture
def example_path() -> Path:
    """The shared example charter for Adult (skips when the shared folder is absent)."""
    if not EXAMPLE.exists():
        pytest.skip("shared example charter not available")
    return EXAMPLE


@pytest.fixture(scope="session")
def adult() -> Any:
    """The real UCI Adult training data (skips when the shared folder is absent)."""
    if not ADULT.exists():
        pytest.skip("shared Adult data not available")
    import pandas as pd

    return pd.read_csv(ADULT)


@pytest.fixture
def adult_path() -> Path:
    """Path of the Adult training CSV (skips when absent)."""
    if not ADULT.exists():
        pytest.skip("shared Adult data not available")
    return ADULT


@pytest.fixture
def minimal() -> dict[str, Any]:
    """A fresh deep copy of a minimal valid charter mapping, to modify in a test."""
    return copy.deepcopy(MINIMAL)


@pytest.fixture
def check_data() -> Callable[[dict[str, Any]], CheckResult]:
    """Dump a mapping to YAML and check it, as ``charter check`` would."""

    def check(data: dict[str, Any]) -> CheckResult:
        return evaluate_charter(yaml.safe_dump(data, sort_keys=False))

    return check


@pytest.fixture
def errors_of(
    check_data: Callable[[dict[str, Any]], CheckResult],
) -> Callable[[dict[str, Any]], dict[str, str]]:
    """Check a mapping and return ``{path: message}`` for its errors."""

    def errors(data: dict[str, Any]) -> dict[str, str]:
        return {i.path: i.message for i in check_data(data).errors}

    return errors
