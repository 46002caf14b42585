"""Loading charter.yaml: line numbers, every error at once, YAML pitfalls, unreadable files."""

from __future__ import annotations

import random
import textwrap
from pathlib import Path

import pytest

from charter.contract import check_charter, load_charter, parse_charter
from charter.contract.loader import evaluate_charter
from charter.errors import ContractError, ContractIssue

MALFORMED = Path(__file__).with_name("malformed_charter.yaml")

VALID = textwrap.dedent(
    """\
    charter: 1
    model: churn
    owner: team@example.com
    purpose: Find customers about to leave.
    decision: {action: call, lead_time: 7d, horizon: 30d}
    risk: {tier: low}
    task: binary_classification
    target: {column: churned, positive: "yes"}
    features:
      age: {type: integer, min: 18, max: 99}
    """
)


def _issues(text: str) -> list[tuple[str, str, int | None]]:
    return [(i.path, i.message, i.line) for i in evaluate_charter(text).issues]


def test_malformed_fixture_lists_every_error_with_path_and_line() -> None:
    result = check_charter(MALFORMED)
    assert result.charter is None
    assert [(i.path, i.line) for i in result.errors] == [
        ("decision.horizn", 9),
        ("decision.horizon", 10),
        ("features.age.min", 17),
        ("features.hours.min", 18),
        ("features.sex", 19),
        ("outputs.score", 24),
        ("policies[1].metric", 27),
    ]
    messages = {i.path: i.message for i in result.errors}
    assert messages["decision.horizn"] == "unknown key 'horizn' (did you mean 'horizon'?)"
    assert messages["outputs.score"] == (
        "duplicate key 'score' (first written at line 23); YAML would silently keep only the "
        "last one"
    )
    assert str(result.errors[2]) == "features.age.min: must be below max (min 70, max 17) (line 17)"


def test_load_charter_raises_with_all_issues_and_a_count() -> None:
    with pytest.raises(ContractError) as info:
        load_charter(MALFORMED)
    assert info.value.message == "malformed_charter.yaml has 7 errors"
    assert len(info.value.issues) == 7
    assert all(isinstance(i, ContractIssue) for i in info.value.issues)


def test_four_kinds_of_errors_are_reported_together() -> None:
    text = (
        VALID.replace("risk: {tier: low}", "risk: {tier: 3, tierr: low}").replace(
            "horizon: 30d", "horizon: 1d"
        )
        + "sensitive:\n  age: {}\n"
    )
    issues = _issues(text)
    assert ("risk.tier", "expected 'high', 'medium' or 'low'; got 3", 6) in issues
    assert ("risk.tierr", "unknown key 'tierr' (did you mean 'tier'?)", 6) in issues
    assert any(
        p == "decision.horizon" and "shorter than the lead time 7d" in m for p, m, _ in issues
    )
    assert any(p == "features.age" and "sensitive attribute" in m for p, m, _ in issues)


def test_line_numbers_of_nested_keys_and_list_items() -> None:
    text = VALID + textwrap.dedent(
        """\
        monitoring:
          window: 1d
          drift:
            warn: 0.5
            alert: 0.1
        policies:
          - metric: drift.psi.max
            above: 0.3
            action: alert
          - metric: drift.psi.max
            action: alert
        """
    )
    assert _issues(text) == [
        ("monitoring.drift.warn", "warn (0.5) must not be above alert (0.1)", 14),
        ("policies[1]", "give exactly one of above or below", 20),
    ]


def test_missing_key_points_at_its_section() -> None:
    text = VALID.replace(
        "decision: {action: call, lead_time: 7d, horizon: 30d}",
        "decision:\n  action: call\n  lead_time: 7d",
    )
    assert _issues(text) == [("decision.horizon", "missing required key 'horizon'", 5)]


def test_missing_top_level_key_has_no_line() -> None:
    text = VALID.replace("owner: team@example.com\n", "")
    assert _issues(text) == [("owner", "missing required key 'owner'", None)]


def test_unknown_top_level_key_suggests_the_right_one() -> None:
    assert _issues(VALID + "featurs: {}\n") == [
        ("featurs", "unknown key 'featurs' (did you mean 'features'?)", 11)
    ]


def test_unknown_key_without_close_match_lists_allowed_keys() -> None:
    issues = _issues(VALID.replace("risk: {tier: low}", "risk: {tier: low, colour: red}"))
    assert issues == [
        ("risk.colour", "unknown key 'colour'; expected one of: tier, factors, revalidate_every", 6)
    ]


def test_wrong_type_says_what_arrived() -> None:
    issues = _issues(VALID.replace("age: {type: integer, min: 18, max: 99}", "age: [1, 2]"))
    assert issues == [("features.age", "expected a mapping of keys; got a list", 10)]


def test_literal_typo_gets_a_suggestion() -> None:
    issues = _issues(VALID.replace("binary_classification", "binary_clasification"))
    path, message, line = issues[0]
    assert (path, line) == ("task", 7)
    assert message.endswith("got 'binary_clasification' (did you mean 'binary_classification'?)")


def test_duplicate_keys_are_errors_at_any_depth() -> None:
    text = VALID + "model: other\n"
    assert _issues(text) == [
        (
            "model",
            "duplicate key 'model' (first written at line 2); YAML would silently keep "
            "only the last one",
            11,
        )
    ]


def test_yaml_syntax_error_is_one_issue_with_a_line() -> None:
    issues = _issues(VALID + "monitoring:\n  window: [1d\n")
    assert len(issues) == 1
    path, message, line = issues[0]
    assert path == "" and message.startswith("invalid YAML:") and line == 13


