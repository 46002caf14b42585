"""Two OS processes promoting at once: one wins, the other gets a conflict, one production."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from governance_seed import ready_version

from charter.governance import GovernanceService, verify_audit

pytestmark = pytest.mark.slow

WORKER = Path(__file__).with_name("promotion_worker.py")


def test_racing_promotions_from_two_processes(
    service: GovernanceService, db_url: str, tmp_path: Path
) -> None:
    ready_version(service, 1)
    ready_version(service, 2)
    go = tmp_path / "go"
    racers = [
        subprocess.Popen(
            [sys.executable, str(WORKER), db_url, ref, str(go)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for ref in ("adult-income@1", "adult-income@2")
    ]
    try:
        for racer in racers:
            assert racer.stdout is not None
            assert racer.stdout.readline().strip() == "checked"
        go.touch()  # both have read "no production"; now both commit
        outcomes = [racer.communicate(timeout=120)[0].strip() for racer in racers]
    finally:
        for racer in racers:
            if racer.poll() is None:
                racer.kill()
                racer.communicate()

    assert sorted(o.split(":")[0] for o in outcomes) == ["conflict", "won"]
    loser = next(o for o in outcomes if o.startswith("conflict"))
    assert "refused by rule 'single-production'" in loser and "another promotion won" in loser
    production = [v for v in service.store.list_versions("adult-income") if v.stage == "production"]
    assert len(production) == 1
    assert service.store.get_alias("adult-income", "production").version == production[0].version
    actions = [e.action for e in service.store.list_events("adult-income")]
    assert (actions.count("version.promoted"), actions.count("promotion.refused")) == (1, 1)
    assert verify_audit(service.store).ok
