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
    "paste1mb",
    "complete5k", "rsearch10k", "histup10k", "calltip",
    "ansi-resets", "ansi-256", "ansi-toggles", "ansi-progress", "svg30", "html1000", "update200",
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
# scenarios
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


def sc_startup(ad, start_ts, inprocess=False):
    r = _launch(ad, start_ts, 10_000, inprocess=inprocess)
    r["value"] = r["first_prompt_s"]
    r["unit"] = "s"
    return r


def sc_print(ad, start_ts, buffer_size, n=100_000, server=False):
    r = _launch(ad, start_ts, buffer_size, server=server)
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


def sc_cells200(ad, start_ts, n=200, server=False):
    r = _launch(ad, start_ts, 10_000, server=server)
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


def _session_text(size=1_000_000) -> tuple[str, str]:
    """An IPython session as a user copies it (prompts, outputs); and its last line."""
    parts, n, total = [], 1, 0
    while total < size:
        cell = (f"In [{n}]: def function_{n}(a, b=2, *args, **kw):\n"
                f"   ...:     value = a * {n} + b  # comment with 'text' and (brackets)\n"
                f"   ...:     return [value, {{'k': value}}]\n"
                f"   ...: \n\nIn [{n + 1}]: function_{n}(1)\nOut[{n + 1}]: [{n + 2}, "
                f"{{'k': {n + 2}}}]\n\n")
        parts.append(cell)
        total += len(cell)
        n += 2
    last = f"marker_end_{n} = 1"
    parts.append(f"In [{n}]: {last}\n")
    return "".join(parts), last


def sc_paste1mb(ad, start_ts):
    """Ctrl+V of 1 MB copied from a session (prompts included): seconds until
    the last pasted line is in the input and shown, and the longest GUI stall
    from the key press until a second after that."""
    from qtpy import QtCore, QtWidgets
    from qtpy.QtTest import QTest

    r = _launch(ad, start_ts, 10_000)
    text, last = _session_text()
    QtWidgets.QApplication.clipboard().setText(text)
    ed = ad.editor
    ed.setFocus()
    ad.app.processEvents()
    ticks = []
    timer = QtCore.QTimer()
    timer.setTimerType(QtCore.Qt.TimerType.PreciseTimer)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    emit({"event": "start", "kernel_pid": ad.kernel_pid()})
    timer.start(10)
    ad.app.processEvents()
    c0 = time.process_time()
    t0 = time.perf_counter()
    ticks.append(t0)
    QTest.keyClick(ed, QtCore.Qt.Key.Key_V, QtCore.Qt.KeyboardModifier.ControlModifier)
    ok = ad.wait_until(lambda: last in ad.doc.lastBlock().text(), 60.0, [], poll_ms=5)
    ad.settle()
    dt = time.perf_counter() - t0
    end = time.perf_counter() + 1.0  # deferred work (highlighting) counts for stalls
    while time.perf_counter() < end:
        ad.app.processEvents(QtCore.QEventLoop.ProcessEventsFlag.AllEvents, 5)
        time.sleep(0.001)
    timer.stop()
    cpu = time.process_time() - c0
    gaps = [b - a for a, b in zip(ticks, ticks[1:])]
    lines = ad.doc.blockCount()
    r.update(value=dt, unit="s", longest_stall_ms=max(gaps) * 1000 if gaps else float("nan"),
             paste_cpu_s=cpu, pasted_bytes=len(text), document_blocks=lines)
    if not ok:
        r["error"] = "the pasted text's last line never appeared"
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


