"""A scriptable fake Jupyter kernel on real ZMQ sockets, for fault tests.

It binds the five kernel sockets on 127.0.0.1 (ROUTER shell/control/stdin,
XPUB iopub -- a PUB that also reports subscriptions -- and a REP heartbeat),
writes a normal connection file with an HMAC key, and answers just enough of
the protocol (kernel_info, execute, is_complete, history, complete, inspect,
shutdown, interrupt) for a real ``RichJupyterWidget`` to reach its prompt and
run cells.  Tests then inject anything on IOPub or the shell channel:
correctly signed messages with hostile content, or raw frames that are not
valid messages at all.

All sockets are used by one thread only (the kernel's loop); other threads
hand it frames through a queue and a wake-up socket.  Messages are signed with
jupyter_client's :class:`~jupyter_client.session.Session`, never by hand.
"""

from __future__ import annotations

import json
import os
import queue
import threading
import time
import uuid

import zmq
from jupyter_client.connect import write_connection_file
from jupyter_client.session import Session

__all__ = ["FakeKernel"]

DELIM = b"<IDS|MSG>"


class FakeKernel:
    """A fake kernel.

    ``replies``: request type -> reply content sent instead of the normal
    reply (any JSON value, or raw bytes).  ``respond=False``: never answers
    shell/control requests (a dead or hung
    kernel, or one whose key differs).  ``heartbeat=False``: no heartbeat
    echo.  ``on_execute(code, parent_header) -> list[frames] | None`` runs on
    the kernel thread for each execute request; the frame lists it returns are
    sent on IOPub between ``execute_input`` and the reply.  ``stdin_late``:
    seconds before the stdin socket listens (its port is reserved, then
    released).  ``ignore``: request types never answered.  A cell whose code is ``input`` sends an ``input_request`` on
    stdin and finishes when the ``input_reply`` comes.
    """

    def __init__(self, directory, *, key: bytes | None = None, respond: bool = True,
                 heartbeat: bool = True, on_execute=None, name: str = "kernel-fake.json",
                 replies: dict | None = None, stdin_late: float = 0.0,
                 ignore: tuple = ()):
        self.key = uuid.uuid4().hex.encode() if key is None else key
        self.session = Session(key=self.key, username="fake-kernel")
        self.respond = respond
        self.heartbeat = heartbeat
        self.on_execute = on_execute
        # request type -> reply content to send instead of the normal one (any
        # JSON value, or bytes for a raw content frame)
        self.replies: dict = dict(replies or {})
        # request types never answered (e.g. a kernel without is_complete)
        self.ignore = set(ignore)
        self.requests: list[dict] = []  # every request received, decoded
        self.bad_requests = 0
        self.execution_count = 0
        self.subscribers = 0
        self._outbox: queue.Queue = queue.Queue()
        self._ctx = zmq.Context()
        self._sockets = {}
        ports = {}
        for name_, kind in (("shell", zmq.ROUTER), ("control", zmq.ROUTER), ("stdin", zmq.ROUTER),
                            ("iopub", zmq.XPUB), ("hb", zmq.REP)):
            s = self._ctx.socket(kind)
            s.linger = 0
            if kind == zmq.XPUB:
                s.sndhwm = 0  # never drop output for a slow subscriber (tests count lines)
            ports[name_ + "_port"] = s.bind_to_random_port("tcp://127.0.0.1")
            self._sockets[name_] = s
        self._wake_addr = f"inproc://fake-kernel-wake-{id(self)}"
        self._wake_in = self._ctx.socket(zmq.PAIR)
        self._wake_in.bind(self._wake_addr)
        self._wake_out = self._ctx.socket(zmq.PAIR)
        self._wake_out.connect(self._wake_addr)
        self._wake_lock = threading.Lock()
        self.connection_file = os.path.join(str(directory), name)
        write_connection_file(self.connection_file, ip="127.0.0.1", key=self.key,
                              transport="tcp", signature_scheme="hmac-sha256", **ports)
        self.ports = ports
        self._stdin_listen_at = None
        if stdin_late:
            self._sockets["stdin"].unbind(f"tcp://127.0.0.1:{ports['stdin_port']}")
            self._stdin_listen_at = time.monotonic() + stdin_late
        self._waiting_input = None  # (ident, parent) of a cell waiting for input_reply
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="fake-kernel", daemon=True)
        self._thread.start()

    # ------------------------------------------------------------------
    # building messages (safe from any thread: only uses the Session)
    def header_for(self, session_id: str, msg_type: str = "execute_request") -> dict:
        """A parent header that a client with session id ``session_id`` treats as its own."""
        return {"msg_id": uuid.uuid4().hex, "session": session_id, "username": "test",
                "msg_type": msg_type, "version": "5.3", "date": "2025-01-01T00:00:00.000000Z"}

    def frames(self, msg_type: str, content, parent: dict | None = None, *,
               header: dict | None = None, topic: bytes | None = None) -> list[bytes]:
        """Correctly signed frames for one message.  ``content`` may be any
        JSON value (a dict or not) or raw ``bytes`` (sent as the content frame)."""
        msg = self.session.msg(msg_type, {}, parent=parent or {})
        if header is not None:
            msg["header"] = header
        packed = content if isinstance(content, bytes) else json.dumps(content).encode()
        real = [self.session.pack(msg["header"]), self.session.pack(msg["parent_header"]),
                self.session.pack({}), packed]
        t = topic if topic is not None else f"kernel.fake.{msg_type}".encode()
        return [t, DELIM, self.session.sign(real), *real]

    def signed(self, parts: list[bytes], topic: bytes = b"kernel.fake") -> list[bytes]:
        """Sign arbitrary header/parent/metadata/content frames (may be invalid JSON)."""
        return [topic, DELIM, self.session.sign(parts), *parts]

    def stream(self, text: str, parent: dict, name: str = "stdout") -> list[bytes]:
        return self.frames("stream", {"name": name, "text": text}, parent)

    # ------------------------------------------------------------------
    # sending (any thread)
    def send_iopub(self, *frame_lists: list[bytes]) -> None:
        for frames in frame_lists:
            self._outbox.put(("iopub", None, frames))
        self._wake()

    def send_shell(self, ident: list[bytes], frames: list[bytes]) -> None:
        """Send frames on the shell ROUTER to the peer ``ident`` (from :attr:`requests`)."""
        self._outbox.put(("shell", ident, frames))
        self._wake()

    def flush(self, timeout: float = 5.0) -> None:
        """Wait until everything queued so far has been handed to ZMQ."""
        done = threading.Event()
        self._outbox.put(("event", None, done))
        self._wake()
        if not done.wait(timeout):
            raise TimeoutError("fake kernel did not send its queue")

    def _wake(self) -> None:
        with self._wake_lock:
            try:
                self._wake_out.send(b"", zmq.NOBLOCK)
            except zmq.ZMQError:
                pass

    def wait_subscribed(self, timeout: float = 10.0) -> None:
        import time

        end = time.monotonic() + timeout
        while self.subscribers < 1:
            if time.monotonic() > end:
                raise TimeoutError("no IOPub subscriber")
            time.sleep(0.01)

    def client(self):
        """A started ``QtKernelClient`` on this kernel's connection file."""
        from embedcon.client import QtKernelClient

        kc = QtKernelClient(connection_file=self.connection_file)
        kc.load_connection_file()
        kc.start_channels()
        return kc

    def last_request(self, msg_type: str) -> dict | None:
        for r in reversed(self.requests):
            if r["header"]["msg_type"] == msg_type:
                return r
        return None

    # ------------------------------------------------------------------
    # the kernel's loop
    def _loop(self) -> None:
        poller = zmq.Poller()
        for s in self._sockets.values():
            poller.register(s, zmq.POLLIN)
        poller.register(self._wake_in, zmq.POLLIN)
        while not self._stop.is_set():
            try:
                events = dict(poller.poll(50))
            except zmq.ZMQError:
                break
            if self._wake_in in events:
                while True:
                    try:
                        self._wake_in.recv(zmq.NOBLOCK)
                    except zmq.Again:
                        break
            self._send_outbox()
            s = self._sockets
            if self._stdin_listen_at is not None and time.monotonic() >= self._stdin_listen_at:
                s["stdin"].bind(f"tcp://127.0.0.1:{self.ports['stdin_port']}")
                self._stdin_listen_at = None
            if s["hb"] in events:
                data = s["hb"].recv_multipart()
                if self.heartbeat:
                    s["hb"].send_multipart(data)
                else:  # a REP must answer before it can receive again: rebuild it
                    self._silence_heartbeat(poller)
            if s["iopub"] in events:
                sub = s["iopub"].recv()
                if sub[:1] == b"\x01":
                    self.subscribers += 1
                elif sub[:1] == b"\x00":
                    self.subscribers -= 1
            for name in ("shell", "control", "stdin"):
                if s[name] in events:
                    self._handle(name, s[name].recv_multipart())
        for sock in list(self._sockets.values()) + [self._wake_in, self._wake_out]:
            sock.close(0)
        self._ctx.term()

    def _silence_heartbeat(self, poller) -> None:
        port = self.ports["hb_port"]
        old = self._sockets["hb"]
        poller.unregister(old)
        old.close(0)
        new = self._ctx.socket(zmq.REP)
        new.linger = 0
        new.bind(f"tcp://127.0.0.1:{port}")
        self._sockets["hb"] = new
        poller.register(new, zmq.POLLIN)

    def _send_outbox(self) -> None:
        while True:
            try:
                where, ident, frames = self._outbox.get_nowait()
            except queue.Empty:
                return
            if where == "event":
                frames.set()
            elif where == "iopub":
                self._sockets["iopub"].send_multipart(frames)
            else:
                self._sockets[where].send_multipart(list(ident) + list(frames))

    def _handle(self, channel: str, msg_list: list[bytes]) -> None:
        try:
            ident, rest = self.session.feed_identities(msg_list)
            msg = self.session.deserialize(rest)
        except Exception:
            self.bad_requests += 1
            return  # like a real kernel: a message that fails authentication is ignored
        msg["channel"] = channel
        msg["ident"] = ident
        self.requests.append(msg)
        msg_type = msg["header"]["msg_type"]
        if channel == "stdin" and msg_type == "input_reply" and self._waiting_input:
            ident, parent, sock = self._waiting_input
            self._waiting_input = None
            self._finish_execute(ident, parent, sock)
            return
        if not self.respond or channel == "stdin" or msg_type in self.ignore:
            return
        parent = msg["header"]
        sock = self._sockets[channel]

        def reply(reply_type, content):
            self.session.send(sock, reply_type, content, parent=parent, ident=ident)

        def iopub(msg_type_, content):
            self.session.send(self._sockets["iopub"], msg_type_, content, parent=parent,
                              ident=f"kernel.fake.{msg_type_}".encode())

        iopub("status", {"execution_state": "busy"})
        if msg_type in self.replies:
            reply_type = msg_type.replace("_request", "_reply")
            sock.send_multipart(list(ident) + self.frames(reply_type, self.replies[msg_type],
                                                          parent, topic=None)[1:])
        elif msg_type == "kernel_info_request":
            reply("kernel_info_reply", {
                "status": "ok", "protocol_version": "5.3", "implementation": "fake",
                "implementation_version": "0", "banner": "fake kernel\n",
                "language_info": {"name": "python", "version": "3", "mimetype": "text/x-python",
                                  "file_extension": ".py", "pygments_lexer": "ipython3"},
                "help_links": []})
        elif msg_type == "execute_request":
            content = msg["content"]
            silent = content.get("silent", False)
            if not silent and content.get("store_history", True):
                self.execution_count += 1
            if not silent:
                iopub("execute_input", {"code": content.get("code", ""),
                                        "execution_count": self.execution_count})
            if self.on_execute is not None and not silent:
                for frames in self.on_execute(content.get("code", ""), parent) or []:
                    self._sockets["iopub"].send_multipart(frames)
            if content.get("code") == "input" and content.get("allow_stdin"):
                # like ipykernel: to the requester's identity on the stdin ROUTER
                self.session.send(self._sockets["stdin"], "input_request",
                                  {"prompt": "value? ", "password": False},
                                  parent=parent, ident=ident)
                self._waiting_input = (ident, parent, sock)
                return  # busy until the input_reply
            self._finish_execute(ident, parent, sock)
            return
        elif msg_type == "is_complete_request":
            reply("is_complete_reply", {"status": "complete"})
        elif msg_type == "history_request":
            reply("history_reply", {"status": "ok", "history": []})
        elif msg_type == "complete_request":
            pos = msg["content"].get("cursor_pos", 0)
            reply("complete_reply", {"status": "ok", "matches": [], "cursor_start": pos,
                                     "cursor_end": pos, "metadata": {}})
        elif msg_type == "inspect_request":
            reply("inspect_reply", {"status": "ok", "found": False, "data": {}, "metadata": {}})
        elif msg_type == "shutdown_request":
            reply("shutdown_reply", {"status": "ok",
                                     "restart": msg["content"].get("restart", False)})
        elif msg_type == "interrupt_request":
            reply("interrupt_reply", {"status": "ok"})
        iopub("status", {"execution_state": "idle"})

    def _finish_execute(self, ident, parent, sock) -> None:
        self.session.send(sock, "execute_reply", {
            "status": "ok", "execution_count": self.execution_count,
            "user_expressions": {}, "payload": []}, parent=parent, ident=ident)
        self.session.send(self._sockets["iopub"], "status", {"execution_state": "idle"},
                          parent=parent, ident=b"kernel.fake.status")

    # ------------------------------------------------------------------
    def close(self) -> None:
        self._stop.set()
        self._wake()
        self._thread.join(5)
        try:
            os.remove(self.connection_file)
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
