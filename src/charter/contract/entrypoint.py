"""Import a ``module:function`` entry point, or say why not, without leaking a traceback.

Importing runs the module's top-level code, so this runs only when asked (``charter check``
does by default; ``--no-import`` skips it; a retrain policy loads the training function).
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from charter.errors import ContractError

__all__ = ["entrypoint_problem", "load_entrypoint"]


def load_entrypoint(entrypoint: str, base_dir: Path | None = None) -> Callable[..., Any]:
    """The callable ``entrypoint`` names; ``ContractError`` saying why when it cannot be had."""
    target, problem = _resolve(entrypoint, base_dir)
    if target is None:
        raise ContractError(f"cannot load the entry point {entrypoint!r}: {problem}")
    return target


def entrypoint_problem(entrypoint: str, base_dir: Path | None = None) -> str | None:
    """Why ``entrypoint`` cannot be called, or ``None`` when it resolves to a callable.

    The charter's folder and the working directory are put on ``sys.path`` for the import only,
    so a ``training.py`` beside ``charter.yaml`` is found wherever the command runs.
    """
    return _resolve(entrypoint, base_dir)[1]


def _resolve(
    entrypoint: str, base_dir: Path | None
) -> tuple[Callable[..., Any] | None, str | None]:
    module_name, _, attribute = entrypoint.partition(":")
    added = [str(folder) for folder in (base_dir, Path.cwd()) if folder is not None]
    sys.path[:0] = added
    importlib.invalidate_caches()
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        missing = exc.name or ""
        if module_name == missing or module_name.startswith(missing + "."):
            where = " and ".join(dict.fromkeys(added))
            return (
                None,
                f"module '{module_name}' not found (looked on the Python path and in {where})",
            )
        return None, f"importing '{module_name}' failed: {exc}"
    except (Exception, SystemExit) as exc:  # user code may raise anything at import time
        return None, f"importing '{module_name}' failed: {type(exc).__name__}: {exc}"
    finally:
        for folder in added:
            if folder in sys.path:
                sys.path.remove(folder)
    target = getattr(module, attribute, None)
    if target is None:
        return None, f"module '{module_name}' has no attribute '{attribute}'"
    if not callable(target):
        return None, f"'{entrypoint}' is not callable (it is a {type(target).__name__})"
    return target, None
