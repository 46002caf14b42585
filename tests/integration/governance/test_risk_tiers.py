"""Validation in proportion to risk: a high-tier model needs its mandatory checks and an
independent validator before production (the real gate on the Adult model; SQLite only, as
storage is covered elsewhere)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from governance_seed import REVIEWERS, RecordingNotifier
from sklearn.pipeline import Pipeline

from charter.datasets import load_adult
from charter.errors import ConflictError, PermissionDeniedError
from charter.governance import GovernanceService
from charter.registry import Registry
from charter.store import open_artifact_store, open_registry_store
from charter.validation import validate
from charter.validation.risk_checks import HOLDOUT_CHECK, MANDATORY_CHECK

DEVELOPER = "ds@bank.example"
VALIDATOR = "val@bank.example"
FAST = ("latency", "explainability")  # neither is mandatory for any tier


@pytest.fixture
def registry(sqlite_url: str, tmp_path: Path) -> Iterator[Registry]:
    with Registry(open_registry_store(sqlite_url), open_artifact_store(str(tmp_path / "a"))) as reg:
        yield reg


@pytest.fixture(scope="module")
def holdout() -> pd.DataFrame:
    return load_adult().test.sample(n=1_500, random_state=5).reset_index(drop=True)


@pytest.fixture
def high_charter(adult_charter_path: Path, tmp_path: Path) -> Path:
    text = adult_charter_path.read_text(encoding="utf-8").replace("tier: medium", "tier: high")
    path = tmp_path / "high.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_high_tier_model_needs_its_mandatory_checks_and_an_independent_validator(
    registry: Registry,
    adult_model: Pipeline,
    adult_sample: pd.DataFrame,
    high_charter: Path,
    holdout: pd.DataFrame,
) -> None:
    version = registry.register(
        adult_model, charter=high_charter, sample=adult_sample, registered_by=DEVELOPER
    )
    governance = GovernanceService(registry.store, notifier=RecordingNotifier())

    skipped = validate(registry, version.ref, holdout, skip=(*FAST, "fairness"), run_by=VALIDATOR)
    mandatory = skipped.check(MANDATORY_CHECK)
    assert (skipped.status, mandatory.verdict) == ("fail", "fail")
    assert mandatory.reason == (
        "risk tier high requires the fairness check(s), which did not run (skipped, or the "
        "charter sets no thresholds for them)"
    )
    with pytest.raises(ConflictError, match="refused by rule 'gate-passed'"):
        governance.approve(version.ref, role="validation", by=VALIDATOR)

    by_developer = validate(registry, version.ref, holdout, skip=FAST, run_by=DEVELOPER)
    assert by_developer.passed, [c.name for c in by_developer.failures]
    assert by_developer.check(MANDATORY_CHECK).verdict == "pass"
    with pytest.raises(PermissionDeniedError, match="refused by rule 'four-eyes'"):
        governance.approve(version.ref, role="validation", by=DEVELOPER)
    for role, person in REVIEWERS.items():
        governance.approve(version.ref, role=role, by=person)
    with pytest.raises(ConflictError) as info:
        governance.promote(version.ref, to="production", by="ops@bank.example")
    assert "an independent gate run (run 2 was run by ds@bank.example, who registered" in str(
        info.value
    )

    independent = validate(registry, version.ref, holdout, skip=FAST, run_by=VALIDATOR)
    assert independent.passed
    assert governance.readiness(version.ref).is_ready  # same charter: the approvals still count
    governance.promote(version.ref, to="production", by="ops@bank.example")
    assert registry.store.get_alias("adult-income", "production").version == version.version


def test_a_holdout_below_the_tier_minimum_fails_the_gate(
    registry: Registry,
    adult_model: Pipeline,
    adult_sample: pd.DataFrame,
    high_charter: Path,
    holdout: pd.DataFrame,
) -> None:
    version = registry.register(
        adult_model, charter=high_charter, sample=adult_sample, registered_by=DEVELOPER
    )
    report = validate(
        registry, version.ref, holdout.head(600), skip=FAST, run_by=VALIDATOR, store_result=False
    )
    check = report.check(HOLDOUT_CHECK)
    assert (report.status, check.verdict, check.value) == ("fail", "fail", 600)
    assert check.reason == "risk tier high needs a holdout of at least 1000 rows; got 600"
