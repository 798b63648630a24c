"""A kernel client that reaches its kernel through a Jupyter Server's WebSocket.

:class:`ServerKernelClient` has the interface of
:class:`embedcon.client.QtKernelClient` (the widgets cannot tell them apart):
``shell_channel``, ``iopub_channel``, ``stdin_channel`` and
``control_channel`` whose ``messages_received(list)`` / ``message_received``
signals fire on the GUI thread; ``execute``, ``complete``, ``inspect``,
``history``, ``is_complete``, ``kernel_info``, ``input`` (jupyter_client's
own request methods) returning the msg_id at once; ``hb_channel``;
``started_channels`` / ``stopped_channels``.  Interrupt and shutdown go
through the server's REST API.

One WebSocket (``/api/kernels/<id>/channels``) carries all channels.  It
lives on the shared I/O thread (:mod:`.loop`); received messages are decoded,
checked (the same checks as the ZMQ client: :func:`embedcon.client.validate_message`,
:func:`embedcon.client.check_content`) and handed to the GUI thread in
bursts through the same queued bridge as the ZMQ client.

Reconnecting.  When the WebSocket drops, the client emits
``connection_lost(reason)`` and reconnects (0.1 s, then doubling to 5 s
between attempts) with the same session id.  Jupyter Server keeps the kernel
and buffers what the kernel sends to this session while no client is
connected, and replays it on reconnect: replies, IOPub output and stdin
requests sent meanwhile arrive, in order, after ``connection_restored()``.
Requests made while disconnected wait in an outbox and are sent, in order,
once the connection is back.  Messages are delivered at most once: incoming
msg_ids already seen are dropped (the server's replay never overlaps what
was delivered, this guards it).  What cannot be recovered: a message that
was in flight on the dying TCP connection itself, and (a server limit) the
replay when another client of the same kernel stays connected, since the
server then does not buffer.  If the kernel is gone from the server (404),
the client stops and emits ``server_event("gone", ...)``.
"""

from __future__ import annotations

import asyncio
import getpass
import logging
import socket
import time
from collections import deque

from jupyter_client.client import KernelClient
from qtpy import QtCore
from tornado.websocket import WebSocketClosedError, websocket_connect

from ..client import _Bridge, check_content, validate_message
from ..client_common import ClientSignals, QtClientMixin
from . import wire
from .rest import JupyterServer, ServerError

log = logging.getLogger("embedcon.server")

__all__ = ["ServerKernelClient", "ServerChannel", "ServerHBChannel"]

CHANNELS = ("shell", "iopub", "stdin", "control")


class _ClientSignals(ClientSignals):
    connection_lost = QtCore.Signal(str)
    connection_restored = QtCore.Signal()
    server_event = QtCore.Signal(str, str)


