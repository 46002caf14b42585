"""Reference vs current distributions for the monitoring report, computed when the report is made.

The stored points hold statistics, not distributions, so the report recomputes the shapes from the
version's reference sample and the rows the prediction log holds for one window:

- numeric features on the reference's quantile bins (``quantile_edges``, the bins PSI uses), right
  closed like the profile's, with a "missing or invalid" row when either side has one;
- categorical features as the top categories by their larger share on either side, the rest pooled
  into "other"; a category absent from the reference is marked "(new)";
- the prediction score, on the reference scores' quantile bins, when the log has scores.

The log is read as compacted (``read_log``): the report never moves the spool, so rows a server
logged after the last ``charter monitor`` run may be missing from the current window. Error
records (``source == "error"``) are left out: they carry no prediction. A version without a
reference sample, or a model that cannot be loaded to score it, leaves a note instead of the
shapes (or of the score's shape) rather than stopping the report.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from charter.errors import CharterError, NotFoundError
from charter.metrics.sketch import quantile_edges, to_float, to_strings
from charter.predlog import default_log_dir, expand_log, read_log

if TYPE_CHECKING:
    from charter.contract import Charter
    from charter.registry import Registry
    from charter.store import VersionRecord

__all__ = [
    "DistributionComparison",
    "FeatureDistribution",
    "compare_categorical",
    "compare_numeric",
    "compare_window",
    "load_window",
]

_NUMERIC_TYPES = frozenset({"integer", "number"})
MISSING_LABEL = "missing"
INVALID_LABEL = "missing or invalid"
OTHER_LABEL = "other"


@dataclass(frozen=True)
class FeatureDistribution:
    """One feature's shares per bin or category, in the reference and in the current window."""

    feature: str
    kind: Literal["numeric", "categorical"]
    labels: tuple[str, ...]
    reference: tuple[float, ...]
    current: tuple[float, ...]
    n_reference: int
    n_current: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "feature": self.feature,
            "kind": self.kind,
            "bins": [
                {"label": label, "reference": ref, "current": cur}
                for label, ref, cur in zip(self.labels, self.reference, self.current, strict=True)
            ],
            "n_reference": self.n_reference,
            "n_current": self.n_current,
        }


@dataclass(frozen=True)
class DistributionComparison:
    """The distributions of one version's latest window against its reference."""

    version: int
    window_start: datetime
    window_end: datetime
    n_reference: int
    n_current: int
    features: tuple[FeatureDistribution, ...] = ()
    scores: FeatureDistribution | None = None
    notes: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "window_start": self.window_start.isoformat(),
            "window_end": self.window_end.isoformat(),
            "n_reference": self.n_reference,
            "n_current": self.n_current,
            "features": [f.feature for f in self.features],
            "has_scores": self.scores is not None,
            "notes": list(self.notes),
        }


def _shares(counts: Sequence[int] | np.ndarray, total: int) -> tuple[float, ...]:
    return tuple(float(c) / total if total else 0.0 for c in counts)


def _bin_labels(edges: np.ndarray) -> list[str]:
    if edges.size == 0:
        return ["all values"]
    labels = [f"≤ {edges[0]:.3g}"]
    labels += [f"({lo:.3g}, {hi:.3g}]" for lo, hi in itertools.pairwise(edges)]
    return [*labels, f"> {edges[-1]:.3g}"]


def compare_numeric(
    feature: str, reference: Any, current: Any, *, n_bins: int = 10
) -> FeatureDistribution:
    """Shares on the reference's quantile bins (right closed), plus missing or invalid values."""
    ref, _ = to_float(reference)
    cur, _ = to_float(current)
    edges = quantile_edges(ref[np.isfinite(ref)], n_bins)
    size = edges.size + 1

    def counts(values: np.ndarray) -> np.ndarray:
        finite = values[np.isfinite(values)]
        binned = np.bincount(np.searchsorted(edges, finite, side="left"), minlength=size)
        return np.append(binned, values.size - finite.size)

    ref_counts, cur_counts = counts(ref), counts(cur)
    labels = [*_bin_labels(edges), INVALID_LABEL]
    if ref_counts[-1] == 0 and cur_counts[-1] == 0:
        labels, ref_counts, cur_counts = labels[:-1], ref_counts[:-1], cur_counts[:-1]
    return FeatureDistribution(
        feature,
        "numeric",
        tuple(labels),
        _shares(ref_counts, ref.size),
        _shares(cur_counts, cur.size),
        int(ref.size),
        int(cur.size),
    )


