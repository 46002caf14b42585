from __future__ import annotations

import itertools
import json
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from charter.errors import ModelError
from charter.models import (
    deserialize_model,
    detect_flavor,
    infer_signature,
    read_model_file,
    serialize_model,
    wrap_model,
)

_counter = itertools.count()

SOURCE = """
import numpy as np

THRESHOLD = 40

def score(frame):
    return 1 / (1 + np.exp(-(frame["age"].to_numpy() - THRESHOLD) / 10))

def wrong_length(frame):
    return np.zeros(len(frame) + 1)

def broken(frame):
    raise ValueError("boom: no such column")

class Scorers:
    @staticmethod
    def value(frame):
        return frame["age"].to_numpy() * 2.0
"""


@pytest.fixture
def module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A fresh importable module in the working directory; its name is unique per test."""
    name = f"charter_test_scoring_{next(_counter)}"
    (tmp_path / f"{name}.py").write_text(textwrap.dedent(SOURCE))
    monkeypatch.chdir(tmp_path)
    yield name
    sys.modules.pop(name, None)


def test_entry_point_round_trip(module: str, adult: pd.DataFrame) -> None:
    func = read_model_file(f"{module}:score")
    flavor, data, metadata = serialize_model(func)
    loaded = deserialize_model(flavor, data, metadata)

    assert detect_flavor(func).name == "callable"
    assert json.loads(data) == {"entrypoint": f"{module}:score"}
    assert metadata["file_extension"] == ".json"
    assert (loaded.input_names, loaded.classes, loaded.output) == (None, None, None)
    np.testing.assert_allclose(loaded.predict_scores(adult), func(adult))


def test_nested_qualname_resolves(module: str, adult: pd.DataFrame) -> None:
    func = read_model_file(f"{module}:Scorers.value")
    _, data, metadata = serialize_model(func)

    np.testing.assert_allclose(
        deserialize_model("callable", data, metadata).predict(adult), adult["age"] * 2.0
    )


def test_output_kind_comes_from_the_scores(
    module: str, adult: pd.DataFrame, features: dict[str, object]
) -> None:
    probability = infer_signature(read_model_file(f"{module}:score"), adult, features=features)
    value = infer_signature(read_model_file(f"{module}:Scorers.value"), adult, features=features)

    assert (probability.output, probability.names_from) == ("probability", "sample")
    assert value.output == "value"
    assert probability.input_names == tuple(features)


def make_closure() -> Callable[[pd.DataFrame], np.ndarray]:
    def inner(frame: pd.DataFrame) -> np.ndarray:
        return np.zeros(len(frame))

    return inner


@pytest.mark.parametrize(
    "func",
    [lambda frame: frame["age"], make_closure()],
    ids=["lambda", "closure"],
)
def test_functions_that_cannot_be_imported_again_are_refused(
    func: Callable[[pd.DataFrame], object],
) -> None:
    with pytest.raises(ModelError, match=r"cannot be saved: .* define it at module level$"):
        serialize_model(func)


def test_functions_in_main_are_refused() -> None:
    def main_score(frame: pd.DataFrame) -> np.ndarray:
        return np.zeros(len(frame))

    main_score.__qualname__ = "main_score"
    main_score.__module__ = "__main__"
    with pytest.raises(ModelError, match=r"is defined in __main__ \(a script\)"):
        serialize_model(main_score)


def test_a_wrong_number_of_scores_is_refused(module: str, adult: pd.DataFrame) -> None:
    model = wrap_model(read_model_file(f"{module}:wrong_length"))

    with pytest.raises(ModelError, match=r"must return one score per row: expected shape \(300,\)"):
        model.predict(adult)
    with pytest.raises(ModelError, match=r"not class probabilities"):
        model.predict_proba(adult)


def test_a_crash_is_reported_with_the_functions_message(
    module: str, adult: pd.DataFrame, features: dict[str, object]
) -> None:
    model = read_model_file(f"{module}:broken")

    with pytest.raises(ModelError) as caught:
        infer_signature(model, adult, features=features)
    assert caught.value.message == (
        "the model failed on the sample: calling broken failed: ValueError: boom: no such column"
    )


@pytest.mark.parametrize(
    ("entrypoint", "message"),
    [
        ("charter_no_such_module_xyz:score", "cannot import module 'charter_no_such_module_xyz'"),
        ("{module}:missing", "has no 'missing'"),
        ("{module}:THRESHOLD", r"is not a function \(got int\)"),
    ],
)
def test_bad_entry_points_say_what_is_wrong(module: str, entrypoint: str, message: str) -> None:
    with pytest.raises(ModelError, match=message):
        read_model_file(entrypoint.format(module=module))
