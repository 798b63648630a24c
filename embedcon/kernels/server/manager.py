"""A kernel manager for a kernel that lives on a Jupyter Server.

:class:`ServerKernelManager` offers what the widgets use of a kernel manager
(the same names and signals as :class:`embedcon.manager.QtKernelManager`):
``interrupt_kernel``, ``restart_kernel``, ``shutdown_kernel`` (all through
the server's REST API, in the background), ``is_alive``, ``has_kernel``,
and the signals ``kernel_died(str)``, ``kernel_restarted()``,
``restart_failed(str)``.  The server watches and restarts the kernel itself;
this manager turns what the server says (a ``restarting`` or ``dead`` status
on the WebSocket, a 404 when the kernel is gone) into those signals.

``owns_kernel`` is True for a kernel this manager started
(:meth:`start_kernel`), False for one it attached to (:meth:`attach`): a
console never shuts down a kernel it attached to when it closes.
"""

from __future__ import annotations

import logging

from qtpy import QtCore

from ..manager_signals import ManagerSignals, _ManagerSignals
from .client import ServerKernelClient
from .rest import JupyterServer, ServerError

log = logging.getLogger("embedcon.server")

__all__ = ["ServerKernelManager"]


class ServerKernelManager(ManagerSignals):
    """Starts or attaches to a kernel on ``server`` and controls it through REST."""

    def __init__(self, server: JupyterServer) -> None:
        self._signals = _ManagerSignals()
        self.server = server
        self.kernel_id: str | None = None
        self.kernel_name: str | None = None
        self.owns_kernel = False
        self.autorestart = True  # the server restarts a kernel that dies
        self._dead = False
        self._clients: list[ServerKernelClient] = []

    def __repr__(self) -> str:
        return f"ServerKernelManager({self.server!r}, kernel_id={self.kernel_id!r})"

    # -- start / attach (wait for the server; for start-up and scripts) -----------
    def start_kernel(self, kernel_name: str | None = None) -> str:
        """Start a kernel of ``kernel_name`` (the server's default when None).
        Returns its id; raises :class:`ServerError` with a one-line message."""
        if kernel_name:
            specs = self.server.kernelspecs()["kernelspecs"]
            if kernel_name not in specs:
                raise ServerError(f"{self.server.base_url}: no kernel spec {kernel_name!r} "
                                  f"(the server has: {', '.join(sorted(specs)) or 'none'})")
        model = self.server.start_kernel(kernel_name)
        self.use_model(model, owned=True, kernel_name=kernel_name)
        self._signals.started_kernel.emit()
        return self.kernel_id

    def attach(self, kernel_id: str) -> dict:
        """Use the running kernel ``kernel_id``; returns its model."""
        model = self.server.kernel(kernel_id)
        self.use_model(dict(model, id=kernel_id), owned=False)
        return model

    def use_model(self, model: dict, owned: bool, kernel_name: str | None = None) -> None:
        """Be the manager of the kernel the server described as ``model`` (from
        :meth:`JupyterServer.start_kernel` or :meth:`JupyterServer.kernel`, asked
        elsewhere, e.g. off the GUI thread); ``owned``: this program started it."""
        self.kernel_id = model["id"]
        self.kernel_name = model.get("name") or kernel_name
        self.owns_kernel = owned

    def client(self, **kwargs) -> ServerKernelClient:
        """A new client for this kernel, wired to this manager."""
        if self.kernel_id is None:
            raise RuntimeError("no kernel: call start_kernel() or attach() first")
        kc = ServerKernelClient(self.server, self.kernel_id, **kwargs)
        kc.server_event.connect(self._on_server_event)
        self._clients.append(kc)
        return kc

    # -- state ---------------------------------------------------------------
    @property
    def has_kernel(self) -> bool:
        """Whether there is a kernel on the server to control."""
        return self.kernel_id is not None

    def is_alive(self) -> bool:
        """False once the server said the kernel is dead or gone."""
        return self.kernel_id is not None and not self._dead

    def kernel_model(self) -> dict:
        """The server's current model of the kernel (waits; not for the GUI thread)."""
        return self.server.kernel(self.kernel_id)

    def _on_server_event(self, kind: str, detail: str) -> None:
        if kind == "restarting":
            # the server saw the kernel die and is starting it again
            self._signals.kernel_died.emit("Kernel died")
            QtCore.QTimer.singleShot(0, self._signals.kernel_restarted.emit)
        elif kind == "dead":
            self._dead = True
            self._signals.restart_failed.emit("")
        elif kind in ("gone", "refused"):
            self._dead = True
            restart, self.autorestart = self.autorestart, False
            try:
                self._signals.kernel_died.emit(
                    "The kernel is gone from the server" if kind == "gone" else
                    "The server refused the connection to the kernel")
            finally:
                self.autorestart = restart

    # -- control (through REST, in the background) -----------------------------------
    def _background(self, method: str, *action: str, what: str, on_error=None):
        server, kid = self.server, self.kernel_id

        async def go():
            return await server.request(method, "kernels", kid, *action, what=what)
        future = server.io.submit(go)

        def done(fut) -> None:
            exc = fut.exception()
            if exc is None:
                return
            err = exc if isinstance(exc, ServerError) else server.describe_error(exc, what)
            log.warning("%s", err)
            if on_error is not None:
                on_error(str(err))
        future.add_done_callback(done)
        return future

    def interrupt_kernel(self) -> None:
        """``POST /api/kernels/<id>/interrupt`` (returns at once)."""
        self._require()
        self._background("POST", "interrupt", what="interrupting the kernel")

    def restart_kernel(self, now: bool = True, **kw) -> None:
        """``POST /api/kernels/<id>/restart`` (returns at once; a failure emits
        ``restart_failed`` with the server's answer)."""
        self._require()
        self._dead = False
        # Requests made from now on (the console's handshake with the new
        # kernel) wait until the server has restarted it: sent at once, the
        # old kernel would answer them, or lose them as it dies.
        links = [kc._link for kc in self._clients if kc._link is not None]
        for link in links:
            link.hold()

        def failed(text: str) -> None:
            # emitted on the I/O thread: Qt queues it to the receivers' (GUI) thread
            self._signals.restart_failed.emit(text)
        future = self._background("POST", "restart", what="restarting the kernel",
                                  on_error=failed)

        def done(_fut) -> None:
            for link in links:
                link.release()
        future.add_done_callback(done)

    def shutdown_kernel(self, now: bool = False, restart: bool = False) -> None:
        """Stop the kernel on the server (``DELETE``); waits up to the server
        timeout so that it happens before the application exits."""
        if restart:
            self.restart_kernel(now=now)
            return
        if self.kernel_id is None:
            return
        for kc in self._clients:
            kc.stop_channels()
        try:
            self.server.shutdown_kernel(self.kernel_id)
        except ServerError as exc:
            if exc.status != 404:
                log.warning("%s", exc)
        self._dead = True

    def _require(self) -> None:
        if self.kernel_id is None:
            raise RuntimeError("no kernel")

