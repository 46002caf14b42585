"""Errors for what a client sent: each a ``CharterError`` with the status the server answers."""

from __future__ import annotations

from collections.abc import Sequence

from charter.data import FieldIssue
from charter.errors import CharterError, DataError

__all__ = [
    "InvalidRequestError",
    "PayloadTooLargeError",
    "RequestValidationError",
    "UnauthorizedError",
    "UnsupportedMediaTypeError",
]


class InvalidRequestError(DataError):
    """A body that is not valid for the protocol (bad JSON, wrong datatype, shape mismatch)."""

    code = "invalid_request"
    http_status = 400


class RequestValidationError(DataError):
    """Rows that break the charter's feature rules; ``issues`` names every field and rule."""

    code = "invalid_input"
    http_status = 400

    def __init__(self, issues: Sequence[FieldIssue], n_rows: int) -> None:
        self.issues = tuple(issues)
        bad_rows = len({issue.row for issue in self.issues})
        shown = "; ".join(f"row {i.row}: {i.field}: {i.message}" for i in self.issues[:5])
        more = f" (and {len(self.issues) - 5} more)" if len(self.issues) > 5 else ""
        super().__init__(
            f"{bad_rows} of {n_rows} row(s) break the charter's input rules: {shown}{more}"
        )

    def to_dict(self) -> dict[str, object]:
        body = super().to_dict()
        body["issues"] = [issue.to_dict() for issue in self.issues]
        return body


class PayloadTooLargeError(CharterError):
    """A body over the charter's ``max_payload_bytes`` or a batch over ``max_batch_rows``."""

    code = "payload_too_large"
    http_status = 413


class UnsupportedMediaTypeError(CharterError):
    """A content type the protocol does not accept."""

    code = "unsupported_media_type"
    http_status = 415


class UnauthorizedError(CharterError):
    """A request without a valid bearer token where one is required."""

    code = "unauthorized"
    http_status = 401
