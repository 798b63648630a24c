"""Scenarios of the standalone application (tabs and kernels), shared by both drivers.

Imported by ``_harness.main`` for scenarios named ``app-*``; stdlib and qtpy
only, like ``_harness``.  Each console's adapter provides the application
hooks (``app_start``, ``app_new_tab``, ``app_same_kernel_tab``, ``app_restart``,
``app_current_doc``, ``app_execute``, ``app_kernel_pids``) on top of the usual
ones.  "Ready" means what a user means: a cell sent at once runs, and its
output is visible; every scenario measures from the action to a unique token
printed by a cell executed right after the action.

* ``app-newtab``: new tab on a new kernel (embedcon takes its warm spare).
* ``app-restart``: restart the kernel of the current tab.
* ``app-sametab``: new tab on the current tab's kernel.
* ``app-tabs10``: memory of the application with 10 tabs on 10 kernels (the
  frontend's RSS plus every kernel process it started, spares included).
* ``app-widget-restart``: not the application but an embedding host: a
  RichJupyterWidget on a QtKernelManager the host started (the Jupyter Qt
  Console's documented calls), restarted with the console's restart; embedcon
  with the library's ``spare_kernels`` setting on (hooks ``lib_start``,
  ``lib_restart``; ``app_execute`` / ``app_current_doc`` then act on it).
"""

from __future__ import annotations

import os
import time

APP_SCENARIOS = ["app-newtab", "app-restart", "app-sametab", "app-tabs10", "app-widget-restart"]
REPEATS = 5  # actions timed per run (median reported)


def _rss_mib(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return 0.0


def _children(pid: int) -> list[int]:
    out = []
    for p in os.listdir("/proc"):
        if p.isdigit():
            try:
                with open(f"/proc/{p}/stat") as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                        out.append(int(p))
            except (OSError, ValueError, IndexError):
                pass
    return out


def _ready_after(ad, action, timeout: float = 60.0) -> float:
    """Seconds from ``action()`` until a cell run right after it shows its output."""
    token = f"tok{time.perf_counter_ns()}"
    t0 = time.perf_counter()
    action()
    ad.app_execute(f"print('{token}')")

    def visible():
        doc = ad.app_current_doc()
        b = doc.lastBlock()
        for _ in range(40):  # (a restarted kernel may print warnings after it)
            if not b.isValid():
                return False
            # (after a restart qtconsole may show the output on the input's own
            # line, "In [1]: print('tok…')tok…": visible all the same)
            if b.text().endswith(token):
                return True
            b = b.previous()
        return False
    if not ad.wait_until(visible, timeout):
        diagnose = getattr(ad, "app_diagnose", None)
        raise TimeoutError(f"no output within {timeout} s after the action"
                           + (f"; {diagnose()}" if diagnose else ""))
    ad.settle()
    return time.perf_counter() - t0


def _median(xs):
    xs = sorted(xs)
    return xs[len(xs) // 2]


def run_app_scenario(ad, scenario: str) -> dict:
    from _harness import emit

    if scenario == "app-widget-restart":
        ad.lib_start()
    else:
        ad.app_start()
    # the first tab ready, and (embedcon) its spare warmed: a user opens a tab
    # some seconds after start-up, not at once
    _ready_after(ad, lambda: None)
    ad.wait_until(lambda: False, 4.0)
    emit({"event": "start"})
    if scenario == "app-newtab":
        times = []
        for _ in range(REPEATS):
            times.append(_ready_after(ad, ad.app_new_tab))
            ad.wait_until(lambda: False, 3.0)  # the next spare warms meanwhile
        return {"value": _median(times), "unit": "s", "runs_s": times}
    if scenario in ("app-restart", "app-widget-restart"):
        restart = ad.app_restart if scenario == "app-restart" else ad.lib_restart
        times = []
        for i in range(REPEATS):
            try:
                times.append(_ready_after(ad, restart))
            except TimeoutError as exc:
                tail = ad.app_current_doc().toPlainText()[-300:]
                raise TimeoutError(f"restart {i + 1}: {exc}; the console shows {tail!r}") from None
            ad.wait_until(lambda: False, 3.0)
        return {"value": _median(times), "unit": "s", "runs_s": times}
    if scenario == "app-sametab":
        times = [_ready_after(ad, ad.app_same_kernel_tab) for _ in range(REPEATS)]
        return {"value": _median(times), "unit": "s", "runs_s": times}
    if scenario == "app-tabs10":
        for _ in range(9):
            _ready_after(ad, ad.app_new_tab)
        ad.wait_until(lambda: False, 5.0)  # settle (and the last spare)
        me = os.getpid()
        kernels = _children(me)
        front = _rss_mib(me)
        kern = sum(_rss_mib(p) for p in kernels)
        return {"value": front + kern, "unit": "MiB", "frontend_mib": front,
                "kernels_mib": kern, "kernel_processes": len(kernels)}
    raise SystemExit(f"unknown scenario {scenario!r}")