def sc_export10k(ad, start_ts, lines=10_000, figures=30):
    """Export a session of 10,000 lines and 30 PNG figures to one HTML file
    (figures inline).  Both consoles keep the whole session (scrollback 20,000)."""
    import tempfile

    r = _launch(ad, start_ts, 20_000)
    png = _png_bytes()
    fd, path = tempfile.mkstemp(suffix=".b64", prefix="embedcon-bench-")
    with os.fdopen(fd, "w") as f:
        f.write(base64.b64encode(png).decode("ascii"))
    try:
        ad.run_cell(f"_b = open({path!r}).read()", 2, timeout=30)
    finally:
        os.unlink(path)
    per = lines // figures
    ad.run_cell("from IPython.display import display\n"
                f"for k in range({figures}):\n"
                f"    print('\\n'.join(f'line {{k * {per} + i}} of the session, some text' "
                f"for i in range({per})))\n"
                "    display({'image/png': _b}, raw=True)", 3, timeout=300)
    ad.settle()
    fd, out = tempfile.mkstemp(suffix=".html", prefix="embedcon-bench-export-")
    os.close(fd)
    emit({"event": "start", "kernel_pid": ad.kernel_pid()})
    try:
        t0 = time.perf_counter()
        ad.export_html(out)
        dt = time.perf_counter() - t0
        size = os.path.getsize(out)
        with open(out, encoding="utf-8") as f:
            text = f.read()
    finally:
        os.unlink(out)
        folder = os.path.splitext(out)[0] + "_files"
        if os.path.isdir(folder):
            import shutil
            shutil.rmtree(folder)
    if text.count("data:image/png;base64,") < figures or f"line {per * figures - 1} " not in text:
        r["error"] = "the export lacks figures or lines"
    r.update(value=dt, unit="s", html_bytes=size)
    return r


def _svg_text(points=400) -> str:
    """A line plot as a plotting library writes it: axes, ticks, labels, a path."""
    import math

    parts = ['<svg xmlns="http://www.w3.org/2000/svg" width="460" height="345" '
             'viewBox="0 0 460 345"><rect width="460" height="345" fill="white"/>',
             '<g stroke="black" stroke-width="0.8" fill="none">'
             '<path d="M 57 307 L 414 307 M 57 307 L 57 41"/></g>']
    for i in range(9):
        x = 57 + i * 44.6
        parts.append(f'<path d="M {x:.2f} 307 L {x:.2f} 310.5" stroke="black"/>'
                     f'<text x="{x:.2f}" y="322" font-size="10" text-anchor="middle">{i}</text>')
    pts = " L ".join(f"{57 + 357 * k / points:.2f} {174 - 120 * math.sin(k / 25):.2f}"
                     for k in range(points))
    parts.append(f'<path d="M {pts}" stroke="#1f77b4" stroke-width="1.5" fill="none"/>')
    parts.append('<text x="235" y="30" font-size="12" text-anchor="middle">sin(x)</text></svg>')
    return "".join(parts)


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


def sc_svg30(ad, start_ts, n=30):
    r = _launch(ad, start_ts, 10_000)
    svg = _svg_text()
    _send_file(ad, "_s", svg, 2)
    emit({"event": "start", "kernel_pid": ad.kernel_pid()})
    dt = ad.run_cell("from IPython.display import display\n"
                     f"for _ in range({n}): display({{'image/svg+xml': _s}}, raw=True)",
                     3, timeout=120, extra=ad.rich_done)
    r.update(value=dt, unit="s", svg_chars=len(svg))
    return r


def _dataframe_html(rows=1000, cols=10):
    """(HTML, text) of a rows×cols table as pandas writes them (no pandas needed)."""
    head = "".join(f"<th>col{j}</th>" for j in range(cols))
    body = "".join(f"<tr><th>{i}</th>" + "".join(f"<td>{(i * 7 + j * 13) % 1000 / 7:.6f}</td>"
                                                  for j in range(cols)) + "</tr>\n"
                   for i in range(rows))
    html = ('<div><style scoped>.dataframe tbody tr th {vertical-align: top;}</style>'
            '<table border="1" class="dataframe"><thead><tr style="text-align: right;"><th></th>'
            f"{head}</tr></thead><tbody>\n{body}</tbody></table>"
            f"<p>{rows} rows × {cols} columns</p></div>")
    lines = ["      " + "".join(f"{'col' + str(j):>12}" for j in range(cols))]
    lines += [f"{i:<6}" + "".join(f"{(i * 7 + j * 13) % 1000 / 7:>12.6f}" for j in range(cols))
              for i in range(rows)]
    lines.append(f"[{rows} rows x {cols} columns]")
    return html, "\n".join(lines)


