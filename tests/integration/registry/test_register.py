"""The registry use case end to end on a real database and real files (SQLite and PostgreSQL)."""

from __future__ import annotations

from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import pytest

from charter.errors import (
    ArtifactIntegrityError,
    DataError,
    NotFoundError,
    SignatureMismatchError,
)
from charter.examples.adult import ADULT_FEATURES, build_pipeline
from charter.registry import Registry
from charter.store import open_artifact_store, open_registry_store


@pytest.fixture
def registry(db_url: str, tmp_path: Path) -> Registry:
    opened = Registry(open_registry_store(db_url), open_artifact_store(str(tmp_path / "artifacts")))
    yield opened
    opened.close()


def test_register_records_lineage_and_loads_identical_predictions(
    registry: Registry, adult_model: object, adult_charter_path: Path, adult_sample: pd.DataFrame
) -> None:
    first = registry.register(
        adult_model, charter=adult_charter_path, sample=adult_sample, registered_by="ana"
    )
    second = registry.register(
        adult_model, charter=adult_charter_path, sample=adult_sample, registered_by="ben"
    )
    assert (first.ref, second.ref) == ("adult-income@1", "adult-income@2")
    assert first.flavor == "sklearn"
    assert first.stage == "candidate"
    assert first.registered_by == "ana"
    assert first.training_fingerprint.startswith("sha256:")
    assert len(first.charter_hash) == 64
    assert [c["name"] for c in first.signature["inputs"]] == list(ADULT_FEATURES)
    assert first.signature["classes"] == ["<=50K", ">50K"]
    assert first.params["steps"] or first.params  # sklearn params recorded as lineage

    loaded = registry.load("adult-income@1")
    expected = adult_model.predict_proba(adult_sample[list(ADULT_FEATURES)])[:, 1]  # type: ignore[attr-defined]
    np.testing.assert_allclose(loaded.predict_scores(adult_sample, positive=">50K"), expected)
    assert registry.get("adult-income").version == 2
    assert [v.version for v in registry.versions("adult-income")] == [1, 2]
    assert registry.charter_of(first).model == "adult-income"


def test_reference_sample_keeps_features_target_and_sensitive_but_no_identifiers(
    registry: Registry, adult_model: object, adult_charter_path: Path, adult_sample: pd.DataFrame
) -> None:
    with_ids = adult_sample.assign(customer_id=[f"c{i}" for i in range(len(adult_sample))])
    version = registry.register(adult_model, charter=adult_charter_path, sample=with_ids)
    stored = registry.load_sample(version)
    assert "customer_id" not in stored.columns
    assert {"income", "sex", "race", *ADULT_FEATURES} <= set(stored.columns)
    assert len(stored) == len(with_ids)


def test_a_modified_artifact_is_refused_on_load(
    registry: Registry, adult_model: object, adult_charter_path: Path, adult_sample: pd.DataFrame
) -> None:
    version = registry.register(adult_model, charter=adult_charter_path, sample=adult_sample)
    path = Path(version.artifact_uri.removeprefix("file://"))
    payload = bytearray(path.read_bytes())
    payload[len(payload) // 2] ^= 0xFF
    path.write_bytes(bytes(payload))
    with pytest.raises(ArtifactIntegrityError, match="modified after registration"):
        registry.load(version.ref)


def test_a_model_using_a_sensitive_attribute_is_refused_and_nothing_is_written(
    registry: Registry, adult_charter_path: Path, adult_sample: pd.DataFrame
) -> None:
    features = (*ADULT_FEATURES, "sex")
    model = build_pipeline(features=features, max_iter=10)
    model.fit(adult_sample[list(features)], adult_sample["income"])
    with pytest.raises(SignatureMismatchError) as caught:
        registry.register(model, charter=adult_charter_path, sample=adult_sample)
    assert "sex" in str(caught.value)
    assert "sensitive" in str(caught.value)
    assert registry.models() == []


def test_a_model_with_other_inputs_is_refused_naming_missing_and_extra(
    registry: Registry, adult_charter_path: Path, adult_sample: pd.DataFrame
) -> None:
    features = (*[f for f in ADULT_FEATURES if f != "hours_per_week"], "fnlwgt")
    model = build_pipeline(features=features, max_iter=10)
    model.fit(adult_sample[list(features)], adult_sample["income"])
    with pytest.raises(SignatureMismatchError) as caught:
        registry.register(model, charter=adult_charter_path, sample=adult_sample)
    diff = caught.value.diff
    assert diff.missing == ("fnlwgt",)
    assert diff.extra == ("hours_per_week",)
    with pytest.raises(NotFoundError):
        registry.model("adult-income")


def test_a_sample_without_the_charter_features_is_refused(
    registry: Registry, adult_model: object, adult_charter_path: Path, adult_sample: pd.DataFrame
) -> None:
    with pytest.raises(DataError, match="lacks features the charter declares: age"):
        registry.register(
            adult_model, charter=adult_charter_path, sample=adult_sample.drop(columns=["age"])
        )


def test_register_from_files(
    registry: Registry,
    adult_model: object,
    adult_charter_path: Path,
    adult_sample: pd.DataFrame,
    tmp_path: Path,
) -> None:
    model_path = tmp_path / "model.joblib"
    joblib.dump(adult_model, model_path)
    sample_path = tmp_path / "sample.csv"
    adult_sample.to_csv(sample_path, index=False)
    version = registry.register(model_path, charter=adult_charter_path, sample=sample_path)
    assert version.version == 1
    assert registry.load(version).classes == ("<=50K", ">50K")


def test_unknown_versions_and_aliases_are_not_found(registry: Registry) -> None:
    with pytest.raises(NotFoundError):
        registry.get("nobody@1")
    with pytest.raises(NotFoundError):
        registry.get("nobody@production")
