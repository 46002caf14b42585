"""``charter retire`` and ``charter inventory`` as a user runs them: refusals, JSON, CSV, HTML."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

import charter
from charter.cli.main import app
from charter.contract import charter_hash, parse_charter
from charter.store import NewValidationRun, NewVersion, open_registry_store

CHARTER = (Path(charter.__file__).parent / "examples" / "adult_charter.yaml").read_text("utf-8")
runner = CliRunner()


@pytest.fixture
def home(tmp_path: Path) -> Iterator[Path]:
    """adult-income@1 with a passing gate run by ci, registered by ds."""
    folder = tmp_path / "home"
    store = open_registry_store(f"sqlite:///{folder / 'charter.db'}")
    digest = charter_hash(parse_charter(CHARTER))
    store.create_version(
        NewVersion(
            model_name="adult-income",
            flavor="sklearn",
            artifact_uri="file:///m/1",
            artifact_sha256=f"{1:064x}",
            artifact_size=1,
            signature={},
            charter_hash=digest,
            charter_content=CHARTER,
            registered_by="ds@bank.example",
        )
    )
    store.record_validation_run(
        NewValidationRun("adult-income", 1, digest, "pass", {"checks": []}, "fp", "ci")
    )
    store.close()
    yield folder


def cli(home: Path, *args: str, user: str = "ops@bank.example") -> tuple[int, str, str]:
    result = runner.invoke(app, ["--home", str(home), *args], env={"CHARTER_USER": user})
    return result.exit_code, result.stdout, result.stderr


def test_inventory_then_retire_refuses_promotion_and_lists_it_retired(
    home: Path, tmp_path: Path
) -> None:
    for role, person in (("validation", "val@b"), ("privacy", "dpo@b"), ("business", "own@b")):
        assert cli(home, "approve", "adult-income@1", "--role", role, user=person)[0] == 0

    code, out, _ = cli(home, "inventory", "--json")
    assert code == 0
    (entry,) = json.loads(out)["models"]
    assert (entry["name"], entry["tier"], entry["stage"]) == ("adult-income", "medium", "candidate")
    assert (entry["last_validation_status"], entry["last_validated_by"]) == ("pass", "ci")
    assert entry["approvals"] == {"validation": "val@b", "privacy": "dpo@b", "business": "own@b"}
    assert entry["is_retired"] is False

    code, out, _ = cli(home, "retire", "adult-income", "--reason", "replaced", user="cro@b")
    assert code == 0 and "adult-income retired by cro@b: replaced" in out
    code, _, err = cli(home, "promote", "adult-income@1", "--to", "production")
    assert code == 2
    assert "refused by rule 'retired-is-final': adult-income was retired on " in err

    page = tmp_path / "inventory.html"
    code, out, _ = cli(home, "inventory", "--csv", "--html", str(page))
    assert code == 0
    (row,) = list(csv.DictReader(io.StringIO(out)))
    assert (row["name"], row["stage"], row["is_retired"]) == ("adult-income", "retired", "True")
    assert (row["retired_by"], row["retire_reason"]) == ("cro@b", "replaced")
    html = page.read_text(encoding="utf-8")
    assert "<h2>Retired models</h2>" in html and "replaced" in html and "<svg" in html
    assert "<script" not in html

    code, out, _ = cli(home, "inventory")
    assert code == 0 and "retired: adult-income" in out


def test_retire_without_a_reason_or_with_an_unknown_successor_is_a_clear_error(
    home: Path,
) -> None:
    code, _, err = cli(home, "retire", "adult-income", "--reason", "")
    assert code == 2 and "The 'reason' parameter of retire" in err
    code, _, err = cli(home, "retire", "adult-income", "--reason", "x", "--successor", "nope")
    assert code == 2 and "the successor 'nope' is not a registered model" in err
    code, _, err = cli(home, "retire", "ghost", "--reason", "x")
    assert code == 2 and "ghost" in err
