"""The host process's side of :class:`embedcon.kernel_in_app.InAppKernel`.

An in-app kernel runs in the host's interpreter, so whatever ipykernel and
IPython set process-wide (hooks, std streams, SIGINT, environment, prompts,
pdb and faulthandler, warning filters, builtins, ``sys.modules`` entry of the
namespace) lands in the host.  :class:`_HostState` captures that before the
kernel starts and puts it back when it stops.  The functions below do, at
:meth:`~embedcon.kernel_in_app.InAppKernel.stop`, what ipykernel and IPython
otherwise leave to interpreter exit (pending tasks on the kernel's threads,
the history thread, ``atexit`` hooks, the singletons), so the kernel can be
started again in the same process.

Split out of ``kernel_in_app.py`` to keep that module to the kernel's life
cycle; this module imports neither Qt nor ipykernel at import time.
"""

from __future__ import annotations

import asyncio
import atexit
import builtins
import contextlib
import logging
import os
import signal
import sys
import threading
import warnings

from . import _in_app_classes

# the kernel's logger: records keep the name they had before the split
log = logging.getLogger("embedcon.kernel_in_app")

# Environment variables the kernel's shell (or app) sets for a terminal-less
# kernel process; in the host they would leak into everything it runs.
_ENV_KEYS = ("TERM", "CLICOLOR", "FORCE_COLOR", "CLICOLOR_FORCE", "PAGER", "GIT_PAGER", "MPLBACKEND")

# builtins names IPython sets (some permanently, some while a cell runs).
_BUILTIN_KEYS = ("__IPYTHON__", "display", "get_ipython", "exit", "quit")

_MISSING = object()


class _HostState:
    """What the kernel may change in the host process, captured before start."""

    def __init__(self, ns_name: str):
        import faulthandler
        import pdb

        self.excepthook = sys.excepthook
        self.displayhook = sys.displayhook
        self.stdout = sys.stdout
        self.stderr = sys.stderr
        self.sigint = signal.getsignal(signal.SIGINT)
        self.env = {k: os.environ.get(k) for k in _ENV_KEYS}
        self.ps = {k: getattr(sys, k, _MISSING) for k in ("ps1", "ps2", "ps3")}
        self.faulthandler = {k: getattr(faulthandler, k, _MISSING) for k in ("enable", "register")}
        self.pdb = {k: getattr(pdb, k, _MISSING) for k in ("Pdb", "set_trace")}
        ipy_debugger = sys.modules.get("IPython.core.debugger")
        self.ipy_pdb = getattr(ipy_debugger, "Pdb", _MISSING) if ipy_debugger else _MISSING
        self.warnings_filters = list(warnings.filters)
        self.builtins = {k: builtins.__dict__.get(k, _MISSING) for k in _BUILTIN_KEYS}
        self.ns_name = ns_name
        self.module = sys.modules.get(ns_name, _MISSING)

    def restore_env(self) -> None:
        for key, value in self.env.items():
            if value is None:
                os.environ.pop(key, None)
            elif os.environ.get(key) != value:
                os.environ[key] = value

    def restore_all(self) -> None:
        import faulthandler
        import pdb

        sys.excepthook = self.excepthook
        sys.displayhook = self.displayhook
        sys.stdout = self.stdout
        sys.stderr = self.stderr
        if self.sigint is not None and threading.current_thread() is threading.main_thread():
            with contextlib.suppress(Exception):
                signal.signal(signal.SIGINT, self.sigint)
        self.restore_env()
        for key, value in self.ps.items():
            if value is _MISSING:
                if hasattr(sys, key):
                    delattr(sys, key)
            else:
                setattr(sys, key, value)
        for key, value in self.faulthandler.items():
            if value is not _MISSING:
                setattr(faulthandler, key, value)
        for key, value in self.pdb.items():
            if value is not _MISSING:
                setattr(pdb, key, value)
        ipy_debugger = sys.modules.get("IPython.core.debugger")
        if ipy_debugger is not None and self.ipy_pdb is not _MISSING:
            ipy_debugger.Pdb = self.ipy_pdb
        warnings.filters[:] = self.warnings_filters
        warnings._filters_mutated()
        for key, value in self.builtins.items():
            if value is _MISSING:
                builtins.__dict__.pop(key, None)
            else:
                builtins.__dict__[key] = value
        if self.module is _MISSING:
            sys.modules.pop(self.ns_name, None)
        else:
            sys.modules[self.ns_name] = self.module


# ---------------------------------------------------------------------------
# teardown: what would otherwise wait for interpreter exit
# ---------------------------------------------------------------------------


def _cancel_thread_tasks(kernel) -> None:
    """Finish the asyncio tasks ipykernel leaves on its service threads'
    loops (the debugger's poll task, IOPub's pipe GC), so that nothing is
    destroyed while pending when those loops stop."""

    async def cancel_others():
        me = asyncio.current_task()
        tasks = [t for t in asyncio.all_tasks() if t is not me]
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    iopub = getattr(kernel, "iopub_thread", None)
    for owner, thread in (
        (getattr(kernel, "control_thread", None), getattr(kernel, "control_thread", None)),
        (iopub, getattr(iopub, "thread", None)),
    ):
        if owner is None or thread is None or not thread.is_alive():
            continue
        try:
            aloop = owner.io_loop.asyncio_loop
            asyncio.run_coroutine_threadsafe(cancel_others(), aloop).result(timeout=2)
        except Exception:
            log.debug("could not cancel tasks of a kernel thread", exc_info=True)


def _close_shell(shell) -> None:
    """What IPython does at interpreter exit, minus ``reset()``: that would
    clear the namespace, which here is the host's dict."""
    hm = getattr(shell, "history_manager", None)
    if hm is not None:
        with contextlib.suppress(Exception):
            hm.end_session()
        thread = getattr(hm, "save_thread", None)
        if thread is not None:
            with contextlib.suppress(Exception):
                thread.stop()
            atexit.unregister(thread.stop)
        with contextlib.suppress(Exception):
            hm.db.close()
    shell._atexit_once_called = True
    atexit.unregister(shell.atexit_operations)
    registry = getattr(getattr(shell, "magics_manager", None), "registry", {})
    script_magics = registry.get("ScriptMagics")
    if script_magics is not None:  # %%script --bg processes are left alone
        atexit.unregister(script_magics.kill_bg_processes)
    for path in list(getattr(shell, "tempfiles", [])):
        with contextlib.suppress(OSError):
            path.unlink()
    for path in list(getattr(shell, "tempdirs", [])):
        with contextlib.suppress(OSError):
            path.rmdir()


def _clear_singletons() -> None:
    """Forget the IPython and ipykernel singletons, so that a kernel can be started again."""
    if _in_app_classes._classes is None:
        return
    from IPython.core.interactiveshell import InteractiveShell
    from ipykernel.ipkernel import IPythonKernel
    from ipykernel.kernelapp import IPKernelApp
    from ipykernel.zmqshell import ZMQInteractiveShell

    App, Kernel, Shell = _in_app_classes._classes
    for cls in (App, IPKernelApp, Kernel, IPythonKernel, Shell, ZMQInteractiveShell, InteractiveShell):
        with contextlib.suppress(Exception):
            cls.clear_instance()
