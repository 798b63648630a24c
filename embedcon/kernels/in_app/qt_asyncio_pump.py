"""Run an asyncio loop in short slices from the Qt event loop.

Used by :mod:`embedcon.kernel_in_app` to drive ipykernel's loop while Qt stays
the master loop: a QSocketNotifier on the loop's selector fd (plus a timer
for the next scheduled callback and a safety timer), or a plain timer where
the loop has no selector fd.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time

from qtpy import QtCore

__all__ = ["_Pump", "_runs_on_qt"]

log = logging.getLogger("embedcon.kernel_in_app")

_PUMP_BUDGET = 0.010  # seconds of asyncio work per pump before yielding to Qt
_SAFETY_MS = 50
_TIMER_PUMP_MS = 10




def _runs_on_qt(loop) -> bool:
    """True for asyncio loops implemented on top of the Qt event loop (qasync
    and its ancestors): running them from a pump would nest Qt's loop."""
    for cls in type(loop).__mro__:
        if cls.__module__.split(".")[0] in ("qasync", "asyncqt", "quamash"):
            return True
    return False


class _Pump(QtCore.QObject):
    """Runs the kernel's asyncio loop in short slices from the Qt event loop."""

    def __init__(self, loop: asyncio.AbstractEventLoop, mode: str, parent=None):
        super().__init__(parent)
        self.loop = loop
        self.count = 0
        self._busy = False
        self._active = False
        self.notifier = None
        self.mode = self._choose(mode)

        self._soon = QtCore.QTimer(self)
        self._soon.setSingleShot(True)
        self._soon.setInterval(0)
        self._soon.timeout.connect(self.pump)

        self._deadline = QtCore.QTimer(self)
        self._deadline.setSingleShot(True)
        self._deadline.setTimerType(QtCore.Qt.TimerType.PreciseTimer)
        self._deadline.timeout.connect(self.pump)

        self._periodic = QtCore.QTimer(self)
        self._periodic.timeout.connect(self.pump)
        if self.mode == "notifier":
            self._periodic.setInterval(_SAFETY_MS)
            fd = self._selector_fd()
            self.notifier = QtCore.QSocketNotifier(fd, QtCore.QSocketNotifier.Type.Read, self)
            self.notifier.setEnabled(False)
            self.notifier.activated.connect(self._on_activated)
        elif self.mode == "timer":
            self._periodic.setTimerType(QtCore.Qt.TimerType.PreciseTimer)
            self._periodic.setInterval(_TIMER_PUMP_MS)

    def _selector_fd(self) -> int:
        sel = getattr(self.loop, "_selector", None)
        fileno = getattr(sel, "fileno", None)
        if not callable(fileno):
            return -1
        try:
            return int(fileno())
        except Exception:
            return -1

    def _choose(self, mode: str) -> str:
        if self.loop.is_running() or _runs_on_qt(self.loop):
            return "external"  # e.g. qasync: the loop is Qt's own; never pump it
        if mode == "timer":
            return "timer"
        if self._selector_fd() >= 0:
            return "notifier"
        if mode == "notifier":
            log.warning("the asyncio loop has no pollable selector; using the timer pump")
        return "timer"

    def start(self) -> None:
        if self.mode == "external":
            return
        self._active = True
        self._periodic.start()
        if self.notifier is not None:
            self.notifier.setEnabled(True)
        self._soon.start()

    def stop(self) -> None:
        self._active = False
        for t in (self._soon, self._deadline, self._periodic):
            t.stop()
        if self.notifier is not None:
            self.notifier.setEnabled(False)
            with contextlib.suppress(Exception):
                self.notifier.activated.disconnect(self._on_activated)
            self.notifier.deleteLater()
            self.notifier = None

    def _on_activated(self, *_args) -> None:
        self.pump()

    def pump(self) -> None:
        """Run the loop until its ready queue is empty or the budget is spent.

        Safe to call re-entrantly (a cell that spins a nested Qt loop): the
        inner calls return at once.
        """
        if not self._active:
            return
        loop = self.loop
        if self._busy or loop.is_closed() or loop.is_running() or asyncio._get_running_loop() is not None:
            # Nested inside a running slice.  The selector fd is level
            # triggered: keep the notifier off until the outer slice ends.
            if self.notifier is not None:
                self.notifier.setEnabled(False)
            return
        self._busy = True
        if self.notifier is not None:
            self.notifier.setEnabled(False)
        try:
            end = time.monotonic() + _PUMP_BUDGET
            while True:
                loop.call_soon(loop.stop)
                try:
                    loop.run_forever()
                except KeyboardInterrupt:
                    log.warning("KeyboardInterrupt escaped the kernel's event loop; ignored")
                self.count += 1
                if not loop._ready or time.monotonic() >= end:
                    break
            if loop._ready:
                self._soon.start()
        except Exception:
            log.exception("error while running the in-app kernel's event loop")
        finally:
            self._busy = False
            if self.notifier is not None and self._active:
                self.notifier.setEnabled(True)
        self._arm_deadline()

    def _arm_deadline(self) -> None:
        if not self._active or self.loop.is_closed():
            return
        scheduled = self.loop._scheduled
        if not scheduled:
            self._deadline.stop()
            return
        delay = scheduled[0].when() - self.loop.time()
        ms = 0 if delay <= 0 else min(math.ceil(delay * 1000), 3_600_000)
        self._deadline.start(ms)
