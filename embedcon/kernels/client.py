"""A jupyter_client kernel client whose channel traffic arrives as Qt signals.

The sockets live on jupyter_client's I/O thread.  Each channel appends the
messages it receives to a queue and wakes the GUI thread once; the GUI thread
drains the queue and emits ``messages_received`` with a list of messages, and
``message_received`` per message for whoever connected to it.  A burst of
messages therefore costs one cross-thread wake-up and a few signal emissions,
not one per message: PyQt releases the GIL on every emit, and while another
Python thread is busy (the I/O thread decoding a flood) each emit waited
~0.25 ms for it back.  One wake-up spends at most ``BUDGET_S`` on messages;
the rest waits for the next event-loop turn, so a flood never freezes the GUI.

Messages that fail authentication, cannot be decoded, or do not have the
shape of a Jupyter message are dropped and logged here; they never reach the
widgets and never raise into the host's event loop.  A message that fails
authentication before any message from the kernel authenticated means the
connection file's key is wrong: the client says so once, with
``authentication_failed(message)``.  The content of the
message types frontends index into is checked against the protocol's field
types (:func:`check_content`): a message missing its essential field is
dropped, a malformed optional field is removed; both are logged.
"""

from __future__ import annotations

import ipaddress
import logging
import threading
import time
import uuid
import weakref
from collections import deque

import zmq
from jupyter_client.channels import HBChannel
from jupyter_client.connect import channel_socket_types
from jupyter_client.threaded import ThreadedKernelClient, ThreadedZMQSocketChannel
from qtpy import QtCore
from traitlets import Type
from zmq.utils import monitor as zmq_monitor

from ..qt_compat import signal_connected
from .client_common import ClientSignals, QtClientMixin

log = logging.getLogger("embedcon.client")

__all__ = ["QtKernelClient", "QtZMQSocketChannel", "QtHBChannel", "validate_message",
           "check_content", "is_loopback"]


