"""The kernel side's old module names, still importable after its move to
:mod:`embedcon.kernels`.

``embedcon.manager``, ``embedcon.client``, ``embedcon.inprocess``,
``embedcon.kernel_in_app``, ``embedcon.connect`` ... are what the README, the
examples and the Jupyter Qt Console's users import.  A finder at the front of
``sys.meta_path`` (installed when :mod:`embedcon` is imported) resolves each
old name to the module at its new home, *the same module object* (so
``isinstance`` checks, monkeypatching and module state are shared), and
submodules of a moved package too (``embedcon.inprocess.manager``).  Old
names are resolved only when imported: importing :mod:`embedcon` stays cheap.
"""

from __future__ import annotations

import importlib
import sys
from importlib.machinery import ModuleSpec

__all__ = ["MOVED", "new_name"]

#: old module name -> new module name (a package's submodules follow it)
MOVED = {
    "embedcon.client": "embedcon.kernels.client",
    "embedcon.manager_signals": "embedcon.kernels.manager_signals",
    "embedcon.connect": "embedcon.kernels.connect",
    "embedcon.manager": "embedcon.kernels.local.manager",
    "embedcon.kernel_launcher": "embedcon.kernels.local.kernel_launcher",
    "embedcon.head_start": "embedcon.kernels.local.head_start",
    "embedcon._kernel_entry": "embedcon.kernels.local._kernel_entry",
    "embedcon.kernel_in_app": "embedcon.kernels.in_app.kernel_in_app",
    "embedcon.qt_asyncio_pump": "embedcon.kernels.in_app.qt_asyncio_pump",
    "embedcon._in_app_host": "embedcon.kernels.in_app._in_app_host",
    "embedcon._in_app_classes": "embedcon.kernels.in_app._in_app_classes",
    "embedcon.inprocess": "embedcon.kernels.inprocess",
}


def new_name(old: str) -> str | None:
    """Where the module ``old`` lives now (None if it did not move)."""
    if old in MOVED:
        return MOVED[old]
    for prefix, target in MOVED.items():
        if old.startswith(prefix + "."):
            return target + old[len(prefix):]
    return None


class _Alias:  # a loader (importlib.abc is not imported: it costs start-up time)
    def __init__(self, target: str) -> None:
        self.target = target

    def create_module(self, spec):
        return None  # a placeholder; exec_module puts the real module in its place

    def exec_module(self, module) -> None:
        # the import system returns whatever sys.modules holds under the name
        sys.modules[module.__name__] = importlib.import_module(self.target)


class _MovedFinder:  # a meta path finder
    def find_spec(self, name, path=None, target=None):
        if not name.startswith("embedcon."):
            return None
        new = new_name(name)
        if new is None:
            return None
        return ModuleSpec(name, _Alias(new))


if not any(isinstance(f, _MovedFinder) for f in sys.meta_path):
    sys.meta_path.insert(0, _MovedFinder())
