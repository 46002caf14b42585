"""Executors that map a function over partitions: in this process, or on a Dask cluster.

Engines know nothing about models or charters. A service hands them a picklable function and a
list of picklable partitions; they return the results in partition order and report each one as
it completes, so the caller can show progress.
"""

from __future__ import annotations

from charter.engines.base import Engine, EngineName, open_engine
from charter.engines.local import LocalEngine

__all__ = ["Engine", "EngineName", "LocalEngine", "open_engine"]
