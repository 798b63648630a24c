"""The application's kernels: one :class:`KernelHandle` per kernel, shared by its tabs.

A handle knows how to make another client for its kernel (each tab has its own
client, so its own session: tabs on one kernel see each other as other
clients), whether this window started the kernel (``owned``) and which
kernelspec it runs.  :func:`kernel_specs` lists the installed kernelspecs for
the kernel picker.
"""

from __future__ import annotations

import json
import logging
import os
import shlex

__all__ = ["KernelHandle", "kernel_specs", "display_name", "kernel_name_of_file", "existing_argument"]

log = logging.getLogger("embedcon.application")


_SPECS: dict[str, str] | None = None


def kernel_specs(refresh: bool = False) -> dict[str, str]:
    """Installed kernelspecs: name -> display name, sorted by display name
    (read once; ``refresh`` reads the kernel directories again)."""
    global _SPECS
    if _SPECS is None or refresh:
        _SPECS = _read_specs()
    return _SPECS


def _read_specs() -> dict[str, str]:
    from ..manager import _KernelSpecs

    try:
        specs = _KernelSpecs().get_all_specs()
    except Exception as exc:  # a broken kernel.json must not break the menu
        log.warning("could not list the kernelspecs: %s", exc)
        return {}
    names = {name: (s.get("spec") or {}).get("display_name") or name for name, s in specs.items()}
    return dict(sorted(names.items(), key=lambda kv: kv[1].lower()))


def display_name(kernel_name: str) -> str:
    """The display name of a kernelspec (its name when unknown)."""
    return kernel_specs().get(kernel_name, kernel_name) if kernel_name else "kernel"


def kernel_name_of_file(path: str) -> str:
    """The ``kernel_name`` recorded in a connection file ('' when absent or unreadable)."""
    try:
        with open(path, encoding="utf-8") as f:
            name = json.load(f).get("kernel_name", "")
    except (OSError, ValueError, AttributeError):
        return ""
    return name if isinstance(name, str) else ""


class KernelHandle:
    """One kernel the window talks to, and the tabs (widgets) on it."""

    def __init__(self, *, manager=None, connection_info: dict, connection_file: str = "",
                 kernel_name: str = "", owned: bool, client_factory=None, client_maker=None):
        self.manager = manager  # a QtKernelManager when this window started the kernel
        self.connection_info = dict(connection_info)
        self.connection_file = connection_file
        self.kernel_name = kernel_name
        self.owned = owned
        self.widgets: list = []
        self._client_factory = client_factory
        self._client_maker = client_maker  # makes a ready client itself (a server kernel)
        self.dead = False  # set when the kernel went away for good

    @classmethod
    def for_manager(cls, km, owned: bool = True, **kw) -> KernelHandle:
        return cls(manager=km, connection_info=km.get_connection_info(),
                   connection_file=km.connection_file or "", kernel_name=km.kernel_name or "",
                   owned=owned, **kw)

    def replace_manager(self, km) -> None:
        """The kernel was replaced by another (restart from a spare, change kernel)."""
        self.manager = km
        self.connection_info = km.get_connection_info()
        self.connection_file = km.connection_file or ""
        self.kernel_name = km.kernel_name or self.kernel_name
        self.dead = False

    @property
    def server(self):
        """The :class:`~embedcon.kernels.server.JupyterServer` of a kernel on a
        Jupyter Server (None for a kernel reached through a connection file)."""
        return getattr(self.manager, "server", None) if self._client_maker is not None else None

    @property
    def label(self) -> str:
        if self.server is not None:
            host = self.server.base_url.split("://", 1)[-1].rstrip("/")
            return f"{self.kernel_name or 'kernel'} on {host}"
        return display_name(self.kernel_name) if self.kernel_name else (
            os.path.basename(self.connection_file) or "kernel")

    def new_client(self):
        """A new client (its own session) with its channels started."""
        if self._client_maker is not None:
            kc = self._client_maker()
            kc.start_channels()
            return kc
        if self._client_factory is not None:
            kc = self._client_factory()
        else:
            from ..client import QtKernelClient

            kc = QtKernelClient()
        if self.manager is not None and hasattr(self.manager, "get_connection_info"):
            # its watchdog may have restarted it on new ports since
            self.connection_info = self.manager.get_connection_info()
        kc.load_connection_info(self.connection_info)
        if self.connection_file:
            kc.connection_file = self.connection_file
        kc.start_channels()
        return kc

    def existing_line(self) -> str:
        """The command line that attaches another console to this kernel (a
        server's token is not in it: the user has it, or $JUPYTER_TOKEN)."""
        if self.server is not None:
            return f"embedcon --server {self.server.base_url} --kernel-id " \
                   f"{self.manager.kernel_id}"
        if not self.connection_file:
            return ""
        return f"embedcon --existing {shlex.quote(existing_argument(self.connection_file))}"

    def alive(self) -> bool:
        km = self.manager
        if km is None or not getattr(km, "has_kernel", False):
            return not self.dead
        try:
            return km.is_alive()
        except Exception:
            return False

    def shutdown(self) -> None:
        """Stop the kernel process now (owned kernels) and forget it."""
        km = self.manager
        if km is not None and getattr(km, "has_kernel", False):
            try:
                km.shutdown_kernel(now=True)
            except Exception:
                log.exception("could not shut the kernel down")
        self.dead = True


def existing_argument(path: str) -> str:
    """What ``--existing`` needs to find ``path`` from any directory: its name
    when it is in the Jupyter runtime directory, else the whole path."""
    from jupyter_core.paths import jupyter_runtime_dir

    try:
        if os.path.samefile(os.path.dirname(os.path.abspath(path)), jupyter_runtime_dir()):
            return os.path.basename(path)
    except OSError:
        pass
    return os.path.abspath(path)