class _Stalls:
    """Gaps between ticks of a 10 ms precise timer on the GUI thread."""

    def __init__(self):
        from qtpy import QtCore

        self.ticks = []
        self.timer = QtCore.QTimer()
        self.timer.setTimerType(QtCore.Qt.TimerType.PreciseTimer)
        self.timer.timeout.connect(lambda: self.ticks.append(time.perf_counter()))
        self.timer.start(10)

    def stop(self) -> float:
        self.timer.stop()
        gaps = [b - a for a, b in zip(self.ticks, self.ticks[1:])]
        return max(gaps, default=float("nan")) * 1000


def sc_html1000(ad, start_ts):
    r = _launch(ad, start_ts, 10_000)
    html, text = _dataframe_html()
    _send_file(ad, "_h", html, 2)
    _send_file(ad, "_t", text, 3)
    emit({"event": "start", "kernel_pid": ad.kernel_pid()})
    stalls = _Stalls()
    # shown: embedcon's table built and painted; qtconsole's text form (it draws
    # no HTML) down to its last line
    dt = ad.run_cell("display({'text/html': _h, 'text/plain': _t}, raw=True)", 4, timeout=120,
                     extra=lambda: ad.rich_done() and ad.text_or_rich_shown("10 columns"))
    r.update(value=stalls.stop(), unit="ms longest stall", time_to_shown_s=dt,
             html_chars=len(html))
    return r


def sc_update200(ad, start_ts, n=200):
    r = _launch(ad, start_ts, 10_000)
    ad.needs_update_display()
    emit({"event": "start", "kernel_pid": ad.kernel_pid()})
    stalls = _Stalls()
    dt = ad.run_cell("from IPython.display import display\n"
                     "_h = display('update 0', display_id=True)\n"
                     f"for _i in range({n}): _h.update(f'update {{_i + 1}}')",
                     2, timeout=120, extra=lambda: ad.text_or_rich_shown(f"update {n}"))
    r.update(value=dt, unit="s", longest_stall_ms=stalls.stop())
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


class StallSpy:
    """A 5 ms precise timer: the longest gap between its ticks is the longest GUI stall."""

    def __init__(self):
        from qtpy import QtCore

        self.ticks = []
        self.timer = QtCore.QTimer()
        self.timer.setTimerType(QtCore.Qt.TimerType.PreciseTimer)
        self.timer.timeout.connect(lambda: self.ticks.append(time.perf_counter()))

    def start(self) -> None:
        self.ticks[:] = [time.perf_counter()]
        self.timer.start(5)

    def stop(self) -> float:
        self.timer.stop()
        self.ticks.append(time.perf_counter())
        return max(b - a for a, b in zip(self.ticks, self.ticks[1:])) * 1000


def _pump(ad, seconds: float) -> None:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        ad.app.processEvents()
        time.sleep(0.002)


