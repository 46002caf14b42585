"""Serving latency and throughput: in-process predict, ``charter serve``, ``mlflow models serve``.

Run: ``python benchmarks/serving.py [--seconds 8] [--mlflow-python /tmp/mlvenv/bin/python]``, or
``python benchmarks/serving.py --logging-cost 5`` for the cost of the prediction log alone: a server
with the log on and one with it off run side by side, cells alternate between them for 5 rounds
and the medians are compared, so a change in machine load hits both alike.

Same model everywhere: the quickstart's Adult pipeline (``build_pipeline()``: impute + one-hot with
infrequent categories + HistGradientBoosting, 200 rounds) fitted on Adult's training set. Load
generator: ``wrk`` (Debian package) with a Lua script that POSTs a fixed body to ``/invocations``
(``dataframe_split``) for ``--seconds`` per cell, one connection per concurrent client; p50/p99
come from wrk's latency distribution. In-process predict is timed with ``perf_counter`` around
``predict_scores`` on a one-row / 100-row DataFrame (no HTTP). Every server runs one worker on
127.0.0.1, started fresh per configuration; MLflow runs from its own venv (``--mlflow-python``)
with ``--env-manager local``. Prints one Markdown table; nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import httpx
import pandas as pd

from charter.config import Settings
from charter.datasets import load_adult
from charter.examples.adult import ADULT_FEATURES, build_pipeline
from charter.models import wrap_model
from charter.registry import Registry

CHARTER_TEXT = (Path(__file__).parents[1] / "src/charter/examples/adult_charter.yaml").read_text()
SAVE_MLFLOW = (
    "import joblib, sys, mlflow.sklearn; "
    "mlflow.sklearn.save_model(joblib.load(sys.argv[1]), sys.argv[2], "
    "serialization_format='cloudpickle')"
)
LUA = """wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = io.open("{body}"):read("*a")
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_ready(url: str, process: subprocess.Popen[bytes], timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if process.poll() is not None:
            raise SystemExit(f"server exited while starting: {url}")
        time.sleep(0.2)
    raise SystemExit(f"server not ready: {url}")


# With --pin: servers on core 0 with one OpenMP thread, wrk on core 1, so the two never compete
# for a core and a log-on/log-off difference is not drowned by scheduling noise.
PIN: dict[str, list[str]] = {"server": [], "client": []}


def wrk(url: str, body: Path, connections: int, seconds: int, workdir: Path) -> dict[str, float]:
    script = workdir / f"post_{body.stem}.lua"
    script.write_text(LUA.format(body=body))
    threads = 1 if PIN["client"] else min(connections, 2)
    command = [*PIN["client"], "wrk", "-t", str(threads), "-c", str(connections),
               "-d", f"{seconds}s"]  # fmt: skip
    out = subprocess.run(
        [*command, "--latency", "-s", str(script), url], capture_output=True, text=True, check=True
    ).stdout

    def ms(label: str) -> float:
        match = re.search(rf"^\s*{label}%\s+([\d.]+)(us|ms|s)", out, re.M)
        if not match:
            return float("nan")
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    total = re.search(r"(\d+) requests in", out)
    return {
        "p50_ms": ms("50"),
        "p99_ms": ms("99"),
        "rps": rps,
        "requests": float(total.group(1)) if total else float("nan"),
        "errors": float(errors.group(1)) if errors else 0.0,
    }


def in_process(model: Any, rows: pd.DataFrame, n: int) -> dict[str, float]:
    loaded = wrap_model(model)
    frame = rows.iloc[:n].reset_index(drop=True)
    times = []
    for _ in range(300 if n == 1 else 100):
        started = time.perf_counter()
        loaded.predict_scores(frame, positive=">50K")
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return {"p50_ms": statistics.median(times), "p99_ms": times[int(len(times) * 0.99) - 1],
            "rps": 1000 / statistics.mean(times), "errors": 0.0}  # fmt: skip


def start_charter(home: Path, port: int, *extra: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "CHARTER_HOME": str(home)}
    if PIN["server"]:
        env["OMP_NUM_THREADS"] = "1"
    command = [*PIN["server"], sys.executable, "-m", "charter.cli.main", "serve",
               "--port", str(port)]  # fmt: skip
    process = subprocess.Popen(
        [*command, "--no-access-log", *extra], env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    wait_ready(f"http://127.0.0.1:{port}/v2/health/ready", process)
    return process


def start_mlflow(python: str, model_dir: Path, port: int) -> subprocess.Popen[bytes]:
    mlflow = str(Path(python).parent / "mlflow")
    env = {**os.environ, "PATH": f"{Path(python).parent}:{os.environ.get('PATH', '')}"}
    process = subprocess.Popen(
        [mlflow, "models", "serve", "-m", str(model_dir), "-p", str(port), "--env-manager", "local",
         "--host", "127.0.0.1", "-w", "1"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
    )  # fmt: skip
    wait_ready(f"http://127.0.0.1:{port}/ping", process)
    return process


def own_cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of ``pid`` alone (all its threads, no child processes)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class LogSwitch:
    """The log of a ``log_switch_server.py serve`` process: on at start, flipped by SIGUSR1."""

    def __init__(self, server: subprocess.Popen[bytes]) -> None:
        self.server, self.side = server, "on"

    def set(self, wanted: str) -> None:
        if wanted != self.side:
            self.server.send_signal(signal.SIGUSR1)
            time.sleep(0.3)  # the signal lands between requests
            self.side = wanted

    @staticmethod
    def order(round_: int) -> tuple[str, str]:
        """On first in even rounds, off first in odd ones: a drift hits both sides alike."""
        return ("on", "off") if round_ % 2 == 0 else ("off", "on")


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of ``pid`` and every live descendant (the compactor child)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
            for task in Path(f"/proc/{current}/task").iterdir():  # any thread may have spawned
                pending.extend(int(c) for c in (task / "children").read_text().split())
        except (OSError, IndexError, ValueError):
            continue
    return total


def logging_cost(
    home: Path, bodies: dict[int, Path], rounds: int, seconds: int, work: Path
) -> None:
    """What the prediction log costs, measured in one server process.

    ``log_switch_server.py serve`` switches the log at SIGUSR1, so "on" and "off" rounds
    alternate in the same process (two processes differ by more than the log costs).

    With ``--pin`` (CPU accounting): server and compactor share core 0, wrk has core 1. The
    server does not compact; after each "on" round a separate, already started compactor
    (``log_switch_server.py compact``) compacts what it spooled and reports its CPU. Cost =
    server CPU per request with the log on (compaction included) against off: a saturated core
    answers 1 / (CPU per request), so that is the throughput the log costs a CPU-bound core.

    Without ``--pin`` (as deployed): the server compacts every 30 s in its niced child, as
    ``charter serve`` does, and everything shares the machine's cores; the cost is the drop in
    requests/s, the issue's own measure, and the compaction CPU is reported beside it.
    Requests/s swing more than CPU: a VM's speed drifts between rounds, which is why the
    rounds alternate and sums, not single rounds, decide.
    """
    port = free_port()
    env = {**os.environ, "CHARTER_HOME": str(home)}
    if PIN["server"]:
        env["OMP_NUM_THREADS"] = "1"
    helper = str(Path(__file__).with_name("log_switch_server.py"))
    accounting = bool(PIN["server"])
    server = subprocess.Popen(
        [*PIN["server"], sys.executable, helper, "serve", str(home), str(port),
         "0" if accounting else "30"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    spool, log = home / "predlog" / "spool", home / "predlog" / "log"
    compactor = subprocess.Popen(
        [*PIN["server"], sys.executable, helper, "compact", str(spool), str(log)],
        env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert compactor.stdin is not None and compactor.stdout is not None

    def compact_now() -> float:
        if not accounting:  # the server's own child compacts
            return 0.0
        compactor.stdin.write("go\n")  # type: ignore[union-attr]
        compactor.stdin.flush()  # type: ignore[union-attr]
        return float(json.loads(compactor.stdout.readline())["cpu"])  # type: ignore[union-attr]

    url = f"http://127.0.0.1:{port}/invocations"
    rps: dict[tuple[str, int, int], list[float]] = {}
    cpu: dict[tuple[str, int, int], float] = {}
    requests: dict[tuple[str, int, int], float] = {}
    compaction: dict[tuple[int, int], float] = {}
    switch = LogSwitch(server)
    try:
        wait_ready(f"http://127.0.0.1:{port}/v2/health/ready", server)
        wrk(url, bodies[1], 16, 3, work)  # warm-up
        compact_now()
        if not accounting:
            time.sleep(35)  # the server's compactor child starts (imports ~1 s of CPU) and idles
        start_children = cpu_seconds(server.pid) - own_cpu_seconds(server.pid)
        for n in (1, 100):
            for c in (1, 16):
                for round_ in range(rounds):
                    for side in switch.order(round_):
                        switch.set(side)
                        before = own_cpu_seconds(server.pid)
                        result = wrk(url, bodies[n], c, seconds, work)
                        key = (side, n, c)
                        cpu[key] = cpu.get(key, 0.0) + own_cpu_seconds(server.pid) - before
                        requests[key] = requests.get(key, 0.0) + result["requests"]
                        rps.setdefault(key, []).append(result["rps"])
                        if side == "on":
                            compaction[(n, c)] = compaction.get((n, c), 0.0) + compact_now()
        if not accounting:
            time.sleep(35)  # the child compacts what the last rounds spooled
            children = cpu_seconds(server.pid) - own_cpu_seconds(server.pid) - start_children
    finally:
        server.terminate()
        server.wait(60)
        compactor.stdin.close()
        compactor.wait(60)
    if not accounting:
        on_rows = sum(requests[("on", n, c)] * n for n in (1, 100) for c in (1, 16))
        print("| clients | rows/request | req/s on | off | cost (sums of requests) |")
        print("| --- | --- | --- | --- | --- |")
        for n in (1, 100):
            for c in (1, 16):
                on, off = requests[("on", n, c)], requests[("off", n, c)]
                rps_on = statistics.median(rps[("on", n, c)])
                rps_off = statistics.median(rps[("off", n, c)])
                print(f"| {c} | {n} | {rps_on:.0f} | {rps_off:.0f} | {1 - on / off:+.1%} |")
        print(f"The compactor child used {children:.2f} s of CPU: "
              f"{1e6 * children / on_rows:.1f} µs per logged row.")  # fmt: skip
        return
    print("| clients | rows/request | req/s on (median) | off | server CPU µs/request on "
          "(of it compaction) | off | log cost |")  # fmt: skip
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for n in (1, 100):
        for c in (1, 16):
            on_key, off_key = ("on", n, c), ("off", n, c)
            compacted = 1e6 * compaction[(n, c)] / requests[on_key]
            cpu_on = 1e6 * cpu[on_key] / requests[on_key] + compacted
            cpu_off = 1e6 * cpu[off_key] / requests[off_key]
            print(f"| {c} | {n} | {statistics.median(rps[on_key]):.0f} | "
                  f"{statistics.median(rps[off_key]):.0f} | {cpu_on:.0f} ({compacted:.0f}) | "
                  f"{cpu_off:.0f} | {1 - cpu_off / cpu_on:.1%} |")  # fmt: skip


def prepare(work: Path, sizes: Iterable[int]) -> tuple[Any, pd.DataFrame, Path, dict[int, Path]]:
    """The Adult pipeline, fitted and registered as production in a fresh home under ``work``;
    its feature rows; the home; one ``/invocations`` body per request size in rows."""
    adult = load_adult().train
    model = build_pipeline()
    model.fit(adult[list(ADULT_FEATURES)], adult["income"])
    features = adult[list(ADULT_FEATURES)].reset_index(drop=True)
    home = work / "home"
    (work / "charter.yaml").write_text(CHARTER_TEXT)
    with Registry.open(Settings.from_env({}, home=home)) as registry:
        version = registry.register(model, charter=work / "charter.yaml", sample=adult.iloc[:5000])
        registry.store.set_alias(version.model_name, "production", version.version, actor="bench")
    bodies = {}
    for n in sizes:
        part = features.iloc[:n]
        split = {
            "columns": list(part.columns),
            "data": part.astype(object).where(part.notna(), None).values.tolist(),
        }
        bodies[n] = work / f"body_{n}.json"
        bodies[n].write_text(json.dumps({"dataframe_split": split}))
    return model, features, home, bodies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--mlflow-python", default="/tmp/mlvenv/bin/python")
    parser.add_argument("--skip-charter", action="store_true", help="Only in-process and MLflow.")
    parser.add_argument("--pin", action="store_true",
                        help="Servers on core 0 (one OpenMP thread), wrk on core 1.")  # fmt: skip
    parser.add_argument("--logging-cost", type=int, default=0, metavar="ROUNDS",
                        help="Only log on vs off, interleaved for ROUNDS rounds.")  # fmt: skip
    args = parser.parse_args()
    if args.pin:
        if shutil.which("taskset") is None or (os.cpu_count() or 1) < 2:
            raise SystemExit("--pin needs taskset and at least two cores")
        PIN["server"], PIN["client"] = ["taskset", "-c", "0"], ["taskset", "-c", "1"]
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (apt-get install wrk)")
    work = Path(tempfile.mkdtemp(prefix="charter-serving-bench-"))
    model, features, home, bodies = prepare(work, (1, 100))
    if args.logging_cost:
        logging_cost(home, bodies, args.logging_cost, args.seconds, work)
        return
    results: list[tuple[str, int, int, dict[str, float]]] = []
    for n in (1, 100):
        results.append(("in-process predict_scores", 1, n, in_process(model, features, n)))
    configs = {
        "charter serve (log on)": (),
        "charter serve (log off)": ("--no-log",),
        "charter serve (log on, batching 64 rows / 2 ms)": ("--batch-max-rows", "64"),
    }
    for label, extra in configs.items():
        if args.skip_charter:
            break
        port = free_port()
        process = start_charter(home, port, *extra)
        try:
            url = f"http://127.0.0.1:{port}/invocations"
            for n in (1, 100):
                for c in (1, 16):
                    results.append((label, c, n, wrk(url, bodies[n], c, args.seconds, work)))
                    print(results[-1], file=sys.stderr, flush=True)
        finally:
            process.terminate()
            process.wait(60)
    if Path(args.mlflow_python).exists():
        model_dir = work / "mlflow_model"
        saved = work / "model.joblib"
        import joblib

        joblib.dump(model, saved)
        subprocess.run(
            [args.mlflow_python, "-c", SAVE_MLFLOW, str(saved), str(model_dir)],
            check=True, capture_output=True,
        )  # fmt: skip
        port = free_port()
        process = start_mlflow(args.mlflow_python, model_dir, port)
        try:
            for n in (1, 100):
                for c in (1, 16):
                    url = f"http://127.0.0.1:{port}/invocations"
                    results.append(
                        ("mlflow models serve", c, n, wrk(url, bodies[n], c, args.seconds, work))
                    )
                    print(results[-1], file=sys.stderr, flush=True)
        finally:
            process.terminate()
            process.wait(60)
    else:
        print("MLflow: not available (no --mlflow-python); compare with NOTES.md's numbers")
    print("| server | concurrency | rows/request | p50 ms | p99 ms | requests/s | non-2xx |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for label, c, n, r in results:
        cells = f"{r['p50_ms']:.2f} | {r['p99_ms']:.2f} | {r['rps']:.0f} | {r['errors']:.0f}"
        print(f"| {label} | {c} | {n} | {cells} |")
    print(
        json.dumps([{"server": s, "c": c, "rows": n, **r} for s, c, n, r in results]),
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
