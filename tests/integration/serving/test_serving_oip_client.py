"""A real OIP client from PyPI (tritonclient[http]) works unchanged, binary and JSON modes."""

from __future__ import annotations

import numpy as np
import pytest

from charter.server import ServerHandle
from conftest import MODEL, ServedHome

httpclient = pytest.importorskip("tritonclient.http")


def _inputs(rows: list[dict[str, object]], *, binary: bool) -> list[object]:
    inputs = []
    for name in rows[0]:
        values = [r[name] for r in rows]
        if any(isinstance(v, str) for v in values):
            array = np.array([[str(v) if v is not None else ""] for v in values], dtype=object)
            datatype = "BYTES"
        else:
            array = np.array([[float(v)] for v in values], dtype=np.float64)  # type: ignore[arg-type]
            datatype = "FP64"
        tensor = httpclient.InferInput(name, list(array.shape), datatype)
        tensor.set_data_from_numpy(array, binary_data=binary)
        inputs.append(tensor)
    return inputs


@pytest.mark.parametrize("binary", [True, False], ids=["binary", "json"])
def test_tritonclient_infers(server: ServerHandle, shared_home: ServedHome, binary: bool) -> None:
    rows = [{k: v for k, v in r.items() if v is not None} for r in shared_home.rows[:4]]
    names = set.intersection(*(set(r) for r in rows))
    rows = [{k: r[k] for k in sorted(names)} for r in rows]
    client = httpclient.InferenceServerClient(url=f"127.0.0.1:{server.port}")
    try:
        assert client.is_server_live()
        assert client.is_server_ready()
        assert client.is_model_ready(MODEL)
        outputs = [
            httpclient.InferRequestedOutput(n, binary_data=binary) for n in ("score", "label")
        ]
        result = client.infer(MODEL, _inputs(rows, binary=binary), outputs=outputs)
        scores = result.as_numpy("score")
        labels = result.as_numpy("label")
        assert scores.shape == (4,)
        assert ((scores >= 0) & (scores <= 1)).all()
        assert {x.decode() if isinstance(x, bytes) else x for x in labels} <= {">50K", "<=50K"}
        default = client.infer(MODEL, _inputs(rows, binary=binary), model_version="1")
        assert np.allclose(default.as_numpy("score"), scores)
        with pytest.raises(Exception, match="not served here"):
            client.infer("nope", _inputs(rows, binary=binary))
    finally:
        client.close()
