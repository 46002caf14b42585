"""The default engine: partitions one after another in this process, nothing to pickle."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from charter.engines.base import Engine, EngineName

__all__ = ["LocalEngine"]

T = TypeVar("T")
R = TypeVar("R")


class LocalEngine(Engine):
    """Sequential, in-process: memory stays that of one partition at a time."""

    name: EngineName = "local"

    def map(
        self,
        func: Callable[[T], R],
        partitions: Sequence[T],
        *,
        on_result: Callable[[int, R], None] | None = None,
    ) -> list[R]:
        results: list[R] = []
        for index, partition in enumerate(partitions):
            result = func(partition)
            results.append(result)
            if on_result is not None:
                on_result(index, result)
        return results