def is_loopback(ip: str) -> bool:
    """True for addresses only this machine can reach (127.0.0.0/8, ::1, localhost)."""
    if ip in ("localhost", "localhost.localdomain", "ip6-localhost"):
        return True
    try:
        return ipaddress.ip_address(ip.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name or anything else: treat it as reachable from outside


def validate_message(msg) -> str | None:
    """Return why ``msg`` is not a well-formed Jupyter message, or None."""
    if not isinstance(msg, dict):
        return "message is not a dict"
    header = msg.get("header")
    if not isinstance(header, dict):
        return "header is not a dict"
    if not isinstance(header.get("msg_type"), str):
        return "header has no msg_type"
    if msg.get("parent_header", {}) is None:
        msg["parent_header"] = {}  # "no parent" sent as null (xeus kernels): repaired
    if not isinstance(msg.get("parent_header"), dict):
        return "parent_header is not a dict"
    if not isinstance(msg.get("content"), dict):
        return "content is not a dict"
    if not isinstance(msg.get("msg_type", header["msg_type"]), str):
        return "msg_type is not a string"
    return None


# Content fields whose type the protocol fixes and that frontends index into.
# Per message type: field -> (check, what to do when the check fails):
# "drop" the whole message (nothing usable is left), or "remove" the field
# (the rest of the message is still worth showing; consumers fall back).
def _is_text(v) -> bool:
    return isinstance(v, str) or (isinstance(v, list) and all(isinstance(x, str) for x in v))


def _is_str_list(v) -> bool:
    return isinstance(v, list) and all(isinstance(x, str) for x in v)


def _is_dict_list(v) -> bool:
    return isinstance(v, list) and all(isinstance(x, dict) for x in v)


def _is_dict(v) -> bool:
    return isinstance(v, dict)


def _is_str(v) -> bool:
    return isinstance(v, str)


_MIME_BUNDLE = {"data": (_is_dict, "drop"), "metadata": (_is_dict, "remove"),
                "transient": (_is_dict, "remove")}
_CONTENT_RULES: dict[str, dict] = {
    "stream": {"name": (_is_str, "drop"), "text": (_is_text, "drop")},
    "display_data": _MIME_BUNDLE,
    "update_display_data": _MIME_BUNDLE,
    "execute_result": _MIME_BUNDLE,
    "error": {"traceback": (_is_str_list, "remove")},
    "status": {"execution_state": (_is_str, "drop")},
    "execute_reply": {"payload": (_is_dict_list, "remove")},
    "kernel_info_reply": {"language_info": (_is_dict, "remove")},
    "complete_reply": {"matches": (_is_str_list, "remove"), "metadata": (_is_dict, "remove")},
    "input_request": {"prompt": (_is_str, "remove")},
}
# fields without which the message means nothing
_REQUIRED = {"stream": ("text",), "display_data": ("data",), "update_display_data": ("data",),
             "execute_result": ("data",), "status": ("execution_state",)}


def check_content(msg) -> str | None:
    """Check the content of a well-formed message against the protocol's field
    types.  Repairs what can be repaired in place (a malformed optional field
    is removed, logged); returns why the message must be dropped, or None."""
    msg_type = msg["header"]["msg_type"]
    rules = _CONTENT_RULES.get(msg_type)
    if rules is None:
        return None
    content = msg["content"]
    for field in _REQUIRED.get(msg_type, ()):
        if field not in content:
            return f"{msg_type} without {field!r}"
    for field, (ok, action) in rules.items():
        if field in content and not ok(content[field]):
            what = type(content[field]).__name__
            if action == "drop":
                return f"{msg_type} with a malformed {field!r} ({what})"
            del content[field]
            log.warning("removed a malformed %r (%s) from a %s message", field, what, msg_type)
    return None


def _is_auth_failure(exc: Exception) -> bool:
    """Whether jupyter_client's Session refused a message for its signature
    (a wrong key), not for its shape or as a replay."""
    text = str(exc)
    return isinstance(exc, ValueError) and (text.startswith("Invalid Signature")
                                            or text.startswith("Unsigned Message"))


class _Bridge(QtCore.QObject):
    """Lives on the GUI thread; carries one channel's messages to it."""

    # ``object``, not ``list`` or ``dict``: PyQt converts a ``list`` argument
    # to a QVariantList, copying every message through QVariant and back
    # (88 us for 4 small messages, a 5 MB stream text twice); ``object``
    # hands the same Python objects over (1.3 us).
    message_received = QtCore.Signal(object)
    messages_received = QtCore.Signal(object)
    _wake = QtCore.Signal()
    # emitted on the I/O thread when a message fails authentication while none
    # on this channel has passed it; handled on the GUI thread (_auth_failed_here)
    auth_failed = QtCore.Signal()

    def __init__(self, name: str):
        super().__init__()
        self.name = name
        self._queue: deque = deque()
        self._lock = threading.Lock()
        self._scheduled = False
        self.dropped = 0
        self.authentic = False  # a message from the kernel passed authentication
        self.auth_failures = 0  # messages that failed it
        self.client = None  # weakref to the QtKernelClient (set by it)
        self._wake.connect(self._drain, QtCore.Qt.ConnectionType.QueuedConnection)
        self.auth_failed.connect(self._auth_failed_here, QtCore.Qt.ConnectionType.QueuedConnection)

    def _auth_failed_here(self) -> None:
        client = self.client() if self.client is not None else None
        if client is not None:
            client._on_auth_failed()

    def post(self, msg) -> None:
        """Called on the I/O thread."""
        with self._lock:
            self._queue.append(msg)
            if self._scheduled:
                return
            self._scheduled = True
        self._wake.emit()

    # GUI-thread time one wake-up may spend handling messages; the rest waits
    # for the next event-loop turn (a flood of small messages never freezes)
    BUDGET_S = 0.010

    def _single_listeners(self) -> bool:
        """Whether anyone connected to ``message_received``."""
        return signal_connected(self, "message_received")

    def _drain(self) -> None:
        with self._lock:
            batch = list(self._queue)
            self._queue.clear()
        singles = self._single_listeners()
        deadline = time.perf_counter() + self.BUDGET_S
        done = 0
        step = 16
        while done < len(batch):
            chunk = batch[done:done + step]
            done += len(chunk)
            try:
                self.messages_received.emit(chunk)
            except Exception:  # a handler must never take the host down
                log.exception("error while handling %s messages", self.name)
            if singles:
                for msg in chunk:
                    try:
                        self.message_received.emit(msg)
                    except Exception:
                        log.exception("error while handling a %s message", self.name)
            if time.perf_counter() > deadline and done < len(batch):
                with self._lock:  # in front of what arrived meanwhile, in order
                    self._queue.extendleft(reversed(batch[done:]))
                self._wake.emit()
                return
            step *= 2
        with self._lock:
            if self._queue:
                self._wake.emit()  # arrived while we were handling
            else:
                self._scheduled = False


class QtZMQSocketChannel(ThreadedZMQSocketChannel):
    """A threaded channel whose messages arrive on the GUI thread as signals."""

    def __init__(self, socket, session, loop):
        self._bridge = _Bridge(type(self).__name__)
        super().__init__(socket, session, loop)

    @property
    def message_received(self):
        """Signal(dict): emitted on the GUI thread for every valid message."""
        return self._bridge.message_received

    @property
    def messages_received(self):
        """Signal(object) carrying a list: the same messages, several at a
        time, in order (cheaper than ``message_received`` when output floods)."""
        return self._bridge.messages_received

    @property
    def dropped(self) -> int:
        """How many messages were dropped as unauthenticated or malformed."""
        return self._bridge.dropped

    @property
    def authentic(self) -> bool:
        """Whether a message from the kernel passed authentication on this channel."""
        return self._bridge.authentic

    def _handle_recv(self, msg_list) -> None:
        # runs on the I/O thread
        bridge = self._bridge
        try:
            _ident, smsg = self.session.feed_identities(msg_list)
            msg = self.session.deserialize(smsg)
        except Exception as exc:
            bridge.dropped += 1
            log.warning("dropped a message that failed to decode or authenticate: %s", exc)
            if _is_auth_failure(exc):
                bridge.auth_failures += 1
                if bridge.auth_failures == 1 and not bridge.authentic:
                    bridge.auth_failed.emit()  # once: a flood of forgeries costs one
            return
        bridge.authentic = True
        if msg["msg_type"] == "kernel_info_reply" and bridge.client is not None:
            client = bridge.client()
            if client is not None:
                client._kernel_answered()
        problem = validate_message(msg) or check_content(msg)
        if problem:
            self._bridge.dropped += 1
            log.warning("dropped a malformed message: %s", problem)
            return
        if self._inspect:
            try:
                self._inspect(msg)
            except Exception as exc:  # e.g. a kernel_info_reply without protocol_version
                log.warning("could not inspect a %s message: %r", msg["header"]["msg_type"], exc)
        self.call_handlers(msg)

    def call_handlers(self, msg) -> None:
        self._bridge.post(msg)

    def flush(self, timeout: float = 1.0) -> None:
        """Deliver everything received so far (used by tests and shutdown)."""
        try:
            super().flush(timeout)
        except OSError:
            return
        self._bridge._drain()


class _HBBridge(QtCore.QObject):
    kernel_died = QtCore.Signal(float)


class QtHBChannel(HBChannel):
    """Heartbeat channel emitting ``kernel_died(seconds_since_last_beat)``.

    Pings the kernel once per ``time_to_dead`` seconds, as jupyter_client's
    does, and also records when the kernel last answered (``last_beat``,
    ``time.monotonic()``; None until it first did).  ``is_beating()`` is
    jupyter_client's optimistic flag (True before any answer); ``last_beat``
    tells a kernel that was *seen* beating from one that never answered.
    """

    last_beat: float | None = None
    POLL_SLICE = 0.1  # seconds; how soon stop() is noticed while a ping waits

    def __init__(self, *args, **kwargs):
        self._bridge = _HBBridge()
        super().__init__(*args, **kwargs)

    @property
    def kernel_died(self):
        return self._bridge.kernel_died

    def run(self) -> None:
        # runs on the heartbeat thread (replaces jupyter_client's loop, which
        # learns of an answer only at the end of each period)
        self._create_socket()
        self._running = True
        self._beating = True
        while self._running:
            if self._pause:
                self._exit.wait(self.time_to_dead)
                continue
            sent = time.monotonic()
            try:
                self.socket.send(b"ping")
                answered = False
                while not answered and self._running:
                    left = self.time_to_dead - (time.monotonic() - sent)
                    if left <= 0:
                        break
                    answered = bool(self.poller.poll(int(min(left, self.POLL_SLICE) * 1000) + 1))
                if not self._running:
                    break
                if answered:
                    self.socket.recv()
            except zmq.ZMQError:
                if not self._running:
                    break
                answered = False
            if answered:
                self._beating = True
                self.last_beat = time.monotonic()
                self._exit.wait(max(0.0, self.time_to_dead - (self.last_beat - sent)))
            else:
                self._beating = False
                self.call_handlers(time.monotonic() - sent)
                self._create_socket()  # a REQ whose request went unanswered is stuck

    def call_handlers(self, since_last_heartbeat: float) -> None:
        # runs on the heartbeat thread; the signal is queued to the GUI thread
        try:
            self._bridge.kernel_died.emit(since_last_heartbeat)
        except RuntimeError:  # bridge deleted at interpreter exit
            pass


class _ClientSignals(ClientSignals):
    authentication_failed = QtCore.Signal(str)


class QtKernelClient(QtClientMixin, ThreadedKernelClient):
    """Kernel client for Qt: every channel's messages arrive as GUI-thread signals.

    Signals (through attributes, like the Jupyter Qt Console):
    ``iopub_channel.message_received``, ``shell_channel.message_received``,
    ``stdin_channel.message_received``, ``control_channel.message_received``,
    ``hb_channel.kernel_died``, ``started_channels``, ``stopped_channels``,
    and ``authentication_failed(str message)``: a message from the kernel
    failed authentication while none had passed it since the channels
    started, i.e. the connection file's key is wrong (emitted once per
    ``start_channels``).

    ``start_channels()`` after ``stop_channels()`` connects again with fresh
    sockets (to new ports and key after ``load_connection_file(other)``).
    When the client was made by a :class:`~embedcon.manager.QtKernelManager`
    (``km.client()``), every ``kernel_info`` reply tells the manager that its
    kernel started (see its restart policy).
    """

    iopub_channel_class = Type(QtZMQSocketChannel)
    shell_channel_class = Type(QtZMQSocketChannel)
    stdin_channel_class = Type(QtZMQSocketChannel)
    control_channel_class = Type(QtZMQSocketChannel)
    hb_channel_class = Type(QtHBChannel)

    def __init__(self, **kwargs):
        self._signals = _ClientSignals()
        super().__init__(**kwargs)

    @property
    def authentication_failed(self):
        return self._signals.authentication_failed

    _CHANNELS = ("_shell_channel", "_iopub_channel", "_stdin_channel", "_control_channel",
                 "_hb_channel")

    def start_channels(self, *args, **kwargs) -> None:
        # channels that were stopped cannot run again: make fresh ones
        for name in self._CHANNELS:
            chan = getattr(self, name, None)
            if isinstance(chan, threading.Thread):
                spent = chan.ident is not None and not chan.is_alive()
            else:
                spent = chan is not None and getattr(chan, "socket", None) is None
            if spent:
                setattr(self, name, None)
        if self._created_context and self.context.closed:
            self.context = zmq.Context()
            self._created_context = True
        self.authentication_error = None
        super().start_channels(*args, **kwargs)
        for chan in self._socket_channels():
            # a failure before this line is told too: its signal is queued to
            # the GUI thread, which runs it after this call returns
            chan._bridge.client = weakref.ref(self)
        self._signals.started_channels.emit()

    def _socket_channels(self) -> list:
        return [c for c in (self._shell_channel, self._iopub_channel, self._stdin_channel,
                            self._control_channel) if isinstance(c, QtZMQSocketChannel)]

    def authentic_seen(self) -> bool:
        """Whether any message from the kernel passed authentication since the
        channels started (the key is right)."""
        return any(c.authentic for c in self._socket_channels())

    #: set (to the message ``authentication_failed`` carried) when a message
    #: failed authentication before any passed it; None again at ``start_channels``
    authentication_error: str | None = None

    def _on_auth_failed(self) -> None:
        # GUI thread
        if self.authentication_error is not None or self.authentic_seen():
            return
        from .connect import wrong_key_message

        msg = wrong_key_message(self.connection_file)
        self.authentication_error = msg
        log.warning("%s", msg)
        self._signals.authentication_failed.emit(msg)

    def _kernel_answered(self) -> None:
        # I/O thread: a kernel_info reply arrived; tell the manager that made us
        parent = self.parent
        note = getattr(parent, "kernel_answered", None)
        if note is not None:
            try:
                note()
            except Exception:
                log.exception("could not tell the kernel manager that the kernel answered")

    def stop_channels(self) -> None:
        # One at a time: a closed tab stops its client on a helper thread
        # (stop_channels_in_background) while the host may stop it too, and two
        # threads destroying one ZMQ context at once abort the process.
        lock = self.__dict__.setdefault("_stop_lock", threading.Lock())  # atomic under the GIL
        with lock:
            super().stop_channels()
            monitor, self._stdin_monitor = getattr(self, "_stdin_monitor", None), None
            if monitor is not None:
                monitor.close(linger=0)
        self._signals.stopped_channels.emit()

    def stop_channels_in_background(self):
        """:meth:`stop_channels` on a helper thread, for a client nothing will use
        again (a closed tab, a replaced kernel): joining jupyter_client's I/O thread
        took 0.2-0.6 s here, which the GUI must not wait for.  Returns the thread."""
        import threading

        t = threading.Thread(target=self.stop_channels, name="embedcon-stop-client",
                             daemon=True)
        t.start()
        return t

    # -- connecting ------------------------------------------------------
    # Every socket is set up here, before it connects, for two reasons.
    #
    # Reconnect interval.  A console usually connects before the kernel it
    # just launched is listening; ZMQ then retries after RECONNECT_IVL plus a
    # random jitter of up to as much again: 100-200 ms by default, so the
    # first reply came on average ~75 ms (per channel) after the kernel was
    # ready.  On loopback a refused connect costs microseconds, so there we
    # retry every LOOPBACK_RECONNECT_MS.  Remote kernels keep ZMQ's default.
    #
    # stdin.  The kernel answers input() with an input_request on its stdin
    # ROUTER, addressed to this client.  A ROUTER silently drops a message for
    # a peer whose connection is not complete, and input() then waits for
    # ever: the shell channel answering proves nothing about stdin.  So the
    # stdin socket gets a monitor before it connects (see stdin_connected).
    LOOPBACK_RECONNECT_MS = 10
    IOPUB_OWN_TOPIC_PREFIX = b"embedcon-"
    _STDIN_UP = getattr(zmq, "EVENT_HANDSHAKE_SUCCEEDED", zmq.EVENT_CONNECTED)

    def _create_connected_socket(self, channel, identity=None):
        sock = self.context.socket(channel_socket_types[channel])
        sock.linger = 1000
        if identity:
            sock.identity = identity
        if getattr(self, "curve_publickey", None) is not None:
            sock.curve_secretkey = self.curve_secretkey
            sock.curve_publickey = self.curve_publickey
            sock.curve_serverkey = self.curve_publickey
        if self.transport == "ipc" or is_loopback(self.ip):
            sock.setsockopt(zmq.RECONNECT_IVL, self.LOOPBACK_RECONNECT_MS)
        if channel == "stdin":
            self._stdin_monitor = sock.get_monitor_socket(
                self._STDIN_UP | zmq.EVENT_DISCONNECTED)
            self._stdin_up = False
        if channel == "iopub":
            # A topic of our own besides everything (b"", set by jupyter_client):
            # an XPUB kernel reports only subscriptions it has not seen, so with
            # another client connected it welcomes us only for this one.  The
            # welcome proves IOPub live and, signed, tells a wrong key at once.
            sock.setsockopt(zmq.SUBSCRIBE, self.IOPUB_OWN_TOPIC_PREFIX + uuid.uuid4().hex.encode())
        sock.connect(self._make_url(channel))
        return sock

    def stdin_connected(self) -> bool:
        """Whether the stdin channel's connection to the kernel is complete
        (an input_request sent now would reach this client)."""
        monitor = getattr(self, "_stdin_monitor", None)
        if monitor is None:
            return True  # not monitored (channel made elsewhere): assume so
        while True:
            try:
                event = zmq_monitor.parse_monitor_message(monitor.recv_multipart(zmq.NOBLOCK))
            except zmq.Again:
                return self._stdin_up
            except zmq.ZMQError:
                return True
            if event["event"] == self._STDIN_UP:
                self._stdin_up = True
            elif event["event"] == zmq.EVENT_DISCONNECTED:
                self._stdin_up = False

    def interrupt_via_control(self) -> str:
        """Ask the kernel to interrupt itself with a control-channel
        ``interrupt_request`` (works for kernels this process did not start)."""
        msg = self.session.msg("interrupt_request", {})
        self.control_channel.send(msg)
        return msg["header"]["msg_id"]
