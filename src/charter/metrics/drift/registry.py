"""Drift methods by name: which column kinds each fits, its profile computation, its default limits.

Default choice (``default_method``), as Evidently chooses: a reference of at most 1000 rows gets a
test with a p-value (KS for numeric, chi-square for categorical; alert when p < 0.05); a larger
one, where every test finds tiny shifts significant, gets a distance (normalised Wasserstein for
numeric, Jensen-Shannon for categorical; alert when the distance > 0.1). PSI, when asked for, warns
above 0.1 and alerts above 0.25 (the industry's stable / moderate / significant bands).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

from charter.errors import ContractError
from charter.metrics.drift._common import Kind, Statistic
from charter.metrics.drift.chi2 import chi2_from_profiles
from charter.metrics.drift.jensen_shannon import jensen_shannon_from_profiles
from charter.metrics.drift.ks import ks_from_profiles
from charter.metrics.drift.psi import psi_from_profiles
from charter.metrics.drift.wasserstein import wasserstein_from_profiles
from charter.metrics.sketch import ColumnSketch

__all__ = ["METHODS", "SMALL_REFERENCE_ROWS", "DriftMethod", "default_method", "get_method"]

SMALL_REFERENCE_ROWS = 1000

UNKNOWN_METHOD = "Unknown drift method {name!r} for column {column!r}; expected one of {names}."
WRONG_KIND = "Drift method {name!r} does not apply to {kind} column {column!r}; use one of {names}."


@dataclass(frozen=True)
class DriftMethod:
    """A named drift statistic: the column kinds it fits, how to compute it, its default limits."""

    name: str
    kinds: frozenset[Kind]
    from_profiles: Callable[[ColumnSketch, ColumnSketch], Statistic]
    alert: float
    warn: float | None
    on: Literal["statistic", "p_value"]


METHODS: Mapping[str, DriftMethod] = MappingProxyType(
    {
        "ks": DriftMethod("ks", frozenset({"numeric"}), ks_from_profiles, 0.05, None, "p_value"),
        "chi2": DriftMethod(
            "chi2", frozenset({"categorical"}), chi2_from_profiles, 0.05, None, "p_value"
        ),
        "wasserstein": DriftMethod(
            "wasserstein", frozenset({"numeric"}), wasserstein_from_profiles, 0.1, None, "statistic"
        ),
        "jensen_shannon": DriftMethod(
            "jensen_shannon",
            frozenset({"numeric", "categorical"}),
            jensen_shannon_from_profiles,
            0.1,
            None,
            "statistic",
        ),
        "psi": DriftMethod(
            "psi", frozenset({"numeric", "categorical"}), psi_from_profiles, 0.25, 0.1, "statistic"
        ),
    }
)


def default_method(kind: Kind, n_reference_rows: int) -> str:
    """KS / chi-square for references of at most 1000 rows, else Wasserstein / Jensen-Shannon."""
    if n_reference_rows <= SMALL_REFERENCE_ROWS:
        return "ks" if kind == "numeric" else "chi2"
    return "wasserstein" if kind == "numeric" else "jensen_shannon"


def get_method(name: str, *, kind: Kind, column: str) -> DriftMethod:
    """The registered method ``name``, checked against the column's kind."""
    method = METHODS.get(name)
    if method is None:
        raise ContractError(UNKNOWN_METHOD.format(name=name, column=column, names=sorted(METHODS)))
    if kind not in method.kinds:
        fitting = sorted(m.name for m in METHODS.values() if kind in m.kinds)
        raise ContractError(WRONG_KIND.format(name=name, kind=kind, column=column, names=fitting))
    return method
