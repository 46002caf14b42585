"""OpenAPI request bodies of the inference routes (they read raw bytes for speed, so FastAPI
cannot infer them); ``/docs`` shows them and the fuzz test generates requests from them."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

__all__ = ["MLFLOW_BODY", "OIP_INFER_BODY", "RECORDS_BODY", "PromoteIn", "RollbackIn"]

_SCALAR: dict[str, Any] = {"type": ["string", "number", "integer", "boolean", "null"]}
_RECORD: dict[str, Any] = {"type": "object", "additionalProperties": _SCALAR}


def _json_body(schema: dict[str, Any]) -> dict[str, Any]:
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


OIP_INFER_BODY = _json_body(
    {
        "type": "object",
        "required": ["inputs"],
        "properties": {
            "id": {"type": "string"},
            "parameters": {"type": "object"},
            "inputs": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["name", "shape", "datatype", "data"],
                    "properties": {
                        "name": {"type": "string"},
                        "shape": {"type": "array", "items": {"type": "integer"}},
                        "datatype": {
                            "type": "string",
                            "enum": ["BOOL", "INT32", "INT64", "FP32", "FP64", "BYTES"],
                        },
                        "parameters": {"type": "object"},
                        "data": {"type": "array", "items": _SCALAR},
                    },
                },
            },
            "outputs": {
                "type": "array",
                "items": {"type": "object", "properties": {"name": {"type": "string"}}},
            },
        },
    }
)
MLFLOW_BODY = _json_body(
    {
        "type": "object",
        "description": "Exactly one of dataframe_split, dataframe_records, instances, inputs.",
        "properties": {
            "dataframe_split": {
                "type": "object",
                "properties": {
                    "columns": {"type": "array", "items": {"type": "string"}},
                    "data": {"type": "array", "items": {"type": "array", "items": _SCALAR}},
                },
            },
            "dataframe_records": {"type": "array", "items": _RECORD},
            "instances": {"type": "array", "items": _RECORD},
            "inputs": {"oneOf": [{"type": "array", "items": _RECORD}, {"type": "object"}]},
            "params": {"type": "object"},
        },
    }
)
RECORDS_BODY = _json_body(
    {
        "type": "object",
        "required": ["records"],
        "properties": {
            "records": {"type": "array", "items": _RECORD},
            "explain": {"type": "boolean", "default": True},
        },
    }
)


class PromoteIn(BaseModel):
    """Put a version into production (optionally as a canary share) or shadow."""

    version: int = Field(ge=1)
    to: str = Field("production", pattern="^(production|shadow)$")
    canary_percent: int | None = Field(None, ge=1, le=99)
    reason: str = ""


class RollbackIn(BaseModel):
    """Return production to the previous version that still passes the rules."""

    reason: str = ""
