"""The Jupyter Servers running on this computer, from their server info files.

A running Jupyter Server (``jupyter server``, ``jupyter lab``, a notebook 7
server) writes ``jpserver-<pid>.json`` into the Jupyter runtime directory: its
URL, port and token, readable by its user only.  :func:`running_servers`
reads those files so the kernel picker can offer those servers' kernels
without ``--server``.  Pure Python, no Qt, no network: whether a server
answers is the picker's business.

Only servers that listen on a loopback address are offered (a server on
another interface is reached with ``--server URL``, deliberately), only files
owned by this user, and only those whose process still runs (a server that was
killed leaves its file behind).
"""

from __future__ import annotations

import glob
import json
import os
from dataclasses import dataclass
from urllib.parse import urlsplit

from ..client import is_loopback

__all__ = ["ServerInfo", "running_servers"]


@dataclass(frozen=True)
class ServerInfo:
    """A running server: its base URL (no token in it) and its token."""

    url: str
    token: str
    pid: int
    root_dir: str = ""

    def __repr__(self) -> str:  # never show the token
        return f"ServerInfo({self.url!r}, pid={self.pid})"


def _alive(pid: int) -> bool:
    if os.name != "posix":
        return True  # no cheap check: the picker says when it does not answer
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone's process has that pid; the owner check comes first
    return True


def _read(path: str) -> ServerInfo | None:
    try:
        if os.name == "posix" and os.stat(path).st_uid != os.getuid():
            return None
        with open(path, encoding="utf-8") as f:
            info = json.load(f)
    except (OSError, ValueError):
        return None
    if not isinstance(info, dict):
        return None
    url, pid, token = info.get("url"), info.get("pid"), info.get("token") or ""
    if not isinstance(url, str) or not isinstance(pid, int) or not isinstance(token, str):
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or \
            not is_loopback(parts.hostname) or not _alive(pid):
        return None
    root = info.get("root_dir") or info.get("notebook_dir") or ""
    return ServerInfo(url.rstrip("/"), token, pid, root if isinstance(root, str) else "")


def running_servers(runtime_dir: str | None = None) -> list[ServerInfo]:
    """The loopback Jupyter Servers of this user that still run, newest first."""
    if runtime_dir is None:
        from jupyter_core.paths import jupyter_runtime_dir

        runtime_dir = jupyter_runtime_dir()
    paths = glob.glob(os.path.join(glob.escape(runtime_dir), "jpserver-*.json"))
    paths.sort(key=lambda p: os.path.getmtime(p) if os.path.exists(p) else 0, reverse=True)
    found, seen = [], set()
    for path in paths:
        info = _read(path)
        if info is not None and info.url not in seen:
            seen.add(info.url)
            found.append(info)
    return found
