"""``charter run`` as an operator runs it: killed mid-pass and restarted, it neither skips nor
repeats a monitoring window; SIGTERM stops it after the job in hand; ``--once`` is idempotent."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path

import pandas as pd
import pytest
import yaml
from sklearn.pipeline import Pipeline

from adult_log import MODEL, drifted, log_rows
from charter.config import Settings
from charter.datasets import load_adult
from charter.registry import Registry
from charter.store.ports_scheduler import JobSlot

HOUR = timedelta(hours=1)
WINDOWS = 5
# The traffic fills the last five whole hours: the scheduler monitors every closed window up to
# now, so older traffic would leave it hours of empty windows to catch up on.
T0 = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - WINDOWS * HOUR


def _command(home: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "charter.cli.main", "--home", str(home), "run", *args]


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("CHARTER_")}


def _home(tmp_path: Path, model: Pipeline, sample: pd.DataFrame) -> Path:
    """A home whose model is in production under an hourly-window charter, with 5 past hours of
    logged traffic (the last two drifted)."""
    home = tmp_path / "home"
    data = yaml.safe_load(
        (resources.files("charter.examples") / "adult_charter.yaml").read_text("utf-8")
    )
    data["monitoring"]["window"] = "1h"
    data["policies"] = [{"metric": "drift.psi.max", "above": 0.25, "action": "alert"}]
    path = tmp_path / "charter.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    with Registry.open(Settings.from_env(home=home, environ={})) as registry:
        version = registry.register(model, charter=path, sample=sample, registered_by="ds@bank")
        registry.store.set_alias(MODEL, "production", version.version, actor="test")
    rows = load_adult().test.reset_index(drop=True)
    for hour in range(WINDOWS):
        chunk = rows.iloc[hour * 300 : (hour + 1) * 300] if hour < 3 else drifted(rows, 300, hour)
        log_rows(home, model, chunk, start=T0 + hour * HOUR, prefix=f"h{hour}-")
    return home


def _slots(home: Path) -> list[JobSlot]:
    with Registry.open(Settings.from_env(home=home, environ={})) as registry:
        return registry.store.list_jobs(MODEL, "monitor")


def _wait_for(home: Path, done: int, process: subprocess.Popen[str], limit: float = 600) -> None:
    deadline = time.monotonic() + limit
    while sum(s.status == "done" for s in _slots(home)) < done:
        assert process.poll() is None, process.communicate()[0]
        assert time.monotonic() < deadline, f"fewer than {done} windows done in {limit} s"
        time.sleep(0.05)


@pytest.mark.timeout(1200)  # every window runs the full default checks, in fresh processes
def test_killed_and_restarted_it_neither_skips_nor_repeats_a_window(
    tmp_path: Path, adult_model: Pipeline, adult_sample: pd.DataFrame
) -> None:
    home = _home(tmp_path, adult_model, adult_sample)
    first = subprocess.Popen(
        _command(home, "--interval", "1s"), env=_env(), text=True,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        _wait_for(home, 2, first)
    finally:
        first.kill()  # SIGKILL: no chance to finish the window in hand
        first.communicate(timeout=60)
    before = {s.slot: s for s in _slots(home)}
    done_before = {slot for slot, s in before.items() if s.status == "done"}
    assert 2 <= len(done_before) < WINDOWS  # killed in the middle of the pass
    # Done strictly in order: the windows done are the first ones.
    assert done_before == {T0 + h * HOUR for h in range(len(done_before))}

    second = subprocess.run(
        _command(home, "--once", "--json"), env=_env(), capture_output=True, text=True, timeout=900
    )
    assert second.returncode == 0, second.stdout + second.stderr
    report = json.loads(second.stdout)
    redone = [datetime.fromisoformat(j["slot"]) for j in report["jobs"] if j["job"] == "monitor"]
    # The restart does exactly the windows not done before: none skipped, none repeated (one
    # more hour may have closed while the test ran).
    after = _slots(home)
    assert len(after) >= WINDOWS
    assert redone == [T0 + h * HOUR for h in range(len(done_before), len(after))]
    assert [(s.slot, s.status) for s in after] == [
        (T0 + h * HOUR, "done") for h in range(len(after))
    ]
    for slot in after:  # a window the killed run held is taken over: its second attempt
        expected = 2 if slot.slot in before and slot.slot not in done_before else 1
        assert slot.attempts == expected
    # The drift alert fired once, on the first drifted window, across both processes.
    fired = [s.slot for s in after if s.detail["fired"]]
    assert fired == [T0 + 3 * HOUR]

    again = subprocess.run(
        _command(home, "--once", "--json"), env=_env(), capture_output=True, text=True, timeout=300
    )
    assert again.returncode == 0, again.stdout + again.stderr
    assert [j["job"] for j in json.loads(again.stdout)["jobs"]] == ["compact"]


@pytest.mark.timeout(900)
def test_sigterm_stops_after_the_job_in_hand(
    tmp_path: Path, adult_model: Pipeline, adult_sample: pd.DataFrame
) -> None:
    home = _home(tmp_path, adult_model, adult_sample)
    process = subprocess.Popen(
        _command(home, "--interval", "1s"), env=_env(), text=True,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    _wait_for(home, 1, process)
    process.send_signal(signal.SIGTERM)
    output, _ = process.communicate(timeout=300)
    assert process.returncode == 0, output
    assert "charter run: stopped" in output
    slots = _slots(home)
    assert all(s.status == "done" for s in slots)  # the window in hand was finished
    assert len(slots) < WINDOWS  # and no new one started after the signal
