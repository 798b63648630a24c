"""Connecting to a running kernel: find and check its connection file, probe it.

Three entry points, for three situations:

* :func:`check_connection_file` validates a connection file (existence, size,
  JSON, required keys and their types, a non-empty key) without touching the
  network.  It never blocks, so the GUI can use it.
* :func:`connect_to_kernel` is for scripts: it finds and checks the file, then
  waits (up to ``timeout``) for the kernel to answer a ``kernel_info`` request
  and returns a :class:`~embedcon.client.QtKernelClient`.  It blocks: do not
  call it from a running GUI.
* :class:`KernelProbe` asks the same question without blocking: it emits
  ``ready`` or ``failed(message)`` later, on the GUI thread.

Every failure is a one-line message meant for the user: a
:class:`ConnectionFileError` (a ``ValueError``) for a bad file, a
:class:`KernelNotReachable` when nothing answers.  A kernel that is not
running and a kernel whose key differs from the file's look the same from
outside (a kernel ignores messages that fail authentication), so the message
names both; when the kernel's heartbeat (which is not signed) answers, the
message adds that the key is the likely culprit.

File handling, signing and the client are jupyter_client's; this module only
checks and reports.
"""

from __future__ import annotations

import json
import logging
import os
import stat
import time

__all__ = ["ConnectionFileError", "InsecureConnectionError", "KernelNotReachable",
           "find_connection_file", "check_connection_file", "connect_to_kernel",
           "not_reachable_message", "wrong_key_message", "KernelProbe"]

log = logging.getLogger("embedcon.connect")

PORT_KEYS = ("shell_port", "iopub_port", "stdin_port", "control_port", "hb_port")
MAX_FILE_BYTES = 1 << 20  # a connection file is a few hundred bytes


class ConnectionFileError(ValueError):
    """The connection file is missing, unreadable, empty or corrupt."""


class InsecureConnectionError(ConnectionFileError):
    """The connection file has an empty key (messages would not be signed)."""


class KernelNotReachable(RuntimeError):
    """The kernel did not answer a kernel_info request in time."""


def find_connection_file(connection_file: str | None = None, path=None) -> str:
    """The absolute path of a connection file.

    ``None`` means the most recent ``kernel-*.json`` in the Jupyter runtime
    directory; a name that is not a path is looked up in the current directory
    and the runtime directory, then used as a pattern (as jupyter_client's
    ``find_connection_file`` does, which this wraps)."""
    from jupyter_client.connect import find_connection_file as _find
    from jupyter_core.paths import jupyter_runtime_dir

    runtime_dir = jupyter_runtime_dir()
    if path is None:
        path = [runtime_dir] if connection_file is None else [".", runtime_dir]
    name = connection_file if connection_file is not None else "kernel-*.json"
    if connection_file is not None and os.path.lexists(connection_file):
        return os.path.abspath(connection_file)
    try:
        return _find(name, path)
    except OSError:
        pass
    if connection_file is None:
        raise ConnectionFileError(
            f"no kernel connection file in {runtime_dir} (is a kernel running?)")
    if "*" in connection_file:
        raise ConnectionFileError(f"no connection file matching {connection_file!r} in "
                                  f"{', '.join(map(str, path))} (is a kernel running?)")
    raise ConnectionFileError(f"connection file not found: {connection_file}")


def _describe(value) -> str:
    return "null" if value is None else type(value).__name__