class _Link:
    """The WebSocket to one kernel.  Everything but ``start``, ``send`` and
    ``stop`` (which hand over to it) runs on the I/O thread."""

    MAX_DELAY = 5.0
    SEEN = 10_000  # msg_ids remembered to drop duplicates

    def __init__(self, client: ServerKernelClient) -> None:
        self.client = client
        self.server: JupyterServer = client.server
        self.io = self.server.io
        self.session = client.session
        self.v1 = False
        self.connected = False
        self.running = False
        self.reconnects = 0
        self.duplicates = 0
        self.dropped = 0
        self._ws = None
        self._sock = None
        self._stopped = False
        self._held = False
        self._outbox: deque = deque()
        self._seen: set = set()
        self._seen_order: deque = deque()
        self._task = None

    # -- from any thread ----------------------------------------------------
    def start(self) -> None:
        self.running = True
        self._stopped = False
        self.io.call_soon(self._start)

    def send(self, channel: str, msg: dict) -> None:
        self.io.call_soon(self._send, channel, msg)

    def hold(self) -> None:
        """Keep requests in the outbox until :meth:`release` (while the server
        restarts the kernel, so that they reach the new kernel, not the old)."""
        self.io.call_soon(self._set_held, True)

    def release(self) -> None:
        self.io.call_soon(self._set_held, False)

    def stop(self) -> None:
        self.running = False
        self._stopped = True
        self.io.call_soon(self._stop)

    # -- on the I/O thread ----------------------------------------------------
    def _start(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.ensure_future(self._run())

    def _stop(self) -> None:
        self._outbox.clear()
        ws, self._ws = self._ws, None
        if ws is not None:
            ws.close()
        if self._task is not None and not self._task.done():
            self._task.cancel()

    def _set_held(self, held: bool) -> None:
        self._held = held
        if not held:
            self._flush_outbox()

    def _send(self, channel: str, msg: dict) -> None:
        if self._stopped:
            return
        if self._ws is None or self._held or self._outbox:
            self._outbox.append((channel, msg))
            return
        self._write(channel, msg)

    def _write(self, channel: str, msg: dict) -> bool:
        try:
            frame = wire.encode(self.session, channel, msg, self.v1)
        except Exception as exc:  # an unserializable content: drop that request only
            log.error("could not encode a %s message: %s", msg.get("msg_type"), exc)
            return True
        try:
            self._ws.write_message(frame, binary=isinstance(frame, bytes))
        except WebSocketClosedError:
            self._outbox.appendleft((channel, msg))
            return False
        self._quick_ack()
        return True

    def _quick_ack(self) -> None:
        # Jupyter Server writes a reply as several small frames without
        # TCP_NODELAY, so Nagle holds each one back until the previous one is
        # acknowledged, and Linux delays acknowledgements by up to 40 ms: a
        # `1+1` round trip took 48 ms.  Asking for quick ACKs (re-armed after
        # each read, since the kernel falls back to delayed ACKs) took it to
        # 5-6 ms, measured with a bare client (benchmarks/server_floors.py).
        sock = self._sock
        if sock is not None and _QUICKACK is not None:
            try:
                sock.setsockopt(socket.IPPROTO_TCP, _QUICKACK, 1)
            except OSError:
                self._sock = None

    def _flush_outbox(self) -> None:
        while self._outbox and self._ws is not None and not self._held:
            channel, msg = self._outbox.popleft()
            if not self._write(channel, msg):
                return

    def _connect_request(self):
        url = self.server.ws_url("kernels", self.client.kernel_id, "channels",
                                 query={"session_id": self.session.session})
        return self.server.request_for(url)

    async def _run(self) -> None:
        delay = 0.1
        lost_at = None
        while not self._stopped:
            try:
                ws = await websocket_connect(
                    self._connect_request(), subprotocols=[wire.V1_PROTOCOL],
                    ping_interval=self.client.ping_interval,
                    ping_timeout=self.client.ping_interval,
                    max_message_size=self.client.max_message_size)
            except asyncio.CancelledError:
                return
            except Exception as exc:
                err = self.server.describe_error(exc, "connecting to the kernel")
                if err.status in (401, 403, 404):
                    kind = "gone" if err.status == 404 else "refused"
                    log.error("%s", err)
                    self.running = False
                    self._emit("server_event", kind, str(err))
                    return
                if lost_at is None:
                    lost_at = time.monotonic()
                    self._emit("connection_lost", str(err))
                log.info("reconnecting in %.1f s: %s", delay, err)
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.MAX_DELAY)
                continue
            if self._stopped:
                ws.close()
                return
            self._ws = ws
            self._sock = _tune_socket(ws)
            self.v1 = ws.selected_subprotocol == wire.V1_PROTOCOL
            self.connected = True
            delay = 0.1
            if lost_at is not None:
                self.reconnects += 1
                log.info("reconnected to kernel %s after %.1f s", self.client.kernel_id,
                         time.monotonic() - lost_at)
                self._emit("connection_restored")
                lost_at = None
            self._flush_outbox()
            while True:
                try:
                    frame = await ws.read_message()
                except asyncio.CancelledError:
                    return
                if frame is None:
                    break
                self._quick_ack()
                self._on_frame(frame)
            self.connected = False
            self._ws = None
            if self._stopped:
                return
            reason = ws.close_reason or (f"code {ws.close_code}" if ws.close_code else
                                         "the connection closed")
            lost_at = time.monotonic()
            log.warning("lost the WebSocket to kernel %s (%s); reconnecting",
                        self.client.kernel_id, reason)
            self._emit("connection_lost", reason)

    def _emit(self, name: str, *args) -> None:
        try:
            getattr(self.client._signals, name).emit(*args)
        except RuntimeError:  # signals object deleted at interpreter exit
            pass

    def _on_frame(self, frame) -> None:
        try:
            channel, msg = wire.decode(self.session, frame, self.v1)
        except Exception as exc:
            self.dropped += 1
            log.warning("dropped a frame that failed to decode: %s", exc)
            return
        problem = validate_message(msg) or check_content(msg)
        if problem:
            self.dropped += 1
            log.warning("dropped a malformed message: %s", problem)
            return
        msg_id = msg["header"].get("msg_id")
        if msg_id:
            if msg_id in self._seen:
                self.duplicates += 1
                return
            self._seen.add(msg_id)
            self._seen_order.append(msg_id)
            if len(self._seen_order) > self.SEEN:
                self._seen.discard(self._seen_order.popleft())
        chan = self.client._channels.get(channel)
        if chan is None:
            log.debug("message on unknown channel %r ignored", channel)
            return
        if channel == "iopub" and msg["header"]["msg_type"] == "status" \
                and not msg["parent_header"]:
            # the server's own word on the kernel (restarting after a death, dead)
            state = msg["content"].get("execution_state")
            if state in ("restarting", "dead"):
                self._emit("server_event", state, "")
        chan._bridge.post(msg)


