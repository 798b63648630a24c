"""Execute round-trip latency: in-app kernel vs. a subprocess ipykernel.

Usage::

    QT_QPA_PLATFORM=offscreen python benchmarks/bench_in_app.py [-n 500] [--rounds 2]

The same client runs in a separate process for every kernel (a jupyter_client
``BlockingKernelClient`` with the connection file), so the host keeps running
its Qt event loop (``app.exec()``) while it is measured, as a real
application would.  For each request the client records

* ``reply``: ``execute('x = 1')`` sent → ``execute_reply`` received;
* ``idle``:  sent → IOPub ``status: idle`` for that request received.

Kernels are measured in alternating rounds to spread machine noise; the
medians over all rounds are compared.  Target: in-app / subprocess ≤ 1.3.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

CLIENT = r"""
import json, sys, time
from jupyter_client import BlockingKernelClient
n, warmup = int(sys.argv[2]), int(sys.argv[3])
kc = BlockingKernelClient(connection_file=sys.argv[1])
kc.load_connection_file()
kc.start_channels()
kc.wait_for_ready(timeout=60)
reply, idle = [], []
for i in range(warmup + n):
    t0 = time.perf_counter()
    msg_id = kc.execute("x = 1")
    got_reply = got_idle = None
    while got_reply is None:
        m = kc.get_shell_msg(timeout=30)
        if m["parent_header"].get("msg_id") == msg_id:
            got_reply = time.perf_counter()
    while got_idle is None:
        m = kc.get_iopub_msg(timeout=30)
        if (m["parent_header"].get("msg_id") == msg_id and m["msg_type"] == "status"
                and m["content"]["execution_state"] == "idle"):
            got_idle = time.perf_counter()
    if i >= warmup:
        reply.append(got_reply - t0)
        idle.append(got_idle - t0)
kc.stop_channels()
print(json.dumps({"reply": reply, "idle": idle}))
"""


def run_client(connection_file: str, n: int, warmup: int, app=None) -> dict:
    proc = subprocess.Popen(
        [sys.executable, "-c", CLIENT, connection_file, str(n), str(warmup)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    if app is not None:
        # the host runs its own event loop while the client measures
        from qtpy import QtCore

        timer = QtCore.QTimer()
        timer.timeout.connect(lambda: proc.poll() is not None and app.quit())
        timer.start(20)
        app.exec()
        timer.stop()
    out, err = proc.communicate()
    if proc.returncode != 0:
        raise RuntimeError(f"client failed:\n{err}")
    return json.loads(out.strip().splitlines()[-1])


def measure_in_app(n: int, warmup: int, pump: str, ipython_dir: str) -> dict:
    from qtpy import QtWidgets

    from embedcon.kernel_in_app import InAppKernel

    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication([])
    kernel = InAppKernel({}, pump=pump, config={"IPKernelApp": {"ipython_dir": ipython_dir}}).start()
    try:
        mode = kernel.pump_mode
        data = run_client(kernel.connection_file, n, warmup, app)
    finally:
        kernel.stop()
    data["mode"] = mode
    return data


def measure_subprocess(n: int, warmup: int, ipython_dir: str) -> dict:
    from jupyter_client import KernelManager

    km = KernelManager(kernel_name="python3")
    env = dict(os.environ, IPYTHONDIR=ipython_dir)
    km.start_kernel(env=env, stderr=subprocess.DEVNULL)
    try:
        # wait until it answers; a client that starts too early may declare
        # a still-starting kernel dead (no heartbeat yet)
        kc = km.client()
        kc.start_channels()
        kc.wait_for_ready(timeout=60)
        kc.stop_channels()
        return run_client(km.connection_file, n, warmup)
    finally:
        km.shutdown_kernel(now=True)
        km.cleanup_resources()


def ms(values) -> str:
    values = sorted(values)
    med = statistics.median(values) * 1000
    p95 = values[int(0.95 * (len(values) - 1))] * 1000
    return f"median {med:6.2f} ms  p95 {p95:6.2f} ms"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-n", type=int, default=500, help="timed requests per kernel and round")
    ap.add_argument("--warmup", type=int, default=30)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--no-timer-pump", action="store_true", help="skip the 10 ms timer-pump variant")
    args = ap.parse_args(argv)

    variants = ["in-app (auto pump)", "subprocess kernel"]
    if not args.no_timer_pump:
        variants.append("in-app (timer pump)")
    results = {v: {"reply": [], "idle": []} for v in variants}
    with tempfile.TemporaryDirectory() as ipython_dir:
        for rnd in range(args.rounds):
            for v in variants:
                if v == "subprocess kernel":
                    data = measure_subprocess(args.n, args.warmup, ipython_dir)
                else:
                    data = measure_in_app(args.n, args.warmup, "timer" if "timer" in v else "auto", ipython_dir)
                    results[v]["mode"] = data["mode"]
                results[v]["reply"] += data["reply"]
                results[v]["idle"] += data["idle"]
                print(f"round {rnd + 1}  {v:22s} reply: {ms(data['reply'])}   idle: {ms(data['idle'])}",
                      flush=True)

    print()
    print(f"{args.rounds} rounds x {args.n} requests of execute('x = 1') from a separate-process client")
    for v in variants:
        extra = f"  [pump: {results[v]['mode']}]" if "mode" in results[v] else ""
        print(f"{v:22s} reply: {ms(results[v]['reply'])}   idle: {ms(results[v]['idle'])}{extra}")
    base = statistics.median(results["subprocess kernel"]["reply"])
    base_idle = statistics.median(results["subprocess kernel"]["idle"])
    for v in variants:
        if v == "subprocess kernel":
            continue
        ratio = statistics.median(results[v]["reply"]) / base
        ratio_idle = statistics.median(results[v]["idle"]) / base_idle
        print(f"ratio {v} / subprocess: reply {ratio:.2f}x, idle {ratio_idle:.2f}x"
              + ("   (target <= 1.3x)" if "auto" in v else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
