"""Adaptive batching: concurrent requests for one version scored in one model call.

Opt-in. Limits count *rows*, not requests (a 500-row request is not "one item"): a batch closes
when it holds ``max_rows`` rows or its first request has waited ``max_wait_ms``. One batch runs at
a time per version (in a worker thread); requests arriving meanwhile form the next batch, so under
load batches grow by themselves and an idle server adds at most ``max_wait_ms``. A request larger
than ``max_rows`` is scored alone.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from charter.serving.checks import ModelColumns

__all__ = ["AdaptiveBatcher", "BatchOptions"]

Score = Callable[[ModelColumns], np.ndarray]


@dataclass(frozen=True)
class BatchOptions:
    """``max_rows`` 0 turns batching off."""

    max_rows: int = 0
    max_wait_ms: float = 2.0

    @property
    def enabled(self) -> bool:
        return self.max_rows > 0


@dataclass
class _Item:
    columns: ModelColumns
    rows: int
    future: asyncio.Future[np.ndarray] = field(repr=False)


class AdaptiveBatcher:
    """Collects requests and scores them together; one per model version and event loop."""

    def __init__(
        self, score: Score, options: BatchOptions, *, observe: Callable[[int], None] | None = None
    ) -> None:
        self._score = score
        self._options = options
        self._observe = observe
        self._queue: list[_Item] = []
        self._wakeup = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def submit(self, columns: ModelColumns, rows: int) -> np.ndarray:
        """Scores for ``columns``, computed in some batch."""
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run())
        future: asyncio.Future[np.ndarray] = asyncio.get_running_loop().create_future()
        self._queue.append(_Item(columns, rows, future))
        self._wakeup.set()
        return await future

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def _take(self) -> list[_Item]:
        taken: list[_Item] = []
        rows = 0
        while self._queue and (not taken or rows + self._queue[0].rows <= self._options.max_rows):
            item = self._queue.pop(0)
            taken.append(item)
            rows += item.rows
        return taken

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            if not self._queue:
                self._wakeup.clear()
                await self._wakeup.wait()
            deadline = loop.time() + self._options.max_wait_ms / 1000.0
            while sum(i.rows for i in self._queue) < self._options.max_rows:
                remaining = deadline - loop.time()
                if remaining <= 0:
                    break
                self._wakeup.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wakeup.wait(), remaining)
            batch = self._take()
            if not batch:
                continue
            await self._execute(batch)

    async def _execute(self, batch: list[_Item]) -> None:
        names = list(batch[0].columns)
        if len(batch) == 1:
            merged = batch[0].columns
        else:
            merged = {n: np.concatenate([item.columns[n] for item in batch]) for n in names}
        total = sum(item.rows for item in batch)
        if self._observe is not None:
            self._observe(total)
        try:
            scores = await asyncio.to_thread(self._score, merged)
        except Exception as exc:
            for item in batch:
                if not item.future.done():
                    item.future.set_exception(exc)
            return
        start = 0
        for item in batch:
            if not item.future.done():
                item.future.set_result(scores[start : start + item.rows])
            start += item.rows
