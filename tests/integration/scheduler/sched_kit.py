"""Helpers for the scheduler tests: the Adult charter reshaped, and a registry in production.

A plain module (not ``conftest.py``) so it never shadows another folder's ``conftest``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from charter.registry import Registry
from charter.store import VersionRecord, open_artifact_store, open_registry_store

MODEL = "adult-income"
T0 = datetime(2026, 3, 2, tzinfo=UTC)  # a Monday, 00:00 UTC
HOUR = timedelta(hours=1)


def charter_text(**changes: Any) -> str:
    """The Adult charter with top-level sections replaced (``monitoring__window="1h"`` sets one
    key inside a section)."""
    data = yaml.safe_load(
        (resources.files("charter.examples") / "adult_charter.yaml").read_text("utf-8")
    )
    for key, value in changes.items():
        section, _, inner = key.partition("__")
        if inner:
            data[section][inner] = value
        else:
            data[section] = value
    return yaml.safe_dump(data, sort_keys=False)


def write_charter(folder: Path, text: str) -> Path:
    path = folder / "charter.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def production_registry(
    home: Path, model: object, charter: Path, sample: pd.DataFrame, *, url: str | None = None
) -> tuple[Registry, VersionRecord]:
    """A registry under ``home`` whose first version is in production."""
    store = open_registry_store(url or f"sqlite:///{home / 'charter.db'}")
    registry = Registry(store, open_artifact_store(str(home / "artifacts")))
    version = registry.register(model, charter=charter, sample=sample, registered_by="ds@bank")
    store.set_alias(MODEL, "production", version.version, actor="test")
    return registry, version
