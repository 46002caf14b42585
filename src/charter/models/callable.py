"""The callable flavor: a plain Python function ``score(frame) -> scores``.

Only a reference is saved (``{"entrypoint": "module:qualname"}``), so the function must be
importable later: defined at module level in a module other than ``__main__``. Loading imports
it with the current directory on ``sys.path``, as ``python -m`` would.
"""

from __future__ import annotations

import contextlib
import importlib
import inspect
import json
import os
import re
import sys
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pandas as pd

from charter.errors import ModelError
from charter.models.base import Flavor, LoadedModel, OutputKind, describe_error, model_errors
from charter.models.extras import library_versions

__all__ = ["CallableFlavor", "CallableModel", "entrypoint_of", "import_entrypoint"]

ENTRYPOINT = re.compile(r"[A-Za-z_][\w.]*:[A-Za-z_][\w.]*")


def entrypoint_of(func: Any) -> str:
    """``module:qualname`` for a module-level function; ``ModelError`` saying why if it has none."""
    module = getattr(func, "__module__", None)
    qualname = getattr(func, "__qualname__", "")
    if not inspect.isfunction(func) or not module:
        raise ModelError(f"expected a plain Python function, got {type(func).__name__}")
    if func.__name__ == "<lambda>" or "<locals>" in qualname:
        raise ModelError(
            f"{qualname} cannot be saved: lambdas, closures and functions defined inside other "
            "functions cannot be imported again; define it at module level"
        )
    if module == "__main__":
        raise ModelError(
            f"{qualname} is defined in __main__ (a script), which cannot be imported again; "
            "move it to a module and import it from there"
        )
    return f"{module}:{qualname}"


@contextlib.contextmanager
def _cwd_on_path() -> Iterator[None]:
    cwd = os.getcwd()
    added = cwd not in sys.path
    if added:
        sys.path.insert(0, cwd)
    try:
        yield
    finally:
        if added:
            with contextlib.suppress(ValueError):
                sys.path.remove(cwd)


def import_entrypoint(entrypoint: str) -> Callable[..., Any]:
    """Import ``package.module:function`` (current directory on ``sys.path``)."""
    if not ENTRYPOINT.fullmatch(entrypoint):
        raise ModelError(
            f"{entrypoint!r} is not an entry point; expected 'package.module:function'"
        )
    module_name, qualname = entrypoint.split(":", 1)
    with _cwd_on_path():
        try:
            target: Any = importlib.import_module(module_name)
        except Exception as exc:
            raise ModelError(
                f"cannot import module {module_name!r} for entry point {entrypoint!r}: "
                f"{describe_error(exc)}"
            ) from exc
    for part in qualname.split("."):
        if not hasattr(target, part):
            raise ModelError(
                f"module {module_name!r} has no {qualname!r} (entry point {entrypoint!r})"
            )
        target = getattr(target, part)
    if not callable(target):
        raise ModelError(
            f"entry point {entrypoint!r} is not a function (got {type(target).__name__})"
        )
    return target  # type: ignore[no-any-return]


class CallableModel(LoadedModel):
    """A function from a frame to one score per row (a probability or a value)."""

    flavor = "callable"

    def __init__(self, func: Callable[..., Any]) -> None:
        self._func = func

    @property
    def native(self) -> Any:
        return self._func

    @property
    def input_names(self) -> tuple[str, ...] | None:
        return None

    @property
    def classes(self) -> tuple[str, ...] | None:
        return None

    @property
    def output(self) -> OutputKind | None:
        return None  # probability or value: only its scores tell (see infer_signature)

    def predict_proba(self, frame: pd.DataFrame) -> np.ndarray:
        raise ModelError(
            "a callable model returns one score per row, not class probabilities; "
            "use predict_scores"
        )

    def predict(self, frame: pd.DataFrame) -> np.ndarray:
        name = getattr(self._func, "__qualname__", "the function")
        with model_errors(f"calling {name}"):
            result = np.asarray(self._func(frame))
        if result.ndim == 2 and result.shape[1] == 1:
            result = result[:, 0]
        if result.shape != (len(frame),):
            raise ModelError(
                f"{name} must return one score per row: expected shape ({len(frame)},), "
                f"got {result.shape}"
            )
        return result


class CallableFlavor(Flavor):
    """Module-level Python functions, saved as their import path."""

    name = "callable"
    file_extension = ".json"

    def matches(self, obj: Any) -> bool:
        return inspect.isfunction(obj)

    def wrap(self, obj: Any) -> LoadedModel:
        if not self.matches(obj):
            raise ModelError(f"expected a plain Python function, got {type(obj).__name__}")
        return CallableModel(obj)

    def serialize(self, obj: Any) -> tuple[bytes, dict[str, Any]]:
        entrypoint = entrypoint_of(obj)
        if import_entrypoint(entrypoint) is not obj:
            raise ModelError(
                f"importing {entrypoint!r} gives a different object than the function given; "
                "register the function under the name it is defined with"
            )
        data = json.dumps({"entrypoint": entrypoint}).encode("utf-8")
        metadata = {
            "file_extension": self.file_extension,
            "entrypoint": entrypoint,
            "versions": library_versions(),
        }
        return data, metadata

    def deserialize(self, data: bytes, metadata: dict[str, Any]) -> LoadedModel:
        try:
            entrypoint = str(json.loads(data)["entrypoint"])
        except (ValueError, KeyError, TypeError) as exc:
            raise ModelError(
                'a callable artifact must be JSON {"entrypoint": "module:function"}'
            ) from exc
        return CallableModel(import_entrypoint(entrypoint))

    def params(self, obj: Any) -> dict[str, Any]:
        return {"entrypoint": entrypoint_of(obj)}
