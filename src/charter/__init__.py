"""Charter: take a trained model into production and keep it fit there.

The production requirements are an executable contract, ``charter.yaml``, written first and
enforced at every stage. Import what you need from here::

    from charter import Registry, load_charter
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from charter._version import __version__
from charter.config import Settings
from charter.errors import (
    ArtifactIntegrityError,
    CharterError,
    ConflictError,
    ContractError,
    DataError,
    ModelError,
    NotFoundError,
    PermissionDeniedError,
    SignatureMismatchError,
    StorageError,
)

if TYPE_CHECKING:
    from charter.contract import Charter, check_charter, load_charter, parse_charter
    from charter.registry import Registry

# The contract and the registry pull in pandas and model libraries; load them on first use so
# that `import charter` (and every CLI start) stays fast.
_LAZY = {
    "Charter": "charter.contract",
    "check_charter": "charter.contract",
    "load_charter": "charter.contract",
    "parse_charter": "charter.contract",
    "Registry": "charter.registry",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'charter' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


__all__ = [
    "ArtifactIntegrityError",
    "Charter",
    "CharterError",
    "ConflictError",
    "ContractError",
    "DataError",
    "ModelError",
    "NotFoundError",
    "PermissionDeniedError",
    "Registry",
    "Settings",
    "SignatureMismatchError",
    "StorageError",
    "__version__",
    "check_charter",
    "load_charter",
    "parse_charter",
]
