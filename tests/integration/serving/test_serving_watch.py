"""The registry watcher at shutdown: a poll in flight finishes before the registry is closed."""

from __future__ import annotations

import asyncio
import threading

from charter.serving import ServeOptions, ServingService
from conftest import ServedHome


def test_a_cancelled_watcher_waits_for_its_poll_in_flight(served_home: ServedHome) -> None:
    """The lifespan closes the registry right after cancelling the watcher; a poll still running
    in its thread would hold a connection the close cannot reach (left open, on PostgreSQL)."""
    entered, release, finished = threading.Event(), threading.Event(), threading.Event()
    with served_home.registry() as registry:
        service = ServingService(
            registry, ServeOptions(poll_seconds=0.01, compile_onnx=False), hash_key=b"k" * 32
        )
        real_refresh = service.refresh

        def slow_refresh() -> list[str]:
            entered.set()
            release.wait(10)
            try:
                return real_refresh()
            finally:
                finished.set()

        service.refresh = slow_refresh  # type: ignore[method-assign]

        async def scenario() -> bool:
            watcher = asyncio.create_task(service.watch())
            while not entered.is_set():
                await asyncio.sleep(0.01)
            watcher.cancel()
            await asyncio.sleep(0.2)
            waited = not watcher.done()  # still waiting for the poll in its thread
            release.set()
            await asyncio.gather(watcher, return_exceptions=True)
            assert watcher.cancelled()
            return waited

        assert asyncio.run(scenario()), "the watcher returned while its poll was still running"
        assert finished.is_set(), "the poll finished before the watcher returned"
