"""A Jupyter Server's REST API: kernels and kernel specs, with one-line errors.

:class:`JupyterServer` holds where the server is and how to authenticate:
the token travels in an ``Authorization: token …`` header, never in a URL
(a URL ends up in logs, proxies and shell history), and it is never part of
an error message, a log line or ``repr``.  A URL as Jupyter Server prints it
(``http://host:8888/lab?token=…``) is accepted: the token is taken out of it.
HTTPS uses the system's certificate store, or ``ca_file``; plain HTTP to a
host other than this machine logs a warning (the token and all code would
cross the network in clear text).

Requests run on the shared I/O thread (:mod:`.loop`).  The ``async`` methods
are for that thread; the plain ones wait for the answer and are meant for
start-up and scripts (bounded by ``timeout``, 4 s by default, so every
failure is reported within 5 s).  Every failure
is a :class:`ServerError` whose message is one line that says what to do.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import ssl
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from tornado.httpclient import AsyncHTTPClient, HTTPClientError, HTTPRequest

from ..client import is_loopback
from .loop import IOLoopThread, io_loop

log = logging.getLogger("embedcon.server")

__all__ = ["JupyterServer", "ServerError"]


class ServerError(Exception):
    """A Jupyter Server could not be used; the message is one line for the user."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status


_HTTP_HINTS = {
    401: "the server wants a token: pass --token (or set JUPYTER_TOKEN)",
    403: "the server refused the token: check --token (or JUPYTER_TOKEN)",
    404: "is this the base URL of a Jupyter Server?",
}


