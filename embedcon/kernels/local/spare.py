"""Warm spare kernels: a restart or a new console takes one that has already started.

:class:`SpareKernels` keeps, for each kernelspec asked for, one kernel started
in the background with its channels connected.  :meth:`SpareKernels.take`
hands it over (it is then an ordinary kernel of whoever took it) and starts
the next one a little later, so taking never waits for a launch.

A spare is started with the same launch arguments (environment, working
directory) as the kernel it stands in for (``ensure(name, **start_kwargs)``;
:func:`spare_pool_like` reads them from a :class:`QtKernelManager`).  A spare
runs no code until it is taken: nothing but the connect handshake
(``kernel_info``) is ever sent to it.  It never outlives its host: every pool
stops its spares on :meth:`shutdown`, when the QApplication quits
(``aboutToQuit``) and at interpreter exit (``atexit``), and a kernel launched
by jupyter_client exits by itself when its parent process dies
(``JPY_PARENT_PID``).

The console widget uses a pool when its ``spare_kernels`` setting is on
(:mod:`embedcon.widgets.spare_restart`); the standalone application shares one
pool between its tabs, and an embedding host can share one between its
consoles (``embedcon.subprocess_console(spare_pool=pool)`` opens a console on
the pool's spare).  :func:`retire_kernel` stops a replaced kernel without
making the GUI wait.
"""

from __future__ import annotations

import atexit
import logging
import weakref

from qtpy import QtCore, QtWidgets

__all__ = ["SpareKernels", "spare_pool_like", "retire_kernel", "reap_kernel"]

log = logging.getLogger("embedcon.manager")

_POOLS: weakref.WeakSet = weakref.WeakSet()
_atexit_registered = False


def _default_manager(kernel_name: str):
    from ...manager import QtKernelManager

    return QtKernelManager(kernel_name=kernel_name)


def _shutdown_all() -> None:
    for pool in list(_POOLS):
        try:
            pool.shutdown()
        except Exception:
            pass


class SpareKernels(QtCore.QObject):
    """One warm kernel per kernelspec, made by ``make_manager(kernel_name)``
    (a not yet started kernel manager; default: a
    :class:`~embedcon.manager.QtKernelManager`) and started with
    ``km.start_kernel(**start_kwargs)``.

    A host with several consoles shares one pool between them:
    ``embedcon.subprocess_console(spare_pool=pool)`` opens a console on the
    pool's waiting spare (a successor starts in the background) and restarts
    from the pool; closing a console leaves the pool running.  The host stops
    it with :meth:`shutdown` (it also stops when the QApplication quits)."""

    #: milliseconds between taking a spare and starting its successor (lets the
    #: console that took it finish its own start first)
    REFILL_DELAY = 500

    def __init__(self, make_manager=None, parent=None):
        super().__init__(parent)
        global _atexit_registered
        self._make_manager = make_manager or _default_manager
        self._spares: dict[str, tuple] = {}  # kernel_name -> (km, kc)
        self._wanted: dict[str, dict] = {}  # kernel_name -> start kwargs
        self._closed = False
        _POOLS.add(self)
        if not _atexit_registered:
            atexit.register(_shutdown_all)
            _atexit_registered = True
        app = QtWidgets.QApplication.instance()
        if app is not None:
            ref = weakref.ref(self)
            app.aboutToQuit.connect(lambda: ref() is not None and ref().shutdown())

    @property
    def closed(self) -> bool:
        """True after :meth:`shutdown`: no spare is started any more."""
        return self._closed

    def ensure(self, kernel_name: str, delay: int | None = None, **start_kwargs) -> None:
        """Keep a spare of ``kernel_name``, started after ``delay`` ms with
        ``start_kwargs`` (``env``, ``cwd``: those of the kernel it stands in for)."""
        if self._closed or not kernel_name:
            return
        if start_kwargs or kernel_name not in self._wanted:
            self._wanted[kernel_name] = dict(start_kwargs)
        if kernel_name in self._spares:
            return
        ref = weakref.ref(self)
        QtCore.QTimer.singleShot(self.REFILL_DELAY if delay is None else delay,
                                 lambda: ref() is not None and ref()._start(kernel_name))

    def _start(self, kernel_name: str) -> None:
        if self._closed or kernel_name in self._spares or kernel_name not in self._wanted:
            return
        try:
            km = self._make_manager(kernel_name)
            km.start_kernel(**self._wanted[kernel_name])
            kc = km.client()
            kc.start_channels()
        except Exception as exc:
            log.warning("could not start a spare %s kernel: %s", kernel_name, exc)
            self._wanted.pop(kernel_name, None)
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
        if kernel_name in self._wanted:
            self.ensure(kernel_name)
        return pair

    def has(self, kernel_name: str) -> bool:
        """Whether a spare of ``kernel_name`` is started and waiting."""
        return kernel_name in self._spares

    @property
    def managers(self) -> list:
        """The kernel managers of the waiting spares."""
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

    def discard(self) -> None:
        """Stop the waiting spares and start no more until :meth:`ensure` is called."""
        self._wanted.clear()
        spares, self._spares = self._spares, {}
        for pair in spares.values():
            self._stop(pair)

    def shutdown(self) -> None:
        """Stop every spare; no more are started."""
        self._closed = True
        self.discard()


def spare_pool_like(km, parent=None) -> SpareKernels:
    """A pool whose spares are made like ``km`` (same manager class, config
    and parent; same kernelspec and launch arguments once :meth:`SpareKernels.ensure`
    is called with ``**launch_kwargs_of(km)``)."""
    cls, parent_cfg = type(km), getattr(km, "parent", None)
    config = getattr(km, "config", None)

    def make(kernel_name: str):
        kw = {"kernel_name": kernel_name}
        if parent_cfg is not None:
            kw["parent"] = parent_cfg
        elif config is not None:
            kw["config"] = config
        new = cls(**kw)
        client_factory = getattr(km, "client_factory", None)
        if client_factory is not None:
            new.client_factory = client_factory
        return new
    return SpareKernels(make, parent)


def retire_kernel(km, pending: list) -> None:
    """Stop a replaced kernel without making the GUI wait: kill its process now,
    let jupyter_client reap it and remove its files a little later (or at quit:
    ``pending`` is the caller's list of such managers, for :func:`reap_kernel`)."""
    pending.append(km)
    km.stop_restarter()
    proc = getattr(getattr(km, "provisioner", None), "process", None)
    try:
        if proc is not None:
            proc.kill()
    except OSError:
        pass
    QtCore.QTimer.singleShot(2000, lambda: reap_kernel(km, pending))


def reap_kernel(km, pending: list) -> None:
    """Finish stopping a kernel given to :func:`retire_kernel` (once)."""
    if km in pending:
        pending.remove(km)
        try:
            if km.has_kernel:
                km.shutdown_kernel(now=True)
        except Exception:
            log.exception("could not clean up a replaced kernel")
