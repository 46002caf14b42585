"""``charter log compact|purge`` and ``charter serve --help`` as a user runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
from sklearn.pipeline import Pipeline

from charter.config import Settings
from charter.predlog import (
    PredictionRecord,
    SpoolWriter,
    default_log_dir,
    default_spool_dir,
    read_log,
)
from charter.registry import Registry


def charter(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHARTER_")}
    return subprocess.run(
        [sys.executable, "-m", "charter.cli.main", "--home", str(home), *args],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )


def test_log_compact_then_purge_enforces_the_charters_retention(
    tmp_path: Path, adult_model: Pipeline, adult_sample: pd.DataFrame, adult_charter_path: Path
) -> None:
    home = tmp_path / "home"
    settings = Settings.from_env({}, home=home)
    with Registry.open(settings) as registry:
        version = registry.register(adult_model, charter=adult_charter_path, sample=adult_sample)
        registry.store.set_alias(version.model_name, "production", version.version, actor="e2e")
    now = datetime.now(UTC)
    ages = {"fresh": timedelta(days=1), "kept": timedelta(days=399), "old": timedelta(days=402)}
    with SpoolWriter(default_spool_dir(home)) as writer:
        writer.append(
            [
                PredictionRecord(
                    name, "adult-income", 1, "served", {}, {"score": 0.5}, 1.0, now - age
                )
                for name, age in ages.items()
            ]
        )
    compacted = charter(home, "log", "compact", "--json")
    assert compacted.returncode == 0, compacted.stderr
    assert json.loads(compacted.stdout)["records_written"] == 3
    purged = charter(home, "log", "purge", "--json")
    assert purged.returncode == 0, purged.stderr
    assert json.loads(purged.stdout)[0]["partitions_removed"] == 1  # retention: 400d
    left = read_log(default_log_dir(home), "adult-income")["request_id"].to_pylist()
    assert sorted(left) == ["fresh", "kept"]
    forced = charter(home, "log", "purge", "--older-than", "2d")
    assert forced.returncode == 0 and "removed 1 day(s)" in forced.stdout
    assert read_log(default_log_dir(home), "adult-income")["request_id"].to_pylist() == ["fresh"]


def test_serve_help_lists_its_options(tmp_path: Path) -> None:
    done = charter(tmp_path, "serve", "--help")
    assert done.returncode == 0
    for option in ("--port", "--workers", "--models", "--batch-max-rows", "--no-onnx"):
        assert option in done.stdout