class _ReplyClock:
    """Splits a request's round trip into the kernel's part and the console's.

    Wraps the shell channel's ``call_handlers`` (called on the client's I/O
    thread by jupyter_client for every decoded shell reply, in both
    consoles) and records, for each reply of ``msg_type``:

    * the kernel's part: from the request's header date (stamped by the
      console's client when it builds the request) to the reply's header
      date (stamped by the kernel when it builds the reply), both wall
      clocks of this machine;
    * the transit: from the reply's date to the reply decoded on the
      console's I/O thread (the kernel serializing and sending it, the
      hops between processes and threads, jupyter_client decoding it).

    The rest of the round trip -- the key handling before the request, the
    reply's way from the I/O thread to the GUI thread, building and showing
    the list or tip -- is the console's GUI part."""

    def __init__(self, ad, msg_type: str):
        self.msg_type = msg_type
        self.seen: list[tuple[float, float]] = []
        self._ch = ad.kc.shell_channel
        self._orig = self._ch.call_handlers
        self._ch.call_handlers = self._seen

    def _seen(self, msg) -> None:
        try:
            if msg.get("msg_type") == self.msg_type:
                now = time.time()
                sent = msg["parent_header"]["date"].timestamp()
                made = msg["header"]["date"].timestamp()
                self.seen.append(((made - sent) * 1000, (now - made) * 1000))
        except Exception:  # a reply without dates: no split for it
            pass
        self._orig(msg)

    def take(self) -> tuple[float, float] | None:
        """(kernel ms, transit ms) of the last round trip, None if not seen."""
        if not self.seen:
            return None
        v = self.seen[-1]
        self.seen.clear()
        return v

    def close(self) -> None:
        self._ch.call_handlers = self._orig


