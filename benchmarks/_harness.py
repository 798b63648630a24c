"""What the scenarios share, and the drivers' entry point (embedcon and qtconsole).

Imported by ``scenarios_embedcon.py`` (project environment) and by
``scenarios_qtconsole.py`` (the peer's virtual environment), so it must import
nothing but the standard library and qtpy.  Each console supplies an
:class:`Adapter`; every scenario is written once, in ``_sc_output.py``,
``_sc_rich.py``, ``_sc_assist.py`` (and ``_app_harness.py`` for the application),
so that both consoles are measured the same way; :func:`scenario_table` names them.

Protocol with ``run.py``: the driver is started as
``python scenarios_X.py SCENARIO START_TS`` where START_TS is ``time.time()``
taken by the parent just before launching it.  The driver prints JSON lines on
stdout: an optional ``{"event": "start", ...}`` line when the timed part of a
scenario begins (so the parent can apply a time cap), then one
``{"result": {...}}`` line.

"Visible" means: the text is in the widget's document and the event loop has
then run once more (``QApplication.processEvents()``), which handles the
pending paint of the (offscreen) window.
"""

from __future__ import annotations

import json
import os
import sys
import time

T_PROCESS = time.perf_counter()
T_PROCESS_WALL = time.time()  # when this module was first imported (≈ interpreter ready)


