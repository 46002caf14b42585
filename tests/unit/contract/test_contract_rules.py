"""Every semantic rule of the charter, each asserted with its exact path and message."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from charter.contract import Charter, RiskFactors, parse_charter
from charter.contract.loader import CheckResult
from charter.errors import ContractError

Data = dict[str, Any]
Errors = Callable[[Data], dict[str, str]]
Check = Callable[[Data], CheckResult]


def test_minimal_charter_is_valid_with_full_defaults(check_data: Check, minimal: Data) -> None:
    result = check_data(minimal)
    assert result.issues == ()
    charter = result.charter
    assert charter is not None
    assert charter.approvals.required == ["validation", "business"]
    assert charter.monitoring.drift.alert == 0.25
    assert charter.outputs.score == "probability"
    assert charter.identifiers == {} and charter.sensitive == {} and charter.policies == []
    assert charter.feature_names == ["age", "plan"]
    assert charter.features["age"].is_numeric and not charter.features["plan"].is_numeric


def test_horizon_shorter_than_lead_time(errors_of: Errors, minimal: Data) -> None:
    minimal["decision"].update(lead_time="90d", horizon="30d")
    assert errors_of(minimal) == {
        "decision.horizon": "30d is shorter than the lead time 90d — the solution doesn't "
        "match the need"
    }


def test_horizon_equal_to_lead_time_is_fine(errors_of: Errors, minimal: Data) -> None:
    minimal["decision"].update(lead_time="2w", horizon="14d")
    assert errors_of(minimal) == {}


def test_binary_classification_needs_positive(errors_of: Errors, minimal: Data) -> None:
    del minimal["target"]["positive"]
    assert errors_of(minimal) == {
        "target.positive": "binary classification needs the positive class: the value of the "
        'target that the model scores (like positive: ">50K")'
    }


def test_positive_given_as_number_or_bool_is_read_as_text(check_data: Check, minimal: Data) -> None:
    minimal["target"]["positive"] = 1
    assert check_data(minimal).charter.target.positive == "1"  # type: ignore[union-attr]
    minimal["target"]["positive"] = True
    assert check_data(minimal).charter.target.positive == "true"  # type: ignore[union-attr]


def test_positive_must_be_one_of_classes(errors_of: Errors, minimal: Data) -> None:
    minimal["target"]["classes"] = ["no", "maybe"]
    assert errors_of(minimal) == {
        "target.positive": "positive class 'yes' is not one of the classes no, maybe"
    }


def test_binary_needs_exactly_two_classes(errors_of: Errors, minimal: Data) -> None:
    minimal["target"]["classes"] = ["yes", "no", "maybe"]
    assert errors_of(minimal) == {
        "target.classes": "binary classification has exactly two classes; got 3"
    }


def test_regression_target_has_no_positive(errors_of: Errors, minimal: Data) -> None:
    minimal["task"] = "regression"
    assert errors_of(minimal) == {"target.positive": "a regression target has no positive"}


def test_feature_min_must_be_below_max(errors_of: Errors, minimal: Data) -> None:
    minimal["features"]["age"].update(min=70, max=17)
    assert errors_of(minimal) == {"features.age.min": "must be below max (min 70, max 17)"}


def test_min_max_only_for_numbers(errors_of: Errors, minimal: Data) -> None:
    minimal["features"]["plan"]["min"] = 0
    assert errors_of(minimal) == {
        "features.plan.min": "min applies only to integer and number features"
    }


def test_categories_only_for_category(errors_of: Errors, minimal: Data) -> None:
    minimal["features"]["age"]["categories"] = [1, 2]
    assert errors_of(minimal) == {
        "features.age.categories": "categories apply only to category features (this one is "
        "integer)"
    }


def test_unseen_only_for_category(errors_of: Errors, minimal: Data) -> None:
    minimal["features"]["age"]["unseen"] = "allow"
    assert errors_of(minimal) == {"features.age.unseen": "unseen applies only to category features"}


def test_categories_are_distinct(errors_of: Errors, minimal: Data) -> None:
    minimal["features"]["plan"]["categories"] = ["a", "b", "a"]
    assert errors_of(minimal) == {"features.plan.categories": "category listed twice: a"}


def test_sensitive_attribute_as_input_needs_permission(errors_of: Errors, minimal: Data) -> None:
    minimal["features"]["sex"] = {"type": "category"}
    minimal["sensitive"] = {"sex": {"reference": "Male"}}
    assert errors_of(minimal) == {
        "features.sex": "'sex' is a sensitive attribute; it may be a model input only with "
        "allow_as_input: true under sensitive.sex"
    }
    minimal["sensitive"]["sex"]["allow_as_input"] = True
    assert errors_of(minimal) == {}


def test_column_cannot_be_feature_and_identifier(errors_of: Errors, minimal: Data) -> None:
    minimal["identifiers"] = {"age": {"log": "drop"}}
    assert errors_of(minimal) == {
        "identifiers.age": "'age' is also a feature; an identifier is never a model input"
    }


def test_target_cannot_be_a_feature(errors_of: Errors, minimal: Data) -> None:
    minimal["features"]["churned"] = {"type": "boolean"}
    assert errors_of(minimal) == {
        "features.churned": "'churned' is the target; it cannot be in features"
    }


def test_validation_metric_must_fit_the_task(errors_of: Errors, minimal: Data) -> None:
    minimal["task"] = "regression"
    minimal["target"] = {"column": "churned"}
    minimal["validation"] = {"metrics": {"roc_auc": {"min": 0.8}, "rmse": {"max": 3}}}
    assert errors_of(minimal) == {
        "validation.metrics.roc_auc": "'roc_auc' is a classification metric; the task is "
        "regression (use rmse, mae, r2, mape)"
    }


def test_unknown_validation_metric_lists_the_catalog(errors_of: Errors, minimal: Data) -> None:
    minimal["validation"] = {"metrics": {"roc_auk": {"min": 0.8}}}
    message = errors_of(minimal)["validation.metrics.roc_auk"]
    assert message.startswith("unknown metric 'roc_auk' (did you mean 'roc_auc'?)")
    assert "regression metrics: rmse, mae, r2, mape" in message


def test_monitoring_performance_metrics_are_checked(errors_of: Errors, minimal: Data) -> None:
    minimal["monitoring"] = {"performance": {"mae": {"max": 1}}}
    assert errors_of(minimal) == {
        "monitoring.performance.mae": "'mae' is a regression metric; the task is "
        "binary_classification"
    }


def test_bound_direction_warning(check_data: Check, minimal: Data) -> None:
    minimal["validation"] = {"metrics": {"roc_auc": {"max": 0.99}}}
    result = check_data(minimal)
    assert result.is_ok
    assert [(w.path, w.message) for w in result.warnings] == [
        (
            "validation.metrics.roc_auc",
            "higher roc_auc is better, so it is usually bounded with min",
        )
    ]


def test_bound_needs_min_or_max_in_order(errors_of: Errors, minimal: Data) -> None:
    minimal["validation"] = {"metrics": {"roc_auc": {}, "brier": {"min": 0.3, "max": 0.1}}}
    assert errors_of(minimal) == {
        "validation.metrics.roc_auc": "give at least one of min or max",
        "validation.metrics.brier.min": "min 0.3 is above max 0.1",
    }


def test_champion_metric_must_be_known(errors_of: Errors, minimal: Data) -> None:
    minimal["validation"] = {"champion": {"metric": "rmse"}}
    assert errors_of(minimal) == {
        "validation.champion.metric": "'rmse' is a regression metric; the task is "
        "binary_classification"
    }


def test_fairness_written_flat_like_the_example(check_data: Check, minimal: Data) -> None:
    minimal["sensitive"] = {"sex": {"reference": "Male"}, "race": {}}
    minimal["validation"] = {
        "fairness": {
            "demographic_parity_ratio": {"min": 0.8, "by": ["sex"]},
            "equalized_odds_difference": {"max": 0.1, "by": ["sex", "race"]},
            "min_group_size": 50,
        }
    }
    charter = check_data(minimal).charter
    assert charter is not None
    fairness = charter.validation.fairness
    assert fairness is not None
    assert fairness.min_group_size == 50
    assert fairness.metrics["equalized_odds_difference"].by == ["sex", "race"]
    dumped = charter.model_dump(mode="json")["validation"]["fairness"]
    assert dumped["demographic_parity_ratio"]["min"] == 0.8
    assert Charter.model_validate(charter.model_dump()) == charter


def test_fairness_groups_must_be_sensitive(errors_of: Errors, minimal: Data) -> None:
    minimal["sensitive"] = {"sex": {}}
    minimal["validation"] = {
        "fairness": {"demographic_parity_ratio": {"min": 0.8, "by": ["sex", "race"]}}
    }
    assert errors_of(minimal) == {
        "validation.fairness.demographic_parity_ratio.by[1]": "'race' is not declared in "
        "sensitive; fairness groups come from sensitive attributes"
    }


def test_fairness_unknown_metric_suggests(errors_of: Errors, minimal: Data) -> None:
    minimal["sensitive"] = {"sex": {}}
    minimal["validation"] = {"fairness": {"demographic_parity_ration": {"min": 0.8, "by": ["sex"]}}}
    errors = errors_of(minimal)
    assert errors["validation.fairness.demographic_parity_ration"] == (
        "unknown key 'demographic_parity_ration' (did you mean 'demographic_parity_ratio'?)"
    )


def test_regression_outputs_and_fairness(errors_of: Errors, minimal: Data) -> None:
    minimal["task"] = "regression"
    minimal["target"] = {"column": "spend"}
    minimal["sensitive"] = {"sex": {}}
    minimal["outputs"] = {"score": "probability", "label": {"threshold": 0.5}}
    minimal["validation"] = {
        "fairness": {"demographic_parity_ratio": {"min": 0.8, "by": ["sex"]}},
        "calibration": {"ece": {"max": 0.05}},
    }
    assert errors_of(minimal) == {
        "outputs.score": "a regression model scores values; use score: value",
        "outputs.label": "a regression model has no label threshold",
        "validation.fairness": "fairness metrics need a classification task",
        "validation.calibration": "calibration applies to classification probabilities",
    }


def test_regression_defaults_to_value_scores(check_data: Check, minimal: Data) -> None:
    minimal["task"] = "regression"
    minimal["target"] = {"column": "spend"}
    charter = check_data(minimal).charter
    assert charter is not None and charter.outputs.score == "value"


@pytest.mark.parametrize(
    ("metric", "message"),
    [
        ("drift.psi.max", None),
        ("drift.wasserstein[age]", None),
        ("quality.missing_rate[plan]", None),
        ("estimated.roc_auc", None),
        ("performance.roc_auc", None),
        ("delivery.missed_deadline", None),
        ("fairness.demographic_parity_ratio", None),
        ("drift.psi[agee]", "'drift.psi[agee]' names 'agee', which is not a declared feature"),
        ("performance.rmse", "'performance.rmse' does not apply to the task binary_classification"),
        (
            "drift.psi",
            "'drift.psi' needs an aggregation (drift.psi.max) or a feature (drift.psi[age])",
        ),
        (
            "drift.share_drifted.max",
            "'drift.share_drifted' cannot be aggregated with .max (allowed: none)",
        ),
    ],
)
def test_policy_metric_catalog(
    errors_of: Errors, minimal: Data, metric: str, message: str | None
) -> None:
    minimal["policies"] = [{"metric": metric, "above": 0.2, "action": "alert"}]
    expected = {"policies[0].metric": message} if message else {}
    assert errors_of(minimal) == expected


def test_unknown_policy_metric_lists_families(errors_of: Errors, minimal: Data) -> None:
    minimal["policies"] = [
        {"metric": "drift.psi.max", "above": 0.2, "action": "alert"},
        {"metric": "latency.p99", "below": 0.2, "action": "alert"},
    ]
    message = errors_of(minimal)["policies[1].metric"]
    assert message.startswith("unknown metric 'latency.p99'")
    assert message.endswith(
        "with families: delivery, drift, estimated, fairness, performance, prediction, "
        "quality, revalidation, serving"
    )


def test_policy_needs_exactly_one_comparison(errors_of: Errors, minimal: Data) -> None:
    minimal["policies"] = [{"metric": "drift.psi.max", "above": 1, "below": 0, "action": "alert"}]
    assert errors_of(minimal) == {"policies[0]": "give exactly one of above or below"}


def test_drift_warn_not_above_alert(errors_of: Errors, minimal: Data) -> None:
    minimal["monitoring"] = {"drift": {"warn": 0.3, "alert": 0.2}}
    assert errors_of(minimal) == {
        "monitoring.drift.warn": "warn (0.3) must not be above alert (0.2)"
    }


def test_risk_tier_below_factors_is_a_warning(check_data: Check, minimal: Data) -> None:
    minimal["risk"] = {
        "tier": "low",
        "factors": {"decision_impact": "high", "automated_decision": True},
        "revalidate_every": "365d",
    }
    result = check_data(minimal)
    assert result.is_ok and result.charter is not None
    assert [(w.path, w.message) for w in result.warnings] == [
        (
            "risk.tier",
            "the risk factors suggest tier high, above the stated low; raise the tier or "
            "correct the factors",
        )
    ]


def test_high_tier_without_revalidation_is_a_warning(check_data: Check, minimal: Data) -> None:
    minimal["risk"] = {"tier": "high"}
    assert [w.path for w in check_data(minimal).warnings] == ["risk.revalidate_every"]


@pytest.mark.parametrize(
    ("factors", "tier"),
    [
        ({}, "low"),
        ({"customer_facing": True}, "medium"),
        ({"customer_facing": True, "sensitive_data": True}, "medium"),
        ({"customer_facing": True, "sensitive_data": True, "complexity": "high"}, "high"),
        ({"decision_impact": "high", "automated_decision": True}, "high"),
        ({"decision_impact": "low"}, "low"),
    ],
)
def test_suggested_tier_scoring(factors: dict[str, Any], tier: str) -> None:
    assert RiskFactors(**factors).suggested_tier() == tier


def test_gate_latency_slower_than_slo_is_a_warning(check_data: Check, minimal: Data) -> None:
    minimal["delivery"] = {"realtime": {"latency_p99_ms": 50}}
    minimal["validation"] = {"latency": {"p99_ms": 80}}
    assert [(w.path, w.message) for w in check_data(minimal).warnings] == [
        (
            "validation.latency.p99_ms",
            "the gate accepts 80 ms, slower than the real-time SLO of 50 ms",
        )
    ]


@pytest.mark.parametrize(
    ("batch", "path", "message"),
    [
        ({"schedule": "0 5 * *"}, "delivery.batch.schedule", "expected a 5-field cron schedule"),
        ({"schedule": "61 5 * * *"}, "delivery.batch.schedule", "minute 61 is outside 0-59"),
        ({"schedule": "0 5 * * FUN"}, "delivery.batch.schedule", "day of week 'FUN' is not"),
        ({"schedule": "0 5-3 * * *"}, "delivery.batch.schedule", "hour range '5-3' runs back"),
        ({"schedule": "*/0 * * * *"}, "delivery.batch.schedule", "minute step '0' must be"),
        ({"schedule": "@daily", "deadline": "25:00"}, "delivery.batch.deadline", "expected a time"),
        (
            {"schedule": "@daily", "timezone": "Mars/Base"},
            "delivery.batch.timezone",
            "unknown time",
        ),
        (
            {"schedule": "@daily", "max_reject_share": 2},
            "delivery.batch.max_reject_share",
            "expected less than or equal to 1; got 2",
        ),
    ],
)
def test_batch_delivery_rules(
    errors_of: Errors, minimal: Data, batch: dict[str, Any], path: str, message: str
) -> None:
    minimal["delivery"] = {"batch": batch}
    errors = errors_of(minimal)
    assert list(errors) == [path]
    assert message in errors[path]


def test_valid_batch_delivery(check_data: Check, minimal: Data) -> None:
    minimal["delivery"] = {
        "batch": {
            "schedule": "0,30 5-7 1-15/2 JAN-JUN MON-FRI",
            "deadline": "06:00",
            "timezone": "Europe/Paris",
        }
    }
    charter = check_data(minimal).charter
    assert charter is not None and charter.delivery.batch is not None
    assert charter.delivery.batch.format == "parquet"


def test_approvals_roles(errors_of: Errors, minimal: Data) -> None:
    minimal["approvals"] = {"required": []}
    assert errors_of(minimal) == {"approvals.required": "list at least 1 item"}
    minimal["approvals"] = {"required": ["risk", "risk"]}
    assert errors_of(minimal) == {"approvals.required": "role listed twice: risk"}


def test_alerts_and_retraining_shapes(errors_of: Errors, minimal: Data) -> None:
    minimal["alerts"] = {"webhook": "ftp://x", "secret_env": "MY_SECRET"}
    minimal["retraining"] = {"entrypoint": "training.train"}
    assert errors_of(minimal) == {
        "alerts.webhook": "expected an http:// or https:// URL; got 'ftp://x'",
        "retraining.entrypoint": "expected a Python entry point written module:function, like "
        "'training:fit'; got 'training.train'",
    }


def test_charter_built_in_python_enforces_cross_section_rules(minimal: Data) -> None:
    minimal["decision"].update(lead_time="90d", horizon="30d")
    with pytest.raises(ValueError, match=r"decision\.horizon: 30d is shorter than the lead time"):
        Charter.model_validate(minimal)


def test_parse_charter_raises_with_every_error(minimal: Data) -> None:
    import yaml

    minimal["decision"].update(lead_time="90d", horizon="30d")
    minimal["risk"]["tier"] = "huge"
    with pytest.raises(ContractError) as info:
        parse_charter(yaml.safe_dump(minimal), source="x.yaml")
    assert info.value.message == "x.yaml has 2 errors"
    assert [i.path for i in info.value.issues] == ["decision.horizon", "risk.tier"]
