"""Bad policies and bad stored state give a clear error, never a traceback; the CLI renders
decisions as a table or JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from policy_kit import MODEL, bare_registry, charter_text, end_of, points
from sqlalchemy import text
from typer.testing import CliRunner

from charter.cli.main import app
from charter.errors import ContractError, NotFoundError, StorageError
from charter.policies import evaluate_policies
from charter.registry import Registry
from charter.store import RegistryStore, open_artifact_store
from charter.store.sql import SqlRegistryStore

DRIFT = "{metric: drift.psi.max, above: 0.25, action: alert}"
TYPO = "{metric: drift.psy.max, above: 0.25, action: alert}"


def _cli(db_url: str, tmp_path: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        app, ["--home", str(tmp_path / "home"), "policies", MODEL, *args],
        env={"CHARTER_DB_URL": db_url, "COLUMNS": "200"},
    )  # fmt: skip
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert "Traceback" not in result.output
    return result.exit_code, result.output


def test_unknown_metric_is_a_clear_error(
    registry_store: RegistryStore, tmp_path: Path, db_url: str
) -> None:
    registry = bare_registry(registry_store, tmp_path, charter_text(TYPO))
    with pytest.raises(ContractError) as info:
        evaluate_policies(registry, MODEL)
    assert info.value.message == "adult-income@1 charter has 1 error"
    (issue,) = info.value.issues
    assert (
        issue.path,
        issue.message.split(";")[0],
    ) == (
        "policies[0].metric",
        "unknown metric 'drift.psy.max' (did you mean 'drift.psi.max'?)",
    )
    code, output = _cli(db_url, tmp_path)
    assert code == 2
    assert "contract_invalid:" in output and "unknown metric 'drift.psy.max'" in output


def test_malformed_policy_state_is_a_clear_error(
    registry_store: RegistryStore, tmp_path: Path, db_url: str
) -> None:
    registry = bare_registry(registry_store, tmp_path, charter_text(DRIFT))
    registry.store.record_points(points("drift.psi.max", [0.3]))
    (fired,) = evaluate_policies(registry, MODEL, now=end_of(0))
    assert fired.state == "fired"
    assert isinstance(registry_store, SqlRegistryStore)
    with registry_store.engine.begin() as connection:
        connection.execute(text("UPDATE policy_states SET evidence = '[1, 2]'"))
    message = (
        "the stored state of policy 'alert:drift.psi.max>0.25x1' of 'adult-income' is malformed: "
        "its evidence should be a JSON object, found list; delete that policy_states row to "
        "reset the policy"
    )
    with pytest.raises(StorageError) as info:
        evaluate_policies(registry, MODEL, now=end_of(0))
    assert message in info.value.message
    code, output = _cli(db_url, tmp_path)
    assert code == 2
    assert "storage_error:" in output and "is malformed" in output


def test_no_production_version_is_a_clear_error(
    registry_store: RegistryStore, tmp_path: Path
) -> None:
    registry = Registry(registry_store, open_artifact_store(str(tmp_path / "artifacts")))
    with pytest.raises(NotFoundError) as info:
        evaluate_policies(registry, MODEL)
    assert info.value.message == "model 'adult-income' is not registered"
    bare = bare_registry(registry_store, tmp_path, charter_text(DRIFT))
    bare.store.delete_alias(MODEL, "production", actor="test")
    with pytest.raises(NotFoundError) as info:
        evaluate_policies(bare, MODEL)
    assert (
        info.value.message
        == "model 'adult-income' has no production version; policies watch production only"
    )


def test_cli_table_json_and_dry_run(
    registry_store: RegistryStore, tmp_path: Path, db_url: str
) -> None:
    registry = bare_registry(registry_store, tmp_path, charter_text(DRIFT))
    registry.store.record_points(points("drift.psi.max", [0.3]))

    code, output = _cli(db_url, tmp_path, "--dry-run")
    assert code == 0
    assert "dry run" in output and "would fire" in output and "drift.psi.max > 0.25" in output
    assert registry.store.policy_firings(MODEL) == {}  # a dry run records nothing

    code, output = _cli(db_url, tmp_path, "--json")
    assert code == 0  # no webhook in the charter: the alert is logged only
    (decision,) = json.loads(output)["policies"]
    assert (
        decision["state"],
        decision["action"],
        decision["outcome"]["status"],
    ) == ("fired", "alert", "done")
    assert list(registry.store.policy_firings(MODEL)) == ["alert:drift.psi.max>0.25x1"]

    code, output = _cli(db_url, tmp_path)
    assert code == 0
    assert "holding" in output and "already fired" in output
