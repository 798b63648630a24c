"""Frontend comms: talk to objects in the kernel with the Jupyter comm protocol.

A comm is a channel between one object in the kernel and one in the frontend,
carried by three messages (``comm_open``, ``comm_msg``, ``comm_close``): the
frontend sends them on the shell channel, the kernel publishes them on IOPub.
Every kernel client of embedcon (:class:`embedcon.client.QtKernelClient`,
:class:`embedcon.inprocess.QtInProcessKernelClient`) has a
:class:`CommManager` as ``kernel_client.comm_manager``, as in the Jupyter Qt
Console::

    def opened(comm, msg):                 # the kernel opened a comm to "host"
        comm.on_msg(lambda msg: print(msg["content"]["data"]))
        comm.send({"hello": "kernel"})
    kc.comm_manager.register_target("host", opened)

    comm = kc.comm_manager.new_comm("kernel_target", data={"size": 3})
    comm.on_msg(handle)                     # comm_msg from the kernel's side
    comm.send({"ping": 1})
    comm.close()

Callbacks run on the GUI thread.  An exception in one is logged, never raised
into the host's event loop.  A ``comm_open`` for a target nobody registered
is answered with a ``comm_close``, as the protocol asks.  Each
:class:`Comm` also has Qt signals (``message_received``, ``closed``).
"""

from __future__ import annotations

import logging
import uuid
from typing import Callable

from qtpy import QtCore

log = logging.getLogger("embedcon.comms")

__all__ = ["Comm", "CommManager", "comm_manager_for"]

_COMM_TYPES = ("comm_open", "comm_msg", "comm_close")


def _call(callback, *args) -> None:
    try:
        callback(*args)
    except Exception:
        log.exception("error in comm callback %r", callback)


class Comm(QtCore.QObject):
    """The frontend's end of one comm.

    ``message_received(dict)`` is emitted for every ``comm_msg`` from the
    kernel, ``closed(dict)`` once when either side closes it (the message is
    the ``comm_close``; one made up here when this side closed it).
    """

    message_received = QtCore.Signal(object)
    closed = QtCore.Signal(object)

    def __init__(self, manager: "CommManager", target_name: str, comm_id: str | None = None,
                 primary: bool = True):
        super().__init__(manager)
        self.manager = manager
        self.target_name = target_name
        self.comm_id = comm_id or uuid.uuid4().hex
        self.primary = primary  # True when this side opened it
        self.is_open = False
        self._msg_callbacks: list[Callable] = []
        self._close_callbacks: list[Callable] = []

    @property
    def kernel_client(self):
        return self.manager.kernel_client

    # -- sending -------------------------------------------------------------
    def open(self, data: dict | None = None, metadata: dict | None = None,
             buffers: list | None = None) -> str:
        """Send ``comm_open`` (done by :meth:`CommManager.new_comm`)."""
        self.is_open = True
        return self.manager._send("comm_open", {"comm_id": self.comm_id,
                                                "target_name": self.target_name,
                                                "data": data or {}}, metadata, buffers)

    def send(self, data: dict | None = None, metadata: dict | None = None,
             buffers: list | None = None) -> str:
        """Send a ``comm_msg`` to the kernel's end; returns its msg_id."""
        if not self.is_open:
            raise RuntimeError(f"comm {self.comm_id} ({self.target_name}) is closed")
        return self.manager._send("comm_msg", {"comm_id": self.comm_id, "data": data or {}},
                                  metadata, buffers)

    def close(self, data: dict | None = None, metadata: dict | None = None,
              buffers: list | None = None) -> str | None:
        """Send ``comm_close`` and forget the comm (a second close does nothing)."""
        if not self.is_open:
            return None
        msg_id = self.manager._send("comm_close", {"comm_id": self.comm_id, "data": data or {}},
                                    metadata, buffers)
        self._closed({"content": {"comm_id": self.comm_id, "data": data or {}},
                      "header": {"msg_type": "comm_close"}, "parent_header": {},
                      "metadata": metadata or {}})
        return msg_id

    # -- receiving -----------------------------------------------------------
    def on_msg(self, callback: Callable[[dict], None] | None) -> None:
        """Call ``callback(msg)`` for every ``comm_msg`` from the kernel
        (``None`` removes the callbacks)."""
        if callback is None:
            self._msg_callbacks.clear()
        else:
            self._msg_callbacks.append(callback)

    def on_close(self, callback: Callable[[dict], None] | None) -> None:
        """Call ``callback(msg)`` when the comm closes (``None`` removes them)."""
        if callback is None:
            self._close_callbacks.clear()
        else:
            self._close_callbacks.append(callback)

    def handle_msg(self, msg: dict) -> None:
        for cb in list(self._msg_callbacks):
            _call(cb, msg)
        self.message_received.emit(msg)

    def _closed(self, msg: dict) -> None:
        if not self.is_open:
            return
        self.is_open = False
        self.manager._forget(self)
        for cb in list(self._close_callbacks):
            _call(cb, msg)
        self.closed.emit(msg)

    def __repr__(self) -> str:
        state = "open" if self.is_open else "closed"
        return f"<Comm {self.target_name!r} {self.comm_id} {state}>"


