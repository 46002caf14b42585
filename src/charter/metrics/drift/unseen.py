"""Share of current values whose category the reference never saw.

Missing values are left out of both numerator and denominator. From profiles it is exact unless
the reference had more categories than the cap: then a value outside the kept categories may be a
rare seen one, so the share is unknown (``None``).
"""

from __future__ import annotations

from typing import Any

import pyarrow.compute as pc

from charter.metrics.drift._common import Statistic, categorical_pair, check_sizes
from charter.metrics.sketch import ColumnSketch, to_strings

__all__ = ["compute_unseen_share", "unseen_share_from_profiles"]


def compute_unseen_share(reference: Any, current: Any) -> float:
    """Share of present current values whose category is absent from the reference.

    Parameters
    ----------
    reference, current
        Array-likes of categories (compared as strings).

    Returns
    -------
    float
        A share in ``[0, 1]``.

    Raises
    ------
    DataError
        When the current sample has no present value.
    """
    seen = pc.unique(to_strings(reference).drop_null())
    present = to_strings(current).drop_null()
    check_sizes("Unseen share", 1, len(present))
    unseen = pc.sum(pc.invert(pc.is_in(present, value_set=seen))).as_py() or 0
    return unseen / len(present)


def unseen_share_from_profiles(reference: ColumnSketch, current: ColumnSketch) -> Statistic | None:
    """The unseen share from sketches; ``None`` when the reference's categories were truncated."""
    _, cur = categorical_pair(reference, current)
    check_sizes("Unseen share", 1, cur.n)
    if cur.spec.is_truncated:
        return None
    return Statistic(cur.n_not_in_reference / cur.n)
