"""Request bodies of the three protocols, decoded into one shape: named columns of equal length.

``Columns`` maps a field name to a list of plain Python values (one per row). Decoding checks only
what the protocol itself requires (valid JSON, datatypes, shapes, scalars); the charter's feature
rules are checked afterwards, the same way for every protocol. NaN and Infinity are refused: they
are not JSON, and a model must never see them.
"""

from __future__ import annotations

import io
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from charter.serving.errors import InvalidRequestError, UnsupportedMediaTypeError

__all__ = [
    "Columns",
    "OipRequest",
    "columns_from_records",
    "decode_mlflow",
    "decode_oip",
    "decode_records",
    "loads_json",
]

Columns = dict[str, list[Any]]

# OIP datatype -> little-endian NumPy dtype of its binary form
OIP_DTYPES: dict[str, str] = {
    "BOOL": "|b1",
    "UINT8": "|u1",
    "UINT16": "<u2",
    "UINT32": "<u4",
    "UINT64": "<u8",
    "INT8": "|i1",
    "INT16": "<i2",
    "INT32": "<i4",
    "INT64": "<i8",
    "FP16": "<f2",
    "FP32": "<f4",
    "FP64": "<f8",
}
_NUMERIC = frozenset(k for k in OIP_DTYPES if k != "BOOL")
MLFLOW_KEYS = ("dataframe_split", "dataframe_records", "instances", "inputs")


def _refuse_constant(name: str) -> Any:
    raise InvalidRequestError(f"{name} is not valid JSON; send finite numbers only")


def _parse_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise InvalidRequestError(f"the number {text[:20]} is out of range for a 64-bit float")
    return value


def _parse_int(text: str) -> int | float:
    return int(text) if len(text) <= 18 else _parse_float(text)


def _nan_is_missing(name: str) -> Any:
    if name == "NaN":
        return None
    return _refuse_constant(name)


def loads_json(body: bytes, *, nan_is_missing: bool = False) -> Any:
    """Parse a body as JSON, refusing NaN, Infinity and numbers a float cannot hold.

    ``nan_is_missing`` reads a bare ``NaN`` as a missing value instead: MLflow's own client
    (pandas' ``to_json``) writes missing numbers that way, and MLflow's server accepts them.
    """
    if not body:
        raise InvalidRequestError("the request body is empty; expected a JSON object")
    try:
        return json.loads(
            body,
            parse_constant=_nan_is_missing if nan_is_missing else _refuse_constant,
            parse_float=_parse_float,
            parse_int=_parse_int,
        )
    except InvalidRequestError:
        raise
    except UnicodeDecodeError as exc:
        raise InvalidRequestError("the request body is not UTF-8 text") from exc
    except (ValueError, RecursionError) as exc:
        if isinstance(exc, json.JSONDecodeError):
            where, reason = f" (line {exc.lineno}, column {exc.colno})", exc.msg
        else:
            where, reason = "", "nesting too deep"
        raise InvalidRequestError(f"the request body is not valid JSON: {reason}{where}") from exc


def _scalar(value: Any, where: str) -> Any:
    if isinstance(value, dict | list):
        kind = "an object" if isinstance(value, dict) else "a list"
        raise InvalidRequestError(f"{where} must be a single value, got {kind}")
    return value


def columns_from_records(records: Any, what: str) -> tuple[Columns, int]:
    """``[{field: value}, …]`` as columns; a field absent from a record is None there."""
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise InvalidRequestError(f"{what} must be a list of JSON objects (one per row)")
    if not records:
        raise InvalidRequestError(f"{what} holds no rows")
    names: dict[str, None] = {}
    for record in records:
        names.update(dict.fromkeys(record))
    columns: Columns = {name: [] for name in names}
    for i, record in enumerate(records):
        for name in names:
            columns[name].append(_scalar(record.get(name), f"field {name!r} of row {i}"))
    return columns, len(records)


def _columns_from_mapping(data: Mapping[str, Any], what: str) -> tuple[Columns, int]:
    lengths = set()
    columns: Columns = {}
    for name, values in data.items():
        values = values if isinstance(values, list) else [values]
        columns[str(name)] = [_scalar(v, f"{what} field {name!r}") for v in values]
        lengths.add(len(values))
    if len(lengths) != 1:
        raise InvalidRequestError(f"every field of {what} must hold the same number of values")
    n_rows = lengths.pop()
    if n_rows == 0:
        raise InvalidRequestError(f"{what} holds no rows")
    return columns, n_rows


def decode_records(body: bytes) -> tuple[Columns, int, dict[str, Any]]:
    """The plain API: ``{"records": [{…}, …], "explain": bool}``; options returned separately."""
    payload = loads_json(body)
    if not isinstance(payload, dict) or "records" not in payload:
        raise InvalidRequestError('expected a JSON object {"records": [{field: value}, …]}')
    columns, n_rows = columns_from_records(payload["records"], "records")
    options = {k: v for k, v in payload.items() if k != "records"}
    return columns, n_rows, options


