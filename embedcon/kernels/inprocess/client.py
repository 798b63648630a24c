"""A client for the in-process kernel with the same Qt signals as QtKernelClient.

Every channel exposes ``message_received`` (``Signal(object)``), the heartbeat
channel ``kernel_died`` (``Signal(float)``, never emitted: an in-process
kernel cannot die on its own) and the client ``started_channels`` /
``stopped_channels``.  So a widget written for :class:`embedcon.client.QtKernelClient`
works unchanged.

Timing.  A request sent while no cell runs runs inside the call that sends
it, as with the Jupyter Qt Console: ``kc.execute("a = 1")`` has run the cell
when it returns, so ported code can read the namespace right after.  A request
sent while a cell runs (from a slot the cell's nested event loop called, say)
waits until that cell and the requests before it are done: cells never nest.
Either way the messages (``status: busy``, ``execute_input``, ``stream``...,
``execute_result``, ``status: idle``, then the ``execute_reply``) are
delivered afterwards, in that order, on the GUI thread.  Requests sent inside
``with kc.deferred():`` (the console widget's own) or by a client made with
``synchronous=False`` run on the next pass of the Qt event loop instead, so
the sender knows the msg_id before the cell runs, even when the cell waits in
``input()`` or spins the event loop.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections import deque

from ipykernel.inprocess.channels import InProcessChannel, InProcessHBChannel
from ipykernel.inprocess.client import InProcessKernelClient
from qtpy import QtCore
from traitlets import Bool, Type

from ..client_common import ClientSignals, QtClientMixin

log = logging.getLogger("embedcon.inprocess")

__all__ = ["QtInProcessKernelClient", "QtInProcessChannel", "QtInProcessHBChannel"]


class _ChannelSignals(QtCore.QObject):
    message_received = QtCore.Signal(object)


class _HBSignals(QtCore.QObject):
    kernel_died = QtCore.Signal(float)


class _Outbox(QtCore.QObject):
    """One ordered queue for all of a client's channels.

    Messages may be posted from any thread (the kernel's IOPub thread posts
    IOPub traffic); they are emitted on the thread that owns the outbox, one
    at a time and in posting order, from the event loop.
    """

    _wake = QtCore.Signal()

    def __init__(self):
        super().__init__()
        self._queue: deque = deque()
        self._lock = threading.Lock()
        self._scheduled = False
        self._owner = threading.get_ident()
        self._wake.connect(self.drain, QtCore.Qt.ConnectionType.QueuedConnection)

    def post(self, channel, msg) -> None:
        with self._lock:
            self._queue.append((channel, msg))
            if self._scheduled:
                return
            self._scheduled = True
        self._wake.emit()

    def drain(self) -> None:
        """Emit everything queued so far (re-entrant: a handler that spins the
        event loop just continues the same queue, still in order)."""
        if threading.get_ident() != self._owner:
            return
        while True:
            with self._lock:
                if not self._queue:
                    self._scheduled = False
                    return
                channel, msg = self._queue.popleft()
            if not channel.is_alive():
                continue
            try:
                channel.message_received.emit(msg)
            except Exception:  # a handler must never take the host down
                log.exception("error while handling a %s message", msg.get("msg_type"))

    def clear(self) -> None:
        with self._lock:
            self._queue.clear()

    def __len__(self) -> int:
        return len(self._queue)


class QtInProcessChannel(InProcessChannel):
    """An in-process channel whose messages arrive as ``message_received``."""

    def __init__(self, client=None):
        self._signals = _ChannelSignals()
        super().__init__(client)

    @property
    def message_received(self):
        """Signal(dict): emitted on the GUI thread for every message."""
        return self._signals.message_received

    def call_handlers(self, msg) -> None:
        # any thread; delivery is always queued to the client's thread
        self.client._outbox.post(self, msg)

    def call_handlers_later(self, *args, **kwds) -> None:
        self.call_handlers(*args, **kwds)

    def process_events(self) -> None:
        QtCore.QCoreApplication.processEvents(QtCore.QEventLoop.ProcessEventsFlag.AllEvents, 10)

    def flush(self, timeout: float = 1.0) -> None:
        """Deliver every message received so far (all channels, in order)."""
        self.client._outbox.drain()

    def send(self, msg) -> None:
        """Send a message to the kernel (as jupyter_client's channels do; the
        frontend's comm messages go this way)."""
        self.client._dispatch_to_kernel(msg)


class QtInProcessHBChannel(InProcessHBChannel):
    """Heartbeat stand-in with QtHBChannel's ``kernel_died`` signal."""

    def __init__(self, client=None):
        self._signals = _HBSignals()
        super().__init__(client)

    @property
    def kernel_died(self):
        """Signal(float): never emitted; the kernel lives in this process."""
        return self._signals.kernel_died

    def is_beating(self) -> bool:
        client = self.client
        return bool(self._is_alive and client is not None and client.kernel is not None)


class QtInProcessKernelClient(QtClientMixin, InProcessKernelClient):
    """Client for :class:`~embedcon.inprocess.QtInProcessKernelManager`'s kernel.

    Same signals as :class:`embedcon.client.QtKernelClient`; requests are
    asynchronous (see the module docstring).  The client follows its
    manager's kernel across ``restart_kernel()``.
    """

    shell_channel_class = Type(QtInProcessChannel)
    iopub_channel_class = Type(QtInProcessChannel)
    stdin_channel_class = Type(QtInProcessChannel)
    control_channel_class = Type(QtInProcessChannel)
    hb_channel_class = Type(QtInProcessHBChannel)

    synchronous = Bool(
        True, config=True,
        help="Run a request sent while no cell runs inside the call that sends it (the "
             "Jupyter Qt Console's behaviour; requests sent while a cell runs wait for it). "
             "False: every request runs on the next pass of the Qt event loop.",
    )

    def __init__(self, **kwargs):
        self._signals = ClientSignals()
        self._outbox = _Outbox()
        self._parked: list = []
        self._deferred = 0
        super().__init__(**kwargs)

    @contextlib.contextmanager
    def deferred(self):
        """Requests sent inside this block run on the next pass of the Qt
        event loop, whatever ``synchronous`` says (the console widget sends
        its cells this way: it must know a cell's msg_id before the cell can
        ask for ``input()``)."""
        self._deferred += 1
        try:
            yield self
        finally:
            self._deferred -= 1

    # -- channels ------------------------------------------------------------
    def start_channels(self, shell=True, iopub=True, stdin=True, hb=True, control=True):
        super(InProcessKernelClient, self).start_channels(
            shell=shell, iopub=iopub, stdin=stdin, hb=hb, control=control)
        self._attach(self.kernel)
        self._signals.started_channels.emit()

    def stop_channels(self) -> None:
        super().stop_channels()
        kernel = self.kernel
        if kernel is not None:
            if self in kernel.frontends:
                kernel.frontends.remove(self)
            discard = getattr(kernel, "discard_requests", None)
            if discard is not None:
                discard(self)
        self._parked.clear()
        self._outbox.clear()
        self._signals.stopped_channels.emit()

    def _attach(self, kernel) -> None:
        if kernel is not None and self.channels_running and self not in kernel.frontends:
            kernel.frontends.append(self)

    def _set_kernel(self, kernel) -> None:
        """Follow the manager to a new kernel (or to none)."""
        old = self.kernel
        if old is not None and self in old.frontends:
            old.frontends.remove(self)
        self.kernel = kernel
        self._attach(kernel)
        if kernel is not None:
            parked, self._parked = self._parked, []
            for msg in parked:
                self._dispatch_to_kernel(msg)

    def flush(self) -> None:
        """Deliver every message received so far, now (tests, shutdown)."""
        self._outbox.drain()

    # -- requests ------------------------------------------------------------
    def _dispatch_to_kernel(self, msg) -> None:
        kernel = self.kernel
        if kernel is None or getattr(kernel, "_closing", False):
            manager = self.parent
            if getattr(manager, "restart_pending", False):
                self._parked.append(msg)  # delivered to the kernel being started
                return
            self._reply_without_kernel(msg)
            return
        kernel.submit(self, msg, now=self.synchronous and not self._deferred)

    def _reply_without_kernel(self, msg) -> None:
        msg_type = msg["header"]["msg_type"]
        log.warning("%s sent while the in-process kernel is not running", msg_type)
        if not msg_type.endswith("_request"):
            return
        content = {
            "status": "error",
            "ename": "KernelNotRunning",
            "evalue": "The in-process kernel is not running.",
            "traceback": ["KernelNotRunning: The in-process kernel is not running."],
        }
        if msg_type == "execute_request":
            content.update(execution_count=0, payload=[], user_expressions={})
        reply = self.session.msg(msg_type[: -len("_request")] + "_reply", content, parent=msg)
        self.shell_channel.call_handlers(reply)

    def input(self, string) -> None:
        """Answer the kernel's pending ``input()``."""
        kernel = self.kernel
        if kernel is None:
            log.warning("input reply sent while the in-process kernel is not running")
            return
        kernel.provide_input(string)

    def shutdown(self, restart: bool = False) -> str:
        """Ask the manager to shut down (or restart) the kernel.

        Like a real kernel this answers with a ``shutdown_reply`` on the control
        channel (and on IOPub); the kernel goes away on the next pass of the
        event loop.  Without a manager only the replies are sent."""
        msg = self.session.msg("shutdown_request", {"restart": restart})
        reply_content = {"status": "ok", "restart": restart}
        self.control_channel.call_handlers(
            self.session.msg("shutdown_reply", reply_content, parent=msg))
        self.iopub_channel.call_handlers(
            self.session.msg("shutdown_reply", reply_content, parent=msg))
        manager = self.parent
        action = None
        if hasattr(manager, "restart_kernel") and hasattr(manager, "shutdown_kernel"):
            action = manager.restart_kernel if restart else manager.shutdown_kernel
        if action is not None:
            def run():
                try:
                    action()
                except Exception:
                    log.exception("in-process kernel shutdown failed")

            QtCore.QTimer.singleShot(0, run)
        return msg["header"]["msg_id"]

    def interrupt_via_control(self) -> str:
        """Same as ``manager.interrupt_kernel()``, answered by an ``interrupt_reply``."""
        msg = self.session.msg("interrupt_request", {})
        kernel = self.kernel
        if kernel is not None and getattr(kernel, "interrupt", None) is not None:
            if not kernel.interrupt():
                log.info("in-process kernel: nothing to interrupt (running code cannot be)")
        self.control_channel.call_handlers(
            self.session.msg("interrupt_reply", {"status": "ok"}, parent=msg))
        return msg["header"]["msg_id"]
