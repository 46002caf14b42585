"""``charter init``, ``check`` and ``schema`` end to end, through the real Typer app."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from charter.cli.main import app

ADULT = Path(__file__).resolve().parents[3] / "shared" / "datasets" / "adult_train.csv"
MALFORMED = Path(__file__).resolve().parents[1] / "unit" / "contract" / "malformed_charter.yaml"

runner = CliRunner()


@pytest.fixture
def workdir(tmp_path: Path) -> Iterator[Path]:
    """Run each test in its own empty folder, as a user would."""
    old = Path.cwd()
    os.chdir(tmp_path)
    try:
        yield tmp_path
    finally:
        os.chdir(old)


def _run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


@pytest.mark.skipif(not ADULT.exists(), reason="shared Adult data not available")
def test_init_from_adult_then_check_passes(workdir: Path) -> None:
    shutil.copy(ADULT, workdir / "adult_train.csv")
    code, out = _run(
        "init",
        "--from-data",
        "adult_train.csv",
        "--name",
        "adult-income",
        "--target",
        "income",
        "--sensitive",
        "sex,race",
    )
    assert code == 0, out
    assert "Wrote charter.yaml" in out
    text = (workdir / "charter.yaml").read_text()
    assert "\n  sex:" in text and "  sex: {type" not in text
    assert 'positive: ">50K"' in text
    code, out = _run("check")
    assert code == 0, out
    assert "charter.yaml is valid: model adult-income, 12 features" in out


def test_init_without_data_writes_a_valid_template(workdir: Path) -> None:
    code, out = _run("init", "--name", "churn", "-o", "churn.yaml", "--sensitive", "sex")
    assert code == 0, out
    code, out = _run("check", "churn.yaml")
    assert code == 0, out


def test_init_refuses_to_overwrite_without_force(workdir: Path) -> None:
    (workdir / "charter.yaml").write_text("keep me")
    code, out = _run("init", "--name", "churn")
    assert code == 2
    assert "charter.yaml already exists; pass --force to overwrite it" in out
    assert (workdir / "charter.yaml").read_text() == "keep me"
    code, _ = _run("init", "--name", "churn", "--force")
    assert code == 0


def test_init_reports_bad_columns_and_files(workdir: Path) -> None:
    (workdir / "d.csv").write_text("a,b,y\n1,x,0\n2,y,1\n")
    code, out = _run("init", "--from-data", "d.csv", "--target", "nope")
    assert code == 2 and "--target names nope, not a column of d.csv; columns are: a, b, y" in out
    code, out = _run("init", "--from-data", "d.csv")
    assert code == 2 and "--target is required with --from-data" in out
    code, out = _run("init", "--from-data", "missing.csv", "--target", "y")
    assert code == 2 and "cannot read missing.csv" in out
    code, out = _run("init", "--from-data", "d.csv", "--target", "y", "--id", "b")
    assert code == 0, out


def test_check_malformed_lists_every_error_with_line(workdir: Path) -> None:
    shutil.copy(MALFORMED, workdir / "charter.yaml")
    code, out = _run("check")
    assert code == 1
    assert "Traceback" not in out
    for expected in (
        "decision.horizn: unknown key 'horizn' (did you mean 'horizon'?) (line 9)",
        "decision.horizon: 30d is shorter than the lead time 90d",
        "features.age.min: must be below max (min 70, max 17) (line 17)",
        "features.sex: 'sex' is a sensitive attribute",
        "policies[1].metric: unknown metric 'drift.bogus'",
        "charter.yaml has 7 errors, 0 warnings",
    ):
        assert expected in out


def test_check_json(workdir: Path) -> None:
    shutil.copy(MALFORMED, workdir / "charter.yaml")
    code, out = _run("check", "--json")
    assert code == 1
    body = json.loads(out)
    assert body["ok"] is False and body["warnings"] == []
    assert body["errors"][0] == {
        "path": "decision.horizn",
        "message": "unknown key 'horizn' (did you mean 'horizon'?)",
        "line": 9,
        "severity": "error",
    }


@pytest.mark.parametrize(
    "content",
    [
        bytes(range(256)),
        b"\x00\x01\x02garbage",
        b"a: " + b"[" * 3000,
        b"- - - - - [{{{{]]]]\n\t\t:::",
        b"charter: 1\nmodel: " + b"x" * 10_000,
        b"{" * 50 + b"}" * 50,
        b"&a [*a]",
        b"",
    ],
    ids=["all-bytes", "nul", "deep", "symbols", "long", "braces", "recursive-alias", "empty"],
)
def test_check_never_prints_a_traceback(workdir: Path, content: bytes) -> None:
    (workdir / "charter.yaml").write_bytes(content)
    code, out = _run("check")
    assert code in (1, 2)
    assert "Traceback" not in out
    code, out = _run("check", "--json")
    assert code in (1, 2)
    json.loads(out)


def test_check_directory_or_missing_file_exits_2(workdir: Path) -> None:
    code, out = _run("check", str(workdir))
    assert code == 2 and "Is a directory" in out
    code, out = _run("check", "nope.yaml")
    assert code == 2 and "cannot read nope.yaml" in out
    code, out = _run("check", "nope.yaml", "--json")
    assert code == 2 and json.loads(out)["error"] == "contract_invalid"


def test_check_no_import_skips_the_entrypoint(workdir: Path) -> None:
    _run("init", "--name", "churn")
    with (workdir / "charter.yaml").open("a") as handle:
        handle.write("retraining: {entrypoint: 'cli_contract_missing_mod:fit'}\n")
    code, out = _run("check")
    assert code == 1 and "module 'cli_contract_missing_mod' not found" in out
    code, _ = _run("check", "--no-import")
    assert code == 0


def test_warnings_do_not_fail_check(workdir: Path) -> None:
    _run("init", "--name", "churn")
    path = workdir / "charter.yaml"
    path.write_text(path.read_text().replace("tier: low", "tier: high"))
    text = path.read_text().replace("  revalidate_every: 365d\n", "")
    path.write_text(text)
    code, out = _run("check")
    assert code == 0, out
    assert "warning risk.revalidate_every" in out


def test_schema_prints_and_writes_valid_json(workdir: Path) -> None:
    code, out = _run("schema")
    assert code == 0
    schema = json.loads(out)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    code, _ = _run("schema", "-o", "charter.schema.json")
    assert code == 0
    assert json.loads((workdir / "charter.schema.json").read_text()) == schema


def test_help_texts_show_examples() -> None:
    for command in ("init", "check", "schema"):
        code, out = _run(command, "--help")
        assert code == 0 and "Examples:" in out and f"charter {command}" in out


def test_console_script_runs_check(workdir: Path) -> None:
    shutil.copy(MALFORMED, workdir / "charter.yaml")
    out = subprocess.run(
        [sys.executable, "-m", "charter.cli.main", "check"], capture_output=True, text=True
    )
    assert out.returncode == 1
    assert "Traceback" not in out.stdout + out.stderr
    assert "(line 17)" in out.stdout
