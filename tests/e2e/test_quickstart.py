"""The README's first command, run as a newcomer would."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def test_quickstart_runs_and_is_rerunnable(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHARTER_")}
    # The latency check measures wall-clock time, and tests must not depend on timing: it has
    # its own tests on injected numbers (tests/unit/validation) and a structural e2e test.
    cmd = [
        sys.executable,
        "-m",
        "charter.cli.main",
        "quickstart",
        "--dir",
        str(tmp_path / "qs"),
        "--skip",
        "latency",
    ]
    first = subprocess.run(cmd, capture_output=True, text=True, timeout=600, env=env)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "adult-income@1" in first.stdout
    assert (tmp_path / "qs" / "charter.yaml").is_file()

    second = subprocess.run(cmd, capture_output=True, text=True, timeout=600, env=env)
    assert second.returncode == 0, second.stdout + second.stderr
    assert "adult-income@2" in second.stdout

    listed = subprocess.run(
        [
            sys.executable,
            "-m",
            "charter.cli.main",
            "--home",
            str(tmp_path / "qs" / ".charter"),
            "versions",
            "adult-income",
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    versions = json.loads(listed.stdout)
    assert [v["version"] for v in versions] == [1, 2]
    assert versions[0]["lineage"]["registered_by"] == "data-scientist@bank.example"
