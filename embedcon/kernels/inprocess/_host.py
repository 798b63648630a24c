"""The host process's side of the in-process kernel: its state, saved and given back.

An in-process kernel lives in the host's interpreter, so everything IPython
treats as its own process-wide state (the std streams and hooks, SIGINT,
``os.environ``, ``sys.modules['__main__']``, ``sys.ps1/2/3``, builtins, warning
filters) is the host's.  :mod:`embedcon.inprocess.kernel` captures it with
:class:`_HostState` before the kernel is built and puts it back with the
helpers here.  The second group stops what IPython only stops at interpreter
exit (the history thread, ``%%script --bg`` processes, the IOPub thread's
periodic task), so that closing a kernel leaves no threads or ``atexit``
hooks behind and another kernel can be started in the same process.

Split out of ``kernel.py`` to keep that module to the kernel itself; nothing
here imports Qt or ipykernel.
"""

from __future__ import annotations

import atexit
import builtins
import logging
import os
import signal
import sys
import threading
import warnings

# the kernel's logger: records keep the name they had before the split
log = logging.getLogger("embedcon.inprocess")

_MISSING = object()
_STD_HOOKS = ("stdout", "stderr", "excepthook", "displayhook")
_PROMPTS = ("ps1", "ps2", "ps3")


# ---------------------------------------------------------------------------
# Host process state
# ---------------------------------------------------------------------------


class _HostState:
    """The process-global state an IPython kernel is known to change."""

    def __init__(self):
        self.std = {name: getattr(sys, name) for name in _STD_HOOKS}
        self.sigint = _get_sigint()
        self.env = dict(os.environ)
        self.main = sys.modules.get("__main__", _MISSING)
        self.prompts = {name: getattr(sys, name, _MISSING) for name in _PROMPTS}
        self.builtins = set(vars(builtins))
        self.filters = list(warnings.filters)


def _get_sigint():
    try:
        return signal.getsignal(signal.SIGINT)
    except (ValueError, AttributeError):
        return None


def _set_sigint(handler) -> None:
    if handler is None or threading.current_thread() is not threading.main_thread():
        return
    try:
        signal.signal(signal.SIGINT, handler)
    except (ValueError, TypeError, OSError):
        log.debug("could not restore the SIGINT handler", exc_info=True)


def _set_attr(obj, name, value) -> None:
    if value is _MISSING:
        if hasattr(obj, name):
            delattr(obj, name)
    else:
        setattr(obj, name, value)


def _set_main(module) -> None:
    if module is _MISSING:
        sys.modules.pop("__main__", None)
    else:
        sys.modules["__main__"] = module


def _filters_mutated() -> None:
    mutated = getattr(warnings, "_filters_mutated", None)
    if mutated is not None:
        mutated()


def _apply_env(values: dict) -> dict:
    """Set (value str) or remove (value None) environment variables; return the old values."""
    old = {}
    for key, value in values.items():
        old[key] = os.environ.get(key)
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    return old


def _env_changes(before: dict, after: dict) -> dict:
    keys = set(before) | set(after)
    return {k: after.get(k) for k in keys if before.get(k) != after.get(k)}


# ---------------------------------------------------------------------------
# Stopping what IPython leaves to interpreter exit
# ---------------------------------------------------------------------------


def _stop_history(history) -> None:
    """Stop the history-saving thread (IPython only stops it from atexit)."""
    if history is None:
        return
    thread = getattr(history, "save_thread", None)
    if thread is not None:
        try:
            if thread.is_alive():
                thread.stop()
        except Exception:
            log.exception("error stopping the history thread")
        atexit.unregister(thread.stop)
    db = getattr(history, "db", None)
    if db is not None:
        try:
            db.close()
        except Exception:
            pass


def _stop_script_magics(shell) -> None:
    """End ``%%script --bg`` processes now and drop ScriptMagics' atexit hook
    (it would keep the whole shell alive until the process exits)."""
    registry = getattr(getattr(shell, "magics_manager", None), "registry", {}) or {}
    for magics in registry.values():
        kill = getattr(magics, "kill_bg_processes", None)
        if kill is None:
            continue
        try:
            kill()
        except Exception:
            log.debug("could not end %%script background processes", exc_info=True)
        atexit.unregister(kill)


def _cancel_event_pipe_gc(thread, timeout: float = 2.0) -> None:
    """Cancel the IOPub thread's periodic task on its own loop before stopping
    it; IOPubThread.stop() leaves it pending ("Task was destroyed...")."""
    task = getattr(thread, "_event_pipe_gc_task", None)
    if task is None or task.done() or not thread.thread.is_alive():
        return
    done = threading.Event()

    async def cancel():
        task.cancel()
        try:
            await task
        except BaseException:
            pass
        done.set()

    thread.io_loop.add_callback(cancel)
    done.wait(timeout)
