"""The published JSON Schema and the canonical hash."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml

from charter.contract import charter_hash, charter_json_schema, parse_charter, render_template

jsonschema = pytest.importorskip("jsonschema")


@pytest.fixture(scope="module")
def validator() -> Any:
    schema = charter_json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_schema_header_and_descriptions() -> None:
    schema = charter_json_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["title"] == "Charter"
    assert schema["description"]
    assert schema["additionalProperties"] is False
    for name, prop in schema["properties"].items():
        assert prop.get("description"), name
    json.dumps(schema)


def test_schema_describes_durations_and_flat_fairness() -> None:
    schema = charter_json_schema()
    log = schema["$defs"]["LogSpec"]["properties"]["retention"]
    assert log["type"] == "string" and log["default"] == "400d"
    fairness = schema["$defs"]["FairnessSpec"]
    assert "metrics" not in fairness["properties"]
    assert set(fairness["properties"]) >= {"demographic_parity_ratio", "min_group_size"}


def test_schema_accepts_the_example_charter(validator: Any, example_path: Path) -> None:
    data = yaml.safe_load(example_path.read_text())
    assert [e.message for e in validator.iter_errors(data)] == []


def test_schema_accepts_rendered_templates(validator: Any) -> None:
    for task in ("binary_classification", "multiclass_classification", "regression"):
        data = yaml.safe_load(render_template("demo", task=task, sensitive=["sex"]))
        assert [e.message for e in validator.iter_errors(data)] == []


def test_schema_rejects_what_the_model_rejects(validator: Any, minimal: dict[str, Any]) -> None:
    assert validator.is_valid(minimal)
    assert not validator.is_valid({**minimal, "unknown": 1})
    minimal["decision"]["horizon"] = "30 days"
    assert not validator.is_valid(minimal)


def test_example_charter_parses(example_path: Path) -> None:
    charter = parse_charter(example_path.read_text())
    assert charter.model == "premium-card-offer"
    assert charter.validation.fairness is not None
    assert charter.validation.fairness.metrics["equalized_odds_difference"].by == ["sex", "race"]


BASE = textwrap.dedent(
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

REFORMATTED = textwrap.dedent(
    """\
    # the same charter, written differently
    model: 'churn'
    charter: 1
    purpose: "Find customers about to leave."
    owner: team@example.com   # a comment
    risk:
      tier: low
      factors: {}             # defaults spelled out do not change the hash
    decision:
      horizon: 4w2d
      lead_time: 1w
      action: call
    task: binary_classification
    target:
      positive: 'yes'
      column: churned
    features:
      age:
        max: 99.0
        min: 18
        type: integer
        nullable: false
    approvals: {required: [validation, business]}
    """
)


def test_charter_hash_is_stable_under_formatting() -> None:
    first, second = parse_charter(BASE), parse_charter(REFORMATTED)
    assert charter_hash(first) == charter_hash(second)
    assert len(charter_hash(first)) == 64


def test_charter_hash_changes_with_content() -> None:
    changed = parse_charter(BASE.replace("max: 99", "max: 98"))
    assert charter_hash(changed) != charter_hash(parse_charter(BASE))