def compare_categorical(
    feature: str, reference: Any, current: Any, *, top: int = 8
) -> FeatureDistribution:
    """Shares of the ``top`` categories (by the larger share on either side); the rest is other."""
    ref = pd.Series(to_strings(reference).to_pylist(), dtype=object)
    cur = pd.Series(to_strings(current).to_pylist(), dtype=object)
    ref_counts = ref.value_counts(dropna=True)
    cur_counts = cur.value_counts(dropna=True)
    ref_share = ref_counts / max(len(ref), 1)
    cur_share = cur_counts / max(len(cur), 1)
    larger = pd.concat([ref_share, cur_share], axis=1).fillna(0.0).max(axis=1)
    order = sorted(larger.index, key=lambda c: (-float(larger[c]), str(c)))
    chosen = order[:top]
    labels: list[str] = []
    ref_values: list[int] = []
    cur_values: list[int] = []
    for category in chosen:
        is_new = category not in ref_counts.index
        labels.append(f"{category} (new)" if is_new else str(category))
        ref_values.append(int(ref_counts.get(category, 0)))
        cur_values.append(int(cur_counts.get(category, 0)))
    rest_ref = int(ref_counts.sum()) - sum(ref_values)
    rest_cur = int(cur_counts.sum()) - sum(cur_values)
    if rest_ref or rest_cur:
        labels.append(OTHER_LABEL)
        ref_values.append(rest_ref)
        cur_values.append(rest_cur)
    missing_ref, missing_cur = int(ref.isna().sum()), int(cur.isna().sum())
    if missing_ref or missing_cur:
        labels.append(MISSING_LABEL)
        ref_values.append(missing_ref)
        cur_values.append(missing_cur)
    return FeatureDistribution(
        feature,
        "categorical",
        tuple(labels),
        _shares(ref_values, len(ref)),
        _shares(cur_values, len(cur)),
        len(ref),
        len(cur),
    )


def load_window(
    home: str | Path, name: str, version: int, start: datetime, end: datetime
) -> pd.DataFrame:
    """The logged predictions of one version with ``start <= at < end`` (no error records)."""
    log_dir = default_log_dir(home)
    if not log_dir.exists():
        return pd.DataFrame()
    table = read_log(log_dir, name, since=start, until=end)
    if table.num_rows == 0:
        return pd.DataFrame()
    frame = expand_log(table)
    keep = frame["version"].astype(int) == version
    if "source" in frame.columns:
        keep &= frame["source"].astype(str) != "error"
    return frame[keep.to_numpy()].reset_index(drop=True)


def _column(frame: pd.DataFrame, name: str) -> Any:
    if name in frame.columns:
        return frame[name]
    return pd.Series([None] * len(frame), dtype=object)


def _reference_scores(
    registry: Registry, record: VersionRecord, charter: Charter, sample: pd.DataFrame
) -> np.ndarray | None:
    features = [f for f in charter.features if f in sample.columns]
    model = registry.load(record)
    scores = np.asarray(
        model.predict_scores(sample[features], positive=charter.target.positive), dtype=np.float64
    )
    return scores if scores.ndim == 1 else None


def compare_window(
    registry: Registry,
    name: str,
    *,
    home: str | Path,
    version: int,
    start: datetime,
    end: datetime,
    order: Sequence[str] = (),
    max_features: int = 24,
) -> DistributionComparison:
    """Reference vs current shapes of every feature (``order`` first) and of the score."""
    record = registry.get(f"{name}@{version}")
    charter = registry.charter_of(record)
    try:
        sample = registry.load_sample(record)
    except NotFoundError as exc:  # a version registered without a sample: nothing to compare
        return DistributionComparison(version, start, end, 0, 0, notes=(exc.message,))
    current = load_window(home, name, version, start, end)
    declared = [f for f in charter.features if f in sample.columns]
    ranked = [f for f in order if f in declared] + [f for f in declared if f not in order]
    notes: list[str] = []
    if len(ranked) > max_features:
        notes.append(f"{len(ranked) - max_features} more features not shown")
        ranked = ranked[:max_features]
    if current.empty:
        notes.append(
            f"the prediction log holds no rows of version {version} for this window "
            "(purged, or not compacted yet)"
        )
        return DistributionComparison(version, start, end, len(sample), 0, notes=tuple(notes))
    kinds: Mapping[str, bool] = {f: charter.features[f].type in _NUMERIC_TYPES for f in ranked}
    features = tuple(
        compare_numeric(f, sample[f], _column(current, f))
        if kinds[f]
        else compare_categorical(f, sample[f], _column(current, f))
        for f in ranked
    )
    scores = None
    if "output_score" in current.columns:
        try:
            reference_scores = _reference_scores(registry, record, charter, sample)
        except CharterError as exc:  # the model cannot be loaded here: the rest still stands
            notes.append(f"no score distribution: {exc.message}")
            reference_scores = None
        if reference_scores is not None:
            scores = compare_numeric("prediction score", reference_scores, current["output_score"])
    return DistributionComparison(
        version, start, end, len(sample), len(current), features, scores, tuple(notes)
    )
