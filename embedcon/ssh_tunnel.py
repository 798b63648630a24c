"""SSH tunnels to a kernel: one ``ssh`` process carries all five channels.

jupyter_client starts one ``ssh -f … sleep 60`` per channel through pexpect:
five connections that each may or may not come up, and that outlive the
console.  :class:`KernelTunnel` starts a single OpenSSH client with five
``-L`` forwards instead and knows when they are up:

* ``ExitOnForwardFailure=yes``: a forward that cannot be set up ends ssh at
  once, with its reason, instead of leaving a channel silently missing;
* never a password or host-key question on a terminal nobody sees: without a
  ``password_callback``, ``BatchMode=yes`` makes authentication that needs an
  answer fail, and say so; with one, ssh asks through ``SSH_ASKPASS``
  (``SSH_ASKPASS_REQUIRE=force``) pointed at :mod:`embedcon.ssh_askpass`,
  which relays the prompt over a Unix socket in a private directory, and the
  callback answers (see :class:`KernelTunnel`);
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
import queue
import re
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from typing import Callable, Optional

log = logging.getLogger("embedcon.ssh_tunnel")

__all__ = ["SSHTunnelError", "KernelTunnel", "tunnelled_connection_file", "CHANNELS",
           "PasswordCallback", "prompt_kind"]

#: ``callback(prompt) -> answer`` (the password or passphrase), or None to cancel
PasswordCallback = Callable[[str], Optional[str]]

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


def key_needs_passphrase(path: Optional[str]) -> bool:
    """Whether the private key file ``path`` is encrypted (OpenSSH or PEM format)."""
    import base64

    if not path:
        return False
    try:
        with open(os.path.expanduser(path), encoding="ascii", errors="replace") as f:
            text = f.read(1 << 16)
    except OSError:
        return False
    if "ENCRYPTED" in text:  # PEM: Proc-Type: 4,ENCRYPTED / BEGIN ENCRYPTED PRIVATE KEY
        return True
    body = re.search(r"-----BEGIN OPENSSH PRIVATE KEY-----(.*?)-----END", text, re.S)
    if not body:
        return False
    try:
        raw = base64.b64decode("".join(body.group(1).split()))
    except ValueError:
        return False
    magic = b"openssh-key-v1\0"
    if not raw.startswith(magic) or len(raw) < len(magic) + 4:
        return False
    n = int.from_bytes(raw[len(magic):len(magic) + 4], "big")
    return raw[len(magic) + 4:len(magic) + 4 + n] != b"none"


def prompt_kind(prompt: str) -> str:
    """What ssh's ``prompt`` asks for: ``"password"`` (the server's password
    login, ``user@host's password:`` or keyboard-interactive ``Password:``),
    ``"passphrase"`` (a key's), or ``"answer"`` (anything else, e.g. a PIN)."""
    low = prompt.lower()
    if "passphrase" in low:
        return "passphrase"
    if "password" in low:
        return "password"
    return "answer"


def _server_methods(low_stderr: str) -> set:
    """The login methods of ``Permission denied (publickey,password).``"""
    m = re.search(r"permission denied \(([^)]*)\)", low_stderr)
    return set(m.group(1).split(",")) if m else set()


def _explain(stderr: str, server: str, *, asked: int = 0, can_ask: bool = False,
             keyfile: Optional[str] = None, asked_for: tuple = ()) -> str:
    """The line of ssh's stderr that says what went wrong, in the user's words.

    ``asked``: how many passwords or passphrases were answered (``asked_for``:
    their :func:`prompt_kind`); ``can_ask``: whether a password callback was
    there to answer them."""
    text = stderr.strip()
    low = text.lower()
    if "host key verification failed" in low or "no matching host key" in low:
        return (f"the host key of {server} is not known or has changed: connect once with "
                f"`ssh {server}` to check and accept it")
    if "permission denied" in low:
        if asked:
            kinds = set(asked_for) or {"password", "passphrase"}
            what = " or ".join(k for k in ("password", "passphrase", "answer") if k in kinds)
            return (f"{server} refused the login: wrong {what} "
                    f"({asked} {'try' if asked == 1 else 'tries'})")
        if not can_ask and key_needs_passphrase(keyfile):
            return (f"the key {keyfile} needs its passphrase, which cannot be asked here: "
                    "add it to an ssh-agent (or give the tunnel a password_callback)")
        methods = _server_methods(low)
        if not can_ask and methods & {"password", "keyboard-interactive"}:
            return (f"{server} asks for a password, which cannot be asked here (no "
                    "password_callback): give one, or use a key that the server accepts "
                    "(--sshkey) or an ssh-agent")
        if can_ask:
            return (f"{server} refused the login (permission denied): use a key that the "
                    "server accepts (--sshkey) or an ssh-agent")
        return (f"{server} refused the login (permission denied): use a key that the "
                "server accepts (--sshkey) or an ssh-agent; passwords cannot be asked here "
                "(no password_callback)")
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


def _python_for_helper() -> str:
    """A Python interpreter to run the askpass helper with (stdlib only).

    ``sys.executable`` unless it is not a Python (an application that embeds
    Python may report its own binary there)."""
    exe = sys.executable or ""
    if exe and re.match(r"python|pypy", os.path.basename(exe), re.I):
        return exe
    return shutil.which("python3") or shutil.which("python") or exe


_openssh_version_cache: dict = {}


def _openssh_version(ssh: str) -> tuple:
    """(major, minor) of the OpenSSH client ``ssh`` (0, 0 when unknown)."""
    if ssh not in _openssh_version_cache:
        version = (0, 0)
        try:
            out = subprocess.run([ssh, "-V"], capture_output=True, text=True, timeout=5)
            m = re.search(r"OpenSSH_(\d+)\.(\d+)", out.stderr + out.stdout)
            if m:
                version = (int(m.group(1)), int(m.group(2)))
        except (OSError, subprocess.SubprocessError):
            pass
        _openssh_version_cache[ssh] = version
    return _openssh_version_cache[ssh]


def _is_question(prompt: str) -> bool:
    """A yes/no question (an unknown host key), not a password or passphrase."""
    low = prompt.lower()
    return "yes/no" in low or "please type 'yes'" in low


class _Askpass:
    """The embedcon end of :mod:`embedcon.ssh_askpass`: a Unix socket in a
    private (0700) directory, a launcher script beside it, and a thread that
    turns each helper's request into a ``("prompt", text, conn)`` event.

    Yes/no questions (an unknown host key) are refused here, without asking:
    host keys are checked as in BatchMode."""

    def __init__(self, events: "queue.Queue", ssh: str):
        self.events = events
        self.dir = tempfile.mkdtemp(prefix="embedcon-askpass-")  # mode 0700
        self.path = os.path.join(self.dir, "socket")
        self.launcher = os.path.join(self.dir, "askpass")
        helper = os.path.join(os.path.dirname(os.path.abspath(__file__)), "ssh_askpass.py")
        fd = os.open(self.launcher, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o700)
        with os.fdopen(fd, "w") as f:
            f.write(f"#!/bin/sh\nexec {shlex.quote(_python_for_helper())} -I "
                    f"{shlex.quote(helper)} \"$@\"\n")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(self.path)
        self.sock.listen(4)
        self.ssh = ssh
        self._closed = False
        threading.Thread(target=self._serve, daemon=True, name="embedcon-ssh-askpass").start()

    def env(self) -> dict:
        from .ssh_askpass import SOCKET_VARIABLE

        env = {"SSH_ASKPASS": self.launcher, "SSH_ASKPASS_REQUIRE": "force",
               SOCKET_VARIABLE: self.path}
        if _openssh_version(self.ssh) < (8, 4):
            # before SSH_ASKPASS_REQUIRE, ssh without a terminal asks SSH_ASKPASS
            # only when DISPLAY is set (the helper does not use it)
            env["DISPLAY"] = os.environ.get("DISPLAY") or ":0"
        return env

    def _serve(self) -> None:
        self.sock.settimeout(0.25)  # notice close() while waiting
        while not self._closed:
            try:
                conn, _ = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            try:
                conn.settimeout(5)
                data = b""
                while len(data) < 65536:
                    chunk = conn.recv(4096)
                    if not chunk:
                        break
                    data += chunk
                request = json.loads(data.decode("utf-8", "replace") or "{}")
                prompt = str(request.get("prompt", "")).strip()
                hint = request.get("hint", "")
            except (OSError, ValueError):
                conn.close()
                continue
            if hint == "confirm" or _is_question(prompt):
                log.info("ssh asked a yes/no question; answered no: %s",
                         prompt.splitlines()[-1] if prompt else "")
                self.reply(conn, None)
                continue
            conn.settimeout(None)
            self.events.put(("prompt", prompt, conn))

    @staticmethod
    def reply(conn, answer: Optional[str]) -> None:
        try:
            conn.sendall(b"0" if answer is None else b"1" + answer.encode("utf-8"))
        except OSError:
            pass
        finally:
            conn.close()

    def close(self) -> None:
        self._closed = True
        try:
            self.sock.close()
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


class KernelTunnel:
    """Forward a kernel's five ports through one SSH connection.

    ``info`` is the kernel's connection info (``ip`` and the five ports, as
    seen from ``server``).  :meth:`start` returns the same info with
    ``ip = 127.0.0.1`` and the local ports.  ``ssh_options`` are extra
    ``-o`` options (``"UserKnownHostsFile=/path"``).

    ``password_callback(prompt) -> str | None`` answers ssh's password and
    key-passphrase prompts (``prompt`` is ssh's text, e.g. ``Enter passphrase
    for key '/home/me/.ssh/id_ed25519':`` or ``me@host's password:``;
    :func:`prompt_kind` tells which; when ssh asks the same again because the
    answer was refused, a first line says so: ``Wrong password, try
    again.``); None cancels, and :meth:`start` raises at once.  It is called
    on the thread that called :meth:`start`, and the time it takes does not
    count against ``timeout``; after each answer the server has a whole
    ``timeout`` for its verdict.  OpenSSH asks
    up to three times (``NumberOfPasswordPrompts``) before the login fails.
    Without a callback nothing is asked (``BatchMode``) and a login that needs
    an answer fails with an :class:`SSHTunnelError` that says so.  Yes/no
    questions (an unknown host key) are never asked: they fail as in BatchMode.
    """

    #: prompts answered in one start before it gives up (ssh asks 3 per method)
    max_prompts = 10

    def __init__(self, info: dict, server: str, keyfile: Optional[str] = None, *,
                 timeout: float = 10.0, ssh_options: tuple | list = (),
                 ssh: str = "ssh", on_closed: Optional[Callable[[str], None]] = None,
                 password_callback: Optional[PasswordCallback] = None):
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
        self.password_callback = password_callback
        self.prompts_answered = 0
        self._asked: list[str] = []  # the prompts answered (not the answers)
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
        batch = "no" if self.password_callback is not None else "yes"
        cmd = [self.ssh, "-T",
               "-o", f"BatchMode={batch}",
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
        """Start ssh and wait (at most ``timeout`` s, not counting the time the
        password callback takes, and ``timeout`` s after each answer) until
        every forward listens.

        A local port taken by another program between our choice and ssh's
        bind is the one failure that a retry with other ports fixes (twice)."""
        missing = [c for c in CHANNELS if not self.info.get(c)]
        if missing:
            raise SSHTunnelError(f"the connection info lacks {', '.join(missing)}")
        self.prompts_answered = 0
        self._asked = []
        self._deadline = time.monotonic() + self.timeout
        for attempt in range(3):
            try:
                return self._start_once()
            except _PortTaken as exc:
                log.info("ssh could not bind a local port (%s); trying other ports", exc)
                last = exc
        raise SSHTunnelError(f"SSH tunnel to {self.server} failed: {last}")

    def _start_once(self) -> dict:
        self._stderr, self._marker_seen, self._closing = [], False, False
        events: queue.Queue = queue.Queue()
        self.local_ports = dict(zip(CHANNELS, _free_local_ports(len(CHANNELS))))
        cmd = self.command()
        log.info("tunnelling the kernel's ports through %s", self.server)
        env = dict(os.environ)
        env.pop("SSH_ASKPASS", None)  # BatchMode, or our own askpass: never another
        env.pop("SSH_ASKPASS_REQUIRE", None)
        env.pop("DISPLAY", None)
        askpass = None
        try:
            if self.password_callback is not None:
                askpass = _Askpass(events, self.ssh)
                env.update(askpass.env())
            try:
                self.process = subprocess.Popen(
                    cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                    env=env, start_new_session=True)
            except OSError as exc:
                raise SSHTunnelError(f"cannot run ssh ({self.ssh}): {exc}") from None
            threading.Thread(target=self._read_stderr, args=(self.process, self._stderr),
                             daemon=True, name="embedcon-ssh-stderr").start()
            threading.Thread(target=self._watch, args=(self.process, events, self._stderr),
                             daemon=True, name="embedcon-ssh-watch").start()
            self._wait_until_up(events)
        finally:
            if askpass is not None:
                askpass.close()
        if self.process.poll() is not None and not self._marker_seen:
            self._wait_stderr(self.process, self._stderr)
            text = "".join(self._stderr)
            if "could not request local forwarding" in text.lower() or \
                    "address already in use" in text.lower():
                self.process = None
                raise _PortTaken(text.strip().splitlines()[-1])
            why = _explain(text, self.server, asked=self.prompts_answered,
                           can_ask=self.password_callback is not None, keyfile=self.keyfile,
                           asked_for=tuple(prompt_kind(p) for p in self._asked))
            self.process = None
            raise SSHTunnelError(f"SSH tunnel to {self.server} failed: {why}")
        new = dict(self.info, ip="127.0.0.1", **self.local_ports)
        return new

    def _wait_until_up(self, events: "queue.Queue") -> None:
        """Answer ssh's prompts until its forwards are up or it exits."""
        while True:
            try:
                event = events.get(timeout=max(0.0, self._deadline - time.monotonic()))
            except queue.Empty:
                self.close()
                raise SSHTunnelError(f"SSH tunnel to {self.server}: no connection within "
                                     f"{self.timeout:g} s") from None
            if event[0] != "prompt":
                return  # "up" or "exited"
            _, prompt, conn = event
            if self.prompts_answered >= self.max_prompts:
                _Askpass.reply(conn, None)
                self.close()
                raise SSHTunnelError(f"SSH tunnel to {self.server} failed: ssh asked more "
                                     f"than {self.max_prompts} times")
            kind = prompt_kind(prompt)
            log.info("ssh asks for a %s; asking the user", kind)
            shown = prompt
            if prompt in self._asked:  # the same question again: the answer was refused
                shown = f"Wrong {kind}, try again.\n{prompt}"
            self._asked.append(prompt)
            asked_at = time.monotonic()
            try:
                answer = self.password_callback(shown)
            except BaseException:
                _Askpass.reply(conn, None)
                self.close()
                raise
            finally:
                # the callback's time is not ssh's, and after an answer the server
                # gets a whole timeout for its verdict (PAM waits ~2 s after a
                # wrong password: three of them must not read as "no connection")
                self._deadline = max(self._deadline + time.monotonic() - asked_at,
                                     time.monotonic() + self.timeout)
            if answer is None:
                _Askpass.reply(conn, None)
                self.close()
                raise SSHTunnelError(f"SSH tunnel to {self.server}: cancelled (no password "
                                     "or passphrase given)")
            self.prompts_answered += 1
            _Askpass.reply(conn, answer)
            del answer

    _marker_seen = False

    def _watch(self, proc, events: "queue.Queue", stderr: list) -> None:
        marker = False
        for raw in proc.stdout:
            if raw.decode("utf-8", "replace").strip() == _READY:
                marker = self._marker_seen = True
                events.put(("up",))
        proc.wait()
        events.put(("exited",))  # start() learns the end too
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
        if proc is not None:
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
        self._remove_written_file()

    #: the tunnelled connection file written for this tunnel (tunnelled_connection_file)
    written_file: Optional[str] = None

    def _remove_written_file(self) -> None:
        """The file that names this tunnel's local ports goes with the tunnel (left
        behind, it would be the "most recent kernel" of a later ``--existing``, on
        ports nobody listens on); not if another tunnel has rewritten it since."""
        path, self.written_file = self.written_file, None
        if not path:
            return
        try:
            with open(path) as f:
                ours = json.load(f).get("shell_port") == self.local_ports.get("shell_port")
            if ours:
                os.remove(path)
        except (OSError, ValueError, AttributeError):
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def tunnelled_connection_file(path: str, server: str, keyfile: Optional[str] = None, *,
                              timeout: float = 10.0, ssh_options=(),
                              on_closed=None,
                              password_callback: Optional[PasswordCallback] = None,
                              ) -> tuple[str, KernelTunnel]:
    """Tunnel the kernel of connection file ``path`` through ``server``.

    Returns the path of the tunnelled connection file (``<name>-ssh.json``
    next to ``path``, mode 0600) and the :class:`KernelTunnel`, which the
    caller closes when done (closing it removes that file).  Raises :class:`SSHTunnelError`.
    ``password_callback`` answers password and passphrase prompts (see
    :class:`KernelTunnel`); without it a login that needs one fails."""
    from .connect import check_connection_file

    info = check_connection_file(path)
    tunnel = KernelTunnel(info, server, keyfile, timeout=timeout, ssh_options=ssh_options,
                          on_closed=on_closed, password_callback=password_callback)
    new = tunnel.start()
    root, ext = os.path.splitext(path)
    new_path = (root[:-4] if root.endswith("-ssh") else root) + "-ssh" + (ext or ".json")
    fd = os.open(new_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(new, f, indent=1)
    os.chmod(new_path, 0o600)
    tunnel.written_file = new_path
    return new_path, tunnel
