"""The charter: ``charter.yaml`` as a Pydantic model, loaded with line numbers and checked.

Load with ``load_charter`` (raises ``ContractError`` listing every error) or ``check_charter``
(returns every error and warning as a result); draft one with ``render_template`` and
``infer_features``; publish ``charter_json_schema`` for editors; record ``charter_hash`` with a
model version.
"""

from __future__ import annotations

from charter.contract.base import Bound
from charter.contract.catalog import is_known_metric
from charter.contract.delivery import BatchSpec, DeliverySpec, RealtimeSpec
from charter.contract.durations import Duration, format_duration, parse_duration
from charter.contract.gate import (
    CalibrationSpec,
    ChampionSpec,
    ExplainabilitySpec,
    FairnessBound,
    FairnessSpec,
    LatencySpec,
    NoiseSpec,
    RobustnessSpec,
    ValidationSpec,
)
from charter.contract.inference import infer_features, infer_sensitive, infer_target
from charter.contract.inputs import FeatureSpec, IdentifierSpec, SensitiveSpec, TargetSpec
from charter.contract.loader import CheckResult, check_charter, load_charter, parse_charter
from charter.contract.monitoring import (
    AlertsSpec,
    DriftSpec,
    LogSpec,
    MonitoringSpec,
    PolicySpec,
    QualitySpec,
    RetrainingSpec,
)
from charter.contract.risk import RiskFactors, RiskSpec
from charter.contract.schema import charter_hash, charter_json_schema
from charter.contract.spec import (
    ApprovalsSpec,
    Charter,
    DecisionSpec,
    LabelSpec,
    OutputsSpec,
    ReasonsSpec,
)
from charter.contract.template import render_template, slugify

__all__ = [
    "AlertsSpec",
    "ApprovalsSpec",
    "BatchSpec",
    "Bound",
    "CalibrationSpec",
    "ChampionSpec",
    "Charter",
    "CheckResult",
    "DecisionSpec",
    "DeliverySpec",
    "DriftSpec",
    "Duration",
    "ExplainabilitySpec",
    "FairnessBound",
    "FairnessSpec",
    "FeatureSpec",
    "IdentifierSpec",
    "LabelSpec",
    "LatencySpec",
    "LogSpec",
    "MonitoringSpec",
    "NoiseSpec",
    "OutputsSpec",
    "PolicySpec",
    "QualitySpec",
    "RealtimeSpec",
    "ReasonsSpec",
    "RetrainingSpec",
    "RiskFactors",
    "RiskSpec",
    "RobustnessSpec",
    "SensitiveSpec",
    "TargetSpec",
    "ValidationSpec",
    "charter_hash",
    "charter_json_schema",
    "check_charter",
    "format_duration",
    "infer_features",
    "infer_sensitive",
    "infer_target",
    "is_known_metric",
    "load_charter",
    "parse_charter",
    "parse_duration",
    "render_template",
    "slugify",
]
