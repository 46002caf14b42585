"""Real processes racing and dying: distinct version numbers, nothing half-registered."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from charter.config import Settings
from charter.registry import Registry

pytestmark = pytest.mark.slow


def _env(home: Path, db_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env["CHARTER_HOME"] = str(home)
    env["CHARTER_DB_URL"] = db_url
    env["CHARTER_USER"] = "ci"
    return env


def _register_cmd(model: Path, charter: Path, sample: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "charter.cli.main",
        "register",
        str(model),
        "--charter",
        str(charter),
        "--sample",
        str(sample),
    ]


def _open(home: Path, db_url: str) -> Registry:
    return Registry.open(Settings.from_env(_env(home, db_url)))


def test_two_processes_registering_at_once_get_distinct_versions(
    db_url: str,
    tmp_path: Path,
    adult_model_path: Path,
    adult_charter_path: Path,
    adult_sample_path: Path,
) -> None:
    home = tmp_path / "home"
    env = _env(home, db_url)
    script = (
        "import sys\n"
        "from charter.cli.main import app\n"
        "for _ in range(3):\n"
        "    try:\n"
        "        app(sys.argv[1:], standalone_mode=False)\n"
        "    except SystemExit as e:\n"
        "        if e.code: raise\n"
    )
    args = _register_cmd(adult_model_path, adult_charter_path, adult_sample_path)[3:]
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", script, *args],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=240) for p in procs]
    for proc, (_out, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err
        assert "Traceback" not in err
    printed = sorted(line for out, _ in outputs for line in out.split())
    assert printed == [f"adult-income@{n}" for n in range(1, 7)]
    with _open(home, db_url) as registry:
        versions = registry.versions("adult-income")
        assert [v.version for v in versions] == [1, 2, 3, 4, 5, 6]
        for version in versions:
            assert registry.load(version).classes == ("<=50K", ">50K")


def test_sigkill_during_registration_leaves_no_half_registered_version(
    db_url: str,
    tmp_path: Path,
    adult_model_path: Path,
    adult_charter_path: Path,
    adult_sample_path: Path,
) -> None:
    home = tmp_path / "home"
    env = _env(home, db_url)
    cmd = _register_cmd(adult_model_path, adult_charter_path, adult_sample_path)
    # Kill at a spread of moments: during start-up, while checking the model, while writing the
    # artifact and while committing. Whatever was killed must leave the registry consistent.
    delays = [0.3, 0.8, 1.2, 1.6, 2.0, 2.5, 3.0, 3.6]
    for delay in delays:
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=60)

    with _open(home, db_url) as registry:
        before = registry.versions("adult-income") if registry.models() else []
        for version in before:  # everything visible is whole: its artifact loads, its charter too
            assert registry.load(version).classes == ("<=50K", ">50K")
            assert registry.charter_of(version).model == "adult-income"
        numbers = [v.version for v in before]
        assert numbers == list(range(1, len(numbers) + 1))

    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"adult-income@{len(numbers) + 1}"
