"""Manager for the in-process kernel, with a namespace API for the host.

::

    km = QtInProcessKernelManager()
    km.start_kernel(show_banner=False, namespace={"app": app, "viewer": viewer})
    kc = km.client()
    kc.start_channels()
    widget.kernel_manager, widget.kernel_client = km, kc
    ...
    km.push({"data": data})      # or km.namespace["data"] = data
    km.get("result")             # read back what the console made
    ...
    kc.stop_channels()
    km.shutdown_kernel()

The kernel shares the process, the GUI thread and the event loop with the
host: cells run on the GUI thread, so the GUI does not update while a cell
runs and running code cannot be interrupted from the console.
"""

from __future__ import annotations

import logging
import time
import weakref

from ipykernel.inprocess.manager import InProcessKernelManager
from qtpy import QtCore
from traitlets import DottedObjectName, Instance, Unicode

from ..manager_signals import ManagerSignals, _ManagerSignals
from ...references import keep, release

log = logging.getLogger("embedcon.inprocess")

__all__ = ["QtInProcessKernelManager"]


class QtInProcessKernelManager(ManagerSignals, InProcessKernelManager):
    """Starts, restarts and stops a :class:`~embedcon.inprocess.kernel.QtInProcessKernel`.

    Signals (the same attributes as :class:`embedcon.manager.QtKernelManager`):
    ``started_kernel()`` after every start, including restarts;
    ``kernel_died(str)``, ``kernel_restarted()`` and ``restart_failed(str)``
    exist for compatibility and are never emitted (the kernel cannot die on
    its own).
    """

    kernel = Instance("embedcon.inprocess.kernel.QtInProcessKernel", allow_none=True)
    client_class = DottedObjectName("embedcon.inprocess.client.QtInProcessKernelClient")
    gui = Unicode(
        "qt", config=True,
        help="GUI toolkit the kernel assumes for `%gui` / `%matplotlib` without arguments. "
             "Bookkeeping only: the host's running Qt event loop is used, never a nested one.",
    )

    def __init__(self, **kwargs):
        self._signals = _ManagerSignals()
        super().__init__(**kwargs)
        self._host_namespace: dict = {}
        self._start_options: dict = {"show_banner": True}
        self._clients: weakref.WeakSet = weakref.WeakSet()
        self._restart_pending = False
        self.startup_time: float | None = None

    # -- lifecycle ---------------------------------------------------------
    def start_kernel(self, show_banner: bool = True, namespace: dict | None = None, **kw) -> None:
        """Create the kernel.

        ``namespace``: names to put in the console's namespace; they are kept
        by the manager and put back after every ``restart_kernel()``, like
        names given to :meth:`push`.  ``keep`` and ``release`` (see
        :mod:`embedcon.references`) are always there.  Other keyword
        arguments are accepted and ignored, for compatibility.
        """
        if self.kernel is not None:
            raise RuntimeError("the in-process kernel is already running; use restart_kernel()")
        from .kernel import create_kernel

        self._start_options = {"show_banner": show_banner}
        if namespace:
            self._host_namespace.update(namespace)
        t0 = time.perf_counter()
        kernel = create_kernel(parent=self, session=self.session, gui=self._gui_name(),
                               show_banner=show_banner)
        kernel.shell.push({"keep": keep, "release": release}, interactive=False)
        if self._host_namespace:
            kernel.shell.push(dict(self._host_namespace))
        self.kernel = kernel
        self.startup_time = time.perf_counter() - t0
        log.debug("in-process kernel started in %.3f s", self.startup_time)
        self._restart_pending = False
        for client in list(self._clients):
            client._set_kernel(kernel)
        self._signals.started_kernel.emit()

    def _gui_name(self) -> str:
        # InProcessKernel.gui only knows these names
        gui = (self.gui or "inline").lower()
        if gui.startswith("qt"):
            return "qt"
        return gui if gui in ("tk", "gtk", "wx", "inline") else "inline"

    def shutdown_kernel(self, now: bool = False, restart: bool = False) -> None:
        """Stop the kernel and give the process its state back.

        Never raises.  If a cell is still running (it waits in ``input()``
        or spins the event loop), its ``input()`` is cancelled and the
        teardown completes when the cell returns; the manager has no kernel
        from now on either way."""
        kernel = self.kernel
        if kernel is None:
            return
        self.kernel = None
        for client in list(self._clients):
            if client.kernel is kernel:
                client._set_kernel(None)
        try:
            kernel.close()
        except Exception:
            log.exception("error shutting down the in-process kernel")

    def restart_kernel(self, now: bool = False, newports: bool = False, **kw) -> None:
        """Replace the kernel with a fresh one (new namespace, with the host's
        names from ``start_kernel(namespace=...)`` and :meth:`push` put back).
        Clients follow to the new kernel.  If a cell is still running, the new
        kernel starts once it has returned; requests sent meanwhile wait for it."""
        options = dict(self._start_options)
        options.update({k: v for k, v in kw.items() if k in ("show_banner", "namespace")})
        old = self.kernel
        if old is None:
            self.start_kernel(**options)
            return
        if not old.busy:
            self.shutdown_kernel()
            self.start_kernel(**options)
            return
        self._restart_pending = True
        self.shutdown_kernel()

        def start_when_closed():
            if self.kernel is None and self._restart_pending:
                try:
                    self.start_kernel(**options)
                except Exception as exc:
                    self._restart_pending = False
                    log.exception("could not restart the in-process kernel")
                    self._signals.restart_failed.emit(str(exc))

        old.close(on_closed=lambda: QtCore.QTimer.singleShot(0, start_when_closed))

    @property
    def restart_pending(self) -> bool:
        """True between a restart requested during a running cell and the new kernel."""
        return self._restart_pending

    def interrupt_kernel(self) -> None:
        """Interrupt a cell waiting in ``input()`` (it gets KeyboardInterrupt).

        Otherwise a no-op that logs: running Python code cannot be interrupted
        from the console, because the GUI thread that would send the interrupt
        is the thread running the cell.  (Another thread can use
        ``_thread.interrupt_main()``.)  Never raises."""
        kernel = self.kernel
        if kernel is not None and kernel.interrupt():
            log.info("in-process kernel: interrupted a pending input()")
            return
        log.info("in-process kernel: interrupt ignored (code running on the GUI thread "
                 "cannot be interrupted from the console)")

    def signal_kernel(self, signum) -> None:
        """No-op that logs: the kernel is this process."""
        log.info("in-process kernel: signal %s not sent (the kernel is this process)", signum)

    def is_alive(self) -> bool:
        return self.kernel is not None

    @property
    def has_kernel(self) -> bool:
        return self.kernel is not None

    def client(self, **kwargs):
        """A new :class:`~embedcon.inprocess.client.QtInProcessKernelClient`
        for this kernel; it follows the manager across restarts."""
        kc = super().client(**kwargs)
        self._clients.add(kc)
        return kc

    # -- namespace ---------------------------------------------------------
    @property
    def namespace(self) -> dict:
        """The console's namespace (the shell's ``user_ns``, a live dict)."""
        if self.kernel is None:
            raise RuntimeError("the in-process kernel is not running")
        return self.kernel.shell.user_ns

    def push(self, variables: dict, interactive: bool = True) -> None:
        """Put ``variables`` into the console's namespace.  The manager keeps
        them and puts them back after a restart.  ``interactive=False`` hides
        them from ``%who``.  Works before ``start_kernel()`` too."""
        self._host_namespace.update(variables)
        if self.kernel is not None:
            self.kernel.shell.push(dict(variables), interactive=interactive)

    def get(self, name: str, default=None):
        """The value of ``name`` in the console's namespace, or ``default``."""
        if self.kernel is None:
            return self._host_namespace.get(name, default)
        return self.kernel.shell.user_ns.get(name, default)

    def forget(self, *names: str) -> None:
        """Remove names from the namespace and from what is put back on restart."""
        for name in names:
            self._host_namespace.pop(name, None)
            if self.kernel is not None:
                self.kernel.shell.user_ns.pop(name, None)