class CommManager(QtCore.QObject):
    """The comms of one kernel client (``kernel_client.comm_manager``).

    ``comm_opened(comm, msg)`` is emitted for every comm the kernel opens to
    a registered target, after the target's callback ran.
    """

    comm_opened = QtCore.Signal(object, object)

    def __init__(self, kernel_client):
        super().__init__()
        self.kernel_client = kernel_client
        self.targets: dict[str, Callable] = {}
        self.comms: dict[str, Comm] = {}
        iopub = kernel_client.iopub_channel
        batch = getattr(iopub, "messages_received", None)
        if batch is not None:  # embedcon.client: one signal per burst
            batch.connect(self._on_iopub_batch)
        else:
            iopub.message_received.connect(self._on_iopub)

    # -- the public API ------------------------------------------------------
    def register_target(self, target_name: str, callback: Callable[[Comm, dict], None]) -> None:
        """Call ``callback(comm, msg)`` when the kernel opens a comm to ``target_name``."""
        self.targets[target_name] = callback

    def unregister_target(self, target_name: str, callback: Callable | None = None) -> None:
        """Stop accepting comms to ``target_name``."""
        if callback is None or self.targets.get(target_name) is callback:
            self.targets.pop(target_name, None)

    def new_comm(self, target_name: str, data: dict | None = None, metadata: dict | None = None,
                 comm_id: str | None = None, buffers: list | None = None) -> Comm:
        """Open a comm to ``target_name`` in the kernel and return it."""
        comm = Comm(self, target_name, comm_id, primary=True)
        self.comms[comm.comm_id] = comm
        comm.open(data, metadata, buffers)
        return comm

    def get_comm(self, comm_id: str) -> Comm | None:
        return self.comms.get(comm_id)

    # -- plumbing ------------------------------------------------------------
    def _send(self, msg_type: str, content: dict, metadata: dict | None,
              buffers: list | None) -> str:
        kc = self.kernel_client
        msg = kc.session.msg(msg_type, content, metadata=metadata or {})
        if buffers:
            msg["buffers"] = list(buffers)
        kc.shell_channel.send(msg)
        return msg["header"]["msg_id"]

    def _forget(self, comm: Comm) -> None:
        if self.comms.get(comm.comm_id) is comm:
            del self.comms[comm.comm_id]

    def _on_iopub_batch(self, msgs) -> None:
        for msg in msgs:
            if msg["header"]["msg_type"] in _COMM_TYPES:
                self._on_iopub(msg)

    def _on_iopub(self, msg) -> None:
        msg_type = msg["header"]["msg_type"]
        if msg_type not in _COMM_TYPES:
            return
        try:
            getattr(self, "_handle_" + msg_type)(msg, msg["content"])
        except Exception:
            log.exception("error handling a %s message", msg_type)

    def _handle_comm_open(self, msg, content) -> None:
        comm_id, target = content.get("comm_id"), content.get("target_name")
        if not isinstance(comm_id, str) or not isinstance(target, str):
            log.warning("dropped a comm_open without comm_id or target_name")
            return
        if comm_id in self.comms:
            return  # our own comm_open, echoed by a kernel that publishes it
        callback = self.targets.get(target)
        if callback is None:
            log.info("comm_open for unknown target %r: closing comm %s", target, comm_id)
            self._send("comm_close", {"comm_id": comm_id, "data": {}}, None, None)
            return
        comm = Comm(self, target, comm_id, primary=False)
        comm.is_open = True
        self.comms[comm_id] = comm
        _call(callback, comm, msg)
        self.comm_opened.emit(comm, msg)

    def _handle_comm_msg(self, msg, content) -> None:
        comm = self.comms.get(content.get("comm_id"))
        if comm is not None:
            comm.handle_msg(msg)

    def _handle_comm_close(self, msg, content) -> None:
        comm = self.comms.get(content.get("comm_id"))
        if comm is not None:
            comm._closed(msg)


def comm_manager_for(kernel_client) -> CommManager:
    """``kernel_client``'s CommManager, made on first use (the clients'
    ``comm_manager`` property)."""
    manager = kernel_client.__dict__.get("_embedcon_comm_manager")
    if manager is None:
        manager = kernel_client.__dict__["_embedcon_comm_manager"] = CommManager(kernel_client)
    return manager
