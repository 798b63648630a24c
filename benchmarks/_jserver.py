"""Start and stop a ``jupyter server`` on loopback for the server scenarios.

run.py starts one for the whole benchmark (with its own interpreter, which
has jupyter_server; the consoles and the floor client only need tornado) and
passes its URL and token to the children in ``EMBEDCON_BENCH_SERVER`` and
``JUPYTER_TOKEN``.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request


class JupyterServerProcess:
    def __init__(self, python: str = sys.executable) -> None:
        self.root = tempfile.mkdtemp(prefix="embedcon-bench-server-")
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.token = secrets.token_hex(16)
        self.url = f"http://127.0.0.1:{self.port}"
        env = dict(os.environ, JUPYTER_TOKEN=self.token,
                   JUPYTER_RUNTIME_DIR=os.path.join(self.root, "runtime"),
                   JUPYTER_CONFIG_DIR=os.path.join(self.root, "config"))
        cmd = [python, "-m", "jupyter_server", "--no-browser", "--ServerApp.ip=127.0.0.1",
               f"--ServerApp.port={self.port}", "--ServerApp.port_retries=0",
               f"--ServerApp.root_dir={self.root}",
               # the benchmark floods IOPub on purpose
               "--ServerApp.iopub_msg_rate_limit=0", "--ServerApp.iopub_data_rate_limit=0"]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            cmd.append("--allow-root")
        self.log = open(os.path.join(self.root, "server.log"), "wb")
        self.proc = subprocess.Popen(cmd, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while True:
            try:
                req = urllib.request.Request(f"{self.url}/api/status",
                                             headers={"Authorization": f"token {self.token}"})
                urllib.request.urlopen(req, timeout=5).read()
                break
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("jupyter server did not start (is jupyter_server "
                                       f"installed for {python}?)") from None
                time.sleep(0.2)

    def env(self) -> dict:
        return {"EMBEDCON_BENCH_SERVER": self.url, "JUPYTER_TOKEN": self.token}

    def stop(self) -> None:
        try:
            req = urllib.request.Request(f"{self.url}/api/kernels",
                                         headers={"Authorization": f"token {self.token}"})
            for k in json.loads(urllib.request.urlopen(req, timeout=5).read()):
                urllib.request.urlopen(urllib.request.Request(
                    f"{self.url}/api/kernels/{k['id']}", method="DELETE",
                    headers={"Authorization": f"token {self.token}"}), timeout=10).read()
        except Exception:
            pass
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()
