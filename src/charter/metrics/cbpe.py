"""Confidence-based performance estimation (CBPE): a binary classifier's performance before labels.

Labels arrive weeks late or never, so monitoring estimates performance from the scores alone, the
way NannyML's CBPE does. If the scores are calibrated probabilities, a row scored ``p`` is a
positive with probability ``p``: the window's expected confusion matrix is a sum of ``p`` and
``1 - p`` over its rows, and its expected ROC curve the running sums of them in score order. Both
are computed as the ordinary metric on every row counted twice, once as a positive with weight
``p`` and once as a negative with weight ``1 - p`` (the weighted kernels of ``performance.py``),
so ties, thresholds and zero divisions follow ``compute_metric`` exactly.

The scores are first calibrated on the labelled reference with isotonic regression when that
lowers the cross-validated calibration error (NannyML's rule). Uncertainty is sampling error,
measured on the reference: the standard deviation of the realized metric over random reference
chunks of ``chunk_size`` rows, scaled to a window of ``n`` rows by ``sqrt(chunk_size / n)``.
Estimates equal NannyML 0.13.1's CBPE on the same data (to 1e-8; it rounds ROC sums to 5
decimals); its sampling errors differ, being closed-form per metric.

Limitation: CBPE assumes ``P(y | score)`` is the same in production as on the reference. It
follows covariate shift (the inputs move, e.g. a vendor change, and the scores with them) as far
as that holds: where the model is calibrated differently in the region the inputs moved to, the
estimate is biased (on Adult, a shift to older, more educated applicants left estimated accuracy
0.01-0.03 below realized). It is blind to concept shift (the same inputs now mean a different
outcome): the scores do not change, so neither does the estimate. Only realized performance,
once labels arrive, shows that.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from sklearn.isotonic import IsotonicRegression
from sklearn.model_selection import StratifiedKFold

from charter.errors import DataError
from charter.metrics._inputs import as_binary, as_finite, check_probability, check_same_length
from charter.metrics._weighted import Floats
from charter.metrics.performance import evaluate_weighted

__all__ = ["CBPE_METRICS", "CBPEModel", "PerformanceEstimate", "fit_cbpe"]

CBPE_METRICS: tuple[str, ...] = ("roc_auc", "accuracy", "precision", "recall", "f1")
Calibration = Literal["auto", "isotonic", "none"]

_DEFAULT_CHUNKS = 10  # NannyML's default number of reference chunks
_MAX_DEFAULT_CHUNK = 5_000  # the std scales as 1/sqrt(rows), so bigger chunks only cost time
_TARGET_CHUNKS = 200  # enough for a standard deviation within about 5%
_CALIBRATION_FOLDS = 5
_MAX_CHECK_ROWS = 100_000  # the calibration check's verdict is settled long before this
_ECE_BINS = 10


@dataclass(frozen=True)
class PerformanceEstimate:
    """One estimated metric for one window; ``value`` is ``None`` (with a ``reason``) if undefined.

    ``lower``/``upper`` are ``value -/+ sigmas * std`` clipped to [0, 1]; ``std`` is the sampling
    error at this window's size, ``None`` when the reference was too short to measure it.
    """

    metric: str
    value: float | None
    lower: float | None
    upper: float | None
    std: float | None
    n: int
    is_calibrated: bool
    reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return asdict(self)


@dataclass(frozen=True, eq=False)
class CBPEModel:
    """What CBPE learns from the labelled reference; frozen, and serialisable with ``to_dict``.

    ``knots``/``knot_values`` are the isotonic calibration map (empty when ``is_calibrated`` is
    false); ``reference_metrics`` the realized metrics on the reference; ``chunk_std`` their
    standard deviation over reference chunks of ``chunk_size`` rows (``None`` if under 2 chunks).
    """

    threshold: float
    is_calibrated: bool
    knots: Floats
    knot_values: Floats
    reference_metrics: Mapping[str, float | None]
    chunk_std: Mapping[str, float | None]
    chunk_size: int
    n_reference: int
    n_chunks: int

    def calibrate(self, scores: Any) -> Floats:
        """Calibrated P(positive) for raw ``scores`` (the scores themselves if not calibrated)."""
        values = _probabilities(scores, "scores")
        if not self.is_calibrated:
            return values
        # IsotonicRegression(out_of_bounds="clip").predict is exactly this interpolation.
        return np.interp(values, self.knots, self.knot_values)

    def estimate(
        self,
        scores: Any,
        metrics: Sequence[str] = ("roc_auc", "accuracy"),
        *,
        sigmas: float = 3.0,
    ) -> dict[str, PerformanceEstimate]:
        """PerformanceEstimate ``metrics`` on a window of raw ``scores`` without labels.

        Parameters
        ----------
        scores
            The model's P(positive) for every row of the window, uncalibrated, in [0, 1].
        metrics
            Names from ``CBPE_METRICS``.
        sigmas
            Width of the band around each value, in sampling standard deviations (NannyML: 3).

        Returns
        -------
        dict[str, PerformanceEstimate]
            One estimate per metric, in the order given. A window of fewer than 2 rows, or
            ``roc_auc`` where every calibrated probability is 0 (or every one 1), gets
            ``value=None`` and a ``reason``; nothing is ever NaN.
        """
        names = _check_metrics(metrics)
        raw = np.asarray(scores)
        if raw.ndim != 1:
            raise DataError(f"scores must be one-dimensional; got shape {raw.shape}")
        n = int(raw.size)
        if n < 2:
            reason = f"CBPE needs at least 2 rows in the window; got {n}"
            return {name: self._undefined(name, n, reason) for name in names}
        values = _probabilities(raw, "scores")
        p = np.interp(values, self.knots, self.knot_values) if self.is_calibrated else values
        expected = _expected(names, values, p, self.threshold)
        out: dict[str, PerformanceEstimate] = {}
        for name in names:
            value = expected[name]
            if value is None:
                side = "0" if p.max() == 0.0 else "1"
                reason = f"{name} is undefined: every calibrated probability is {side}"
                out[name] = self._undefined(name, n, reason)
                continue
            chunk_std = self.chunk_std.get(name)
            std = None if chunk_std is None else chunk_std * float(np.sqrt(self.chunk_size / n))
            out[name] = PerformanceEstimate(
                metric=name,
                value=value,
                lower=None if std is None else max(0.0, value - sigmas * std),
                upper=None if std is None else min(1.0, value + sigmas * std),
                std=std,
                n=n,
                is_calibrated=self.is_calibrated,
            )
        return out

    def _undefined(self, name: str, n: int, reason: str) -> PerformanceEstimate:
        return PerformanceEstimate(name, None, None, None, None, n, self.is_calibrated, reason)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields; ``from_dict`` rebuilds the model (no pickle needed to store it)."""
        return {
            "threshold": self.threshold,
            "is_calibrated": self.is_calibrated,
            "knots": self.knots.tolist(),
            "knot_values": self.knot_values.tolist(),
            "reference_metrics": dict(self.reference_metrics),
            "chunk_std": dict(self.chunk_std),
            "chunk_size": self.chunk_size,
            "n_reference": self.n_reference,
            "n_chunks": self.n_chunks,
        }

    @classmethod
    def from_dict(cls, body: Mapping[str, Any]) -> CBPEModel:
        """The model ``to_dict`` wrote."""
        try:
            return cls(
                threshold=float(body["threshold"]),
                is_calibrated=bool(body["is_calibrated"]),
                knots=np.asarray(body["knots"], dtype=np.float64),
                knot_values=np.asarray(body["knot_values"], dtype=np.float64),
                reference_metrics=dict(body["reference_metrics"]),
                chunk_std=dict(body["chunk_std"]),
                chunk_size=int(body["chunk_size"]),
                n_reference=int(body["n_reference"]),
                n_chunks=int(body["n_chunks"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise DataError(f"not a CBPE model: {exc!r}") from exc


def fit_cbpe(
    reference_scores: Any,
    reference_labels: Any,
    *,
    threshold: float = 0.5,
    chunk_size: int | None = None,
    calibration: Calibration = "auto",
    seed: int = 0,
) -> CBPEModel:
    """Learn calibration and sampling error from a labelled reference, for ``CBPEModel.estimate``.

    Parameters
    ----------
    reference_scores
        The model's P(positive) on reference rows the model was not trained on, in [0, 1].
    reference_labels
        Their binary labels (0/1 or bool); both classes must occur.
    threshold
        Label metrics predict positive where the raw score is ``>= threshold``.
    chunk_size
        Rows per reference chunk for the sampling error; default a tenth of the reference, at
        most 5,000 rows. About 200 chunks are drawn from seeded random permutations of it.
    calibration
        ``"auto"``: isotonic regression if it lowers the 5-fold cross-fitted expected calibration
        error (10 equal-count bins) below the raw scores' (on 100,000 rows at most);
        ``"isotonic"``: always; ``"none"``: never.
    seed
        Seeds the folds of the ``"auto"`` check and the reference chunks.

    Returns
    -------
    CBPEModel

    Raises
    ------
    DataError
        Empty, mismatched, non-finite, out-of-range or one-class reference, or a bad option.
    """
    if calibration not in ("auto", "isotonic", "none"):
        raise DataError(f"calibration must be 'auto', 'isotonic' or 'none'; got {calibration!r}")
    threshold = float(threshold)
    if not np.isfinite(threshold):
        raise DataError(f"threshold must be a finite number; got {threshold!r}")
    labels = as_binary(reference_labels, "reference_labels", purpose="CBPE")
    scores = _probabilities(reference_scores, "reference_scores")
    n = check_same_length(reference_scores=scores, reference_labels=labels)
    n_positive = int(labels.sum())
    if n_positive in (0, n):
        only = int(n_positive == n)
        raise DataError(
            f"reference_labels must contain both classes to fit CBPE; got only {only} in {n} rows"
        )
    size = (
        min(max(n // _DEFAULT_CHUNKS, 1), _MAX_DEFAULT_CHUNK) if chunk_size is None else chunk_size
    )
    if isinstance(size, bool) or not isinstance(size, int | np.integer) or size < 1:
        raise DataError(f"chunk_size must be a positive integer; got {chunk_size!r}")

    is_calibrated = calibration == "isotonic" or (
        calibration == "auto" and _calibration_helps(scores, labels, seed)
    )
    knots, knot_values = _isotonic(scores, labels) if is_calibrated else (_EMPTY, _EMPTY)
    reference = {name: _realized(name, labels, scores, threshold) for name in CBPE_METRICS}
    chunk_std, n_chunks = _chunk_std(labels, scores, threshold, int(size), seed)
    return CBPEModel(
        threshold=threshold,
        is_calibrated=is_calibrated,
        knots=knots,
        knot_values=knot_values,
        reference_metrics=reference,
        chunk_std=chunk_std,
        chunk_size=int(size),
        n_reference=n,
        n_chunks=n_chunks,
    )


_EMPTY: Floats = np.empty(0, dtype=np.float64)


def _probabilities(values: Any, name: str) -> Floats:
    array = as_finite(values, name)
    check_probability(array, name, purpose="CBPE")
    return array


def _check_metrics(metrics: Sequence[str]) -> list[str]:
    names = [metrics] if isinstance(metrics, str) else list(metrics)
    unknown = [name for name in names if name not in CBPE_METRICS]
    if unknown or not names:
        raise DataError(
            f"metrics must be names from {', '.join(CBPE_METRICS)}; got {unknown or names!r}"
        )
    return names


def _realized(name: str, labels: npt.NDArray[np.bool_], scores: Floats, t: float) -> float | None:
    value = float(evaluate_weighted(name, labels, scores, None, threshold=t)[0])
    return None if np.isnan(value) else value


def _expected(
    names: Sequence[str], scores: Floats, p: Floats, threshold: float
) -> dict[str, float | None]:
    """Each metric with every row both a positive (weight ``p``) and a negative (``1 - p``)."""
    n = scores.size
    labels = np.r_[np.ones(n, dtype=np.bool_), np.zeros(n, dtype=np.bool_)]
    doubled = np.r_[scores, scores]
    weights = np.r_[p, 1.0 - p][None, :]
    out: dict[str, float | None] = {}
    for name in names:
        value = float(evaluate_weighted(name, labels, doubled, weights, threshold=threshold)[0])
        out[name] = None if np.isnan(value) else value
    return out


def _chunk_std(
    labels: npt.NDArray[np.bool_], scores: Floats, threshold: float, size: int, seed: int
) -> tuple[dict[str, float | None], int]:
    """Std of each realized metric over random reference chunks of ``size`` rows.

    The reference is cut into disjoint chunks along seeded random permutations until about
    ``_TARGET_CHUNKS`` are measured (ten chunks alone give a std often off by half). Chunks of one
    finite reference vary less than samples from production, by ``(n - size) / (n - 1)`` in
    variance; the std is corrected for that, so it does not shrink as chunks grow towards ``n``.
    """
    n = labels.size
    per_partition = n // size
    if per_partition < 2:
        return dict.fromkeys(CBPE_METRICS), 0
    partitions = -(-_TARGET_CHUNKS // per_partition)
    rng = np.random.default_rng(seed)
    values: dict[str, list[float]] = {name: [] for name in CBPE_METRICS}
    n_chunks = 0
    for _ in range(partitions):
        order = rng.permutation(n)
        for k in range(min(per_partition, _TARGET_CHUNKS - n_chunks)):
            rows = order[k * size : (k + 1) * size]
            for name in CBPE_METRICS:
                value = _realized(name, labels[rows], scores[rows], threshold)
                if value is not None:  # a chunk with one class has no roc_auc
                    values[name].append(value)
            n_chunks += 1
    finite_population = float(np.sqrt((n - 1) / (n - size)))
    stds = {
        name: float(np.std(found, ddof=1)) * finite_population if len(found) >= 2 else None
        for name, found in values.items()
    }
    return stds, n_chunks


def _isotonic(scores: Floats, labels: npt.NDArray[np.bool_]) -> tuple[Floats, Floats]:
    model = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip")
    model.fit(scores, labels.astype(np.float64))
    return (
        np.asarray(model.X_thresholds_, dtype=np.float64),
        np.asarray(model.y_thresholds_, dtype=np.float64),
    )


def _calibration_helps(scores: Floats, labels: npt.NDArray[np.bool_], seed: int) -> bool:
    """True if out-of-fold isotonic probabilities have a lower ECE than the raw scores."""
    rng = np.random.default_rng(seed)
    if scores.size > _MAX_CHECK_ROWS:
        rows = rng.choice(scores.size, size=_MAX_CHECK_ROWS, replace=False)
        scores, labels = scores[rows], labels[rows]
    folds = min(_CALIBRATION_FOLDS, int(labels.sum()), int((~labels).sum()))
    if folds < 2:
        return False
    calibrated = np.empty_like(scores)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for train, test in splitter.split(scores, labels):
        knots, knot_values = _isotonic(scores[train], labels[train])
        calibrated[test] = np.interp(scores[test], knots, knot_values)
    return _ece(calibrated, labels) < _ece(scores, labels)


def _ece(p: Floats, labels: npt.NDArray[np.bool_]) -> float:
    """Expected calibration error over equal-count bins of the sorted probabilities (NannyML's)."""
    order = np.argsort(p, kind="stable")
    starts = np.unique(np.linspace(0, p.size, _ECE_BINS + 1).astype(np.intp)[:-1])
    # Each bin adds count / n * |mean gap| = |sum of gaps| / n.
    gap = np.add.reduceat(p[order] - labels[order], starts)
    return float(np.abs(gap).sum() / p.size)