def check_connection_file(path: str, *, allow_insecure_key: bool = False) -> dict:
    """Validate the connection file at ``path`` and return its contents.

    Raises :class:`ConnectionFileError` with a one-line message for a missing,
    unreadable, oversized, empty or corrupt file (bad JSON, missing keys, wrong
    types, ports out of range), and :class:`InsecureConnectionError` for an
    empty key unless ``allow_insecure_key``.  Never blocks: FIFOs and devices
    are refused before they are opened.
    """
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise ConnectionFileError(f"connection file not found: {path}") from None
    except OSError as exc:
        raise ConnectionFileError(f"cannot read connection file {path}: {exc.strerror}") from None
    if stat.S_ISDIR(st.st_mode):
        raise ConnectionFileError(f"connection file {path} is a directory")
    if not stat.S_ISREG(st.st_mode):
        raise ConnectionFileError(f"connection file {path} is not a regular file")
    if st.st_size > MAX_FILE_BYTES:
        raise ConnectionFileError(
            f"connection file {path} is too large ({st.st_size:,} bytes) to be a connection file")
    try:
        with open(path, "rb") as f:
            raw = f.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise ConnectionFileError(f"cannot read connection file {path}: {exc.strerror}") from None
    if not raw.strip():
        raise ConnectionFileError(f"connection file {path} is empty")
    try:
        info = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConnectionFileError(f"connection file {path} is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise ConnectionFileError(
            f"connection file {path} is not valid JSON (line {exc.lineno}, column {exc.colno}: "
            f"{exc.msg})") from None
    except RecursionError:
        raise ConnectionFileError(f"connection file {path} is not valid JSON (nested too deeply)") \
            from None
    if not isinstance(info, dict):
        raise ConnectionFileError(
            f"connection file {path} does not hold a JSON object (it holds a {_describe(info)})")
    transport = info.get("transport", "tcp")
    missing = [k for k in (*PORT_KEYS, "ip", "key") if k not in info]
    if missing:
        raise ConnectionFileError(f"connection file {path} lacks {', '.join(missing)}")
    problems = []
    for k in PORT_KEYS:
        v = info[k]
        if isinstance(v, bool) or not isinstance(v, int):
            problems.append(f"{k} must be an integer, not {_describe(v)}")
        elif transport == "tcp" and not 0 < v < 65536:
            problems.append(f"{k} {v} is not a TCP port")
    for k in ("ip", "key", "transport", "signature_scheme"):
        if k in info and not isinstance(info[k], str):
            problems.append(f"{k} must be a string, not {_describe(info[k])}")
    if isinstance(transport, str) and transport not in ("tcp", "ipc"):
        problems.append(f"transport {transport!r} is neither 'tcp' nor 'ipc'")
    scheme = info.get("signature_scheme", "hmac-sha256")
    if isinstance(scheme, str):
        import hashlib

        digest = scheme[5:] if scheme.startswith("hmac-") else None
        if digest is None or digest not in hashlib.algorithms_available:
            problems.append(f"signature_scheme {scheme!r} is not supported")
    if isinstance(info.get("ip"), str) and not info["ip"]:
        problems.append("ip is empty")
    if problems:
        raise ConnectionFileError(f"connection file {path}: " + "; ".join(problems))
    if not info["key"] and not allow_insecure_key:
        raise InsecureConnectionError(
            f"connection file {path} has an empty key: messages would not be signed and any "
            "local process could run code in the kernel "
            "(allow_insecure_key=True to connect anyway)")
    if hasattr(os, "getuid") and st.st_mode & 0o077:
        log.warning("connection file %s is readable by other users (mode %o): anyone who can "
                    "read it can run code in the kernel", path, st.st_mode & 0o777)
    return info


def not_reachable_message(timeout: float, heartbeat: bool | None = None) -> str:
    """The one-line explanation for a kernel that did not answer in ``timeout`` s."""
    msg = (f"no reply within {timeout:g} s: the kernel is not running or the key is wrong "
           "(authentication failed)")
    if heartbeat:
        msg += "; its heartbeat answers, so the key is most likely wrong"
    return msg


def wrong_key_message(connection_file: str | None, *, heartbeat_only: bool = False) -> str:
    """The one-line error for a connection file whose key is not the kernel's.

    ``heartbeat_only``: no message from the kernel was seen failing
    authentication; the kernel's heartbeat (which is not signed) answers while
    none of its channels does, as a kernel does with requests it cannot
    authenticate."""
    where = connection_file or "connection info given directly"
    if heartbeat_only:
        return ("the kernel's heartbeat answers but none of its channels does: the connection "
                f"file's key is most likely wrong ({where})")
    return ("messages from the kernel fail authentication: the connection file's key is wrong "
            f"({where})")


class _HeartbeatPing:
    """Ping the heartbeat socket (an unsigned echo) now; ask later whether it answered."""

    def __init__(self, info: dict):
        import zmq

        self._sock = zmq.Context.instance().socket(zmq.REQ)
        self._sock.linger = 0
        try:
            if info.get("transport", "tcp") == "tcp":
                self._sock.connect(f"tcp://{info['ip']}:{info['hb_port']}")
            else:
                self._sock.connect(f"ipc://{info['ip']}-{info['hb_port']}")
            self._sock.send(b"embedcon-ping")
        except zmq.ZMQError:
            pass

    def answered(self, wait: float = 0.0) -> bool:
        import zmq

        try:
            return bool(self._sock.poll(int(wait * 1000)))
        except zmq.ZMQError:
            return False
        finally:
            self._sock.close(0)


def _probe_blocking(info: dict, timeout: float) -> dict:
    """Send kernel_info on shell and control; return the first reply's content."""
    from jupyter_client.blocking import BlockingKernelClient

    probe = BlockingKernelClient()
    probe.load_connection_info(info)
    probe.start_channels(shell=True, iopub=False, stdin=False, hb=False, control=True)
    try:
        ids = {probe.kernel_info()}
        control_msg = probe.session.msg("kernel_info_request", {})
        probe.control_channel.send(control_msg)
        ids.add(control_msg["header"]["msg_id"])
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError
            for channel in (probe.shell_channel, probe.control_channel):
                try:
                    reply = channel.get_msg(timeout=min(0.05, max(left, 0.001)))
                except Exception:  # queue.Empty, or a reply we cannot authenticate
                    continue
                if reply.get("parent_header", {}).get("msg_id") in ids:
                    return reply.get("content", {})
    finally:
        probe.stop_channels()


