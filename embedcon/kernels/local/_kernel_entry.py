"""Start an IPython kernel with embedcon's Qt event-loop integration.

Run as a script, ``python _kernel_entry.py -f CONNECTION_FILE ...``: it takes
the same arguments as ``python -m ipykernel_launcher``.  embedcon's kernel
manager launches ipykernel kernels through this file (see
``embedcon/kernel_launcher.py`` and ``docs/qt-event-loop.md``).

Run with ``--embedcon-head-start`` as the only argument, it does the kernel's
imports first and then reads the real arguments, one JSON line on stdin
(``embedcon/head_start.py``).

This file must stay standalone: the kernel's Python environment may have
ipykernel and a Qt binding but not embedcon, so nothing here imports
embedcon, and Qt itself is only imported once a Qt integration is switched
on (``%gui qt``, ``%matplotlib qt``, ``--gui=qt``).

It also makes a bare ``%matplotlib qt`` work with IPython before 8.24
(:func:`install_matplotlib_qt_name`).

Why it exists
-------------
ipykernel's own Qt integration advances Qt by running a nested QEventLoop
that leaves only when the shell socket's notifier fires (or a timer set
through ``_schedule_exit``).  Every other reason the kernel's asyncio loop
has work -- a ``call_soon_threadsafe`` from another thread, a ``call_later``
deadline, a ZMQ message whose edge-triggered wake-up was already consumed --
goes unnoticed, and the request waits until something else happens to arrive.

The replacement below makes each advance stand in for the asyncio loop's own
``select()``: the nested Qt loop leaves as soon as the asyncio loop's selector
fd becomes readable (any fd the kernel watches), or when the earliest asyncio
timer falls due, and never blocks longer than ``_MAX_WAIT``.  If callbacks are
already queued it only processes pending Qt events and returns at once.
"""

import os
import sys

# Longest time one advance keeps Qt in charge before handing back to asyncio.
_MAX_WAIT = 0.1
# Used when the asyncio loop has no selector to watch (e.g. Windows' proactor).
_FALLBACK_SLICE = 0.01

_BINDINGS = ("PyQt6", "PySide6", "PyQt5", "PySide2")
_STATE_ATTR = "_embedcon_qt_waiter"


def _clean_sys_path():
    """Drop the entry that running a script (or ``-m``) put in front of sys.path.

    As a script, sys.path[0] is this file's directory -- embedcon's package
    directory, whose module names (``client``, ``manager``, ...) must not
    shadow the user's.  IPython puts the working directory back later, like it
    does for ``python -m ipykernel_launcher``.
    """
    if not sys.path:
        return
    first = sys.path[0]
    if first == "":
        del sys.path[0]
        return
    here = os.path.dirname(os.path.abspath(__file__))
    try:
        first_real = os.path.realpath(first)
        if first_real in (os.path.realpath(here), os.path.realpath(os.getcwd())):
            del sys.path[0]
    except OSError:
        pass


def _qt_core_for(app):
    """The QtCore module of the binding that ``app`` belongs to.

    Mixing bindings in one process does not work, so the binding that IPython
    used to create the kernel's QApplication wins; then any binding already
    imported; then qtpy's choice; then the first binding that imports.
    """
    import importlib

    if app is not None:
        for klass in type(app).__mro__:
            top = (klass.__module__ or "").split(".", 1)[0]
            if top in _BINDINGS:
                return importlib.import_module(top + ".QtCore")
    for name in _BINDINGS:
        mod = sys.modules.get(name + ".QtCore")
        if mod is not None:
            return mod
    try:
        from qtpy import QtCore

        return QtCore
    except Exception:
        pass
    errors = []
    for name in _BINDINGS:
        try:
            return importlib.import_module(name + ".QtCore")
        except Exception as exc:  # ImportError, or a broken binary install
            errors.append("%s: %s" % (name, exc))
    raise ImportError("no usable Qt binding (" + "; ".join(errors) + ")")


def _scoped(owner, scope, name):
    """``owner.scope.name`` (Qt6 style), else ``owner.name`` (old PyQt5 style)."""
    group = getattr(owner, scope, None)
    if group is not None and hasattr(group, name):
        return getattr(group, name)
    return getattr(owner, name)


def _asyncio_loop_of(kernel):
    import asyncio

    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        pass
    io_loop = getattr(kernel, "io_loop", None)
    loop = getattr(io_loop, "asyncio_loop", None)
    if loop is None:
        loop = asyncio.get_event_loop()
    return loop


