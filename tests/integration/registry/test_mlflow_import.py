"""``charter import mlflow``: a model saved by MLflow's own ``save_model`` registers and scores."""

from __future__ import annotations

import json
import re
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from sklearn.pipeline import Pipeline
from typer.testing import CliRunner

from charter.cli.main import app
from charter.config import Settings
from charter.errors import ModelError
from charter.examples.adult import ADULT_FEATURES
from charter.registry import Registry
from charter.registry.mlflow_import import import_mlflow_model, read_mlmodel

mlflow_sklearn = pytest.importorskip("mlflow.sklearn")


@pytest.fixture(scope="module")
def saved_model(tmp_path_factory: pytest.TempPathFactory, adult_model: Pipeline) -> Path:
    """The Adult pipeline as MLflow writes it (cloudpickle: skops is not installed here)."""
    path = tmp_path_factory.mktemp("mlflow") / "model"
    example = adult_model_rows(50)
    with warnings.catch_warnings():  # MLflow's schema inference warns under pandas 3; not ours
        warnings.simplefilter("ignore")
        mlflow_sklearn.save_model(
            adult_model,
            str(path),
            serialization_format="cloudpickle",
            pip_requirements=[],  # skip MLflow's slow requirement inference (a subprocess)
            input_example=example,
        )
    return path


def adult_model_rows(n: int) -> pd.DataFrame:
    from charter.datasets import load_adult

    rows = load_adult().test[list(ADULT_FEATURES)].head(n * 2)
    return rows.dropna().head(n).reset_index(drop=True)


def _copy_with_flavors(source: Path, target: Path, flavors: dict[str, object]) -> Path:
    """A copy of a saved model whose MLmodel lists only ``flavors``."""
    target.mkdir()
    for file in source.iterdir():
        (target / file.name).write_bytes(file.read_bytes())
    data = yaml.safe_load((source / "MLmodel").read_text(encoding="utf-8"))
    data["flavors"] = flavors
    (target / "MLmodel").write_text(yaml.safe_dump(data), encoding="utf-8")
    return target


def _registry(tmp_path: Path) -> Registry:
    return Registry.open(Settings.from_env({}, home=tmp_path / "home"))


def test_import_scores_like_the_original_and_records_its_origin(
    tmp_path: Path,
    saved_model: Path,
    adult_model: Pipeline,
    adult_sample: pd.DataFrame,
    adult_charter_path: Path,
) -> None:
    saved = read_mlmodel(saved_model)
    with _registry(tmp_path) as registry:
        version = import_mlflow_model(
            registry, saved_model, charter=adult_charter_path, sample=adult_sample
        )
        loaded = registry.load(version)
        assert [v.ref for v in registry.versions("adult-income")] == ["adult-income@1"]
    assert version.flavor == "sklearn"
    assert saved.model_uuid and saved.model_uuid in version.description
    assert [c["name"] for c in version.signature["inputs"]] == list(ADULT_FEATURES)
    frame = adult_sample[list(ADULT_FEATURES)]
    expected = adult_model.predict_proba(frame)[:, 1]
    np.testing.assert_allclose(
        loaded.predict_scores(frame, positive=">50K"), expected, rtol=0, atol=1e-9
    )


def test_cli_imports_with_mlflows_input_example_as_the_sample(
    tmp_path: Path, saved_model: Path, adult_charter_path: Path
) -> None:
    home = tmp_path / "home"
    runner = CliRunner()
    command = ["--home", str(home), "import", "mlflow", str(saved_model)]
    result = runner.invoke(app, [*command, "--charter", str(adult_charter_path), "--json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert (body["ref"], body["flavor"]) == ("adult-income@1", "sklearn")
    named = runner.invoke(
        app, [*command, "-c", str(adult_charter_path), "--name", "adult-mlflow", "-d", "moved in"]
    )
    assert named.exit_code == 0, named.output
    assert named.stdout.strip() == "adult-mlflow@1"
    with _registry(tmp_path) as registry:
        assert registry.get("adult-mlflow@1").description == "moved in"
        assert len(registry.load_sample("adult-income@1")) == 50  # MLflow's input example


def test_python_function_flavor_loads_through_mlflow(
    tmp_path: Path,
    saved_model: Path,
    adult_model: Pipeline,
    adult_sample: pd.DataFrame,
    adult_charter_path: Path,
) -> None:
    flavors = read_mlmodel(saved_model).flavors
    only_pyfunc = _copy_with_flavors(
        saved_model, tmp_path / "pyfunc", {"python_function": flavors["python_function"]}
    )
    with _registry(tmp_path) as registry:
        version = import_mlflow_model(
            registry, only_pyfunc, charter=adult_charter_path, sample=adult_sample
        )
        scores = registry.load(version).predict_scores(adult_sample, positive=">50K")
    expected = adult_model.predict_proba(adult_sample[list(ADULT_FEATURES)])[:, 1]
    np.testing.assert_allclose(scores, expected, rtol=0, atol=1e-9)


def test_python_function_flavor_without_mlflow_says_to_install_it(
    tmp_path: Path, saved_model: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    flavors = read_mlmodel(saved_model).flavors
    only_pyfunc = _copy_with_flavors(
        saved_model, tmp_path / "pyfunc", {"python_function": flavors["python_function"]}
    )
    monkeypatch.setitem(sys.modules, "mlflow.pyfunc", None)  # import fails as if not installed
    with (
        _registry(tmp_path) as registry,
        pytest.raises(ModelError, match=re.escape("which needs MLflow: pip install mlflow")),
    ):
        import_mlflow_model(registry, only_pyfunc, charter="unused.yaml")


def test_missing_mlmodel_and_unsupported_flavors_are_named(
    tmp_path: Path, saved_model: Path
) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ModelError) as missing:
        read_mlmodel(empty)
    assert missing.value.message == (
        f"{empty}: has no MLmodel file; expected a folder written by "
        "mlflow.<flavor>.save_model (or downloaded from a run's artifacts)"
    )
    with pytest.raises(ModelError, match="does not exist"):
        read_mlmodel(tmp_path / "nowhere")
    h2o = _copy_with_flavors(saved_model, tmp_path / "h2o", {"h2o": {"data": "model.h2o"}})
    with _registry(tmp_path) as registry, pytest.raises(ModelError) as unsupported:
        import_mlflow_model(registry, h2o, charter="unused.yaml")
    assert unsupported.value.message == (
        f"{h2o}: unsupported MLflow flavor(s) h2o; expected the 'sklearn' flavor (pickle or "
        "cloudpickle), or any flavor with 'python_function' when MLflow is installed"
    )
    skops = _copy_with_flavors(
        saved_model, tmp_path / "skops", {"sklearn": {"serialization_format": "skops"}}
    )
    with _registry(tmp_path) as registry, pytest.raises(ModelError, match="saved as 'skops'"):
        import_mlflow_model(registry, skops, charter="unused.yaml")


def test_cli_reports_a_missing_mlmodel_as_an_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["--home", str(tmp_path), "import", "mlflow", str(tmp_path)])
    assert result.exit_code == 2
    assert "has no MLmodel file" in result.output
