"""Scenario code shared by the two drivers (embedcon and qtconsole).

Imported by ``scenarios_embedcon.py`` (project environment) and by
``scenarios_qtconsole.py`` (the peer's virtual environment), so it must import
nothing but the standard library and qtpy.  Each console supplies an
:class:`Adapter`; every scenario is written once, here, so that both consoles
are measured the same way.

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

import base64
import gc
import json
import os
import sys
import time

T_PROCESS = time.perf_counter()
T_PROCESS_WALL = time.time()  # when this module was first imported (≈ interpreter ready)

SCENARIOS = [
    "startup", "startup-compat", "startup-inprocess", "print100k", "print100k-unlimited", "line5mb",
    "cells200", "keystroke", "png30", "sgr20k", "stall1m", "rss500",
    "ansi-resets", "ansi-256", "ansi-toggles", "ansi-progress",
]


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

    def done_signals(self):
        """Signals emitted after a cell finished and the next prompt is shown."""
        return []

    def execute(self, code: str) -> None:
        self.w.execute(code)

    def ready(self) -> bool:
        """True once a cell sent now would run at once (kernel answered)."""
        return True

    def ensure_iopub(self, timeout: float) -> bool:
        """Make sure the console's IOPub subscription is live before a scenario
        runs (not timed).  True when it is (or the console guarantees it)."""
        return True

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
# scenarios
def _launch(ad: Adapter, start_ts: float, buffer_size, inprocess=False) -> dict:
    """Import, start the kernel, show the widget, wait for 'In [1]:' visible."""
    t_imp0 = time.time()
    ad.import_qt_and_console(inprocess)
    from qtpy import QtWidgets

    t_imported = time.time()
    ad.app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(["bench"])
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


def sc_startup(ad, start_ts, inprocess=False):
    r = _launch(ad, start_ts, 10_000, inprocess=inprocess)
    r["value"] = r["first_prompt_s"]
    r["unit"] = "s"
    return r


def sc_print(ad, start_ts, buffer_size, n=100_000):
    r = _launch(ad, start_ts, buffer_size)
    rss0 = proc_status("VmRSS")
    emit({"event": "start", "kernel_pid": ad.kernel_pid()})
    c0 = time.process_time()
    dt = ad.run_cell(f"for i in range({n}): print(i)", 2, timeout=300,
                     extra=_last_line_is(ad, str(n - 1)))
    r.update(value=dt, unit="s", blocks=ad.doc.blockCount(), rss_before_mib=rss0,
             cpu_s_during=time.process_time() - c0,
             rss_end_mib=proc_status("VmRSS"))
    return r


def sc_line5mb(ad, start_ts):
    r = _launch(ad, start_ts, 10_000)
    emit({"event": "start", "kernel_pid": ad.kernel_pid()})

    def has_x():
        return any("xxxxxxxx" in t for t in ad.last_blocks(4)[1:])
    dt = ad.run_cell("print('x' * 5_000_000)", 2, timeout=600, extra=has_x)
    r.update(value=dt, unit="s")
    return r


def sc_cells200(ad, start_ts, n=200):
    r = _launch(ad, start_ts, 10_000)
    emit({"event": "start", "kernel_pid": ad.kernel_pid()})
    times = []
    spy = PaintSpy(ad)
    c0, g0 = time.process_time(), time.thread_time()
    for k in range(1, n + 1):
        out = f"Out[{k}]: 2"

        def has_out(out=out):
            return any(t.startswith(out) for t in ad.last_blocks(4)[1:])
        times.append(ad.run_cell("1+1", k + 1, timeout=30, extra=has_out))
    cpu, gui_cpu = time.process_time() - c0, time.thread_time() - g0
    times_sorted = sorted(times)
    r.update(value=times_sorted[len(times) // 2] * 1000, unit="ms", total_s=sum(times),
             cpu_per_cell_ms=cpu / n * 1000, gui_thread_cpu_per_cell_ms=gui_cpu / n * 1000,
             **{k: v / n if k != "median_paint_height_px" else v
                for k, v in spy.stop().items() if v is not None},
             p90_ms=times_sorted[int(len(times) * 0.9)] * 1000)
    return r


def _input_text(lines=500):
    rows = []
    for i in range(lines):
        if i % 10 == 0:
            rows.append(f"def function_{i}(a, b=2, *args, **kw):")
        else:
            rows.append(f"    value_{i} = a * {i} + b  # comment {i} with 'text'")
    return "\n".join(rows)


def sc_keystroke(ad, start_ts, n_keys=300):
    from qtpy import QtGui
    from qtpy.QtTest import QTest

    r = _launch(ad, start_ts, 10_000)
    ad.set_input(_input_text(500))
    # let any deferred highlighting / layout finish (untimed)
    end = time.perf_counter() + 0.5
    while time.perf_counter() < end:
        ad.app.processEvents()
        time.sleep(0.005)
    ed = ad.editor
    ed.setFocus()
    ed.moveCursor(QtGui.QTextCursor.MoveOperation.End)
    ad.app.processEvents()
    keys = ("abc def ghi jkl mno pqr stu vwx yz " * 20)[:n_keys]
    spy = PaintSpy(ad)
    emit({"event": "start", "kernel_pid": ad.kernel_pid()})
    c0, t0, g0 = time.process_time(), time.perf_counter(), time.thread_time()
    for ch in keys:
        QTest.keyClick(ed, ch)
        ad.app.processEvents()
    c1, t1, g1 = time.process_time(), time.perf_counter(), time.thread_time()
    paint_stats = spy.stop()
    typed = ad.get_input()
    ok = typed.endswith(keys.rstrip()) or keys.rstrip() in typed[-(n_keys + 50):]
    r.update(value=(c1 - c0) / n_keys * 1000, unit="ms CPU/key",
             wall_per_key_ms=(t1 - t0) / n_keys * 1000,
             gui_thread_cpu_per_key_ms=(g1 - g0) / n_keys * 1000, typed_ok=bool(ok),
             input_lines=typed.count("\n") + 1, **paint_stats)
    if not ok:
        r["error"] = "typed text not found in the input buffer"
    return r


def _png_bytes(w=400, h=300) -> bytes:
    from qtpy import QtCore, QtGui

    img = QtGui.QImage(w, h, QtGui.QImage.Format.Format_RGB32)
    p = QtGui.QPainter(img)
    grad = QtGui.QLinearGradient(0, 0, w, h)
    grad.setColorAt(0, QtGui.QColor("#1f77b4"))
    grad.setColorAt(1, QtGui.QColor("#ff7f0e"))
    p.fillRect(0, 0, w, h, QtGui.QBrush(grad))
    p.setPen(QtGui.QPen(QtGui.QColor("black"), 2))
    for i in range(0, w, 10):
        p.drawLine(i, h, i, int(h / 2 + (h / 3) * ((i * 37) % 100 - 50) / 50))
    p.end()
    ba = QtCore.QByteArray()
    buf = QtCore.QBuffer(ba)
    buf.open(QtCore.QIODevice.OpenModeFlag.WriteOnly)
    img.save(buf, "PNG")
    buf.close()
    return bytes(ba.data())


def sc_png30(ad, start_ts, n=30):
    import tempfile

    r = _launch(ad, start_ts, 10_000)
    png = _png_bytes()
    fd, path = tempfile.mkstemp(suffix=".b64", prefix="embedcon-bench-")
    with os.fdopen(fd, "w") as f:
        f.write(base64.b64encode(png).decode("ascii"))
    try:
        ad.run_cell(f"_b = open({path!r}).read()", 2, timeout=30)
    finally:
        os.unlink(path)
    emit({"event": "start", "kernel_pid": ad.kernel_pid()})
    dt = ad.run_cell("from IPython.display import display\n"
                     f"for _ in range({n}): display({{'image/png': _b}}, raw=True)",
                     3, timeout=120)
    r.update(value=dt, unit="s", png_bytes=len(png))
    return r


def sc_sgr20k(ad, start_ts, n=20_000):
    r = _launch(ad, start_ts, 10_000)
    emit({"event": "start", "kernel_pid": ad.kernel_pid()})
    code = (f"for i in range({n}): print(f'\\x1b[31m{{i}} \\x1b[32mgreen \\x1b[1;33myellow "
            f"\\x1b[34mblue \\x1b[35mmagenta\\x1b[0m')")

    def last_ok():
        return any(t.startswith(str(n - 1) + " ") and "magenta" in t for t in ad.last_blocks(6)[1:])
    dt = ad.run_cell(code, 2, timeout=300, extra=last_ok)
    r.update(value=dt, unit="s")
    return r


# Terminal output in the shapes real tools print (issue 17): 20,000 lines each,
# both consoles at the same scrollback (10,000 blocks).  The kernel code builds
# each line from escapes only, so the kernel's cost is the same on both sides.
ANSI_SHAPES = {
    # a reset after every span, with background colours (pytest, rich, ls --color)
    "ansi-resets": (
        "for i in range({n}): print(f'\\x1b[31;47m{{i}}\\x1b[0m \\x1b[32;40mgreen\\x1b[0m "
        "\\x1b[1;33;44myellow\\x1b[0m \\x1b[34;43mblue\\x1b[0m \\x1b[35;42mmagenta\\x1b[0m end')"),
    # 256-colour and 24-bit foregrounds and backgrounds
    "ansi-256": (
        "for i in range({n}): print(f'\\x1b[38;5;{{i % 256}}m{{i}}\\x1b[0m "
        "\\x1b[38;2;{{i % 256}};{{(i * 7) % 256}};{{(i * 13) % 256}}mtrue\\x1b[0m "
        "\\x1b[48;5;{{(i * 3) % 256}}mback\\x1b[0m "
        "\\x1b[48;2;30;{{i % 200}};60;38;5;231mboth\\x1b[0m end')"),
    # bold, underline, italic and inverse toggled on and off inside the line
    "ansi-toggles": (
        "for i in range({n}): print(f'{{i}} \\x1b[1mbold\\x1b[22m plain \\x1b[4munder\\x1b[24m "
        "\\x1b[3mitalic\\x1b[23m \\x1b[7minverse\\x1b[27m \\x1b[1;4;31mall\\x1b[22;24;39m end')"),
    # a coloured progress bar rewriting its line with \r, a new line every 20
    # updates (tqdm, pip): 20,000 updates, 1,000 lines
    "ansi-progress": (
        "for i in range({n}): print(f'\\r\\x1b[32m{{\"#\" * (i % 20 + 1):<20}}\\x1b[0m "
        "{{i:>6}} it \\x1b[2m[{{i % 20 * 5:>3}}%]\\x1b[22m end', end='\\n' if i % 20 == 19 "
        "else '', flush=i % 200 == 0)"),
}


def sc_ansi_shape(ad, start_ts, shape, n=20_000):
    """Time until the last line is visible, and the longest GUI stall meanwhile."""
    from qtpy import QtCore

    r = _launch(ad, start_ts, 10_000)
    code = ANSI_SHAPES[shape].format(n=n)
    last = str(n - 1)

    def last_ok():
        return any(last in t and t.rstrip().endswith("end") for t in ad.last_blocks(6)[1:])
    ticks = []
    timer = QtCore.QTimer()
    timer.setTimerType(QtCore.Qt.TimerType.PreciseTimer)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    emit({"event": "start", "kernel_pid": ad.kernel_pid()})
    timer.start(10)
    try:
        dt = ad.run_cell(code, 2, timeout=300, extra=last_ok)
    finally:
        timer.stop()
    gaps = sorted(b - a for a, b in zip(ticks, ticks[1:]))
    r.update(value=dt, unit="s", longest_stall_ms=gaps[-1] * 1000 if gaps else float("nan"))
    return r


def sc_stall1m(ad, start_ts, n=1_000_000):
    from qtpy import QtCore

    r = _launch(ad, start_ts, 10_000)
    ticks = []
    timer = QtCore.QTimer()
    timer.setTimerType(QtCore.Qt.TimerType.PreciseTimer)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    # Python's full (generation 2) collections stop the GUI thread too: count
    # them and their length, to tell them from the console's own stalls
    full_gc, gc_start = [], []

    def on_gc(phase, info):
        if info.get("generation") == 2:
            if phase == "start":
                gc_start[:] = [time.perf_counter()]
            elif gc_start:
                full_gc.append(time.perf_counter() - gc_start[0])
    emit({"event": "start", "kernel_pid": ad.kernel_pid()})
    gc.callbacks.append(on_gc)
    timer.start(10)
    try:
        dt = ad.run_cell(f"for i in range({n}): print(i)", 2, timeout=600,
                         extra=_last_line_is(ad, str(n - 1)))
    finally:
        timer.stop()
        gc.callbacks.remove(on_gc)
    gaps = sorted(b - a for a, b in zip(ticks, ticks[1:]))
    r.update(value=gaps[-1] * 1000 if gaps else float("nan"), unit="ms max gap",
             total_s=dt, ticks=len(ticks),
             p99_gap_ms=gaps[int(len(gaps) * 0.99)] * 1000 if gaps else float("nan"),
             gaps_over_30ms=sum(1 for g in gaps if g > 0.030),
             full_gcs=len(full_gc), longest_full_gc_ms=max(full_gc, default=0.0) * 1000)
    return r


def sc_rss500(ad, start_ts, cells=500, lines=2000, warmup=50):
    r = _launch(ad, start_ts, None)  # each console's default scrollback
    emit({"event": "start", "kernel_pid": ad.kernel_pid()})
    samples = {}
    t0 = time.perf_counter()
    for k in range(1, cells + 1):
        ad.run_cell(f"for i in range({lines}): print(i)", k + 1, timeout=120,
                    extra=_last_line_is(ad, str(lines - 1)))
        if k == warmup or k % 100 == 0:
            gc.collect()
            samples[k] = round(proc_status("VmRSS"), 1)
    r.update(value=samples[cells], unit="MiB RSS at end", rss_after_warmup_mib=samples[warmup],
             rss_samples_mib=samples, total_s=time.perf_counter() - t0,
             buffer_size=ad.default_buffer_size, blocks=ad.doc.blockCount())
    return r


def main(adapter_cls) -> None:
    if len(sys.argv) < 3:
        sys.exit(f"usage: {sys.argv[0]} SCENARIO START_TS  (scenarios: {', '.join(SCENARIOS)})")
    scenario, start_ts = sys.argv[1], float(sys.argv[2])
    ad = adapter_cls()
    result = {"scenario": scenario, "console": ad.name}
    try:
        if scenario == "startup":
            result.update(sc_startup(ad, start_ts))
        elif scenario == "startup-compat":
            ad.api = "compat"
            result.update(sc_startup(ad, start_ts))
        elif scenario == "startup-inprocess":
            result.update(sc_startup(ad, start_ts, inprocess=True))
        elif scenario == "print100k":
            result.update(sc_print(ad, start_ts, 10_000))
        elif scenario == "print100k-unlimited":
            result.update(sc_print(ad, start_ts, 0))
        elif scenario == "line5mb":
            result.update(sc_line5mb(ad, start_ts))
        elif scenario == "cells200":
            result.update(sc_cells200(ad, start_ts))
        elif scenario == "keystroke":
            result.update(sc_keystroke(ad, start_ts))
        elif scenario == "png30":
            result.update(sc_png30(ad, start_ts))
        elif scenario == "sgr20k":
            result.update(sc_sgr20k(ad, start_ts))
        elif scenario in ANSI_SHAPES:
            result.update(sc_ansi_shape(ad, start_ts, scenario))
        elif scenario == "stall1m":
            result.update(sc_stall1m(ad, start_ts))
        elif scenario == "rss500":
            result.update(sc_rss500(ad, start_ts))
        elif scenario.startswith("app-"):
            from _app_harness import run_app_scenario

            result.update(run_app_scenario(ad, scenario))
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