class JupyterServer:
    """Where a Jupyter Server (or Enterprise Gateway, or a JupyterHub
    single-user server) is, and how to talk to it.

    ``url`` is the server's base URL (``http(s)://host:port[/base/path]``).
    ``token`` authenticates (if not given: the URL's ``?token=``, else the
    ``JUPYTER_TOKEN`` environment variable, as Jupyter Server itself reads it).
    ``ca_file`` is a PEM bundle of certificate authorities to trust for
    HTTPS instead of the system's.  ``timeout`` bounds every request and
    connection attempt, in seconds.
    """

    def __init__(self, url: str, token: str | None = None, ca_file: str | None = None,
                 timeout: float = 4.0, validate_cert: bool = True,
                 io: IOLoopThread | None = None) -> None:
        parts = urlsplit(url.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            shown = urlunsplit(parts._replace(query="", fragment=""))  # never show a token
            raise ServerError(f"not a server URL (want http://host:port or https://…): {shown!r}")
        query = parse_qsl(parts.query, keep_blank_values=True)
        url_token = next((v for k, v in query if k == "token"), None)
        rest_query = urlencode([(k, v) for k, v in query if k != "token"])
        path = parts.path
        # a URL copied from the browser points at a page; the API lives at the base
        for page in ("/lab", "/tree", "/notebooks", "/api"):
            if path.endswith(page) or (page + "/") in path:
                path = path[: path.index(page)]
                break
        self.base_url = urlunsplit((parts.scheme, parts.netloc, path.rstrip("/"), rest_query, ""))
        self._token = token or url_token or os.environ.get("JUPYTER_TOKEN") or None
        self.ca_file = ca_file or None
        self.timeout = float(timeout)
        self.validate_cert = validate_cert
        self.host = parts.hostname
        self.secure = parts.scheme == "https"
        self._io = io
        if not self.secure and not is_loopback(self.host):
            log.warning("connecting to %s over plain http: the token and everything the "
                        "console sends cross the network unencrypted; use https", self.base_url)

    def __repr__(self) -> str:
        return f"JupyterServer({self.base_url!r}, token={'***' if self._token else None})"

    @property
    def io(self) -> IOLoopThread:
        if self._io is None:
            self._io = io_loop()
        return self._io

    @property
    def has_token(self) -> bool:
        return bool(self._token)

    # ------------------------------------------------------------------
    def headers(self) -> dict[str, str]:
        """The headers every request carries (the token among them)."""
        headers = {"User-Agent": "embedcon"}
        if self._token:
            headers["Authorization"] = f"token {self._token}"
        return headers

    def api_url(self, *path: str, query: dict[str, str] | None = None) -> str:
        base = urlsplit(self.base_url)
        full = base.path + "/api/" + "/".join(quote(p, safe="") for p in path)
        return urlunsplit((base.scheme, base.netloc, full.rstrip("/"),
                           urlencode(query or {}), ""))

    def ws_url(self, *path: str, query: dict[str, str] | None = None) -> str:
        url = self.api_url(*path, query=query)
        return ("wss" if self.secure else "ws") + url[url.index(":"):]

    def request_for(self, url: str, method: str = "GET", body: Any = None,
                    timeout: float | None = None) -> HTTPRequest:
        """A tornado request for ``url`` with authentication and TLS settings."""
        timeout = self.timeout if timeout is None else timeout
        data = None
        if body is not None:
            data = json.dumps(body)
        elif method in ("POST", "PUT", "PATCH"):
            data = ""
        headers = self.headers()
        if data is not None:
            headers["Content-Type"] = "application/json"
        return HTTPRequest(url, method=method, body=data, headers=headers,
                           connect_timeout=timeout, request_timeout=timeout,
                           validate_cert=self.validate_cert, ca_certs=self.ca_file,
                           follow_redirects=False)

    def describe_error(self, exc: BaseException, what: str) -> ServerError:
        """Turn a tornado/socket/TLS failure into a one-line :class:`ServerError`."""
        where = self.base_url
        if isinstance(exc, ServerError):
            return exc
        if isinstance(exc, HTTPClientError) and exc.code != 599:
            hint = _HTTP_HINTS.get(exc.code)
            reason = exc.message or ""
            msg = f"{where}: {what} failed: HTTP {exc.code} {reason}".rstrip()
            if hint:
                msg += f" ({hint})"
            return ServerError(msg, exc.code)
        if isinstance(exc, ssl.SSLCertVerificationError) or "CERTIFICATE_VERIFY_FAILED" in str(exc):
            detail = getattr(exc, "verify_message", None) or "certificate verify failed"
            return ServerError(f"{where}: the server's TLS certificate was not accepted "
                               f"({detail}); pass --ca-file with the CA that signed it")
        if isinstance(exc, ssl.SSLError):
            return ServerError(f"{where}: TLS error: {exc.reason or exc}")
        if isinstance(exc, (TimeoutError, HTTPClientError)) or "Timeout" in type(exc).__name__:
            return ServerError(f"{where}: no answer within {self.timeout:g} s ({what})")
        if isinstance(exc, socket.gaierror):
            return ServerError(f"{where}: unknown host {self.host!r}")
        if isinstance(exc, OSError):
            return ServerError(f"cannot reach {where}: {exc.strerror or exc}")
        return ServerError(f"{where}: {what} failed: {type(exc).__name__}: {exc}")

    async def request(self, method: str, *path: str, body: Any = None, what: str = "") -> Any:
        """One REST call (on the I/O thread); the decoded JSON answer, or None."""
        what = what or f"{method} /api/{'/'.join(path)}"
        req = self.request_for(self.api_url(*path), method, body)
        try:
            resp = await AsyncHTTPClient().fetch(req)
        except Exception as exc:
            raise self.describe_error(exc, what) from None
        if not resp.body:
            return None
        try:
            return json.loads(resp.body)
        except ValueError:
            raise ServerError(f"{self.base_url}: {what}: the answer is not JSON "
                              "(is this a Jupyter Server URL?)") from None

    def call(self, method: str, *path: str, body: Any = None, what: str = "") -> Any:
        """:meth:`request`, waited for (not on the I/O thread)."""
        try:
            return self.io.run(lambda: self.request(method, *path, body=body, what=what),
                               timeout=self.timeout + 0.5)
        except TimeoutError:
            raise ServerError(f"{self.base_url}: no answer within {self.timeout:g} s") from None

    # -- the REST API ------------------------------------------------------
    def kernelspecs(self) -> dict:
        """``{"default": name, "kernelspecs": {name: {...}}}``."""
        specs = self.call("GET", "kernelspecs", what="listing kernel specs")
        if not isinstance(specs, dict) or not isinstance(specs.get("kernelspecs"), dict):
            raise ServerError(f"{self.base_url}: the kernel spec list is malformed")
        return specs

    def kernels(self) -> list[dict]:
        """The running kernels' models (``id``, ``name``, ``execution_state``, ...)."""
        kernels = self.call("GET", "kernels", what="listing kernels")
        if not isinstance(kernels, list):
            raise ServerError(f"{self.base_url}: the kernel list is malformed")
        return kernels

    def kernel(self, kernel_id: str) -> dict:
        """One kernel's model; :class:`ServerError` with status 404 if it is gone."""
        try:
            return self.call("GET", "kernels", kernel_id, what="looking up the kernel")
        except ServerError as exc:
            if exc.status == 404:
                raise ServerError(f"{self.base_url}: no kernel with id {kernel_id}", 404) from None
            raise

    def start_kernel(self, kernel_name: str | None = None) -> dict:
        """Start a kernel (the server's default spec when no name); its model."""
        body = {"name": kernel_name} if kernel_name else {}
        model = self.call("POST", "kernels", body=body,
                          what=f"starting a {kernel_name or 'default'} kernel")
        if not isinstance(model, dict) or not isinstance(model.get("id"), str):
            raise ServerError(f"{self.base_url}: the server did not say which kernel it started")
        return model

    def interrupt_kernel(self, kernel_id: str) -> None:
        self.call("POST", "kernels", kernel_id, "interrupt", what="interrupting the kernel")

    def restart_kernel(self, kernel_id: str) -> dict:
        return self.call("POST", "kernels", kernel_id, "restart", what="restarting the kernel")

    def shutdown_kernel(self, kernel_id: str) -> None:
        self.call("DELETE", "kernels", kernel_id, what="shutting down the kernel")