def decode_mlflow(body: bytes, content_type: str | None) -> tuple[Columns, int]:
    """MLflow's ``/invocations``: JSON with exactly one input key, or CSV."""
    kind = (content_type or "application/json").split(";")[0].strip().lower()
    if kind == "text/csv":
        return _decode_csv(body)
    if kind not in ("application/json", ""):
        raise UnsupportedMediaTypeError(
            f"content type {kind!r} is not supported; send application/json or text/csv"
        )
    payload = loads_json(body, nan_is_missing=True)
    if not isinstance(payload, dict):
        raise InvalidRequestError(
            "expected a JSON object with one of the keys " + ", ".join(MLFLOW_KEYS)
        )
    given = [key for key in MLFLOW_KEYS if key in payload]
    if len(given) != 1:
        raise InvalidRequestError(
            "give exactly one of the keys " + ", ".join(MLFLOW_KEYS) + f"; got {len(given)}"
        )
    key = given[0]
    data = payload[key]
    if key == "dataframe_split":
        if not isinstance(data, dict) or not isinstance(data.get("columns"), list):
            raise InvalidRequestError('dataframe_split must be {"columns": [...], "data": [[...]]}')
        rows = data.get("data")
        names = [str(c) for c in data["columns"]]
        if not isinstance(rows, list) or not all(
            isinstance(r, list) and len(r) == len(names) for r in rows
        ):
            raise InvalidRequestError(
                f"dataframe_split.data must be a list of rows of {len(names)} values each"
            )
        return columns_from_records([dict(zip(names, r, strict=True)) for r in rows], key)
    if isinstance(data, dict):
        return _columns_from_mapping(data, key)
    return columns_from_records(data, key)


def _decode_csv(body: bytes) -> tuple[Columns, int]:
    import pandas as pd  # CSV is rare on a hot path; pandas parses it properly

    try:
        frame = pd.read_csv(io.BytesIO(body), dtype=object, keep_default_na=False)
    except Exception as exc:  # pandas raises several parser errors; all mean "bad CSV"
        raise InvalidRequestError(f"the CSV body cannot be read: {type(exc).__name__}") from exc
    if frame.empty:
        raise InvalidRequestError("the CSV body holds no rows")
    return {str(c): [v if v != "" else None for v in frame[c].tolist()] for c in frame}, len(frame)


@dataclass
class OipRequest:
    """An Open Inference Protocol request, decoded."""

    columns: Columns
    n_rows: int
    datatypes: dict[str, str]
    id: str | None = None
    outputs: list[str] | None = None
    binary_outputs: set[str] = field(default_factory=set)
    binary_default: bool = False


def _flatten(data: Any) -> list[Any]:
    if not isinstance(data, list):
        return [data]
    if data and isinstance(data[0], list):
        out: list[Any] = []
        for item in data:
            out.extend(_flatten(item))
        return out
    return data


def _rows_of(name: str, shape: Any) -> int:
    if not isinstance(shape, list) or not all(
        isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in shape
    ):
        raise InvalidRequestError(f"input {name!r}: shape must be a list of non-negative integers")
    if len(shape) == 1 or (len(shape) == 2 and shape[1] == 1):
        return int(shape[0])
    raise InvalidRequestError(
        f"input {name!r} has shape {shape}; each input is one feature column, "
        "shape [rows] or [rows, 1]"
    )


def _check_json_values(name: str, datatype: str, values: Sequence[Any]) -> list[Any]:
    if datatype == "BYTES":
        ok = all(isinstance(v, str) for v in values)
        expected = "strings"
    elif datatype == "BOOL":
        ok = all(isinstance(v, bool) for v in values)
        expected = "true or false"
    elif datatype.startswith(("INT", "UINT")):
        ok = all(isinstance(v, int) and not isinstance(v, bool) for v in values)
        expected = "integers"
    else:
        ok = all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)
        expected = "numbers"
    if not ok:
        raise InvalidRequestError(f"input {name!r}: datatype {datatype} holds {expected} only")
    return list(values)


