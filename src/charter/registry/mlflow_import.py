"""Register a model saved in MLflow's format (a folder with an ``MLmodel`` file).

MLflow users move in without re-training: the ``MLmodel`` YAML names the flavors a model was saved
with. The ``sklearn`` flavor's pickle or cloudpickle file is read directly, so MLflow itself is not
needed; a model with another flavor is loaded through MLflow's ``python_function`` loader (only
when MLflow is installed) and unwrapped to its native object. Either way the model is then
registered like any other: checked against the charter on a sample, stored with its sha256.

Pickle files run code when loaded: import only models you trust, as with ``charter register``.
"""

from __future__ import annotations

import importlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from charter.contract import Charter
from charter.errors import DataError, ModelError
from charter.models import detect_flavor
from charter.models.sklearn import load_joblib
from charter.registry.service import Registry
from charter.store import VersionRecord

__all__ = [
    "MLMODEL_FILE",
    "MlflowModel",
    "import_mlflow_model",
    "load_mlflow_model",
    "read_mlmodel",
]

MLMODEL_FILE = "MLmodel"
_PICKLE_FORMATS = ("pickle", "cloudpickle")
_SUPPORTED = (
    "the 'sklearn' flavor (pickle or cloudpickle), or any flavor with 'python_function' "
    "when MLflow is installed"
)


@dataclass(frozen=True)
class MlflowModel:
    """What an ``MLmodel`` file says about a saved model."""

    path: Path
    flavors: dict[str, dict[str, Any]]
    run_id: str | None = None
    model_uuid: str | None = None
    mlflow_version: str | None = None
    input_example: dict[str, Any] = field(default_factory=dict)

    def describe(self) -> str:
        """A one-line provenance note for the registered version's description."""
        parts = [f"imported from MLflow model at {self.path.name}"]
        if self.model_uuid:
            parts.append(f"uuid {self.model_uuid}")
        if self.run_id:
            parts.append(f"run {self.run_id}")
        if self.mlflow_version:
            parts.append(f"saved by MLflow {self.mlflow_version}")
        return "; ".join(parts)


def read_mlmodel(path: str | Path) -> MlflowModel:
    """Parse the ``MLmodel`` file of a saved model (``path`` is the folder or the file)."""
    given = Path(path)
    folder = given.parent if given.name == MLMODEL_FILE and given.is_file() else given
    if not folder.exists():
        raise ModelError(f"{folder}: does not exist; expected a folder saved by MLflow")
    mlmodel = folder / MLMODEL_FILE
    if not mlmodel.is_file():
        raise ModelError(
            f"{folder}: has no {MLMODEL_FILE} file; expected a folder written by "
            "mlflow.<flavor>.save_model (or downloaded from a run's artifacts)"
        )
    try:
        data = yaml.safe_load(mlmodel.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ModelError(f"{mlmodel}: cannot be read as YAML: {exc}") from exc
    flavors = data.get("flavors") if isinstance(data, dict) else None
    if not isinstance(flavors, dict) or not flavors:
        raise ModelError(f"{mlmodel}: lists no flavors; expected a 'flavors' mapping")
    example = data.get("saved_input_example_info")
    return MlflowModel(
        path=folder,
        flavors={str(k): dict(v or {}) for k, v in flavors.items()},
        run_id=_text(data.get("run_id")),
        model_uuid=_text(data.get("model_uuid")),
        mlflow_version=_text(data.get("mlflow_version")),
        input_example=dict(example) if isinstance(example, dict) else {},
    )


def _text(value: object) -> str | None:
    return None if value is None or value == "" else str(value)


def load_mlflow_model(saved: MlflowModel) -> object:
    """The native model object (a scikit-learn pipeline, a LightGBM booster, …)."""
    sklearn = saved.flavors.get("sklearn")
    if sklearn is not None:
        fmt = str(sklearn.get("serialization_format") or "cloudpickle")
        if fmt in _PICKLE_FORMATS:
            return _load_pickle(saved.path / str(sklearn.get("pickled_model") or "model.pkl"))
        if "python_function" not in saved.flavors:
            raise ModelError(
                f"{saved.path}: the sklearn flavor is saved as {fmt!r}; Charter reads "
                f"{' and '.join(_PICKLE_FORMATS)} directly (save with "
                "serialization_format='cloudpickle', or install MLflow to use its loader)"
            )
    if "python_function" in saved.flavors:
        return _load_pyfunc(saved)
    raise ModelError(
        f"{saved.path}: unsupported MLflow flavor(s) {', '.join(sorted(saved.flavors))}; "
        f"expected {_SUPPORTED}"
    )


def _load_pickle(file: Path) -> object:
    if not file.is_file():
        raise ModelError(f"{file}: the pickled model the MLmodel file names does not exist")
    return load_joblib(file.read_bytes(), f"MLflow sklearn ({file.name})")


def _load_pyfunc(saved: MlflowModel) -> object:
    loader = saved.flavors["python_function"].get("loader_module", "?")
    try:
        pyfunc: Any = importlib.import_module("mlflow.pyfunc")
    except ImportError as exc:
        raise ModelError(
            f"{saved.path}: this model loads through MLflow's python_function flavor "
            f"(loader {loader}), which needs MLflow: pip install mlflow"
        ) from exc
    try:
        raw = pyfunc.load_model(str(saved.path)).get_raw_model()
    except Exception as exc:
        raise ModelError(
            f"{saved.path}: MLflow could not load it ({type(exc).__name__}: {exc})"
        ) from exc
    try:
        detect_flavor(raw)
    except ModelError as exc:
        raise ModelError(
            f"{saved.path}: MLflow loads a {type(raw).__name__} (loader {loader}), which Charter "
            f"cannot register; expected {_SUPPORTED}"
        ) from exc
    return raw


def _example_frame(saved: MlflowModel) -> pd.DataFrame:
    """The input example MLflow saved with the model, as a frame (split or records JSON)."""
    name = saved.input_example.get("artifact_path")
    if not name:
        raise DataError(
            f"{saved.path}: has no saved input example; give a sample with the charter's features"
        )
    try:
        data = json.loads((saved.path / str(name)).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DataError(f"{saved.path / str(name)}: cannot be read as JSON: {exc}") from exc
    if isinstance(data, dict) and "dataframe_split" in data:
        data = data["dataframe_split"]
    if isinstance(data, dict) and "columns" in data and "data" in data:
        return pd.DataFrame(data["data"], columns=data["columns"])
    if isinstance(data, list):
        return pd.DataFrame.from_records(data)
    raise DataError(f"{saved.path / str(name)}: not a dataframe example; give a sample instead")


def import_mlflow_model(
    registry: Registry,
    path: str | Path,
    *,
    charter: Charter | str | Path,
    sample: pd.DataFrame | str | Path | None = None,
    name: str | None = None,
    registered_by: str | None = None,
    description: str = "",
) -> VersionRecord:
    """Register the MLflow model at ``path`` against ``charter``.

    ``sample`` defaults to the input example MLflow saved with the model; ``description`` to
    where the model came from (its MLflow uuid and run).
    """
    saved = read_mlmodel(path)
    native = load_mlflow_model(saved)
    return registry.register(
        native,
        charter=charter,
        sample=_example_frame(saved) if sample is None else sample,
        name=name,
        registered_by=registered_by,
        description=description or saved.describe(),
    )
