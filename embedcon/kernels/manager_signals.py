"""The Qt signals every embedcon kernel manager offers.

Its own module so that the in-process manager can share them without
importing :mod:`embedcon.manager` (whose import launches a kernel's head
start, see :func:`embedcon.head_start.start_early`).
"""

from __future__ import annotations

from qtpy import QtCore

__all__ = ["ManagerSignals"]


class _ManagerSignals(QtCore.QObject):
    kernel_died = QtCore.Signal(str)
    kernel_restarted = QtCore.Signal()
    restart_failed = QtCore.Signal(str)
    started_kernel = QtCore.Signal()


class ManagerSignals:
    """The Qt signals every embedcon kernel manager offers (``self._signals``
    is a :class:`_ManagerSignals`): ``kernel_died(str)``, ``kernel_restarted()``,
    ``restart_failed(str)``, ``started_kernel()``."""

    @property
    def kernel_died(self):
        return self._signals.kernel_died

    @property
    def kernel_restarted(self):
        return self._signals.kernel_restarted

    @property
    def restart_failed(self):
        return self._signals.restart_failed

    @property
    def started_kernel(self):
        return self._signals.started_kernel
