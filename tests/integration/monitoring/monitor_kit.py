"""Helpers for the monitoring tests: an Adult registry, spooled predictions, drifted rows.

A plain module (not ``conftest.py``) so it never shadows another folder's ``conftest``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from sklearn.pipeline import Pipeline

from adult_log import MODEL, drifted, log_rows, write_records
from charter.registry import Registry
from charter.store import open_artifact_store, open_registry_store

__all__ = ["MODEL", "drifted", "log_rows", "open_adult_registry", "write_records"]


def open_adult_registry(
    home: Path, model: Pipeline, charter_path: Path, sample: pd.DataFrame
) -> Registry:
    """A fresh SQLite registry under ``home`` with ``adult-income@1`` registered."""
    store = open_registry_store(f"sqlite:///{home / 'charter.db'}")
    registry = Registry(store, open_artifact_store(str(home / "artifacts")))
    registry.register(model, charter=charter_path, sample=sample, registered_by="ds@bank")
    return registry
