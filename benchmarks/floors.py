"""Floors: what no console built on ipykernel can beat on this machine.

    python benchmarks/floors.py [--rtt-count 200] [--drain-repeats 3]

Prints one JSON line:
* ``rtt_reply_ms``: median time from sending ``execute('1+1')`` to receiving its
  execute_reply with a bare jupyter_client BlockingKernelClient, no widget;
* ``rtt_idle_ms``: the same until the IOPub ``idle`` status for that request
  (what a console waits for before it can say the cell is finished);
* ``drain100k_s``: median time for the kernel to print 100k lines to a client
  that only drains IOPub (from the execute request until its ``idle`` status);
* ``inprocess_start_s``: median time from launching a fresh Python to an
  in-process kernel that has answered ``kernel_info``, with what both consoles
  of this benchmark need for it (qtpy's ``QtCore``, ``QtGui`` and ``QtWidgets``,
  a QApplication, ipykernel's in-process kernel) and no widget.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time

from jupyter_client.manager import start_new_kernel


def _wait_idle(kc, msg_id, timeout=120.0) -> int:
    n = 0
    deadline = time.monotonic() + timeout
    while True:
        msg = kc.get_iopub_msg(timeout=max(0.1, deadline - time.monotonic()))
        n += 1
        if (msg["header"]["msg_type"] == "status"
                and msg["parent_header"].get("msg_id") == msg_id
                and msg["content"].get("execution_state") == "idle"):
            return n


def _reply(kc, msg_id, timeout=30.0):
    while True:
        msg = kc.get_shell_msg(timeout=timeout)
        if msg["parent_header"].get("msg_id") == msg_id:
            return msg


# What an in-process console cannot do without: Qt, a QApplication, ipykernel's
# in-process kernel (IPython's shell) and one request answered by it.
_INPROCESS = """
from qtpy import QtCore, QtGui, QtWidgets
app = QtWidgets.QApplication(["floor"])
from ipykernel.inprocess.blocking import BlockingInProcessKernelClient
from ipykernel.inprocess.manager import InProcessKernelManager
km = InProcessKernelManager(client_class=BlockingInProcessKernelClient.__module__ + "."
                            + BlockingInProcessKernelClient.__name__)
km.start_kernel()
kc = km.client()
kc.start_channels()
kc.kernel_info()
reply = kc.get_shell_msg(timeout=30)
assert reply["msg_type"] == "kernel_info_reply", reply["msg_type"]
print("ready", flush=True)
"""


def _inprocess_start() -> float:
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", _INPROCESS], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    try:
        line = proc.stdout.readline()
        dt = time.perf_counter() - t0
    finally:
        proc.kill()
        proc.wait()
    if line.strip() != "ready":
        raise RuntimeError("the in-process floor's child did not get ready")
    return dt


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rtt-count", type=int, default=200)
    ap.add_argument("--drain-repeats", type=int, default=3)
    ap.add_argument("--inprocess-repeats", type=int, default=3)
    args = ap.parse_args()
    inprocess = [_inprocess_start() for _ in range(args.inprocess_repeats)]
    km, kc = start_new_kernel(kernel_name="python3")
    try:
        for _ in range(10):  # warm-up
            mid = kc.execute("1+1")
            _reply(kc, mid)
            _wait_idle(kc, mid)
        reply_ms, idle_ms = [], []
        for _ in range(args.rtt_count):
            t0 = time.perf_counter()
            mid = kc.execute("1+1")
            _reply(kc, mid)
            t1 = time.perf_counter()
            _wait_idle(kc, mid)
            t2 = time.perf_counter()
            reply_ms.append((t1 - t0) * 1000)
            idle_ms.append((t2 - t0) * 1000)
        mid = kc.execute("for i in range(10_000): print(i)")  # warm-up
        _wait_idle(kc, mid)
        _reply(kc, mid)
        drains, msgs = [], 0
        for _ in range(args.drain_repeats):
            t0 = time.perf_counter()
            mid = kc.execute("for i in range(100_000): print(i)")
            msgs = _wait_idle(kc, mid)
            drains.append(time.perf_counter() - t0)
            _reply(kc, mid)
        out = {
            "rtt_reply_ms": statistics.median(reply_ms),
            "rtt_idle_ms": statistics.median(idle_ms),
            "drain100k_s": statistics.median(drains),
            "drain100k_all_s": drains,
            "drain100k_iopub_msgs": msgs,
            "inprocess_start_s": statistics.median(inprocess),
            "inprocess_start_all_s": inprocess,
        }
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    sys.stdout.write(json.dumps(out) + "\n")


if __name__ == "__main__":
    main()
