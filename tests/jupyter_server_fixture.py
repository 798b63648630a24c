"""A real ``jupyter server`` on loopback with a token, for the server-transport tests.

Also a TCP proxy in front of it whose connections the tests can drop (the
server then sees its side of the WebSocket close, as on a network failure)
and whose listening side can refuse connections for a while.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import threading
import time
import urllib.request

import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerProcess:
    def __init__(self, root, extra_args=(), scheme="http"):
        self.root = root
        self.port = free_port()
        self.token = secrets.token_hex(16)
        self.url = f"{scheme}://127.0.0.1:{self.port}"
        env = dict(os.environ)
        env.update(JUPYTER_TOKEN=self.token, JUPYTER_RUNTIME_DIR=str(root / "runtime"),
                   JUPYTER_CONFIG_DIR=str(root / "config"), JUPYTER_PLATFORM_DIRS="0")
        env.pop("QT_API", None)
        cmd = [sys.executable, "-m", "jupyter_server", "--no-browser",
               "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={self.port}",
               "--ServerApp.port_retries=0", f"--ServerApp.root_dir={root}",
               # the kernel restarter checks every 3 s by default
               "--KernelRestarter.time_to_dead=0.5",
               *extra_args]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            cmd.append("--allow-root")
        self.log_path = root / "server.log"
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(cmd, env=env, stdout=self._log, stderr=subprocess.STDOUT,
                                     cwd=str(root))

    def wait_up(self, timeout=60, context=None):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("jupyter server exited:\n" + self.log())
            try:
                self.api("GET", "status", context=context)
                return self
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("jupyter server did not come up:\n" + self.log())

    def api(self, method, *path, body=None, context=None):
        req = urllib.request.Request(
            f"{self.url}/api/{'/'.join(path)}", method=method,
            data=json.dumps(body).encode() if body is not None else None,
            headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(req, timeout=10, context=context) as f:
            data = f.read()
        return json.loads(data) if data else None

    def log(self) -> str:
        self._log.flush()
        return self.log_path.read_text(errors="replace")

    def stop(self):
        try:
            for k in self.api("GET", "kernels"):
                self.api("DELETE", "kernels", k["id"])
        except Exception:
            pass
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self._log.close()


class Proxy:
    """A TCP relay to ``port`` on loopback; ``drop()`` cuts every connection,
    ``refuse()`` / ``accept()`` control whether new ones get through."""

    def __init__(self, port):
        self.target = port
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.port = self.listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.refusing = False
        self.pairs = []
        self.lock = threading.Lock()
        self.closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self.closed:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            if self.refusing:
                conn.close()
                continue
            try:
                up = socket.create_connection(("127.0.0.1", self.target))
            except OSError:
                conn.close()
                continue
            with self.lock:
                self.pairs.append((conn, up))
            for a, b in ((conn, up), (up, conn)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(src, dst):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def drop(self):
        with self.lock:
            pairs, self.pairs = self.pairs, []
        for pair in pairs:
            for s in pair:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()
        return len(pairs)

    def close(self):
        self.closed = True
        self.listener.close()
        self.drop()


@pytest.fixture(scope="module")
def jserver(tmp_path_factory):
    """A real ``jupyter server`` on loopback with a token (one per test module)."""
    srv = ServerProcess(tmp_path_factory.mktemp("jserver"))
    try:
        srv.wait_up()
        yield srv
    finally:
        srv.stop()
