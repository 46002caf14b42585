"""Check that a ``module:function`` entry point can be imported, without leaking a traceback.

Importing runs the module's top-level code, so this runs only when asked (``charter check``
does by default; ``--no-import`` skips it).
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

__all__ = ["entrypoint_problem"]


def entrypoint_problem(entrypoint: str, base_dir: Path | None = None) -> str | None:
    """Why ``entrypoint`` cannot be called, or ``None`` when it resolves to a callable.

    The charter's folder and the working directory are put on ``sys.path`` for the import only,
    so a ``training.py`` beside ``charter.yaml`` is found wherever the command runs.
    """
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
            return f"module '{module_name}' not found (looked on the Python path and in {where})"
        return f"importing '{module_name}' failed: {exc}"
    except (Exception, SystemExit) as exc:  # user code may raise anything at import time
        return f"importing '{module_name}' failed: {type(exc).__name__}: {exc}"
    finally:
        for folder in added:
            if folder in sys.path:
                sys.path.remove(folder)
    target = getattr(module, attribute, None)
    if target is None:
        return f"module '{module_name}' has no attribute '{attribute}'"
    if not callable(target):
        return f"'{entrypoint}' is not callable (it is a {type(target).__name__})"
    return None
