"""Partitions across a Dask cluster (``--engine dask --scheduler tcp://host:port``).

With no scheduler the engine starts an in-process ``LocalCluster`` for the call's lifetime, which
is how a laptop tries the cluster path. The engine only connects, submits and gathers; what a
partition does is the caller's function, which must pickle.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from charter.engines.base import Engine, EngineName
from charter.errors import DataError

__all__ = ["DaskEngine"]

T = TypeVar("T")
R = TypeVar("R")

_CONNECT_TIMEOUT_S = 10


def _client(scheduler: object | None, timeout_s: float) -> tuple[Any, bool]:
    """A ``distributed.Client`` for ``scheduler`` and whether this engine owns (must close) it."""
    try:
        distributed: Any = importlib.import_module("distributed")
    except ImportError as exc:
        raise DataError(
            "the dask engine needs the 'dask' extra: pip install 'charter-mlops[dask]'"
        ) from exc
    Client = distributed.Client
    if isinstance(scheduler, Client):
        return scheduler, False
    if scheduler is None:
        return Client(processes=False, dashboard_address=None), True
    try:
        if isinstance(scheduler, str):
            return Client(scheduler, timeout=timeout_s), True
        return Client(scheduler), True
    except (OSError, TimeoutError) as exc:
        raise DataError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None


class DaskEngine(Engine):
    """One task per partition on a Dask cluster; results come back in partition order."""

    name: EngineName = "dask"
    is_distributed = True

    def __init__(
        self, scheduler: object | None = None, *, connect_timeout_s: float = _CONNECT_TIMEOUT_S
    ) -> None:
        self._client, self._owned = _client(scheduler, connect_timeout_s)

    @property
    def client(self) -> Any:
        return self._client

    def map(
        self,
        func: Callable[[T], R],
        partitions: Sequence[T],
        *,
        on_result: Callable[[int, R], None] | None = None,
    ) -> list[R]:
        as_completed = importlib.import_module("distributed").as_completed
        # pure=False: the same partition run twice (a retried run id) must run again.
        futures = self._client.map(func, list(partitions), pure=False)
        index_of = {future.key: index for index, future in enumerate(futures)}
        results: list[Any] = [None] * len(futures)
        try:
            for future in as_completed(futures):
                index = index_of[future.key]
                results[index] = future.result()
                if on_result is not None:
                    on_result(index, results[index])
        except BaseException:
            self._client.cancel(futures)
            raise
        return results

    def close(self) -> None:
        if self._owned:
            self._client.close()