# ---------------------------------------------------------------------------
# process measurements
def proc_status(field: str) -> float:
    """A field of /proc/self/status in MiB (VmRSS, VmHWM)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return float("nan")


def emit(obj: dict) -> None:
    if obj.get("event") == "start" and _PROFILE_PATH and _PROFILER is None:
        _start_profiler()
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


# BENCH_PROFILE=out.prof: cProfile the GUI thread from the start of the timed
# part (from process start for the start-up scenarios) and write the stats
# there at the end.  Used by profile.py; off in normal runs.
_PROFILE_PATH = os.environ.get("BENCH_PROFILE")
_PROFILER = None


def _start_profiler() -> None:
    global _PROFILER
    import cProfile

    _PROFILER = cProfile.Profile()
    _PROFILER.enable()


def _stop_profiler() -> None:
    if _PROFILER is not None:
        _PROFILER.disable()
        _PROFILER.dump_stats(_PROFILE_PATH)


if _PROFILE_PATH and len(sys.argv) > 1 and sys.argv[1].startswith("startup"):
    _start_profiler()


class NotAvailable(Exception):
    """The console lacks what the scenario needs (reported, not a failure)."""


# ---------------------------------------------------------------------------
class Adapter:
    """What a console must provide.  Subclasses fill in the hooks."""

    name = "?"
    #: "one-call" (the console's shortest documented way) or "compat" (the
    #: Jupyter Qt Console's documented embedding calls, for both consoles)
    api = "one-call"
    #: console default scrollback (used by scenarios that keep defaults)
    default_buffer_size: int | None = None

    def __init__(self):
        self.app = None
        self.km = None
        self.kc = None
        self.w = None

    # hooks ------------------------------------------------------------------
    def import_qt_and_console(self, inprocess: bool) -> None:
        raise NotImplementedError

    def create(self, buffer_size: int | None, inprocess: bool) -> None:
        """Start the kernel, connect a client and make ``self.w`` (not yet shown)."""
        raise NotImplementedError

    def create_on_server(self, buffer_size: int | None, url: str, token: str) -> None:
        """Like :meth:`create`, with a new kernel of the Jupyter Server at ``url``."""
        raise NotAvailable(f"{self.name} has no Jupyter Server transport")

    def done_signals(self):
        """Signals emitted after a cell finished and the next prompt is shown."""
        return []

    def execute(self, code: str) -> None:
        self.w.execute(code)

    def ready(self) -> bool:
        """True once a cell sent now would run at once (kernel answered)."""
        return True

    def rich_done(self) -> bool:
        """No rich output is still being built (consoles that build none: True)."""
        return True

    def text_or_rich_shown(self, needle: str) -> bool:
        """``needle`` is on screen, as text or in a rich output."""
        return any(needle in t for t in self.last_blocks(6))

    def needs_update_display(self) -> None:
        """Raise NotAvailable if the console ignores update_display_data."""

    def ensure_iopub(self, timeout: float) -> bool:
        """Make sure the console's IOPub subscription is live before a scenario
        runs (not timed).  True when it is (or the console guarantees it)."""
        return True

    def export_html(self, path: str) -> None:
        """Save the session as one HTML file with inline PNG figures."""
        raise NotAvailable("no HTML export")

    @property
    def doc(self):
        raise NotImplementedError

    @property
    def editor(self):
        raise NotImplementedError

    def set_input(self, text: str) -> None:
        self.w.input_buffer = text

    def get_input(self) -> str:
        return self.w.input_buffer

    # assistance features (completion list, history, call tip) --------------------
    def set_completion_style(self, style: str) -> None:
        raise NotAvailable("no completion style switch")

    def completion_count(self) -> int:
        """Rows in the completion list when it is shown, else 0."""
        raise NotAvailable("no completion list")

    def set_history(self, entries: list[str]) -> None:
        raise NotAvailable("no history API")

    def reverse_search_available(self) -> bool:
        return False

    def call_tip_visible(self) -> bool:
        raise NotAvailable("no call tips")

    def kernel_pid(self):
        try:
            return self.km.provisioner.process.pid
        except Exception:
            return None

    def shutdown(self) -> None:
        try:
            if self.kc is not None:
                self.kc.stop_channels()
        except Exception:
            pass
        try:
            if self.km is not None:
                self.km.shutdown_kernel(now=True)
        except Exception:
            pass

    # generic helpers ----------------------------------------------------------
    def settle(self) -> None:
        self.app.processEvents()

    def last_blocks(self, n: int = 6) -> list[str]:
        out = []
        b = self.doc.lastBlock()
        while b.isValid() and len(out) < n:
            out.append(b.text())
            b = b.previous()
        return out  # newest first

    def prompt_number(self):
        """n when the last line of the document is an 'In [n]:' prompt, else None."""
        t = self.doc.lastBlock().text()
        if t.startswith("In ["):
            try:
                return int(t[4:t.index("]")])
            except ValueError:
                return None
        return None

    def wait_until(self, cond, timeout: float, signals=(), poll_ms: int = 2) -> bool:
        from qtpy import QtCore

        if cond():
            return True
        loop = QtCore.QEventLoop()

        def check(*_a):
            if cond():
                loop.quit()

        conns = []
        for s in signals:
            s.connect(check)
            conns.append(s)
        poll = QtCore.QTimer()
        poll.timeout.connect(check)
        poll.start(poll_ms)
        deadline = QtCore.QTimer()
        deadline.setSingleShot(True)
        deadline.timeout.connect(loop.quit)
        deadline.start(int(timeout * 1000))
        loop.exec()
        poll.stop()
        deadline.stop()
        for s in conns:
            try:
                s.disconnect(check)
            except (TypeError, RuntimeError):
                pass
        return cond()

    def wait_prompt(self, n: int, timeout: float = 60.0) -> bool:
        return self.wait_until(lambda: self.prompt_number() == n, timeout, self.done_signals())

    def run_cell(self, code: str, next_prompt: int, timeout: float = 120.0, extra=None) -> float:
        """Execute and wait until the next prompt (and ``extra()``) is visible; seconds."""
        t0 = time.perf_counter()
        self.execute(code)
        ok = self.wait_until(
            lambda: self.prompt_number() == next_prompt and (extra is None or extra()),
            timeout, self.done_signals())
        self.settle()
        dt = time.perf_counter() - t0
        if not ok:
            raise TimeoutError(f"cell did not finish within {timeout} s: {code[:60]!r}; "
                               f"last lines {self.last_blocks(3)!r}")
        return dt


class PaintSpy:
    """Counts paint events of the editor's viewport (and how many were full)."""

    def __init__(self, ad):
        from qtpy import QtCore

        self.heights = []
        vp = self.viewport = ad.editor.viewport()
        heights = self.heights

        class _Filter(QtCore.QObject):
            def eventFilter(self, obj, ev):
                if ev.type() == QtCore.QEvent.Type.Paint:
                    heights.append(ev.rect().height())
                return False

        self._filter = _Filter()
        vp.installEventFilter(self._filter)

    def stop(self) -> dict:
        self.viewport.removeEventFilter(self._filter)
        h = self.heights
        return {"paints": len(h),
                "full_viewport_paints": sum(1 for x in h if x >= self.viewport.height() - 2),
                "median_paint_height_px": sorted(h)[len(h) // 2] if h else None}


# ---------------------------------------------------------------------------
# what every scenario uses (the scenarios are in _sc_output, _sc_rich, _sc_assist)
def _launch(ad: Adapter, start_ts: float, buffer_size, inprocess=False, server=False) -> dict:
    """Import, start the kernel, show the widget, wait for 'In [1]:' visible.
    ``server``: a kernel of the Jupyter Server run.py started (its URL and
    token in EMBEDCON_BENCH_SERVER and JUPYTER_TOKEN)."""
    t_imp0 = time.time()
    ad.import_qt_and_console(inprocess)
    from qtpy import QtWidgets

    t_imported = time.time()
    ad.app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(["bench"])
    if server:
        url = os.environ.get("EMBEDCON_BENCH_SERVER")
        if not url:
            raise NotAvailable("no Jupyter Server (run.py starts one for server scenarios)")
        ad.create_on_server(buffer_size, url, os.environ.get("JUPYTER_TOKEN", ""))
    else:
        ad.create(buffer_size, inprocess)
    ad.w.resize(900, 700)
    ad.w.show()
    ok = ad.wait_until(lambda: ad.prompt_number() == 1, 60.0,
                       [ad.doc.contentsChanged], poll_ms=2)
    ad.settle()
    t_prompt = time.time()
    if not ok:
        raise TimeoutError("no first prompt after 60 s: " + repr(ad.last_blocks(3)))
    # embedcon shows In [1] while a kernel it started is still starting; every
    # scenario (and the start-up figure) is measured from "ready to execute",
    # which is what qtconsole's first prompt means.
    if not ad.wait_until(ad.ready, 60.0, [], poll_ms=2):
        raise TimeoutError("kernel not ready after 60 s")
    ad.settle()
    t_ready = time.time()
    # not part of any figure: a scenario must not lose its first output to a
    # subscription still on its way (see QtconsoleAdapter.ensure_iopub)
    if not ad.ensure_iopub(30.0):
        raise TimeoutError("no IOPub message after 30 s")
    return {
        "python_start_s": T_PROCESS_WALL - start_ts,
        "imports_s": t_imported - t_imp0,
        "first_prompt_visible_s": t_prompt - start_ts,
        "first_prompt_s": t_ready - start_ts,
        "iopub_wait_s": time.time() - t_ready,
    }


def _last_line_is(ad: Adapter, text: str):
    def cond():
        return text in ad.last_blocks(6)[1:]
    return cond


def _send_file(ad, name: str, text: str, prompt: int) -> None:
    """Put ``text`` into the kernel's variable ``name`` (through a temporary file)."""
    import tempfile

    fd, path = tempfile.mkstemp(prefix="embedcon-bench-")
    with os.fdopen(fd, "w") as f:
        f.write(text)
    try:
        ad.run_cell(f"{name} = open({path!r}).read()", prompt, timeout=30)
    finally:
        os.unlink(path)


class StallSpy:
    """A precise timer on the GUI thread (every ``period_ms``): the longest gap
    between its ticks, up to ``stop()``, is the longest GUI stall in ms."""

    def __init__(self, period_ms: int = 5):
        from qtpy import QtCore

        self.period_ms = period_ms
        self.ticks = []
        self.timer = QtCore.QTimer()
        self.timer.setTimerType(QtCore.Qt.TimerType.PreciseTimer)
        self.timer.timeout.connect(lambda: self.ticks.append(time.perf_counter()))

    def start(self) -> "StallSpy":
        self.ticks[:] = [time.perf_counter()]
        self.timer.start(self.period_ms)
        return self

    def stop(self) -> float:
        self.timer.stop()
        self.ticks.append(time.perf_counter())
        return max(self.gaps()) * 1000

    def gaps(self) -> list:
        """The gaps between ticks, in seconds, in order."""
        return [b - a for a, b in zip(self.ticks, self.ticks[1:])]


def _pump(ad, seconds: float) -> None:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        ad.app.processEvents()
        time.sleep(0.002)


def _compat_startup(ad, start_ts):
    ad.api = "compat"  # the qtconsole-style embedding API
    from _sc_output import sc_startup

    return sc_startup(ad, start_ts)


def scenario_table() -> dict:
    """Scenario name -> ``f(adapter, start_ts) -> dict``.  The scenario modules
    import this one, so they are imported here, when a driver runs."""
    from functools import partial

    import _sc_assist as assist
    import _sc_output as out
    import _sc_rich as rich

    table = {
        "startup": out.sc_startup,
        "startup-compat": _compat_startup,
        "startup-inprocess": partial(out.sc_startup, inprocess=True),
        "print100k": partial(out.sc_print, buffer_size=10_000),
        "print100k-unlimited": partial(out.sc_print, buffer_size=0),
        "server-print100k": partial(out.sc_print, buffer_size=10_000, server=True),
        "line5mb": out.sc_line5mb,
        "cells200": out.sc_cells200,
        "server-cells200": partial(out.sc_cells200, server=True),
        "sgr20k": out.sc_sgr20k,
        "stall1m": out.sc_stall1m,
        "rss500": out.sc_rss500,
        "keystroke": assist.sc_keystroke,
        "paste1mb": assist.sc_paste1mb,
        "complete5k": assist.sc_complete5k,
        "rsearch10k": assist.sc_rsearch10k,
        "histup10k": assist.sc_histup10k,
        "calltip": assist.sc_calltip,
        "png30": rich.sc_png30,
        "svg30": rich.sc_svg30,
        "html1000": rich.sc_html1000,
        "update200": rich.sc_update200,
        "export10k": rich.sc_export10k,
    }
    for shape in out.ANSI_SHAPES:
        table[shape] = partial(out.sc_ansi_shape, shape=shape)
    return table


def main(adapter_cls) -> None:
    table = scenario_table()
    if len(sys.argv) < 3:
        sys.exit(f"usage: {sys.argv[0]} SCENARIO START_TS  (scenarios: {', '.join(table)}, app-*)")
    scenario, start_ts = sys.argv[1], float(sys.argv[2])
    ad = adapter_cls()
    result = {"scenario": scenario, "console": ad.name}
    try:
        if scenario.startswith("app-"):
            from _app_harness import run_app_scenario

            result.update(run_app_scenario(ad, scenario))
        elif scenario in table:
            result.update(table[scenario](ad, start_ts))
        else:
            raise SystemExit(f"unknown scenario {scenario!r}")
    except NotAvailable as exc:
        result["not_available"] = str(exc)
    except Exception as exc:  # reported to run.py, which shows it
        import traceback

        result["error"] = f"{type(exc).__name__}: {exc}"
        result["traceback"] = traceback.format_exc()[-2000:]
    _stop_profiler()
    result["peak_rss_mib"] = proc_status("VmHWM")
    result["cpu_s"] = time.process_time()
    ad.shutdown()
    emit({"result": result})
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)
