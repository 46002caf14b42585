"""The engine seam: ``map`` a function over partitions, results in order, progress as they land."""

from __future__ import annotations

import abc
from collections.abc import Callable, Sequence
from typing import Literal, TypeVar

from charter.errors import DataError

__all__ = ["Engine", "EngineName", "open_engine"]

T = TypeVar("T")
R = TypeVar("R")

EngineName = Literal["local", "dask"]
ENGINES: tuple[EngineName, ...] = ("local", "dask")


class Engine(abc.ABC):
    """Runs one function over many partitions."""

    name: EngineName

    #: Whether partitions run in other processes (functions and data must pickle, and files they
    #: write must be on storage those processes share with the caller).
    is_distributed: bool = False

    @abc.abstractmethod
    def map(
        self,
        func: Callable[[T], R],
        partitions: Sequence[T],
        *,
        on_result: Callable[[int, R], None] | None = None,
    ) -> list[R]:
        """Apply ``func`` to every partition; results in partition order.

        ``on_result(index, result)`` is called in the caller's thread as each partition finishes.
        The first failure cancels what has not started and is raised.
        """

    def close(self) -> None:  # noqa: B027 - optional hook: the local engine holds nothing
        """Release what the engine holds (a cluster connection)."""

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_engine(name: str, *, scheduler: object | None = None) -> Engine:
    """The engine called ``name``; ``scheduler`` is a Dask address, ``Client`` or cluster."""
    if name == "local":
        if scheduler is not None:
            raise DataError("a scheduler address only applies to --engine dask")
        from charter.engines.local import LocalEngine

        return LocalEngine()
    if name == "dask":
        from charter.engines.dask import DaskEngine

        return DaskEngine(scheduler)
    raise DataError(
        f"The 'engine' parameter must be one of {', '.join(ENGINES)}. Got {name!r} instead."
    )