_QUICKACK = getattr(socket, "TCP_QUICKACK", None)  # Linux


def _tune_socket(ws):
    """Turn Nagle off for our own frames; the socket for quick ACKs (or None)."""
    try:
        ws.stream.set_nodelay(True)
        sock = ws.stream.socket
        return sock if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6) \
            else None
    except Exception:
        return None


class ServerChannel:
    """One channel of the kernel, multiplexed on the client's WebSocket."""

    def __init__(self, name: str, client: ServerKernelClient) -> None:
        self.name = name
        self._client = client
        self._bridge = _Bridge(f"Server{name.capitalize()}Channel")

    @property
    def message_received(self):
        """Signal(dict) on the GUI thread for every valid message."""
        return self._bridge.message_received

    @property
    def messages_received(self):
        """Signal(object) carrying a list: the same messages, several at a time, in order."""
        return self._bridge.messages_received

    @property
    def dropped(self) -> int:
        link = self._client._link
        return link.dropped if link is not None else 0

    def send(self, msg: dict) -> None:
        self._client._ensure_link().send(self.name, msg)

    def is_alive(self) -> bool:
        link = self._client._link
        return link is not None and link.running

    def start(self) -> None:
        pass

    def stop(self) -> None:
        pass

    def flush(self, timeout: float = 1.0) -> None:
        self._bridge._drain()


class _HBSignals(QtCore.QObject):
    kernel_died = QtCore.Signal(float)


class ServerHBChannel:
    """Heartbeat stand-in: the server watches the kernel itself (and says so
    with ``restarting``/``dead`` statuses); this reports whether the WebSocket
    is up.  ``kernel_died`` exists for the interface and is never emitted."""

    time_to_dead = 3.0

    def __init__(self, client: ServerKernelClient) -> None:
        self._client = client
        self._signals = _HBSignals()

    @property
    def kernel_died(self):
        return self._signals.kernel_died

    def is_beating(self) -> bool:
        link = self._client._link
        return link is not None and link.connected

    def is_alive(self) -> bool:
        link = self._client._link
        return link is not None and link.running

    def start(self) -> None:
        pass

    def stop(self) -> None:
        pass

    def pause(self) -> None:
        pass

    def unpause(self) -> None:
        pass