def connect_to_kernel(connection_file: str | None = None, *, timeout: float = 5.0,
                      allow_insecure_key: bool = False, start_channels: bool = True):
    """Connect to a running kernel and make sure it answers (blocking, for scripts).

    ``connection_file``: a path, a name in the Jupyter runtime directory, a
    pattern, or ``None`` for the most recent kernel.  Returns a
    :class:`~embedcon.client.QtKernelClient` (its channels started unless
    ``start_channels=False``) once the kernel answered ``kernel_info``.

    Raises :class:`ConnectionFileError` for a bad file and
    :class:`KernelNotReachable` when no reply came within ``timeout`` seconds.
    """
    from .client import QtKernelClient

    path = find_connection_file(connection_file)
    info = check_connection_file(path, allow_insecure_key=allow_insecure_key)
    ping = _HeartbeatPing(info)
    try:
        _probe_blocking(info, timeout)
    except TimeoutError:
        raise KernelNotReachable(not_reachable_message(timeout, ping.answered())) from None
    else:
        ping.answered()  # closes its socket
    kc = QtKernelClient(connection_file=path)
    kc.load_connection_file()
    if start_channels:
        kc.start_channels()
    return kc


def _probe_class():
    from qtpy import QtCore

    class KernelProbe(QtCore.QObject):
        """Non-blocking check that a kernel answers, for GUIs.

        ``KernelProbe(kc, timeout)`` sends ``kernel_info`` on the shell and
        control channels of ``kc`` (a client with running channels) and emits
        ``ready(dict content)`` on the first reply, or ``failed(str message)``
        when ``timeout`` seconds pass without one, or as soon as a message
        from the kernel fails authentication (a wrong key; a
        :class:`~embedcon.client.QtKernelClient` tells).  The GUI never waits.
        """

        ready = QtCore.Signal(dict)
        failed = QtCore.Signal(str)

        def __init__(self, kc, timeout: float = 5.0, parent=None):
            super().__init__(parent)
            self.kc = kc
            self.timeout = timeout
            self.done = False
            self.result: str | dict | None = None
            self._ids: set[str] = set()
            self._timer = QtCore.QTimer(self)
            self._timer.setSingleShot(True)
            self._timer.timeout.connect(self._timed_out)
            self._channels = [c for c in (kc.shell_channel, kc.control_channel)
                              if hasattr(c, "message_received")]
            for c in self._channels:
                c.message_received.connect(self._on_message)
            self._auth_signal = getattr(kc, "authentication_failed", None)
            if self._auth_signal is not None:
                self._auth_signal.connect(self._on_auth_failed)
            self._ids.add(kc.kernel_info())
            msg = kc.session.msg("kernel_info_request", {})
            kc.control_channel.send(msg)
            self._ids.add(msg["header"]["msg_id"])
            self._timer.start(int(timeout * 1000))
            error = getattr(kc, "authentication_error", None)
            if isinstance(error, str):  # already known: say so on the next turn
                QtCore.QTimer.singleShot(0, lambda: self._on_auth_failed(error))

        def cancel(self) -> None:
            """Stop waiting; neither signal will be emitted."""
            if not self.done:
                self._finish()

        def _finish(self) -> None:
            self.done = True
            self._timer.stop()
            for c in self._channels:
                try:
                    c.message_received.disconnect(self._on_message)
                except (TypeError, RuntimeError):
                    pass
            if self._auth_signal is not None:
                try:
                    self._auth_signal.disconnect(self._on_auth_failed)
                except (TypeError, RuntimeError):
                    pass

        def _on_auth_failed(self, message: str) -> None:
            if self.done:
                return
            self._finish()
            self.result = message
            self.failed.emit(message)

        def _on_message(self, msg) -> None:
            if self.done or msg["parent_header"].get("msg_id") not in self._ids:
                return
            self._finish()
            self.result = msg["content"]
            self.ready.emit(msg["content"])

        def _timed_out(self) -> None:
            if self.done:
                return
            self._finish()
            hb = getattr(self.kc, "hb_channel", None)
            try:
                beating = bool(hb is not None and hb.is_beating())
            except Exception:
                beating = False
            self.result = not_reachable_message(self.timeout, beating)
            self.failed.emit(self.result)

    return KernelProbe


def __getattr__(name):
    # KernelProbe needs Qt; build it on first use so that importing this
    # module (e.g. for check_connection_file in a script) stays light.
    if name == "KernelProbe":
        cls = _probe_class()
        globals()["KernelProbe"] = cls
        return cls
    raise AttributeError(name)
