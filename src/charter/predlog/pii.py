"""The charter's PII policy applied to a row before it is logged, and deterministic sampling.

Identifiers follow their ``log`` policy: ``drop`` removes the field, ``hash`` keeps an
HMAC-SHA256 of the value under a key that lives outside the log (``CHARTER_LOG_HASH_KEY``, else a
0600 key file under ``<home>/secrets/``), ``keep`` stores it in clear. Fields the charter does not
declare at all (not a feature, identifier, sensitive attribute or the target) are dropped: a field
with no declared policy cannot be known to be safe to store.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

from charter.errors import StorageError

__all__ = ["HASH_KEY_ENV", "HASH_PREFIX", "apply_pii_policy", "load_hash_key", "should_sample"]

HASH_KEY_ENV = "CHARTER_LOG_HASH_KEY"
HASH_PREFIX = "hmac-sha256:"
_KEY_BYTES = 32


class _IdentifierLike(Protocol):
    @property
    def log(self) -> str: ...


class _TargetLike(Protocol):
    @property
    def column(self) -> str: ...


class CharterLike(Protocol):
    """The parts of a charter the policy reads."""

    @property
    def features(self) -> Mapping[str, Any]: ...
    @property
    def identifiers(self) -> Mapping[str, Any]: ...
    @property
    def sensitive(self) -> Mapping[str, Any]: ...
    @property
    def target(self) -> Any: ...


def keyed_hash(value: Any, hash_key: bytes) -> str:
    """``hmac-sha256:<hex>`` of the value's text; equal values give equal hashes (joinable)."""
    digest = hmac.new(hash_key, str(value).encode("utf-8"), hashlib.sha256).hexdigest()
    return HASH_PREFIX + digest


def apply_pii_policy(
    row: Mapping[str, Any], charter: CharterLike, *, hash_key: bytes
) -> dict[str, Any]:
    """The row as the prediction log may store it (see the module docstring for the rules)."""
    identifiers = charter.identifiers
    target = getattr(charter.target, "column", None)
    out: dict[str, Any] = {}
    for name, value in row.items():
        spec = identifiers.get(name)
        if spec is not None:
            policy = str(spec.log)
            if policy == "keep":
                out[name] = value
            elif policy == "hash" and value is not None:
                out[name] = keyed_hash(value, hash_key)
            elif policy == "hash":
                out[name] = None
            continue
        if name in charter.features or name in charter.sensitive or name == target:
            out[name] = value
    return out


def load_hash_key(home: str | Path, environ: Mapping[str, str] | None = None) -> bytes:
    """The log's hashing key: ``CHARTER_LOG_HASH_KEY``, else ``<home>/secrets/log_hash.key``.

    The file is created (0600, random 32 bytes) on first use. Losing it only means hashes made
    afterwards no longer match earlier ones; the key is never written into the log itself.
    """
    env = os.environ if environ is None else environ
    given = env.get(HASH_KEY_ENV)
    if given:
        return given.encode("utf-8")
    path = Path(home) / "secrets" / "log_hash.key"
    try:
        return path.read_bytes()
    except FileNotFoundError:
        pass
    except OSError as exc:
        raise StorageError(f"cannot read the log hash key file {path}: {exc.strerror}") from exc
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        key = secrets.token_hex(_KEY_BYTES).encode("ascii")
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(key)
        return key
    except FileExistsError:  # another worker created it first: use theirs
        return path.read_bytes()
    except OSError as exc:
        raise StorageError(f"cannot create the log hash key file {path}: {exc.strerror}") from exc


def should_sample(request_id: str, rate: float) -> bool:
    """Whether a request is logged at ``rate``: the same id always gives the same answer.

    Deterministic (a hash of the id, not a random draw), so every worker, replica and the shadow
    of a request agree, and a test can predict exactly which ids are kept.
    """
    if rate >= 1.0:
        return True
    if rate <= 0.0:
        return False
    digest = hashlib.sha256(request_id.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") < rate * 2.0**64