def _split(totals: list[float], parts: list) -> dict:
    """Medians of the kernel's, the transit's and the console's GUI parts of
    paired round trips (``frontend_ms``: everything but the kernel's part)."""
    pairs = [(t, p) for t, p in zip(totals, parts) if p is not None]
    if not pairs:
        return {}

    def med(v):
        v = sorted(v)
        return v[len(v) // 2]
    front = [t - k for t, (k, _tr) in pairs]
    return {"kernel_ms": med(k for _t, (k, _tr) in pairs),
            "transit_ms": med(tr for _t, (_k, tr) in pairs),
            "gui_ms": med(t - k - tr for t, (k, tr) in pairs),
            "frontend_ms": med(front), "frontend_max_ms": max(front)}


def sc_complete5k(ad, start_ts, n=5000, runs=5):
    """Tab with 5,000 matches: time until the droplist shows them all, longest stall."""
    from qtpy import QtCore
    from qtpy.QtTest import QTest

    r = _launch(ad, start_ts, 10_000)
    ad.set_completion_style("droplist")
    ad.run_cell(f"globals().update({{f'zq_name_{{i}}': i for i in range({n})}})", 2)
    ed = ad.editor
    ed.setFocus()
    emit({"event": "start", "kernel_pid": ad.kernel_pid()})
    times, stalls, cpu, kernel = [], [], [], []
    spy = StallSpy()
    clock = _ReplyClock(ad, "complete_reply")
    for _ in range(runs):
        ad.set_input("zq_na")
        _pump(ad, 0.2)
        spy.start()
        c0, t0 = time.process_time(), time.perf_counter()
        QTest.keyClick(ed, QtCore.Qt.Key.Key_Tab)
        ok = ad.wait_until(lambda: ad.completion_count() >= n, 30.0, poll_ms=1)
        ad.settle()
        t1, c1 = time.perf_counter(), time.process_time()
        _pump(ad, 0.1)  # a stall right after the list shows counts too
        stalls.append(spy.stop())
        if not ok:
            raise TimeoutError(f"completion list not shown with {n} rows "
                               f"(rows: {ad.completion_count()})")
        times.append((t1 - t0) * 1000)
        kernel.append(clock.take())
        cpu.append((c1 - c0) * 1000)
        QTest.keyClick(ed, QtCore.Qt.Key.Key_Escape)
        QTest.keyClick(ed, QtCore.Qt.Key.Key_Escape)
        _pump(ad, 0.1)
    clock.close()
    r.update(_split(times, kernel))
    times.sort()
    r.update(value=times[len(times) // 2], unit="ms Tab to list shown",
             longest_stall_ms=max(stalls), cpu_ms=sorted(cpu)[len(cpu) // 2], runs=runs,
             floor_complete_ms=_request_floor(ad, "complete", "zq_na", 5, runs=3))
    return r


def _history_entries(n=10_000):
    return [f"value_{i} = compute({i}, 'text', flag=True)" for i in range(n)]


def sc_rsearch10k(ad, start_ts, n=10_000):
    """Ctrl+R over 10,000 history entries: CPU per keystroke of the search."""
    from qtpy import QtCore
    from qtpy.QtTest import QTest

    if not ad.reverse_search_available():
        raise NotAvailable("no Ctrl+R reverse search")
    r = _launch(ad, start_ts, 10_000)
    ad.set_history(_history_entries(n))
    ed = ad.editor
    ed.setFocus()
    ctrl = QtCore.Qt.KeyboardModifier.ControlModifier
    # the first search asks the kernel for its history: let that reply arrive (untimed)
    QTest.keyClick(ed, QtCore.Qt.Key.Key_R, ctrl)
    _pump(ad, 1.0)
    QTest.keyClick(ed, QtCore.Qt.Key.Key_Escape)
    _pump(ad, 0.2)
    emit({"event": "start", "kernel_pid": ad.kernel_pid()})
    keys = 0
    spy = StallSpy()
    spy.start()
    c0, g0, t0 = time.process_time(), time.thread_time(), time.perf_counter()
    for _ in range(5):
        QTest.keyClick(ed, QtCore.Qt.Key.Key_R, ctrl)
        ad.app.processEvents()
        for ch in "value_12":
            QTest.keyClick(ed, ch)
            ad.app.processEvents()
        for _ in range(12):
            QTest.keyClick(ed, QtCore.Qt.Key.Key_R, ctrl)
            ad.app.processEvents()
        keys += 1 + 8 + 12
        found = ad.get_input()
        QTest.keyClick(ed, QtCore.Qt.Key.Key_Escape)
        ad.app.processEvents()
        keys += 1
    c1, g1, t1 = time.process_time(), time.thread_time(), time.perf_counter()
    stall = spy.stop()
    r.update(value=(c1 - c0) / keys * 1000, unit="ms CPU/key",
             gui_thread_cpu_per_key_ms=(g1 - g0) / keys * 1000,
             wall_per_key_ms=(t1 - t0) / keys * 1000, longest_stall_ms=stall, keys=keys,
             found=found[:40])
    if not found.startswith("value_12"):
        r["error"] = f"search found {found[:60]!r}"
    return r


def sc_histup10k(ad, start_ts, n=10_000, presses=40):
    """Up-key prefix search over 10,000 history entries: CPU per keystroke."""
    from qtpy import QtCore, QtGui
    from qtpy.QtTest import QTest

    r = _launch(ad, start_ts, 10_000)
    ad.set_history(_history_entries(n))
    ed = ad.editor
    ed.setFocus()
    _pump(ad, 0.3)
    emit({"event": "start", "kernel_pid": ad.kernel_pid()})
    keys = 0
    c0, g0, t0 = time.process_time(), time.thread_time(), time.perf_counter()
    for _ in range(2):
        ad.set_input("value_12")
        ed.moveCursor(QtGui.QTextCursor.MoveOperation.End)
        ad.app.processEvents()
        for _ in range(presses // 2):
            QTest.keyClick(ed, QtCore.Qt.Key.Key_Up)
            ad.app.processEvents()
            keys += 1
    c1, g1, t1 = time.process_time(), time.thread_time(), time.perf_counter()
    found = ad.get_input()
    r.update(value=(c1 - c0) / keys * 1000, unit="ms CPU/key",
             gui_thread_cpu_per_key_ms=(g1 - g0) / keys * 1000,
             wall_per_key_ms=(t1 - t0) / keys * 1000, keys=keys, found=found[:40])
    if not found.startswith("value_12"):
        r["error"] = f"Up found {found[:60]!r}"
    return r


def sc_calltip(ad, start_ts, runs=10):
    """`print(` typed: time from the "(" key to the call tip shown (median of runs)."""
    from qtpy import QtCore
    from qtpy.QtTest import QTest

    r = _launch(ad, start_ts, 10_000)
    ed = ad.editor
    ed.setFocus()
    ad.call_tip_visible()  # NotAvailable before the timed part
    emit({"event": "start", "kernel_pid": ad.kernel_pid()})
    times, kernel = [], []
    clock = _ReplyClock(ad, "inspect_reply")
    for _ in range(runs):
        ad.set_input("")
        for ch in "print":
            QTest.keyClick(ed, ch)
        _pump(ad, 0.1)
        t0 = time.perf_counter()
        QTest.keyClick(ed, "(")
        ok = ad.wait_until(ad.call_tip_visible, 10.0, poll_ms=1)
        ad.settle()
        t1 = time.perf_counter()
        if not ok:
            raise TimeoutError("no call tip after 10 s")
        times.append((t1 - t0) * 1000)
        kernel.append(clock.take())
        QTest.keyClick(ed, QtCore.Qt.Key.Key_Escape)
        ad.wait_until(lambda: not ad.call_tip_visible(), 2.0, poll_ms=1)
        _pump(ad, 0.05)
    clock.close()
    r.update(_split(times, kernel))
    times.sort()
    r.update(value=times[len(times) // 2], unit="ms ( to tip shown", max_ms=times[-1], runs=runs,
             floor_inspect_ms=_request_floor(ad, "inspect", "print(", 6))
    return r


def _request_floor(ad, kind: str, code: str, pos: int, runs: int = 10) -> float:
    """The kernel's part: a bare jupyter_client round trip of the same
    ``inspect`` or ``complete`` request, no widget (median ms, after one warm-up)."""
    from jupyter_client import BlockingKernelClient

    kc = BlockingKernelClient()
    kc.load_connection_info(ad.km.get_connection_info())
    kc.start_channels()
    send = getattr(kc, kind)
    try:
        send(code, pos, reply=True, timeout=30)
        times = []
        for _ in range(runs):
            t0 = time.perf_counter()
            send(code, pos, reply=True, timeout=30)
            times.append((time.perf_counter() - t0) * 1000)
    finally:
        kc.stop_channels()
    return sorted(times)[len(times) // 2]


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
        elif scenario == "server-cells200":
            result.update(sc_cells200(ad, start_ts, server=True))
        elif scenario == "server-print100k":
            result.update(sc_print(ad, start_ts, 10_000, server=True))
        elif scenario == "keystroke":
            result.update(sc_keystroke(ad, start_ts))
        elif scenario == "png30":
            result.update(sc_png30(ad, start_ts))
        elif scenario == "sgr20k":
            result.update(sc_sgr20k(ad, start_ts))
        elif scenario == "export10k":
            result.update(sc_export10k(ad, start_ts))
        elif scenario in ANSI_SHAPES:
            result.update(sc_ansi_shape(ad, start_ts, scenario))
        elif scenario == "stall1m":
            result.update(sc_stall1m(ad, start_ts))
        elif scenario == "rss500":
            result.update(sc_rss500(ad, start_ts))
        elif scenario.startswith("app-"):
            from _app_harness import run_app_scenario

            result.update(run_app_scenario(ad, scenario))
        elif scenario == "paste1mb":
            result.update(sc_paste1mb(ad, start_ts))
        elif scenario == "complete5k":
            result.update(sc_complete5k(ad, start_ts))
        elif scenario == "rsearch10k":
            result.update(sc_rsearch10k(ad, start_ts))
        elif scenario == "histup10k":
            result.update(sc_histup10k(ad, start_ts))
        elif scenario == "calltip":
            result.update(sc_calltip(ad, start_ts))
        elif scenario == "svg30":
            result.update(sc_svg30(ad, start_ts))
        elif scenario == "html1000":
            result.update(sc_html1000(ad, start_ts))
        elif scenario == "update200":
            result.update(sc_update200(ad, start_ts))
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
