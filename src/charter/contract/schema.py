"""The charter's published forms: its JSON Schema (for editors) and its canonical hash.

The hash identifies what a charter *says*, not how it is written: comments, key order, quoting
and spelled-out defaults do not change it, so a registered model version can record the charter
it was validated against and notice a real change.
"""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from typing import Any

from pydantic.json_schema import GenerateJsonSchema

from charter.contract.durations import format_duration
from charter.contract.spec import Charter

__all__ = ["SCHEMA_ID", "charter_hash", "charter_json_schema"]

SCHEMA_ID = "https://charter.dev/schema/charter-1.json"
_DRAFT = "https://json-schema.org/draft/2020-12/schema"


class _CharterSchemaGenerator(GenerateJsonSchema):
    """Write duration defaults as a charter does (``400d``), not as ISO 8601 (``P1Y35D``)."""

    def encode_default(self, dft: Any) -> Any:
        if isinstance(dft, timedelta):
            return format_duration(dft)
        return super().encode_default(dft)


def charter_json_schema() -> dict[str, Any]:
    """The JSON Schema (Draft 2020-12) of ``charter.yaml``, for editors and CI linters.

    Point an editor at it with a first line ``# yaml-language-server: $schema=charter.schema.json``
    after ``charter schema -o charter.schema.json``.
    """
    body = Charter.model_json_schema(mode="validation", schema_generator=_CharterSchemaGenerator)
    return {
        "$schema": _DRAFT,
        "$id": SCHEMA_ID,
        "title": "Charter",
        "description": (
            "The production contract of one model use case (charter.yaml): purpose and "
            "decision, risk, inputs and outputs, delivery, the validation gate, approvals, "
            "monitoring and the policies that act on it."
        ),
        **{key: value for key, value in body.items() if key not in ("title", "description")},
    }


def canonical_json(charter: Charter) -> str:
    """The charter as compact JSON with sorted keys: the exact bytes ``charter_hash`` digests."""
    return json.dumps(
        charter.model_dump(mode="json"), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )


def charter_hash(charter: Charter) -> str:
    """The sha256 hex digest of the charter's canonical JSON."""
    return hashlib.sha256(canonical_json(charter).encode("utf-8")).hexdigest()