def _binary_values(name: str, datatype: str, raw: bytes, count: int) -> list[Any]:
    if datatype == "BYTES":
        values: list[Any] = []
        offset = 0
        while offset < len(raw):
            if offset + 4 > len(raw):
                raise InvalidRequestError(f"input {name!r}: truncated BYTES element")
            size = int.from_bytes(raw[offset : offset + 4], "little")
            item = raw[offset + 4 : offset + 4 + size]
            if len(item) != size:
                raise InvalidRequestError(f"input {name!r}: truncated BYTES element")
            try:
                values.append(item.decode("utf-8"))
            except UnicodeDecodeError as exc:
                raise InvalidRequestError(f"input {name!r}: BYTES must be UTF-8 text") from exc
            offset += 4 + size
    else:
        dtype = np.dtype(OIP_DTYPES[datatype])
        if len(raw) != count * dtype.itemsize:
            raise InvalidRequestError(
                f"input {name!r}: {len(raw)} bytes do not make {count} {datatype} values"
            )
        array = np.frombuffer(raw, dtype=dtype)
        if array.dtype.kind == "f" and not np.isfinite(array).all():
            raise InvalidRequestError(f"input {name!r}: NaN and infinity are not valid inputs")
        values = array.tolist()
    if len(values) != count:
        raise InvalidRequestError(
            f"input {name!r}: shape says {count} values, the data holds {len(values)}"
        )
    return values


def _params(obj: dict[str, Any]) -> dict[str, Any]:
    params = obj.get("parameters")
    return params if isinstance(params, dict) else {}


def decode_oip(body: bytes, header_length: str | None) -> OipRequest:
    """An OIP v2 infer body: JSON, or JSON followed by binary tensors (Triton's extension)."""
    binary = b""
    if header_length is not None:
        try:
            size = int(header_length)
        except ValueError as exc:
            raise InvalidRequestError("Inference-Header-Content-Length must be an integer") from exc
        if not 0 < size <= len(body):
            raise InvalidRequestError(
                "Inference-Header-Content-Length must be between 1 and the body's length"
            )
        body, binary = body[:size], body[size:]
    payload = loads_json(body)
    if not isinstance(payload, dict) or not isinstance(payload.get("inputs"), list):
        raise InvalidRequestError('expected a JSON object with an "inputs" list')
    if not payload["inputs"]:
        raise InvalidRequestError('"inputs" holds no tensors')
    columns: Columns = {}
    datatypes: dict[str, str] = {}
    rows: set[int] = set()
    offset = 0
    for i, tensor in enumerate(payload["inputs"]):
        if not isinstance(tensor, dict) or not isinstance(tensor.get("name"), str):
            raise InvalidRequestError(f"inputs[{i}] must be an object with a string name")
        name = tensor["name"]
        datatype = tensor.get("datatype")
        if datatype not in OIP_DTYPES and datatype != "BYTES":
            raise InvalidRequestError(
                f"input {name!r}: unknown datatype {str(datatype)[:20]!r}; expected one of "
                + ", ".join([*OIP_DTYPES, "BYTES"])
            )
        n = _rows_of(name, tensor.get("shape"))
        params = _params(tensor)
        blob = params.get("binary_data_size")
        if blob is not None:
            if not isinstance(blob, int) or blob < 0 or offset + blob > len(binary):
                raise InvalidRequestError(
                    f"input {name!r}: binary_data_size does not fit the binary part of the body"
                )
            values = _binary_values(name, datatype, binary[offset : offset + blob], n)
            offset += blob
        else:
            if "data" not in tensor:
                raise InvalidRequestError(f"input {name!r} has no data")
            values = _check_json_values(name, datatype, _flatten(tensor["data"]))
            if len(values) != n:
                raise InvalidRequestError(
                    f"input {name!r}: shape says {n} values, the data holds {len(values)}"
                )
        if name in columns:
            raise InvalidRequestError(f"input {name!r} is given twice")
        columns[name], datatypes[name] = values, datatype
        rows.add(n)
    if offset != len(binary):
        raise InvalidRequestError("the binary part of the body is longer than the inputs declare")
    if len(rows) != 1:
        raise InvalidRequestError("every input must have the same number of rows")
    n_rows = rows.pop()
    if n_rows == 0:
        raise InvalidRequestError("the inputs hold no rows")
    request_id = payload.get("id")
    top = _params(payload)
    outputs: list[str] | None = None
    binary_outputs: set[str] = set()
    if isinstance(payload.get("outputs"), list):
        outputs = []
        for out in payload["outputs"]:
            if not isinstance(out, dict) or not isinstance(out.get("name"), str):
                raise InvalidRequestError("each requested output must be an object with a name")
            outputs.append(out["name"])
            out_params = out.get("parameters")
            if isinstance(out_params, dict) and out_params.get("binary_data") is True:
                binary_outputs.add(out["name"])
    return OipRequest(
        columns=columns,
        n_rows=n_rows,
        datatypes=datatypes,
        id=str(request_id)[:128] if isinstance(request_id, str | int) else None,
        outputs=outputs,
        binary_outputs=binary_outputs,
        binary_default=top.get("binary_data_output") is True,
    )


def is_numeric_datatype(datatype: str) -> bool:
    """INT*, UINT* and FP* datatypes."""
    return datatype in _NUMERIC