def test_tabs_and_unbalanced_quotes_are_syntax_errors() -> None:
    assert _issues("charter: 1\n\tmodel: x\n")[0][2] == 2
    assert _issues('model: "unterminated\n')[0][1].startswith("invalid YAML")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the file is empty; a charter starts with 'charter: 1'"),
        ("# only a comment\n", "the file is empty; a charter starts with 'charter: 1'"),
        (
            "- a\n- b\n",
            "the top level must be a mapping of sections (charter, model, owner, ...); got a list",
        ),
        (
            "just text",
            "the top level must be a mapping of sections (charter, model, owner, "
            "...); got 'just text'",
        ),
    ],
)
def test_empty_or_non_mapping_file(text: str, message: str) -> None:
    assert [m for _, m, _ in _issues(text)] == [message]


def test_yaml_1_1_pitfalls_are_disabled() -> None:
    text = (
        VALID.replace('positive: "yes"', "positive: no")
        + "delivery:\n  batch:\n"
        + ("    schedule: '@daily'\n    deadline: 18:30\n")
    )
    charter = parse_charter(text)
    assert charter.target.positive == "no"
    assert charter.delivery.batch is not None and charter.delivery.batch.deadline == "18:30"


def test_python_tags_are_refused() -> None:
    issues = _issues(VALID + "alerts: !!python/object:os.system {}\n")
    assert issues[0][1].startswith("invalid YAML: ")
    assert issues[0][2] == 11


def test_alias_bomb_is_handled_quickly() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 9)]
    issues = _issues("\n".join(lines) + "\n")
    assert any(p == "a8" for p, _, _ in issues)


def test_deep_nesting_is_an_issue_not_a_crash() -> None:
    issues = _issues("a: " + "[" * 5000 + "]" * 5000 + "\n")
    assert len(issues) == 1 and issues[0][1] == "the YAML is nested too deeply to be a charter"


def test_random_junk_never_raises() -> None:
    rng = random.Random(7)
    alphabet = "ab:-[]{}\n #&*!|>'\"%@`,?0.19\t"
    for _ in range(300):
        junk = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 80)))
        evaluate_charter(junk)
        evaluate_charter(VALID + junk)


def test_unreadable_files_raise_contract_error_naming_the_path(tmp_path: Path) -> None:
    with pytest.raises(ContractError, match=r"cannot read .*missing\.yaml: No such file"):
        check_charter(tmp_path / "missing.yaml")
    with pytest.raises(ContractError, match=r"cannot read .*: Is a directory"):
        check_charter(tmp_path)
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(bytes(range(256)))
    with pytest.raises(ContractError, match="it is not UTF-8 text"):
        load_charter(binary)


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "charter.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + VALID.encode())
    assert load_charter(path).model == "churn"


def test_retraining_entrypoint_is_imported_from_the_charter_folder(tmp_path: Path) -> None:
    (tmp_path / "contract_fit_ok.py").write_text("def fit(data):\n    return data\nVALUE = 3\n")
    (tmp_path / "contract_fit_broken.py").write_text("raise RuntimeError('boom')\n")
    path = tmp_path / "charter.yaml"
    cases = {
        "contract_fit_ok:fit": None,
        "contract_fit_ok:missing": "module 'contract_fit_ok' has no attribute 'missing'",
        "contract_fit_ok:VALUE": "'contract_fit_ok:VALUE' is not callable (it is a int)",
        "contract_fit_broken:fit": "importing 'contract_fit_broken' failed: RuntimeError: boom",
    }
    for entrypoint, expected in cases.items():
        path.write_text(VALID + f"retraining: {{entrypoint: '{entrypoint}'}}\n")
        result = check_charter(path)
        assert [i.message for i in result.errors] == ([expected] if expected else [])
        assert [i.line for i in result.errors] == ([11] if expected else [])
    path.write_text(VALID + "retraining: {entrypoint: 'contract_no_such_module:fit'}\n")
    (error,) = check_charter(path).errors
    assert error.path == "retraining.entrypoint"
    assert error.message.startswith("module 'contract_no_such_module' not found")
    assert check_charter(path, check_entrypoint=False).is_ok
    assert load_charter(path).retraining is not None


def test_version_and_non_text_keys_are_explained() -> None:
    text = VALID.replace("charter: 1", "charter: 2") + "  7: {type: number}\n"
    assert _issues(text) == [
        ("charter", "unsupported charter format version 2; this Charter reads 1", 1),
        ("features.7", "key 7: expected a string", 11),
    ]


def _junk(rng: random.Random, depth: int = 0) -> object:
    choices: list[object] = [None, True, 3, -1.5, "x", "7d", "sex", "drift.psi.max", [], {}]
    if depth < 3:
        choices += [
            [_junk(rng, depth + 1) for _ in range(rng.randint(1, 3))],
            {
                rng.choice(
                    ["by", "min", "max", "metric", "sex", "type", "positive", "column"]
                ): _junk(rng, depth + 1)
                for _ in range(rng.randint(1, 3))
            },
        ]
    return rng.choice(choices)


def test_rules_survive_any_shape_in_any_section() -> None:
    import yaml

    base = yaml.safe_load(VALID)
    sections = [
        "decision",
        "risk",
        "task",
        "target",
        "features",
        "identifiers",
        "sensitive",
        "outputs",
        "delivery",
        "validation",
        "monitoring",
        "policies",
        "alerts",
    ]
    rng = random.Random(11)
    for _ in range(400):
        data = dict(base)
        for section in rng.sample(sections, 3):
            data[section] = _junk(rng)
        data["validation"] = {"fairness": _junk(rng), "metrics": _junk(rng)}
        result = evaluate_charter(yaml.safe_dump(data))
        assert result.errors or result.charter is not None
