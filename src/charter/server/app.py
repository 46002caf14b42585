"""``create_app(settings)``: the FastAPI app that serves the registry's production models.

The lifespan loads every served model before the port answers ready, then runs two background
loops: the registry watcher (routing changes within ``poll_seconds``) and the compactor (spool to
Parquet every ``compact_every_seconds``). On shutdown uvicorn stops accepting and lets in-flight
requests finish; the lifespan then waits for pending shadow copies, closes the spool and
compacts once more, so a clean stop leaves nothing in the spool. With ``metrics_dir`` (several
workers) a third loop writes this worker's metrics there for ``GET /metrics`` to sum.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
from collections.abc import AsyncIterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import replace
from functools import partial
from pathlib import Path

from fastapi import FastAPI

from charter._version import __version__
from charter.config import Settings
from charter.predlog import (
    SpoolWriter,
    compact,
    default_log_dir,
    default_spool_dir,
    load_hash_key,
)
from charter.predlog.compactor import compactor_child
from charter.registry import Registry
from charter.server import admin, oip, routes
from charter.server.context import ServerContext
from charter.server.errors import install_error_handlers
from charter.server.middleware import RequestMiddleware
from charter.serving import MetricsRegistry, ServeOptions, ServingService
from charter.serving.metrics_store import FLUSH_SECONDS
from charter.ui import create_ui_app

__all__ = ["create_app"]

logger = logging.getLogger("charter.server")


async def _compact_forever(spool_dir: str, log_dir: str, every: float) -> None:
    """Compact the spool every ``every`` seconds in a child process.

    A child, not a thread: parsing the spool holds the GIL, and in the serving process it took
    CPU from answering (a single-row load lost ~20 % throughput to it on 2 cores).
    """
    loop = asyncio.get_running_loop()
    context = multiprocessing.get_context("spawn")  # never fork a process running threads

    def start() -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            max_workers=1,
            mp_context=context,
            initializer=compactor_child,  # idle cores only; dies with a SIGKILLed server
            initargs=(os.getpid(),),
        )

    pool = start()
    try:
        while True:
            try:
                await loop.run_in_executor(pool, partial(compact, spool_dir, log_dir, wait=False))
            except BrokenProcessPool:  # the child died (OOM, a kill): start a fresh pool
                logger.warning("prediction log compactor process died; restarting it")
                pool.shutdown(wait=False, cancel_futures=True)
                pool = start()
            except Exception as exc:  # the spool keeps everything; the next round retries
                logger.warning("prediction log compaction failed: %s", exc)
            await asyncio.sleep(every)
    finally:  # a compaction under way finishes on its own (it is crash-safe and locked)
        pool.shutdown(wait=False, cancel_futures=True)


async def _flush_metrics_forever(metrics: MetricsRegistry, every: float) -> None:
    while True:
        await asyncio.sleep(every)
        try:
            await asyncio.to_thread(metrics.flush)
        except Exception as exc:  # the next round retries; counting goes on in memory
            logger.warning("writing this worker's metrics failed: %s", exc)


def create_app(
    settings: Settings,
    *,
    models: Sequence[str] | None = None,
    options: ServeOptions | None = None,
    registry: Registry | None = None,
    metrics_dir: str | Path | None = None,
) -> FastAPI:
    """The inference + admin app for the registry ``settings`` point at.

    ``models`` limits the served models (default: every model with a production version);
    ``options`` tunes routing, batching, ONNX and the log (see ``ServeOptions``);
    ``metrics_dir`` is the directory a server's worker processes share their metrics in (see
    ``charter.serving.metrics_store``).
    """
    opts = options or ServeOptions()
    if models:
        opts = replace(opts, models=tuple(models))
    spool_dir = opts.spool_dir or default_spool_dir(settings.home)
    log_dir = opts.log_dir or default_log_dir(settings.home)
    metrics = MetricsRegistry(share_dir=metrics_dir)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = registry is None
        reg = registry if registry is not None else await asyncio.to_thread(Registry.open, settings)
        spool = SpoolWriter(spool_dir, fsync=opts.fsync) if opts.log_predictions else None
        service = ServingService(
            reg, opts, hash_key=load_hash_key(settings.home), spool=spool, metrics=metrics
        )
        context = ServerContext(settings=settings, registry=reg, service=service)
        app.state.charter = context
        await asyncio.to_thread(service.load_all)
        context.ready = True
        tasks = [asyncio.create_task(service.watch())]
        if opts.log_predictions and opts.compact_every_seconds > 0:
            tasks.append(
                asyncio.create_task(
                    _compact_forever(str(spool_dir), str(log_dir), opts.compact_every_seconds)
                )
            )
        if metrics.shared:
            tasks.append(asyncio.create_task(_flush_metrics_forever(metrics, FLUSH_SECONDS)))
        try:
            yield
        finally:
            context.ready = False
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await service.drain()
            if metrics.shared:
                with contextlib.suppress(Exception):
                    await asyncio.to_thread(metrics.flush)  # this worker's final totals
            if opts.log_predictions:
                with contextlib.suppress(Exception):
                    await asyncio.to_thread(compact, spool_dir, log_dir)
            dashboard.state.ui.close()
            if owned:
                reg.close()

    app = FastAPI(
        title="Charter serving",
        version=__version__,
        description=(
            "Open Inference Protocol v2, MLflow-compatible /invocations and a plain /v1 API "
            "with reason codes, for the registry's production models."
        ),
        lifespan=lifespan,
    )
    install_error_handlers(app)
    dashboard = create_ui_app(settings, registry=registry)  # opens its own registry if None
    app.mount("/ui", dashboard)
    app.include_router(oip.router)
    app.include_router(routes.router)
    app.include_router(admin.router)
    app.add_middleware(RequestMiddleware, metrics=metrics)
    return app
