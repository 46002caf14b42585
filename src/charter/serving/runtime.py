"""One model version ready to answer: its charter's rules, the model (compiled if it can be),
the outputs it returns and a small background sample for reason codes.

Reason codes use ``charter.metrics.reason_codes`` (occlusion against ``REASON_BACKGROUND_ROWS``
reference rows): one model call per feature on ``rows x 20`` rows, so a one-row explanation of the
11-feature Adult model scores 220 rows, about 11 model calls. They are computed only where asked
(the plain ``/predict`` API) and never on OIP or MLflow requests.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from charter.contract import Charter
from charter.metrics import reason_codes
from charter.models import LoadedModel, coerce_frame
from charter.registry import Registry
from charter.serving.checks import ModelColumns, RowRules
from charter.serving.compile import CompiledModel, compile_onnx
from charter.store import VersionRecord

__all__ = ["REASON_BACKGROUND_ROWS", "ModelRuntime", "RuntimeOptions", "load_runtime"]

REASON_BACKGROUND_ROWS = 20
_VERIFY_ROWS = 1000
# Models faster than this run on the event loop: a thread hop costs more than it frees (measured
# 1-3 ms per request for the Adult pipeline), while slower models would stall health checks.
_INLINE_BELOW_S = 0.02
_DEFAULT_MAX_ROWS = 10_000
_DEFAULT_MAX_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class RuntimeOptions:
    """How versions are prepared for serving."""

    compile_onnx: bool = True


class ModelRuntime:
    """A loaded version and everything needed to answer a request for it."""

    def __init__(
        self,
        record: VersionRecord,
        charter: Charter,
        model: LoadedModel,
        *,
        background: pd.DataFrame | None = None,
        compiled: CompiledModel | None = None,
        compile_note: str = "",
    ) -> None:
        self.record = record
        self.name = record.model_name
        self.version = record.version
        self.charter = charter
        self.model = model
        self.compiled = compiled
        self.compile_note = compile_note
        self.background = background
        self.rules = RowRules(charter.features)
        self.positive = charter.target.positive
        label = charter.outputs.label
        self.threshold = label.threshold if label is not None else None
        reasons = charter.outputs.reasons
        self.reasons_top = reasons.top if reasons is not None else 0
        keys = [n for n, spec in charter.identifiers.items() if spec.entity_key]
        self.entity_key = keys[0] if keys else None
        realtime = charter.delivery.realtime
        self.max_rows = realtime.max_batch_rows if realtime else _DEFAULT_MAX_ROWS
        self.max_payload_bytes = realtime.max_payload_bytes if realtime else _DEFAULT_MAX_BYTES
        self.require_token = bool(realtime.require_token) if realtime else False
        self.log_rate = charter.monitoring.log.sample
        self.inline = False

    @property
    def engine(self) -> str:
        """``onnx`` when the compiled model answers, else the model's flavor."""
        return "onnx" if self.compiled is not None else self.model.flavor

    def frame(self, columns: ModelColumns) -> pd.DataFrame:
        return pd.DataFrame(columns, copy=False)

    def score(self, columns: ModelColumns) -> np.ndarray:
        """Scores for model-ready columns (synchronous; the caller picks the thread)."""
        if self.compiled is not None:
            return self.compiled.scores(columns)
        return self.model.predict_scores(self.frame(columns), positive=self.positive)

    def outputs(self, scores: np.ndarray) -> dict[str, list[Any]]:
        """Columnar outputs: ``score``, ``label`` for classifiers, per-class for multiclass."""
        classes = self.model.classes
        if scores.ndim == 2 and classes is not None:
            best = scores.argmax(axis=1)
            out: dict[str, list[Any]] = {
                "score": scores.max(axis=1).tolist(),
                "label": [classes[i] for i in best.tolist()],
            }
            for j, name in enumerate(classes):
                out[f"probability_{name}"] = scores[:, j].tolist()
            return out
        out = {"score": scores.tolist()}
        if classes is not None and len(classes) == 2 and self.threshold is not None:
            positive = self.positive if self.positive in classes else classes[1]
            negative = classes[0] if classes[1] == positive else classes[1]
            out["label"] = np.where(scores >= self.threshold, positive, negative).tolist()
        return out

    def explain(self, columns: ModelColumns) -> list[list[dict[str, Any]]]:
        """Top reason codes per row (empty lists when the charter asks for none)."""
        n_rows = len(next(iter(columns.values())))
        if self.reasons_top <= 0 or self.background is None:
            return [[] for _ in range(n_rows)]

        def predict(frame: pd.DataFrame) -> np.ndarray:
            scores = self.score({c: frame[c].to_numpy() for c in frame.columns})
            return scores if scores.ndim == 1 else scores.max(axis=1)

        codes = reason_codes(
            predict, self.frame(columns), background=self.background, top=self.reasons_top
        )
        return [[code.to_dict() for code in row] for row in codes]


def _reference(registry: Registry, record: VersionRecord, charter: Charter) -> pd.DataFrame | None:
    try:
        sample = registry.load_sample(record)
    except Exception:  # an old version without a sample still serves, just without reasons
        return None
    features = [c for c in charter.features if c in sample.columns]
    if len(features) != len(charter.features):
        return None
    return sample[features].iloc[:_VERIFY_ROWS].reset_index(drop=True)


def load_runtime(
    registry: Registry, record: VersionRecord, options: RuntimeOptions | None = None
) -> ModelRuntime:
    """Load, verify, compile and warm up one version (seconds; call it off the event loop)."""
    opts = options or RuntimeOptions()
    charter = registry.charter_of(record)
    model = registry.load(record)
    reference = _reference(registry, record, charter)
    compiled: CompiledModel | None = None
    note = "onnx compilation off"
    background = None
    if reference is not None:
        valid = coerce_frame(reference, charter.features)
        columns = {c: valid[c].to_numpy() for c in valid.columns}
        background = pd.DataFrame(columns).iloc[:REASON_BACKGROUND_ROWS].reset_index(drop=True)
        if opts.compile_onnx:
            expected = model.predict_scores(pd.DataFrame(columns), positive=charter.target.positive)
            compiled, note = compile_onnx(
                model, charter.features, columns, expected, positive=charter.target.positive
            )
    runtime = ModelRuntime(
        record, charter, model, background=background, compiled=compiled, compile_note=note
    )
    if background is not None:
        one = {c: background[c].to_numpy()[:1] for c in background.columns}
        runtime.score(one)
        started = time.perf_counter()
        for _ in range(3):
            runtime.score(one)
        runtime.inline = (time.perf_counter() - started) / 3 < _INLINE_BELOW_S
    return runtime
