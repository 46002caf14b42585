"""A version's reference: what every window of that version is compared with, built once.

The reference is the sample registered with the version. ``load_reference`` profiles it on the
charter's features, scores it with the version's model (for prediction drift and for extra checks
that calibrate on it), and fixes each feature's drift method and limits:

- ``monitoring.drift.thresholds: fixed`` -- PSI uses the charter's ``warn``/``alert``; the other
  methods their documented defaults (``charter.metrics.drift.registry``);
- ``learned`` -- each feature's alert limit is ``mean + k_sigma * std`` of the statistic over
  chunks of the reference, each against the whole (``charter.metrics.drift.learn_thresholds``,
  NannyML's approach), learned once per version.

How the chunks are drawn. The statistic's noise depends on sample sizes, so a chunk must be as
noisy against the reference as a window of ``w`` rows is against a reference of ``N``. A chunk
of ``m`` rows drawn without replacement has sampling variance proportional to ``1/m - 1/N``, a
window ``1/w + 1/N``; they match at ``m = w * N / (N + 2 * w)``, where ``w`` is the version's
typical window (the median rows of its windows with rows; without one, ``m = N / 10``, NannyML's
10 chunks). A single split of the reference often gives only a few such chunks, and a spread
estimated from 4 or 6 values is itself noisy (we measured learned limits varying threefold), so
``learning_chunks`` splits seeded random orders of the reference into chunks of ``m`` rows until
it has ``LEARNING_CHUNKS`` (50) of them. Their merge is the reference
repeated, so each chunk is compared with exactly the reference's distribution. The seed is fixed:
re-running ``monitor`` learns the same limits.

The scores come from ``cache`` when a run has a cache folder (``monitor`` uses
``<home>/cache/monitoring``): the model is loaded and the sample scored once per version, keyed by
the artifact's and sample's sha256 and the charter, not on every run.

Caveat: ``mean + 3 std`` is a Gaussian rule; a statistic with a skewed distribution (PSI of a
column that is nearly constant, whose quantile bins collapse to two) exceeds it more often than
0.3% of the time -- about 1% in our Adult measurements.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import pandas as pd

from charter.contract import Charter
from charter.metrics.drift import Threshold, learn_thresholds
from charter.metrics.profile import Profile, ReferenceSpec, build_reference, profile_chunks
from charter.monitoring.cache import cache_key, read_scores, scores_path, write_scores

if TYPE_CHECKING:
    from charter.registry import Registry
    from charter.store import VersionRecord

__all__ = [
    "LEARNING_CHUNKS",
    "ReferenceData",
    "chunk_rows",
    "learning_chunks",
    "load_reference",
]

NUMERIC_TYPES = frozenset({"integer", "number"})
LEARNING_CHUNKS, LEARNING_SEED, DEFAULT_CHUNKS = 50, 0, 10
MIN_CHUNK_ROWS = 30  # as few rows as a window whose drift is judged (service.MIN_DRIFT_ROWS)


@dataclass
class ReferenceData:
    """One version's reference sample, its profile and scores, and how drift is judged."""

    version: int
    charter: Charter
    features: list[str]
    sample: pd.DataFrame
    spec: ReferenceSpec
    profile: Profile
    scores: npt.NDArray[np.float64]
    methods: dict[str, str]
    thresholds: dict[str, Threshold | float] = field(default_factory=dict)
    is_learned: bool = False

    @property
    def positive(self) -> str:
        """The positive class as logged labels spell it."""
        positive = self.charter.target.positive
        return str(positive) if positive is not None else "1"

    @property
    def label_threshold(self) -> float:
        """The score from which a prediction is positive."""
        label = self.charter.outputs.label
        return label.threshold if label is not None else 0.5


def chunk_rows(n_reference_rows: int, typical_window_rows: int | None) -> int:
    """Rows per learning chunk: as noisy against the reference as a typical window."""
    n = n_reference_rows
    if typical_window_rows is None or typical_window_rows <= 0:
        rows = n // DEFAULT_CHUNKS
    else:
        rows = typical_window_rows * n // (n + 2 * typical_window_rows)
    return max(1, min(max(rows, MIN_CHUNK_ROWS), n // 2))


def learning_chunks(
    spec: ReferenceSpec, sample: pd.DataFrame, typical_window_rows: int | None
) -> list[Profile]:
    """``LEARNING_CHUNKS`` profiles of ``chunk_rows`` rows each (see the module docstring)."""
    n = len(sample)
    rows = chunk_rows(n, typical_window_rows)
    per_order = n // rows
    rng = np.random.default_rng(LEARNING_SEED)
    chunks: list[Profile] = []
    while len(chunks) < LEARNING_CHUNKS:
        order = rng.permutation(n)[: per_order * rows]
        shuffled = sample.iloc[order].reset_index(drop=True)
        chunks += profile_chunks(spec, shuffled, n_chunks=per_order)
    return chunks[:LEARNING_CHUNKS]


def _scores(
    registry: Registry,
    record: VersionRecord,
    charter: Charter,
    sample: pd.DataFrame,
    features: list[str],
    cache_dir: Path | None,
) -> npt.NDArray[np.float64]:
    """The model's scores on the reference sample, from the cache when it has them."""
    path = None
    if cache_dir is not None:
        key = cache_key(
            record.artifact_sha256,
            record.sample_sha256,
            record.charter_hash,
            repr(features),
            repr(charter.target.positive),
        )
        path = scores_path(cache_dir, record.model_name, record.version, key)
        cached = read_scores(path, len(sample))
        if cached is not None:
            return cached
    model = registry.load(record)
    scores = np.asarray(
        model.predict_scores(sample[features], positive=charter.target.positive), dtype=np.float64
    )
    if path is not None:
        write_scores(path, scores)
    return scores


def load_reference(
    registry: Registry,
    name: str,
    version: int,
    *,
    typical_window_rows: int | None = None,
    cache_dir: Path | None = None,
) -> ReferenceData:
    """Build ``name@version``'s reference (see the module docstring).

    With ``cache_dir`` the reference scores are read from and written to the cache there.
    """
    record = registry.get(f"{name}@{version}")
    charter = registry.charter_of(record)
    sample = registry.load_sample(record)
    features = [f for f in charter.features if f in sample.columns]
    numeric = [f for f in features if charter.features[f].type in NUMERIC_TYPES]
    categorical = [f for f in features if f not in numeric]
    bounds = {
        f: (
            float(spec.min) if spec.min is not None else -math.inf,
            float(spec.max) if spec.max is not None else math.inf,
        )
        for f, spec in charter.features.items()
        if f in numeric and (spec.min is not None or spec.max is not None)
    }
    spec, profile = build_reference(
        sample[features], numeric=numeric, categorical=categorical, bounds=bounds
    )
    scores = _scores(registry, record, charter, sample, features, cache_dir)
    drift = charter.monitoring.drift
    methods: dict[str, str] = {
        f: drift.numeric if f in numeric else drift.categorical for f in features
    }
    reference = ReferenceData(version, charter, features, sample, spec, profile, scores, methods)
    if drift.thresholds == "learned" and len(sample) >= 2:
        chunks = learning_chunks(spec, sample[features], typical_window_rows)
        learned = learn_thresholds(chunks, methods=methods, k_sigma=drift.k_sigma)
        reference.thresholds = dict(learned)
        reference.is_learned = True
    else:
        for f, method in methods.items():
            if method == "psi" and drift.alert is not None:
                reference.thresholds[f] = Threshold(
                    alert=drift.alert, warn=drift.warn, method="psi"
                )
    return reference