class ServerKernelClient(QtClientMixin, KernelClient):
    """Client for a kernel managed by a Jupyter Server (see the module docstring).

    ``server`` is a :class:`~embedcon.kernels.server.rest.JupyterServer`,
    ``kernel_id`` the server's id of the kernel.  Extra signals:
    ``connection_lost(str reason)``, ``connection_restored()`` and
    ``server_event(str kind, str detail)`` (kind: ``restarting``, ``dead``,
    ``gone``, ``refused``).
    """

    ping_interval = 10.0  # seconds between WebSocket pings; a link silent for 2x this is closed
    max_message_size = 512 * 1024 * 1024  # tornado's default (10 MiB) is below a big image

    def __init__(self, server: JupyterServer, kernel_id: str, **kwargs) -> None:
        self._signals = _ClientSignals()
        self._link: _Link | None = None
        self._channels: dict[str, ServerChannel] = {}
        self._hb: ServerHBChannel | None = None
        kwargs.setdefault("session", wire.wire_session(username=_username()))
        super().__init__(**kwargs)
        self.server = server
        self.kernel_id = kernel_id
        self.session.auth = None  # the server signs (see wire.wire_session)

    # -- signals ---------------------------------------------------------------
    @property
    def connection_lost(self):
        """Signal(str): the WebSocket dropped; the client is reconnecting."""
        return self._signals.connection_lost

    @property
    def connection_restored(self):
        """Signal(): the WebSocket is back; what the kernel sent meanwhile follows."""
        return self._signals.connection_restored

    @property
    def server_event(self):
        """Signal(str kind, str detail): restarting, dead, gone or refused."""
        return self._signals.server_event

    # -- channels ----------------------------------------------------------------
    def _channel(self, name: str) -> ServerChannel:
        chan = self._channels.get(name)
        if chan is None:
            chan = self._channels[name] = ServerChannel(name, self)
        return chan

    @property
    def shell_channel(self) -> ServerChannel:
        return self._channel("shell")

    @property
    def iopub_channel(self) -> ServerChannel:
        return self._channel("iopub")

    @property
    def stdin_channel(self) -> ServerChannel:
        return self._channel("stdin")

    @property
    def control_channel(self) -> ServerChannel:
        return self._channel("control")

    @property
    def hb_channel(self) -> ServerHBChannel:
        if self._hb is None:
            self._hb = ServerHBChannel(self)
        return self._hb

    def _ensure_link(self) -> _Link:
        if self._link is None:
            self._link = _Link(self)
        return self._link

    @property
    def connected(self) -> bool:
        """Whether the WebSocket is up right now."""
        return self._link is not None and self._link.connected

    @property
    def reconnects(self) -> int:
        """How many times the WebSocket was re-established."""
        return self._link.reconnects if self._link is not None else 0

    @property
    def channels_running(self) -> bool:
        return self._link is not None and self._link.running

    def start_channels(self, shell: bool = True, iopub: bool = True, stdin: bool = True,
                       hb: bool = True, control: bool = True) -> None:
        for name in CHANNELS:
            self._channel(name)
        self._ensure_link().start()
        self._signals.started_channels.emit()

    def stop_channels(self) -> None:
        if self._link is not None and self._link.running:
            self._link.stop()
        self._signals.stopped_channels.emit()

    def wait_connected(self, timeout: float = 10.0) -> bool:
        """Wait (not on the GUI thread's critical path: for scripts and tests)
        until the WebSocket is up."""
        deadline = time.monotonic() + timeout
        while not self.connected:
            if time.monotonic() > deadline or (self._link is not None and not self._link.running):
                return self.connected
            time.sleep(0.01)
        return True

    # -- kernel control through the REST API -------------------------------------
    def interrupt_via_control(self) -> str:
        """Interrupt the kernel through the server (``POST .../interrupt``); the
        request runs in the background, failures are logged."""
        self._rest_in_background("POST", "interrupt", what="interrupting the kernel")
        return ""

    def shutdown(self, restart: bool = False) -> str:
        """Ask the server to restart or shut down the kernel (in the background)."""
        if restart:
            self._rest_in_background("POST", "restart", what="restarting the kernel")
        else:
            self._rest_in_background("DELETE", what="shutting down the kernel")
        return ""

    def _rest_in_background(self, method: str, *action: str, what: str):
        server, kid = self.server, self.kernel_id

        async def go():
            return await server.request(method, "kernels", kid, *action, what=what)
        future = server.io.submit(go)

        def done(fut) -> None:
            exc = fut.exception()
            if exc is not None:
                log.warning("%s", exc if isinstance(exc, ServerError) else
                            server.describe_error(exc, what))
        future.add_done_callback(done)
        return future


def _username() -> str:
    try:
        return getpass.getuser()
    except Exception:
        return "embedcon"
