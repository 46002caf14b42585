"""The registry commands as a user runs them: real processes, real files, exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from charter.examples.adult import ADULT_FEATURES, build_pipeline


def charter(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHARTER_")}
    env["CHARTER_USER"] = "e2e@bank.example"
    return subprocess.run(
        [sys.executable, "-m", "charter.cli.main", "--home", str(home), *args],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )


def test_register_then_list_versions_and_show(
    tmp_path: Path, adult_model_path: Path, adult_charter_path: Path, adult_sample_path: Path
) -> None:
    home = tmp_path / "home"
    done = charter(
        home,
        "register",
        str(adult_model_path),
        "--charter",
        str(adult_charter_path),
        "--sample",
        str(adult_sample_path),
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "adult-income@1"

    done = charter(
        home,
        "register",
        str(adult_model_path),
        "-c",
        str(adult_charter_path),
        "-s",
        str(adult_sample_path),
        "--json",
        "--by",
        "ana",
    )
    assert done.returncode == 0, done.stderr
    body = json.loads(done.stdout)
    assert body["ref"] == "adult-income@2"
    assert body["lineage"]["registered_by"] == "ana"
    assert body["artifact"]["sha256"] and body["stage"] == "candidate"

    models = json.loads(charter(home, "models", "--json").stdout)
    assert [(m["name"], m["latest_version"]) for m in models] == [("adult-income", 2)]

    versions = json.loads(charter(home, "versions", "adult-income", "--json").stdout)
    assert [v["version"] for v in versions] == [1, 2]
    assert [v["lineage"]["registered_by"] for v in versions] == ["e2e@bank.example", "ana"]

    shown = charter(home, "show", "adult-income@1")
    assert shown.returncode == 0
    assert "adult-income@1" in shown.stdout and "hours_per_week" in shown.stdout
    as_json = json.loads(charter(home, "show", "adult-income@1", "--json").stdout)
    assert [c["name"] for c in as_json["signature"]["inputs"]] == list(ADULT_FEATURES)
    assert "flavor_metadata" not in as_json["signature"]

    table = charter(home, "versions", "adult-income")
    assert "candidate" in table.stdout


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["show", "nobody@1"], "not_found", "nobody"),
        (["show", "bad ref!"], "data_invalid", "not a model reference"),
        (["versions", "nobody"], "not_found", "nobody"),
    ],
)
def test_lookup_errors_exit_2_without_traceback(
    tmp_path: Path, args: list[str], code: str, message: str
) -> None:
    done = charter(tmp_path / "home", *args)
    assert done.returncode == 2
    assert code in done.stderr and message in done.stderr
    assert "Traceback" not in done.stderr + done.stdout


def test_register_refuses_a_mismatched_model_naming_the_difference(
    tmp_path: Path, adult_charter_path: Path, adult_sample_path: Path
) -> None:
    sample = pd.read_parquet(adult_sample_path)
    features = (*ADULT_FEATURES, "sex")
    model = build_pipeline(features=features, max_iter=5).fit(
        sample[list(features)], sample["income"]
    )
    import joblib

    path = tmp_path / "uses-sex.joblib"
    joblib.dump(model, path)
    done = charter(
        tmp_path / "home",
        "register",
        str(path),
        "--charter",
        str(adult_charter_path),
        "--sample",
        str(adult_sample_path),
    )
    assert done.returncode == 2
    assert "signature_mismatch" in done.stderr
    assert "sex" in done.stderr
    assert "Traceback" not in done.stderr
    listed = charter(tmp_path / "home", "models", "--json")
    assert json.loads(listed.stdout) == []


@pytest.mark.parametrize(
    ("model", "message"),
    [
        ("missing.joblib", "missing.joblib"),
        ("corrupt.joblib", "corrupt.joblib"),
        ("no_such_module:fn", "no_such_module"),
    ],
)
def test_register_refuses_unloadable_models(
    tmp_path: Path, adult_charter_path: Path, adult_sample_path: Path, model: str, message: str
) -> None:
    (tmp_path / "corrupt.joblib").write_bytes(b"\x80\x04 definitely not a pickle")
    target = str(tmp_path / model) if model.endswith(".joblib") else model
    done = charter(
        tmp_path / "home",
        "register",
        target,
        "--charter",
        str(adult_charter_path),
        "--sample",
        str(adult_sample_path),
    )
    assert done.returncode == 2, done.stdout
    assert message in done.stderr
    assert "Traceback" not in done.stderr


def test_every_command_has_help_with_an_example() -> None:
    for command in (
        "register",
        "models",
        "versions",
        "show",
        "quickstart",
        "init",
        "check",
        "schema",
    ):
        done = subprocess.run(
            [sys.executable, "-m", "charter.cli.main", command, "--help"],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, command
        assert "Example" in done.stdout, command
