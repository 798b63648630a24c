"""Kernels behind a Jupyter Server, Jupyter Enterprise Gateway or JupyterHub
single-user server: the REST API for kernels and kernel specs, and the
kernel WebSocket for the messages.

* :class:`JupyterServer` (``rest.py``) — where the server is, the token, TLS;
  one-line :class:`ServerError` for every failure.
* :class:`ServerKernelManager` (``manager.py``) — start or attach to a kernel;
  interrupt, restart, shut down through REST; the server's word on the kernel
  as the usual manager signals.
* :class:`ServerKernelClient` (``client.py``) — the usual client interface on
  one WebSocket, reconnecting when it drops.
* ``wire.py`` — the two WebSocket encodings; ``loop.py`` — the I/O thread.
"""

from .client import ServerKernelClient
from .manager import ServerKernelManager
from .rest import JupyterServer, ServerError

__all__ = ["JupyterServer", "ServerError", "ServerKernelManager", "ServerKernelClient"]
