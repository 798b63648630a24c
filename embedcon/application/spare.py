"""Warm spare kernels: a new tab or a restart takes one that has already started.

For each kernelspec in use the pool keeps one kernel started in the
background with the application's environment and working directory, its
channels connected.  :meth:`SpareKernels.take` hands it over (it is then an
ordinary kernel of the tab that took it) and starts the next one a little
later, so taking never waits for a launch.  A spare runs no user code until it
is taken, and it never outlives the application: :meth:`shutdown` stops every
spare, the application calls it when it quits, and a kernel launched by
jupyter_client exits by itself when its parent process dies (``JPY_PARENT_PID``).
"""

from __future__ import annotations

import logging

from qtpy import QtCore

__all__ = ["SpareKernels"]

log = logging.getLogger("embedcon.application")


class SpareKernels(QtCore.QObject):
    """One warm kernel per kernelspec, made by ``make_manager(kernel_name)``."""

    #: milliseconds between taking a spare and starting its successor (lets the
    #: tab that took it finish its own start first)
    REFILL_DELAY = 500

    def __init__(self, make_manager, parent=None):
        super().__init__(parent)
        self._make_manager = make_manager
        self._spares: dict[str, tuple] = {}  # kernel_name -> (km, kc)
        self._wanted: set[str] = set()
        self._closed = False

    def ensure(self, kernel_name: str, delay: int | None = None) -> None:
        """Keep a spare of ``kernel_name`` (started after ``delay`` ms)."""
        if self._closed or not kernel_name:
            return
        self._wanted.add(kernel_name)
        if kernel_name in self._spares:
            return
        QtCore.QTimer.singleShot(self.REFILL_DELAY if delay is None else delay,
                                 lambda: self._start(kernel_name))

    def _start(self, kernel_name: str) -> None:
        if self._closed or kernel_name in self._spares or kernel_name not in self._wanted:
            return
        try:
            km = self._make_manager(kernel_name)
            km.start_kernel()
            kc = km.client()
            kc.start_channels()
        except Exception as exc:
            log.warning("could not start a spare %s kernel: %s", kernel_name, exc)
            self._wanted.discard(kernel_name)
            return
        self._spares[kernel_name] = (km, kc)

    def take(self, kernel_name: str):
        """A started ``(manager, client)`` of ``kernel_name``, or None; a successor follows."""
        pair = self._spares.pop(kernel_name, None)
        if pair is not None:
            km, _ = pair
            try:
                alive = km.is_alive()
            except Exception:
                alive = False
            if not alive:
                self._stop(pair)
                pair = None
        self.ensure(kernel_name)
        return pair

    def has(self, kernel_name: str) -> bool:
        return kernel_name in self._spares

    @property
    def managers(self) -> list:
        return [km for km, _ in self._spares.values()]

    def _stop(self, pair) -> None:
        km, kc = pair
        try:
            kc.stop_channels()
        except Exception:
            pass
        try:
            if km.has_kernel:
                km.shutdown_kernel(now=True)
        except Exception:
            log.exception("could not stop a spare kernel")

    def shutdown(self) -> None:
        """Stop every spare; no more are started."""
        self._closed = True
        spares, self._spares = self._spares, {}
        for pair in spares.values():
            self._stop(pair)
