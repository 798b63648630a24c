"""Tabs on kernels of a Jupyter Server: what the kernel picker opens there.

A mixin of :class:`~embedcon.application.window.MainWindow`.  ``servers``
are the Jupyter Servers the window knows (the one of ``embedcon --server``);
the kernel picker lists their kernelspecs and running kernels, and those of the
Jupyter Servers running on this computer (``picker_servers``).  Starting or
attaching asks the server off the GUI thread; the tab opens when it answers
(a failure is one line in the status bar and a message box).  A tab on a
server kernel has its own WebSocket and session, so a second tab on the same
kernel (Ctrl+Shift+T) sees the first one's inputs as another client's; a
kernel attached to is never shut down without asking, one started here is
shut down only after the close-last-tab question.
"""

from __future__ import annotations

import logging

from qtpy import QtWidgets

from .kernels import KernelHandle
from .picker import Background, KernelChoice

__all__ = ["ServerTabs"]

log = logging.getLogger(__name__)


class ServerTabs:
    """Open tabs on kernels of the window's Jupyter Servers."""

    def _init_server_tabs(self) -> None:
        self.servers: list = []  # JupyterServer objects the picker lists
        self._server_work = Background(self)
        self._server_requests = 0

    def picker_servers(self) -> list:
        """The servers the kernel picker lists: the window's, then the
        Jupyter Servers running on this computer (their ``jpserver-*.json``
        in the runtime directory; see :mod:`~embedcon.kernels.server.discover`)."""
        servers = list(self.servers)
        known = {s.base_url for s in servers}
        try:
            from ..kernels.server import JupyterServer
            from ..kernels.server.discover import running_servers

            for info in running_servers():
                if info.url not in known:
                    known.add(info.url)
                    servers.append(JupyterServer(info.url, token=info.token or None))
        except Exception:  # a bad file or runtime dir: the picker lists the rest
            log.exception("could not list the Jupyter Servers running here")
        return servers

    @property
    def server_requests_pending(self) -> int:
        """How many start/attach requests wait for a server's answer."""
        return self._server_requests

    def server_handle(self, km) -> KernelHandle:
        """A handle for a :class:`~embedcon.kernels.server.ServerKernelManager`
        (each tab gets its own client, so its own WebSocket and session)."""
        if km.server not in self.servers:
            self.servers.append(km.server)
        return KernelHandle(manager=km, connection_info={}, kernel_name=km.kernel_name or "",
                            owned=bool(getattr(km, "owns_kernel", False)),
                            client_maker=km.client)

    def _server_handle_for(self, server, kernel_id: str) -> KernelHandle | None:
        for h in self.handles:
            if h.server is server and getattr(h.manager, "kernel_id", None) == kernel_id:
                return h
        return None

    def open_on_server(self, choice: KernelChoice, then=None) -> None:
        """Start a kernel of ``choice.kernel_name`` on ``choice.server`` (or
        attach to ``choice.kernel_id``), then ``then(handle)`` on the GUI
        thread; by default a new tab on it."""
        from ..kernels.server import ServerKernelManager

        server = choice.server
        then = then or self.add_tab
        if choice.kernel_id:
            known = self._server_handle_for(server, choice.kernel_id)
            if known is not None:  # a tab of this window is on it: share its handle
                then(known)
                return
        km = ServerKernelManager(server)  # made here: its signals live on the GUI thread
        what = (f"Attaching to {choice.kernel_name} {choice.kernel_id[:8]}" if choice.kernel_id
                else f"Starting a {choice.kernel_name} kernel") + f" on {server.base_url}\u2026"
        self.status.showMessage(what)

        def ask():
            if choice.kernel_id:
                return dict(server.kernel(choice.kernel_id), id=choice.kernel_id), False
            return server.start_kernel(choice.kernel_name), True

        def done(result, error):
            self._server_requests -= 1
            self.status.clearMessage()
            if error is not None:
                self.status.showMessage(str(error), 8000)
                QtWidgets.QMessageBox.warning(self, "Kernel on a Jupyter Server", str(error))
                return
            model, owned = result
            km.use_model(model, owned=owned, kernel_name=choice.kernel_name)
            if self._closing or not self.isVisible():  # the window went meanwhile
                if owned:
                    self._server_work.run(km.shutdown_kernel, lambda *_: None)
                return
            then(self.server_handle(km))
        self._server_requests += 1
        self._server_work.run(ask, done)
