"""The governance commands as a user runs them: exit codes, refusals naming rules, files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

import charter
from charter.cli.main import app
from charter.contract import charter_hash, parse_charter
from charter.store import NewValidationRun, NewVersion, open_registry_store
from charter.store.sql import SqlRegistryStore

CHARTER = (Path(charter.__file__).parent / "examples" / "adult_charter.yaml").read_text("utf-8")
runner = CliRunner()


@pytest.fixture
def home(tmp_path: Path) -> Iterator[Path]:
    """A registry with adult-income@1 (gate passed) and @2 (gate failed), registered by ds."""
    folder = tmp_path / "home"
    store = open_registry_store(f"sqlite:///{folder / 'charter.db'}")
    digest = charter_hash(parse_charter(CHARTER))
    for index, status in ((1, "pass"), (2, "fail")):
        store.create_version(
            NewVersion(
                model_name="adult-income",
                flavor="sklearn",
                artifact_uri=f"file:///m/{index}",
                artifact_sha256=f"{index:064x}",
                artifact_size=1,
                signature={},
                charter_hash=digest,
                charter_content=CHARTER,
                registered_by="ds@bank.example",
            )
        )
        store.record_validation_run(
            NewValidationRun("adult-income", index, digest, status, {"checks": []}, "fp", "ci")
        )
    store.close()
    yield folder


def cli(home: Path, *args: str, user: str = "ops@bank.example") -> tuple[int, str, str]:
    result = runner.invoke(app, ["--home", str(home), *args], env={"CHARTER_USER": user})
    return result.exit_code, result.stdout, result.stderr


def test_sign_off_promote_rollback_and_archive(home: Path) -> None:
    code, _, err = cli(home, "promote", "adult-income@1", "--to", "production")
    assert code == 2
    assert "refused by rule 'production-ready': missing approval by role 'validation'; " in err

    code, _, err = cli(home, "approve", "adult-income@1", "--role", "legal", user="x@bank")
    assert (code, "refused by rule 'known-role'" in err) == (2, True)
    code, _, err = cli(
        home, "approve", "adult-income@1", "--role", "privacy", user="ds@bank.example"
    )
    assert (code, "refused by rule 'four-eyes'" in err) == (2, True)
    code, _, err = cli(home, "approve", "adult-income@2", "--role", "privacy", user="dpo@bank")
    assert (code, "refused by rule 'gate-passed'" in err) == (2, True)

    for role in ("validation", "privacy", "business"):
        code, out, err = cli(
            home,
            "approve",
            "adult-income@1",
            "--role",
            role,
            "--by",
            f"{role}@bank",
            "--note",
            "reviewed",
            "--evidence",
            "https://tickets/1",
        )
        assert code == 0, err
    assert "ready for production" in out

    code, out, _ = cli(home, "promote", "adult-income@1", "--to", "production", "--json")
    assert code == 0 and json.loads(out)["target"] == "production"
    code, _, err = cli(home, "rollback", "adult-income")
    assert (code, "refused by rule 'rollback-target'" in err) == (2, True)

    code, out, _ = cli(home, "archive", "adult-income@2", "--reason", "failed the gate")
    assert (code, out.strip()) == (0, "adult-income@2 archived")
    code, _, err = cli(home, "promote", "adult-income@2", "--to", "shadow")
    assert (code, "refused by rule 'archived-is-final'" in err) == (2, True)

    code, out, _ = cli(home, "audit", "log", "adult-income", "--json")
    events = json.loads(out)
    actions = [e["action"] for e in events]
    assert actions.count("approval.refused") == 3 and "version.promoted" in actions
    refused = [e for e in events if e["action"] == "approval.refused"]
    assert [e["actor"] for e in refused] == ["x@bank", "ds@bank.example", "dpo@bank"]


def test_tokens_from_the_terminal(home: Path) -> None:
    code, out, _ = cli(home, "tokens", "create", "--role", "approver:privacy", "--json")
    created = json.loads(out)
    assert code == 0 and created["token"].startswith("chr_") and "token_hash" not in created
    code, out, _ = cli(home, "tokens", "list", "--json")
    assert [t["role"] for t in json.loads(out)] == ["approver:privacy"]
    assert created["token"] not in out
    assert cli(home, "tokens", "revoke", str(created["id"]))[0] == 0
    code, _, err = cli(home, "tokens", "create", "--role", "root")
    assert (code, "must be viewer, deployer, admin or approver:ROLE" in err) == (2, True)


def test_audit_verify_export_and_tampering(home: Path, tmp_path: Path) -> None:
    code, out, _ = cli(home, "audit", "verify")
    assert (code, out.strip()) == (0, "audit chain intact: 4 events, chain intact")
    target = tmp_path / "audit.jsonl"
    assert cli(home, "audit", "export", "-o", str(target))[0] == 0
    assert [json.loads(line)["seq"] for line in target.read_text().splitlines()] == [1, 2, 3, 4]

    store = open_registry_store(f"sqlite:///{home / 'charter.db'}")
    assert isinstance(store, SqlRegistryStore)
    with store.engine.begin() as connection:
        connection.execute(text("UPDATE audit_events SET actor = 'mallory' WHERE seq = 2"))
    store.close()
    code, _, err = cli(home, "audit", "verify")
    assert code == 1
    assert "audit chain broken at event 2: event 2 was modified" in err


def test_card_and_webhooks(home: Path, tmp_path: Path) -> None:
    page = tmp_path / "card.html"
    code, _, err = cli(home, "card", "adult-income@1", "--html", "-o", str(page))
    assert code == 0, err
    assert "Model card: adult-income@1" in page.read_text()
    code, out, _ = cli(home, "card", "adult-income@2")
    assert code == 0 and "## Gate results" in out

    code, out, _ = cli(
        home, "webhooks", "add", "http://127.0.0.1:9/hook", "-e", "version.promoted", "--json"
    )
    hook = json.loads(out)
    assert (code, hook["events"], hook["secret_env"]) == (
        0,
        ["version.promoted"],
        "CHARTER_WEBHOOK_SECRET",
    )
    assert cli(home, "webhooks", "remove", str(hook["id"]))[0] == 0
    code, _, err = cli(home, "webhooks", "add", "ftp://nope")
    assert (code, "must start with http:// or https://" in err) == (2, True)


def test_the_installed_command_wires_governance(home: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHARTER_")}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "charter.cli.main",
            "--home",
            str(home),
            "audit",
            "verify",
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["ok"] is True
