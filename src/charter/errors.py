"""The errors Charter raises, one tree so callers can catch what they mean.

A check that fails (a gate verdict, a drift alarm) is a *result*, not an exception. Exceptions mean
"could not compute" or "could not do", and every one carries a stable ``code`` (for scripts and
JSON bodies) and the ``http_status`` the server answers with::

    CharterError                      base; CLI prints "code: message" and exits 2
    ├── ContractError(ValueError)     charter.yaml is malformed or breaks a rule (carries .issues)
    ├── DataError(ValueError)         data does not fit the charter or cannot be read
    ├── SignatureMismatchError        a model's inputs do not match the charter (a DataError)
    ├── NotFoundError(LookupError)    unknown model, version, alias or artifact
    ├── ConflictError                 a concurrent change won, or the state forbids the action
    │   └── ModelRetiredError         the model was decommissioned (``charter retire``): HTTP 410
    ├── PermissionDeniedError         a role, token or four-eyes rule refuses the action
    ├── ModelError                    a model cannot be saved, loaded or run
    └── StorageError                  the database or artifact store failed
        └── ArtifactIntegrityError    an artifact's bytes do not match the recorded sha256

Messages say what was expected and what arrived; they never contain secrets or connection strings.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

__all__ = [
    "ArtifactIntegrityError",
    "CharterError",
    "ConflictError",
    "ContractError",
    "ContractIssue",
    "DataError",
    "ModelError",
    "ModelRetiredError",
    "NotFoundError",
    "PermissionDeniedError",
    "SignatureMismatchError",
    "StorageError",
]


class CharterError(Exception):
    """Base of every error Charter raises on purpose."""

    code: str = "charter_error"
    http_status: int = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def to_dict(self) -> dict[str, object]:
        """The JSON body the server and ``--json`` output use."""
        return {"error": self.code, "message": self.message}


@dataclass(frozen=True)
class ContractIssue:
    """One problem in a charter: where (dotted path and line) and what rule it breaks."""

    path: str
    message: str
    line: int | None = None
    severity: str = "error"  # "error" or "warning"

    def __str__(self) -> str:
        where = self.path or "<root>"
        at = f" (line {self.line})" if self.line is not None else ""
        return f"{where}: {self.message}{at}"

    def to_dict(self) -> dict[str, object]:
        return {
            "path": self.path,
            "message": self.message,
            "line": self.line,
            "severity": self.severity,
        }


class ContractError(CharterError, ValueError):
    """A charter that cannot be loaded or breaks a rule; ``issues`` lists every problem found."""

    code = "contract_invalid"
    http_status = 400

    def __init__(self, message: str, issues: Sequence[ContractIssue] = ()) -> None:
        super().__init__(message)
        self.issues: tuple[ContractIssue, ...] = tuple(issues)

    def to_dict(self) -> dict[str, object]:
        body = super().to_dict()
        body["issues"] = [issue.to_dict() for issue in self.issues]
        return body


class DataError(CharterError, ValueError):
    """Data that cannot be read or does not fit the charter."""

    code = "data_invalid"
    http_status = 400


@dataclass(frozen=True)
class SignatureDiff:
    """What separates a model's inputs from the charter's features."""

    missing: tuple[str, ...] = ()
    extra: tuple[str, ...] = ()
    wrong_type: tuple[tuple[str, str, str], ...] = field(default=())  # (name, expected, got)
    forbidden: tuple[str, ...] = ()  # sensitive attributes used as inputs without permission

    @property
    def is_empty(self) -> bool:
        return not (self.missing or self.extra or self.wrong_type or self.forbidden)

    def lines(self) -> list[str]:
        out: list[str] = []
        if self.missing:
            out.append(
                "missing from the charter's features (the model needs them): "
                + ", ".join(self.missing)
            )
        if self.extra:
            out.append(
                "declared in the charter but not used by the model: " + ", ".join(self.extra)
            )
        for name, expected, got in self.wrong_type:
            out.append(f"{name}: the charter says {expected}, the sample has {got}")
        if self.forbidden:
            out.append(
                "sensitive attributes used as model inputs (the charter forbids it): "
                + ", ".join(self.forbidden)
            )
        return out


class SignatureMismatchError(DataError):
    """A model whose inputs do not match the charter; ``diff`` says exactly how."""

    code = "signature_mismatch"
    http_status = 400

    def __init__(self, diff: SignatureDiff) -> None:
        super().__init__(
            "the model's inputs do not match the charter:\n  - " + "\n  - ".join(diff.lines())
        )
        self.diff = diff


class NotFoundError(CharterError, LookupError):
    """An unknown model, version, alias or artifact."""

    code = "not_found"
    http_status = 404


class ConflictError(CharterError):
    """A concurrent change won, or the current state forbids the action."""

    code = "conflict"
    http_status = 409


class ModelRetiredError(ConflictError):
    """A retired model was asked to serve or change: it is gone for good (HTTP 410 Gone)."""

    code = "model_retired"
    http_status = 410


class PermissionDeniedError(CharterError):
    """A role, token or four-eyes rule refuses the action."""

    code = "permission_denied"
    http_status = 403


class ModelError(CharterError):
    """A model that cannot be saved, loaded or run."""

    code = "model_error"
    http_status = 422


class StorageError(CharterError):
    """The registry database or the artifact store failed."""

    code = "storage_error"
    http_status = 503


class ArtifactIntegrityError(StorageError):
    """An artifact whose bytes no longer match the sha256 recorded at registration."""

    code = "artifact_tampered"
    http_status = 500