class _QtWaiter:
    """Runs Qt while the kernel's asyncio loop has nothing to do."""

    def __init__(self, kernel, aio_loop):
        app = kernel.app
        QtCore = _qt_core_for(app)
        self.app = app
        self.aio_loop = aio_loop
        self.closing = False
        event_loop = getattr(app, "qt_event_loop", None)
        if event_loop is None:
            event_loop = QtCore.QEventLoop(app)
        self.event_loop = event_loop
        self._exec = getattr(event_loop, "exec", None) or getattr(event_loop, "exec_")

        self.timer = QtCore.QTimer()
        self.timer.setSingleShot(True)
        self.timer.setTimerType(_scoped(QtCore.Qt, "TimerType", "PreciseTimer"))
        self.timer.timeout.connect(self._wake)

        self.notifier = None
        selector = getattr(aio_loop, "_selector", None)
        fileno = getattr(selector, "fileno", None)
        fd = None
        if fileno is not None:
            try:
                fd = fileno()
            except Exception:
                fd = None
        if isinstance(fd, int) and fd >= 0:
            read = _scoped(QtCore.QSocketNotifier, "Type", "Read")
            self.notifier = QtCore.QSocketNotifier(fd, read)
            self.notifier.setEnabled(False)
            self.notifier.activated.connect(self._wake)

    def _wake(self, *args):
        if self.notifier is not None:
            self.notifier.setEnabled(False)
        self.event_loop.quit()

    def _timeout(self):
        """Seconds the nested loop may block for, or 0 to not block."""
        loop = self.aio_loop
        if self.closing or getattr(loop, "_ready", None):
            return 0.0
        limit = _MAX_WAIT if self.notifier is not None else _FALLBACK_SLICE
        scheduled = getattr(loop, "_scheduled", None)
        if scheduled:
            try:
                limit = min(limit, scheduled[0].when() - loop.time())
            except Exception:
                limit = min(limit, _FALLBACK_SLICE)
        return limit

    def advance(self):
        timeout = self._timeout()
        if timeout <= 0:
            # asyncio has work now: just let Qt handle what is already queued.
            self.event_loop.processEvents()
            return
        if self.notifier is not None:
            self.notifier.setEnabled(True)
        # Round up so the asyncio timer is due when we hand back.
        self.timer.start(max(1, int(timeout * 1000.0 + 0.999)))
        self.app._in_event_loop = True
        try:
            self._exec()
        finally:
            self.app._in_event_loop = False
            self.timer.stop()
            if self.notifier is not None:
                self.notifier.setEnabled(False)

    def stop(self):
        self.closing = True
        self._wake()


def _waiter_for(kernel):
    aio_loop = _asyncio_loop_of(kernel)
    waiter = getattr(kernel, _STATE_ATTR, None)
    if waiter is None or waiter.app is not kernel.app or waiter.aio_loop is not aio_loop:
        waiter = _QtWaiter(kernel, aio_loop)
        setattr(kernel, _STATE_ATTR, waiter)
    return waiter


def install():
    """Register the Qt integration under every name ipykernel uses for Qt.

    Returns the names registered.  Must run before ``%gui qt`` is executed.
    """
    from ipykernel import eventloops

    stock = eventloops.loop_map.get("qt")
    names = {"qt", "qt5", "qt6"}
    if stock is not None:
        names.update(n for n, f in eventloops.loop_map.items() if f is stock and n is not None)
    names = sorted(names)

    @eventloops.register_integration(*names)
    def loop_qt(kernel):
        """Advance Qt until the kernel's asyncio loop has work (embedcon)."""
        _waiter_for(kernel).advance()

    # Our loop hands back at every asyncio timer deadline by itself, so the
    # kernel's request to leave the loop after a delay needs no timer.
    loop_qt._schedule_exit = lambda delay: None

    @loop_qt.exit
    def loop_qt_exit(kernel):
        waiter = getattr(kernel, _STATE_ATTR, None)
        if waiter is not None:
            waiter.stop()

    loop_qt.embedcon_fix = True
    return names


def _version_tuple(text):
    """``"8.12.3"`` -> (8, 12); (0, 0) when it does not start with numbers."""
    parts = []
    for piece in str(text).split(".")[:2]:
        digits = ""
        for ch in piece:
            if not ch.isdigit():
                break
            digits += ch
        if not digits:
            break
        parts.append(int(digits))
    return tuple(parts + [0, 0])[:2] if parts else (0, 0)


