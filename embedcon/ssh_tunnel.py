"""SSH tunnels to a kernel: one ``ssh`` process carries all five channels.

jupyter_client starts one ``ssh -f … sleep 60`` per channel through pexpect:
five connections that each may or may not come up, and that outlive the
console.  :class:`KernelTunnel` starts a single OpenSSH client with five
``-L`` forwards instead and knows when they are up:

* ``ExitOnForwardFailure=yes``: a forward that cannot be set up ends ssh at
  once, with its reason, instead of leaving a channel silently missing;
* ``BatchMode=yes``: never a password or host-key question on a terminal
  nobody sees; authentication that needs one fails, and says so;
* the remote command prints a marker and then reads its stdin.  OpenSSH sets
  up local forwards before it starts the session, so the marker means every
  local port listens; and the session ends when this process's end of the
  pipe closes, so the tunnel never outlives the console (even a killed one);
* ``ServerAliveInterval`` makes a dead connection noticed within seconds; a
  watcher thread reports the end of the tunnel through ``on_closed(message)``
  (called on that thread: a GUI hands it over to its own thread).

Errors are :class:`SSHTunnelError` with a one-line message.  ``server`` is
``[user@]host[:port]`` as in jupyter_client's ``--ssh``.  The tunnelled
connection file is written next to the original as ``<name>-ssh.json``
(:func:`tunnelled_connection_file`), so a second console can reuse the tunnel.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import socket
import subprocess
import threading
import time
from typing import Callable, Optional

log = logging.getLogger("embedcon.ssh_tunnel")

__all__ = ["SSHTunnelError", "KernelTunnel", "tunnelled_connection_file", "CHANNELS"]

CHANNELS = ("shell_port", "iopub_port", "stdin_port", "control_port", "hb_port")
_READY = "embedcon-tunnel-ready"
# what the remote side runs: say the forwards are up, then wait for our stdin to close
_REMOTE_COMMAND = f"echo {_READY}; exec cat >/dev/null"


class SSHTunnelError(RuntimeError):
    """The tunnel could not be set up, or it closed (one line, for the user)."""


class _PortTaken(Exception):
    """ssh could not listen on a local port we picked (someone took it)."""


def _free_local_ports(n: int) -> list[int]:
    socks, ports = [], []
    try:
        for _ in range(n):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            socks.append(s)
            ports.append(s.getsockname()[1])
    finally:
        for s in socks:
            s.close()
    return ports


def split_server(server: str) -> tuple[str, Optional[int]]:
    """``user@host:port`` -> (``user@host``, port); IPv6 ``[::1]:22`` too."""
    login, _, hostport = server.rpartition("@")
    port = None
    if hostport.startswith("["):
        host, _, rest = hostport[1:].partition("]")
        if rest.startswith(":") and rest[1:].isdigit():
            port = int(rest[1:])
    elif hostport.count(":") == 1:
        host, _, p = hostport.partition(":")
        if p.isdigit():
            port = int(p)
        else:
            host = hostport
    else:
        host = hostport
    return (f"{login}@{host}" if login else host), port


def _explain(stderr: str, server: str) -> str:
    """The line of ssh's stderr that says what went wrong, in the user's words."""
    text = stderr.strip()
    low = text.lower()
    if "host key verification failed" in low or "no matching host key" in low:
        return (f"the host key of {server} is not known or has changed: connect once with "
                f"`ssh {server}` to check and accept it")
    if "permission denied" in low:
        return (f"{server} refused the login (permission denied): use a key that the "
                "server accepts (--sshkey) or an ssh-agent; passwords cannot be asked here")
    if "could not resolve hostname" in low or "name or service not known" in low:
        return f"unknown host {server!r}"
    if "connection refused" in low and "channel" not in low:
        return f"{server} refused the SSH connection (is sshd running on that port?)"
    if "timed out" in low:
        return f"no answer from {server} (connection timed out)"
    if "forwarding failed" in low or "cannot listen" in low or "bind" in low:
        return f"a local port could not be forwarded: {text.splitlines()[-1]}"
    last = [ln for ln in text.splitlines() if ln.strip() and not ln.startswith("debug")]
    return last[-1] if last else "ssh exited without saying why"


class KernelTunnel:
    """Forward a kernel's five ports through one SSH connection.

    ``info`` is the kernel's connection info (``ip`` and the five ports, as
    seen from ``server``).  :meth:`start` returns the same info with
    ``ip = 127.0.0.1`` and the local ports.  ``ssh_options`` are extra
    ``-o`` options (``"UserKnownHostsFile=/path"``).
    """

    def __init__(self, info: dict, server: str, keyfile: Optional[str] = None, *,
                 timeout: float = 10.0, ssh_options: tuple | list = (),
                 ssh: str = "ssh", on_closed: Optional[Callable[[str], None]] = None):
        if info.get("transport", "tcp") != "tcp":
            raise SSHTunnelError("SSH tunnels carry TCP only; this kernel uses "
                                 f"{info.get('transport')!r}")
        self.info = dict(info)
        self.server = server
        self.keyfile = keyfile
        self.timeout = timeout
        self.ssh_options = list(ssh_options)
        self.ssh = shutil.which(ssh) or ssh
        self.on_closed = on_closed
        self.local_ports: dict[str, int] = {}
        self.process: Optional[subprocess.Popen] = None
        self._stderr: list[str] = []
        self._closing = False
        self._ready = threading.Event()

    # -- command ---------------------------------------------------------------
    def command(self) -> list[str]:
        login, port = split_server(self.server)
        remote_ip = self.info.get("ip") or "127.0.0.1"
        if remote_ip in ("0.0.0.0", "*", ""):
            remote_ip = "127.0.0.1"
        if ":" in remote_ip:
            remote_ip = f"[{remote_ip}]"
        cmd = [self.ssh, "-T",
               "-o", "BatchMode=yes",
               "-o", "ExitOnForwardFailure=yes",
               "-o", f"ConnectTimeout={max(1, int(self.timeout))}",
               "-o", "ServerAliveInterval=3",
               "-o", "ServerAliveCountMax=2"]
        for opt in self.ssh_options:
            cmd += ["-o", opt]
        if port:
            cmd += ["-p", str(port)]
        if self.keyfile:
            cmd += ["-i", os.path.expanduser(self.keyfile), "-o", "IdentitiesOnly=yes"]
        for name in CHANNELS:
            cmd += ["-L", f"127.0.0.1:{self.local_ports[name]}:{remote_ip}:{self.info[name]}"]
        cmd += [login, _REMOTE_COMMAND]
        return cmd

    # -- life ------------------------------------------------------------------
    def start(self) -> dict:
        """Start ssh and wait (at most ``timeout`` s) until every forward listens.

        A local port taken by another program between our choice and ssh's
        bind is the one failure that a retry with other ports fixes (twice)."""
        missing = [c for c in CHANNELS if not self.info.get(c)]
        if missing:
            raise SSHTunnelError(f"the connection info lacks {', '.join(missing)}")
        deadline = time.monotonic() + self.timeout
        for attempt in range(3):
            try:
                return self._start_once(max(1.0, deadline - time.monotonic()))
            except _PortTaken as exc:
                log.info("ssh could not bind a local port (%s); trying other ports", exc)
                last = exc
        raise SSHTunnelError(f"SSH tunnel to {self.server} failed: {last}")

    def _start_once(self, timeout: float) -> dict:
        self._stderr, self._marker_seen, self._closing = [], False, False
        self._ready = threading.Event()
        self.local_ports = dict(zip(CHANNELS, _free_local_ports(len(CHANNELS))))
        cmd = self.command()
        log.info("tunnelling the kernel's ports through %s", self.server)
        env = dict(os.environ)
        env.pop("SSH_ASKPASS", None)  # BatchMode: never ask
        env.pop("DISPLAY", None)
        try:
            self.process = subprocess.Popen(
                cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                env=env, start_new_session=True)
        except OSError as exc:
            raise SSHTunnelError(f"cannot run ssh ({self.ssh}): {exc}") from None
        threading.Thread(target=self._read_stderr, args=(self.process, self._stderr),
                         daemon=True, name="embedcon-ssh-stderr").start()
        threading.Thread(target=self._watch, args=(self.process, self._ready, self._stderr),
                         daemon=True, name="embedcon-ssh-watch").start()
        if not self._ready.wait(timeout):
            self.close()
            raise SSHTunnelError(f"SSH tunnel to {self.server}: no connection within "
                                 f"{self.timeout:g} s")
        if self.process.poll() is not None and not self._marker_seen:
            self._wait_stderr(self.process, self._stderr)
            text = "".join(self._stderr)
            if "could not request local forwarding" in text.lower() or \
                    "address already in use" in text.lower():
                self.process = None
                raise _PortTaken(text.strip().splitlines()[-1])
            raise SSHTunnelError(f"SSH tunnel to {self.server} failed: "
                                 f"{_explain(''.join(self._stderr), self.server)}")
        new = dict(self.info, ip="127.0.0.1", **self.local_ports)
        return new

    _marker_seen = False

    def _watch(self, proc, ready, stderr: list) -> None:
        marker = False
        for raw in proc.stdout:
            if raw.decode("utf-8", "replace").strip() == _READY:
                marker = self._marker_seen = True
                ready.set()
        proc.wait()
        ready.set()  # start() learns the end too
        if marker and not self._closing and proc is self.process:
            self._wait_stderr(proc, stderr)
            why = _explain("".join(stderr), self.server) if stderr else \
                f"ssh exited with status {proc.returncode}"
            message = f"the SSH tunnel to {self.server} closed: {why}"
            log.warning("%s", message)
            if self.on_closed is not None:
                try:
                    self.on_closed(message)
                except Exception:
                    log.exception("on_closed callback failed")

    @staticmethod
    def _read_stderr(proc, stderr: list) -> None:
        for raw in proc.stderr:
            line = raw.decode("utf-8", "replace")
            stderr.append(line)
            del stderr[:-50]
            if "open failed" in line:  # a forward's target refused (kernel gone?)
                log.warning("ssh: %s", line.strip())

    @staticmethod
    def _wait_stderr(proc, stderr: list) -> None:
        # the stderr reader may lag the exit by a moment
        deadline = time.monotonic() + 0.5
        while not stderr and time.monotonic() < deadline:
            time.sleep(0.02)

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def close(self) -> None:
        """End the tunnel (closing its stdin ends the remote session; then kill)."""
        self._closing = True
        proc, self.process = self.process, None
        if proc is None:
            return
        try:
            proc.stdin.close()
        except OSError:
            pass
        try:
            proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            proc.kill()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        # keep self.process for alive() checks? No: closed tunnels are gone.
        self.process = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def tunnelled_connection_file(path: str, server: str, keyfile: Optional[str] = None, *,
                              timeout: float = 10.0, ssh_options=(),
                              on_closed=None) -> tuple[str, KernelTunnel]:
    """Tunnel the kernel of connection file ``path`` through ``server``.

    Returns the path of the tunnelled connection file (``<name>-ssh.json``
    next to ``path``, mode 0600) and the :class:`KernelTunnel`, which the
    caller closes when done.  Raises :class:`SSHTunnelError`."""
    from .connect import check_connection_file

    info = check_connection_file(path)
    tunnel = KernelTunnel(info, server, keyfile, timeout=timeout, ssh_options=ssh_options,
                          on_closed=on_closed)
    new = tunnel.start()
    root, ext = os.path.splitext(path)
    new_path = (root[:-4] if root.endswith("-ssh") else root) + "-ssh" + (ext or ".json")
    fd = os.open(new_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(new, f, indent=1)
    os.chmod(new_path, 0o600)
    return new_path, tunnel
