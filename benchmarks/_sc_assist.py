"""Editing and assistance scenarios: typing, a 1 MB paste, completion, call tips, history search.

Standard library and qtpy only, like ``_harness`` (both consoles import it).
"""

from __future__ import annotations

import time

from _harness import NotAvailable, PaintSpy, StallSpy, _launch, _pump, emit


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
    spy = StallSpy(10)
    emit({"event": "start", "kernel_pid": ad.kernel_pid()})
    spy.start()
    ad.app.processEvents()
    c0 = time.process_time()
    t0 = time.perf_counter()
    QTest.keyClick(ed, QtCore.Qt.Key.Key_V, QtCore.Qt.KeyboardModifier.ControlModifier)
    ok = ad.wait_until(lambda: last in ad.doc.lastBlock().text(), 60.0, [], poll_ms=5)
    ad.settle()
    dt = time.perf_counter() - t0
    end = time.perf_counter() + 1.0  # deferred work (highlighting) counts for stalls
    while time.perf_counter() < end:
        ad.app.processEvents(QtCore.QEventLoop.ProcessEventsFlag.AllEvents, 5)
        time.sleep(0.001)
    stall = spy.stop()
    cpu = time.process_time() - c0
    lines = ad.doc.blockCount()
    r.update(value=dt, unit="s", longest_stall_ms=stall,
             paste_cpu_s=cpu, pasted_bytes=len(text), document_blocks=lines)
    if not ok:
        r["error"] = "the pasted text's last line never appeared"
    return r


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
