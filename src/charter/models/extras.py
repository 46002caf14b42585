"""Optional model libraries, imported only when a model needs them.

``import charter.models`` must work on an install without LightGBM, XGBoost or ONNX Runtime; a
model that needs one of them says which extra to install instead of failing with ImportError.
"""

from __future__ import annotations

import importlib
import sys
from types import ModuleType
from typing import Any

from charter.errors import ModelError

__all__ = ["library_versions", "loaded_module", "require_extra"]

# module name -> the extra of charter-mlops that installs it
_EXTRAS: dict[str, str] = {
    "lightgbm": "lightgbm",
    "xgboost": "xgboost",
    "onnx": "onnx",
    "onnxruntime": "onnx",
}


def require_extra(module: str) -> Any:
    """Import an optional library, or raise ``ModelError`` naming the extra that provides it."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        extra = _EXTRAS.get(module, module)
        raise ModelError(
            f"this model needs the '{module}' library, which is not installed; "
            f"install it with: pip install 'charter-mlops[{extra}]'"
        ) from exc


def loaded_module(module: str) -> ModuleType | None:
    """The module if something already imported it; an object of its types cannot exist otherwise.

    Detection uses this so that recognising a scikit-learn model never imports XGBoost.
    """
    return sys.modules.get(module)


def library_versions(*modules: str) -> dict[str, str]:
    """Versions of the named libraries that are imported, for the artifact's metadata."""
    versions: dict[str, str] = {"python": sys.version.split()[0]}
    for name in modules:
        mod = sys.modules.get(name)
        version = getattr(mod, "__version__", None) if mod is not None else None
        if version is not None:
            versions[name] = str(version)
    return versions