def install_matplotlib_qt_name():
    """Make a bare ``%matplotlib qt`` use matplotlib's ``QtAgg`` backend.

    IPython before 8.24 maps the name ``qt`` to ``Qt5Agg``, which imports only
    PyQt5 or PySide2; IPython 8.24 and later map it to ``QtAgg`` (any Qt
    binding, matplotlib 3.5 and later).  With an older IPython this wraps
    ``pylabtools.find_gui_and_backend`` (what ``%matplotlib``, ``--matplotlib``
    and ``--pylab`` go through) so that, on first use, the name ``qt`` is
    mapped the newer way if the kernel's matplotlib has ``QtAgg``.  matplotlib
    is not imported before that (IPython imports it there anyway).  ``qt5``
    and a ``Qt5Agg`` chosen in matplotlibrc keep their meaning.  Returns
    whether the wrapper was installed.
    """
    import IPython
    from IPython.core import pylabtools

    if _version_tuple(IPython.__version__) >= (8, 24):
        return False
    original = pylabtools.find_gui_and_backend
    if getattr(original, "embedcon_qt_name", False):
        return True
    if getattr(pylabtools, "backends", {}).get("qt") != "Qt5Agg":
        return False

    def find_gui_and_backend(gui=None, gui_select=None):
        if pylabtools.backends.get("qt") == "Qt5Agg":
            try:
                import matplotlib

                if _version_tuple(matplotlib.__version__) >= (3, 5):
                    pylabtools.backends["qt"] = "QtAgg"
            except Exception:  # no matplotlib: IPython reports it as before
                pass
        return original(gui, gui_select)

    find_gui_and_backend.__doc__ = original.__doc__
    find_gui_and_backend.embedcon_qt_name = True
    pylabtools.find_gui_and_backend = find_gui_and_backend
    return True


# First argument in head-start mode (see embedcon/head_start.py).
_HEAD_START = "--embedcon-head-start"


def _wait_for_arguments():
    """Head-start mode: the imports are done; read the kernel's command-line
    arguments, one JSON line on stdin.  None if stdin closes first (the
    console quit, or launched its kernel another way)."""
    import json

    try:
        line = sys.stdin.buffer.readline()
    except (OSError, ValueError):
        return None
    if not line.strip():
        return None
    try:
        request = json.loads(line)
        args = [str(a) for a in request["argv"]]
        # variables set in the console since this process started (qtpy sets
        # QT_API on import); none that the interpreter read at start-up
        for key, value in (request.get("env") or {}).items():
            if value is None:
                os.environ.pop(str(key), None)
            else:
                os.environ[str(key)] = str(value)
        return args
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        sys.stderr.write("embedcon: bad head-start arguments (%r): %r\n" % (exc, line[:200]))
        return None


# What ipykernel imports while it initialises (measured with ipykernel 7.4:
# 0.06 s of its 0.09 s initialisation), imported before the arguments come.
# Every launch imports them before ipykernel sends sys.stdout/stderr to the
# frontends, so what an import prints (debugpy's frozen-modules warning on
# Python 3.11+) goes to the kernel's stderr, not into the console, whether
# the kernel had a head start or not.
_AHEAD = ("ipykernel.ipkernel", "ipykernel.debugger", "IPython.core.completerlib",
          "tornado.platform.asyncio", "tornado.queues", "tornado.locks", "tornado.gen")


def _import_ahead():
    import importlib

    for name in _AHEAD:
        try:
            importlib.import_module(name)
        except Exception:  # the kernel will meet (and report) it in its own time
            pass


def main():
    _clean_sys_path()
    head_start = sys.argv[1:2] == [_HEAD_START]
    try:
        install()
    except Exception as exc:  # never stop the kernel from starting
        sys.stderr.write("embedcon: Qt event-loop fix not installed: %r\n" % (exc,))
    try:
        install_matplotlib_qt_name()
    except Exception as exc:  # never stop the kernel from starting
        sys.stderr.write("embedcon: %%matplotlib qt mapping not installed: %r\n" % (exc,))
    from ipykernel import kernelapp

    _import_ahead()
    if head_start:
        args = _wait_for_arguments()
        if args is None:
            return
        sys.argv[1:] = args
    kernelapp.launch_new_instance()


if __name__ == "__main__":
    main()
