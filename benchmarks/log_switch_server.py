"""Helpers for ``serving.py --logging-cost``: a server whose log is switched, and a compactor.

``serve HOME PORT`` runs ``charter serve``'s app with the prediction log switched on and off by
SIGUSR1. Two server processes with the same options differ in speed by more than the log costs
(memory layout, ONNX Runtime's arena, which core's caches they warm), so the benchmark compares
the same process with itself, alternating rounds. "Off" is exactly ``--no-log``'s path
(``ServingService.spool`` is None and ``_log`` returns at its first line). ``serve HOME PORT
SECONDS`` compacts every SECONDS in its own niced child, as ``charter serve`` does; with 0 it
does not compact, and

``compact SPOOL LOG`` compacts once per line read from stdin and answers with the CPU seconds
that compaction took, so the benchmark charges each "on" round exactly the compaction of what it
spooled, without the process's start-up imports.
"""

from __future__ import annotations

import json
import signal
import sys
import time
from pathlib import Path
from types import FrameType

import uvicorn

from charter.config import Settings
from charter.predlog import compact
from charter.server.app import create_app
from charter.serving import ServeOptions
from charter.serving.logs import configure_logging


def serve(home: Path, port: int, compact_every: float) -> None:
    options = ServeOptions(compact_every_seconds=compact_every)
    app = create_app(Settings.from_env({}, home=home), options=options)
    parked: list[object] = []

    def switch(signum: int, frame: FrameType | None) -> None:
        service = app.state.charter.service
        if service.spool is not None:
            parked.append(service.spool)
            service.spool = None
        elif parked:
            service.spool = parked.pop()

    signal.signal(signal.SIGUSR1, switch)
    configure_logging(access_log=False)
    uvicorn.run(app, host="127.0.0.1", port=port, access_log=False, log_level="warning")


def compactor(spool: Path, log: Path) -> None:
    for _ in sys.stdin:
        started = time.process_time()
        result = compact(spool, log)
        used = time.process_time() - started
        print(json.dumps({"cpu": used, "records": result.records_written}), flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "serve":
        serve(Path(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]))
    else:
        compactor(Path(sys.argv[2]), Path(sys.argv[3]))
