"""The prediction log's CPU cost with a confidence interval: many short paired rounds.

    python benchmarks/log_cost_paired.py [--pairs 24] [--seconds 2] [--cells 16x1,16x100,1x1,1x100]

One server (``log_switch_server.py serve``, log switched by SIGUSR1) pinned to core 0 with one
OpenMP thread, wrk on core 1. Each pair is one log-on and one log-off round of ``--seconds``,
back to back, in alternating order; the VM's speed drifts over minutes, so a pair sees nearly
the same machine and the pair's ratio cancels the drift that decided earlier single runs. The
in-process cost is the mean over pairs of (server CPU per request on) / (off) - 1, with a 95 %
interval (1.96 standard errors). Compaction is charged exactly: a separate compactor, pinned to
core 0 too, compacts after every "on" round and reports its own CPU. A cell is ``CxN``: C wrk
connections, N rows per request.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from serving import PIN, LogSwitch, free_port, own_cpu_seconds, prepare, wait_ready, wrk

HELPER = str(Path(__file__).with_name("log_switch_server.py"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=24)
    parser.add_argument("--seconds", type=int, default=2)
    parser.add_argument("--cells", default="16x1,16x100,1x1,1x100")
    args = parser.parse_args()
    if shutil.which("wrk") is None or shutil.which("taskset") is None:
        raise SystemExit("needs wrk and taskset (Debian packages wrk, util-linux)")
    cells = [tuple(int(x) for x in cell.split("x")) for cell in args.cells.split(",")]
    PIN["server"], PIN["client"] = ["taskset", "-c", "0"], ["taskset", "-c", "1"]
    work = Path(tempfile.mkdtemp(prefix="charter-log-cost-"))
    _, _, home, bodies = prepare(work, sorted({n for _, n in cells}))
    env = {**os.environ, "CHARTER_HOME": str(home), "OMP_NUM_THREADS": "1"}
    port = free_port()
    server = subprocess.Popen(
        ["taskset", "-c", "0", sys.executable, HELPER, "serve", str(home), str(port), "0"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    spool, log = home / "predlog" / "spool", home / "predlog" / "log"
    compactor = subprocess.Popen(
        ["taskset", "-c", "0", sys.executable, HELPER, "compact", str(spool), str(log)],
        env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert compactor.stdin is not None and compactor.stdout is not None

    def compact_now() -> float:
        compactor.stdin.write("go\n")  # type: ignore[union-attr]
        compactor.stdin.flush()  # type: ignore[union-attr]
        return float(json.loads(compactor.stdout.readline())["cpu"])  # type: ignore[union-attr]

    url = f"http://127.0.0.1:{port}/invocations"
    switch = LogSwitch(server)
    print("| clients | rows/request | server CPU µs/request, log off | in-process log cost (95 %) "
          "| compaction µs/request | total |")  # fmt: skip
    print("| --- | --- | --- | --- | --- | --- |")
    try:
        wait_ready(f"http://127.0.0.1:{port}/v2/health/ready", server)
        wrk(url, bodies[cells[0][1]], 16, 3, work)  # warm-up
        compact_now()
        for clients, n in cells:
            ratios, offs, compaction, answered_on = [], [], 0.0, 0.0
            for pair in range(args.pairs):
                per_request = {}
                for side in switch.order(pair):
                    switch.set(side)
                    before = own_cpu_seconds(server.pid)
                    result = wrk(url, bodies[n], clients, args.seconds, work)
                    per_request[side] = (own_cpu_seconds(server.pid) - before) / result["requests"]
                    if side == "on":
                        answered_on += result["requests"]
                        compaction += compact_now()
                ratios.append(per_request["on"] / per_request["off"] - 1)
                offs.append(per_request["off"])
            off = statistics.mean(offs)
            mean = statistics.mean(ratios)
            half = 1.96 * statistics.stdev(ratios) / math.sqrt(len(ratios))
            compacted = compaction / answered_on
            print(f"| {clients} | {n} | {1e6 * off:,.0f} | {mean:+.1%} ± {half:.1%} | "
                  f"{1e6 * compacted:,.0f} ({compacted / off:.1%}) | "
                  f"{mean + compacted / off:+.1%} ± {half:.1%} |", flush=True)  # fmt: skip
    finally:
        server.terminate()
        server.wait(60)
        compactor.stdin.close()
        compactor.wait(60)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
