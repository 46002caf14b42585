"""examples/ci/github-actions.yml: its charter commands exist; a failed gate fails the job."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import typer
import yaml
from sklearn.pipeline import Pipeline
from typer.testing import CliRunner

from charter.cli.main import app
from charter.datasets import load_adult

WORKFLOW = Path(__file__).resolve().parents[2] / "examples" / "ci" / "github-actions.yml"
_CALL = re.compile(r"(?:^|\$\()\s*(charter\s[^)\n]*)")


def _workflow() -> dict[Any, Any]:
    data = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _charter_calls() -> list[list[str]]:
    """Every ``charter …`` command line in the workflow's ``run`` steps, split like a shell."""
    calls = []
    for job in _workflow()["jobs"].values():
        for step in job["steps"]:
            script = str(step.get("run", "")).replace("\\\n", " ")
            calls += [shlex.split(match) for match in _CALL.findall(script)]
    return calls


def _resolve(tokens: list[str]) -> tuple[Any, list[str]]:
    """The click command a call names, and the arguments after the command path."""
    command: Any = typer.main.get_command(app)
    rest = tokens[1:]
    while hasattr(command, "commands") and rest and rest[0] in command.commands:
        command, rest = command.commands[rest[0]], rest[1:]
    assert not hasattr(command, "commands"), f"{' '.join(tokens)}: names a group, not a command"
    return command, rest


def test_pull_requests_run_the_gate() -> None:
    workflow = _workflow()
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as True
    assert "pull_request" in triggers
    names = [" ".join(call[:2]) for call in _charter_calls()]
    assert names == ["charter check", "charter register", "charter validate"]


@pytest.mark.parametrize("call", _charter_calls(), ids=lambda call: " ".join(call[:2]))
def test_every_command_and_option_exists(call: list[str]) -> None:
    command, rest = _resolve(call)
    known = {opt for param in command.params for opt in (*param.opts, *param.secondary_opts)}
    used = {token.split("=", 1)[0] for token in rest if token.startswith("-")}
    assert used <= known, f"{' '.join(call)}: unknown options {sorted(used - known)}"
    for param in command.params:
        if param.required and param.param_type_name == "option":
            assert used & set(param.opts), f"{' '.join(call)}: misses {param.opts[0]}"


def _gate_call() -> list[str]:
    [call] = [c for c in _charter_calls() if c[:2] == ["charter", "validate"]]
    return call


@pytest.mark.slow  # the whole gate, latency probe (a fresh process) included: ~50 s of CPU
def test_the_workflows_gate_command_exits_1_on_a_failing_model(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    adult_model: Pipeline,
    adult_sample: pd.DataFrame,
    adult_charter_path: Path,
) -> None:
    """The same command line, in a repository whose charter the model cannot meet."""
    monkeypatch.chdir(tmp_path)
    text = adult_charter_path.read_text(encoding="utf-8")
    text = text.replace("roc_auc: {min: 0.85}", "roc_auc: {min: 0.99}")  # out of reach
    text = text.replace("  latency: {p99_ms: 50}", "  latency: {p99_ms: 100000}\n  bootstrap: 40")
    Path("charter.yaml").write_text(text, encoding="utf-8")
    Path("data").mkdir()
    adult_sample.to_parquet("data/train.parquet", index=False)
    load_adult().test.sample(n=1_000, random_state=5).to_parquet("data/holdout.parquet")
    import joblib

    joblib.dump(adult_model, "model.joblib")
    runner = CliRunner()
    home = ["--home", str(tmp_path / ".charter-ci")]
    [register] = [c for c in _charter_calls() if c[:2] == ["charter", "register"]]
    registered = runner.invoke(app, [*home, *register[1:]])
    assert registered.exit_code == 0, registered.output
    ref = registered.stdout.strip()
    gate = [ref if token == "$REF" else token for token in _gate_call()[1:]]
    result = runner.invoke(app, [*home, *gate])
    assert result.exit_code == 1, result.output
    assert "Gate FAIL" in result.stdout
    assert (tmp_path / "gate-report" / "gate.html").is_file()
