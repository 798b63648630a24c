"""A real ipykernel hosted inside a running QApplication ("kernel in app").

User code runs on the GUI thread, in a namespace that *is* a dict of the host
application, so console users can read and change the application's live Qt
objects.  Any Jupyter client (an embedcon console in the same app, another
process, ``jupyter console --existing``, a notebook) can attach through the
connection file.

Qt stays the master event loop.  ipykernel's main-thread asyncio loop is never
run by ipykernel itself (no ``IPKernelApp.start()``, no nested Qt loop from
``%gui qt``); instead it is *pumped* from Qt, one bounded slice at a time:

* ``notifier`` pump (Linux, macOS): a ``QSocketNotifier`` on the asyncio
  selector's own fd (epoll/kqueue), which becomes readable whenever anything
  the loop waits on is ready, plus a single-shot timer for the next scheduled
  asyncio callback and a 50 ms safety timer;
* ``timer`` pump (where the loop has no pollable selector, e.g. Windows'
  Proactor loop): a 10 ms ``QTimer``;
* no pump at all when the asyncio loop is already running (qasync).

The module also undoes or contains ipykernel's process-wide side effects, which
in this mode land in the *host* process: ``sys.excepthook``, SIGINT, the
environment, ``sys.stdout``/``sys.stderr``, killing the process group on
interrupt, killing child processes on a client's shutdown request, and the
``exit`` command stopping the event loop.  See ``docs/kernel-in-app.md``.
The saved host state and the teardown helpers are in
:mod:`embedcon._in_app_host`.

One in-app kernel per process (ipykernel and IPython are singletons); it can be
stopped and started again.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import logging
import os
import re
import signal
import sys
import threading
import uuid
import warnings

from qtpy import QtCore, QtWidgets

from ..client import is_loopback as _is_loopback
from ._in_app_classes import KERNEL_LOGGER_NAME, _build_classes
from ._in_app_host import _MISSING, _HostState, _cancel_thread_tasks, _clear_singletons, _close_shell
from .qt_asyncio_pump import _Pump

log = logging.getLogger("embedcon.kernel_in_app")

__all__ = ["InAppKernel", "start_in_app_kernel", "current_in_app_kernel"]

#: logger the hosted ipykernel logs to; it propagates to the host's logging.

# Namespace bookkeeping names IPython adds next to the user's variables.
_IPY_NAME = re.compile(r"^(_+|_i+|_i?\d+|_[iod]h|In|Out|_exit_code|__builtin__|__builtins__|_sh)$")


_current: InAppKernel | None = None


def current_in_app_kernel() -> InAppKernel | None:
    """The running in-app kernel of this process, or None."""
    return _current


class _Relay(QtCore.QObject):
    """Carries events from kernel threads (and from inside cells) to the GUI
    thread, always queued."""

    posted = QtCore.Signal(str, object)


# ---------------------------------------------------------------------------
# public API
# ---------------------------------------------------------------------------


class InAppKernel(QtCore.QObject):
    """An ipykernel running inside this QApplication, on the GUI thread.

    Parameters
    ----------
    namespace:
        The dict user code runs in.  It is used as is (not copied): the host
        sees every change at once, and changes made by the host are seen by
        the console.  ``keep`` and ``release`` (:mod:`embedcon.references`)
        are added to it.  A fresh dict when None.
    ip:
        Address the kernel's sockets bind to; loopback by default.  Anything
        else exposes code execution in this process to the network (the
        traffic is signed but not encrypted) and is logged as a warning.
    connection_file:
        Where to write the connection file.  A bare name goes in the Jupyter
        runtime directory, which is also where the default
        ``kernel-<pid>-<token>.json`` goes.  Removed by :meth:`stop`.
    transport:
        ``"tcp"`` (default) or ``"ipc"`` (Unix; ``ip`` is then a path prefix).
    keep_host_streams:
        If True (default), the host's ``sys.stdout``/``sys.stderr`` stay in
        place and the kernel's streams are swapped in only while an execute
        request runs, so host prints do not go to every client.
    pump:
        ``"auto"`` (default), ``"notifier"`` or ``"timer"``: how the kernel's
        asyncio loop is driven from Qt.  No pump is installed when the loop is
        already running (qasync).
    config:
        Extra traitlets configuration (a ``Config`` or nested dict) for the
        kernel application, kernel and shell.

    Signals
    -------
    shutdown_requested(bool restart):
        A client sent ``shutdown_request``.  The kernel keeps running; the
        host decides (e.g. call :meth:`stop`, or quit the application).
    exit_requested():
        ``exit`` or ``quit`` was typed in a client.  Not obeyed by itself.
    started(), stopped()
    """

    shutdown_requested = QtCore.Signal(bool)
    exit_requested = QtCore.Signal()
    started = QtCore.Signal()
    stopped = QtCore.Signal()

    def __init__(
        self,
        namespace: dict | None = None,
        ip: str = "127.0.0.1",
        connection_file: str | None = None,
        *,
        transport: str = "tcp",
        keep_host_streams: bool = True,
        pump: str = "auto",
        config=None,
        parent: QtCore.QObject | None = None,
    ):
        super().__init__(parent)
        if namespace is not None and not isinstance(namespace, dict):
            raise TypeError("namespace must be a dict")
        if transport not in ("tcp", "ipc"):
            raise ValueError("transport must be 'tcp' or 'ipc'")
        if pump not in ("auto", "notifier", "timer"):
            raise ValueError("pump must be 'auto', 'notifier' or 'timer'")
        self._ns = {} if namespace is None else namespace
        self._ip = ip
        self._transport = transport
        self._requested_cf = connection_file
        self._keep_host_streams = bool(keep_host_streams)
        self._pump_mode = pump
        self._config = config
        self._app = None
        self._pump: _Pump | None = None
        self._host: _HostState | None = None
        self._kstreams = None
        self._idle_sigint = None
        self._ns_added: list[str] = []
        self._ns_before: set[str] = set()
        self._loop_owned = False
        self._loop = None
        self._prev_loop = None
        self._ioloop = None
        self._cf: str | None = None
        self._slot_interrupt = False
        self._host_hook_in_cell = None
        self._log_filter = None
        self._stopping = False
        self._relay = _Relay(self)
        self._relay.posted.connect(self._on_posted, QtCore.Qt.ConnectionType.QueuedConnection)

    # -- properties ------------------------------------------------------
    @property
    def namespace(self) -> dict:
        """The user namespace (the very dict given to the constructor)."""
        return self._ns

    @property
    def connection_file(self) -> str | None:
        """Absolute path of the connection file while running, else None."""
        return self._cf if self._app is not None else None

    @property
    def running(self) -> bool:
        return self._app is not None

    def is_running(self) -> bool:
        return self._app is not None

    @property
    def pump_mode(self) -> str | None:
        """``"notifier"``, ``"timer"``, ``"external"`` (qasync) or None when stopped."""
        return self._pump.mode if self._pump is not None else None

    @property
    def shell(self):
        """The kernel's IPython shell (e.g. to register magics), or None."""
        kernel = getattr(self._app, "kernel", None)
        return getattr(kernel, "shell", None)

    # -- API ---------------------------------------------------------------
    def push(self, variables: dict) -> None:
        """Add ``variables`` to the user namespace (visible to clients at once)."""
        if not isinstance(variables, dict):
            raise TypeError("push() takes a dict")
        shell = self.shell
        if shell is not None:
            shell.push(variables)
        else:
            self._ns.update(variables)

    def client(self):
        """A new :class:`embedcon.client.QtKernelClient` for this kernel.

        Its channels are not started; call ``start_channels()``.
        """
        if self._app is None:
            raise RuntimeError("the in-app kernel is not running")
        from ..client import QtKernelClient

        kc = QtKernelClient(connection_file=self._cf)
        kc.load_connection_file()
        return kc

    def start(self) -> InAppKernel:
        """Start the kernel.  Returns self.  Must be called on the GUI thread."""
        global _current
        if self._app is not None:
            return self
        if QtWidgets.QApplication.instance() is None:
            raise RuntimeError("InAppKernel needs a running QApplication; create it first")
        if threading.current_thread() is not threading.main_thread():
            raise RuntimeError("InAppKernel.start() must be called on the main (GUI) thread")
        if _current is not None:
            raise RuntimeError("an in-app kernel already runs in this process (one per process)")
        App, Kernel, Shell = _build_classes()
        from IPython.core.interactiveshell import InteractiveShell
        from ipykernel.kernelapp import IPKernelApp

        if IPKernelApp.initialized() or InteractiveShell.initialized():
            raise RuntimeError(
                "this process already runs an IPython shell or kernel; "
                "an in-app kernel cannot be started next to it"
            )
        _current = self
        self._stopping = False
        self._host = _HostState(self._ns.get("__name__", "__main__"))
        self._ns_before = set(self._ns)
        try:
            self._start(App, Kernel, Shell)
        except BaseException as exc:
            log.error("could not start the in-app kernel: %s", exc)
            self._teardown()
            if isinstance(exc, SystemExit):  # ipykernel calls self.exit() on bad config
                raise RuntimeError(f"the in-app kernel could not start (ipykernel exit status {exc.code})") from exc
            raise
        self.started.emit()
        return self

    def stop(self) -> None:
        """Stop the kernel and put the host process back as it was.

        Closes all sockets and kernel threads and removes the connection file.
        When called from a cell (the kernel is busy), the stop happens right
        after the cell.
        """
        if self._app is None or self._stopping:
            return
        kernel = getattr(self._app, "kernel", None)
        if (self._pump is not None and self._pump._busy) or getattr(kernel, "_executing", False):
            # called from a cell (or while an async cell awaits): stop after it
            QtCore.QTimer.singleShot(50, self.stop)
            return
        self._stopping = True
        try:
            self._teardown()
        finally:
            self._stopping = False
        self.stopped.emit()

    # -- start ---------------------------------------------------------------
    def _connection_path(self) -> str:
        from jupyter_core.paths import jupyter_runtime_dir

        cf = self._requested_cf
        if not cf:
            cf = f"kernel-{os.getpid()}-{uuid.uuid4().hex[:8]}.json"
        cf = os.path.expanduser(str(cf))
        if not os.path.dirname(cf):
            cf = os.path.join(jupyter_runtime_dir(), cf)
        return os.path.abspath(cf)

    def _prepare_loop(self):
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is not None:
            self._loop, self._loop_owned = running, False
            return
        policy = asyncio.get_event_loop_policy()
        existing = getattr(getattr(policy, "_local", None), "_loop", _MISSING)
        if existing is _MISSING:  # unknown policy: let it decide, never close its loop
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                self._loop, self._loop_owned = asyncio.get_event_loop(), False
            return
        self._prev_loop = existing
        if existing is not None and not existing.is_closed():
            self._loop, self._loop_owned = existing, False
            return
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        self._loop, self._loop_owned = loop, True

    def _start(self, App, Kernel, Shell) -> None:
        from traitlets.config import Config

        self._cf = self._connection_path()
        self._prepare_loop()
        from tornado.ioloop import IOLoop

        self._ioloop = IOLoop.current()

        cfg = Config()
        if self._config:
            cfg.merge(self._config if isinstance(self._config, Config) else Config(self._config))
        # Settings the host relies on; they go in the config the app treats
        # as its command line, so profile config files cannot override them.
        app_cfg = cfg.IPKernelApp
        app_cfg.kernel_class = Kernel
        app_cfg.capture_fd_output = False
        app_cfg.quiet = True
        app_cfg.transport = self._transport
        app_cfg.ip = self._ip
        app_cfg.connection_file = self._cf
        app_cfg.ignore_cwd = True
        app_cfg.no_stdout = False
        app_cfg.no_stderr = False

        kernel_logger = logging.getLogger(KERNEL_LOGGER_NAME)
        loopback = self._transport == "ipc" or _is_loopback(self._ip)
        if loopback:
            self._log_filter = _DropPlainTcpWarning()
            kernel_logger.addFilter(self._log_filter)
        else:
            log.warning(
                "in-app kernel listening on %s: anyone who can reach this address and read the "
                "connection file can run code in this application, and the traffic is NOT "
                "encrypted (messages are only signed)", self._ip,
            )

        app = App.instance(config=cfg, user_ns=self._ns)
        self._app = app
        app.initialize([])

        key = app.session.key
        if not key:
            raise RuntimeError("refusing to run an in-app kernel without an HMAC key")
        if os.path.exists(self._cf):
            with contextlib.suppress(OSError):
                os.chmod(self._cf, 0o600)

        kernel = app.kernel
        kernel._inapp = self
        kernel.shell._inapp = self
        self._after_initialize()

        for name, obj in self._namespace_helpers().items():
            if name not in self._ns:
                self._ns[name] = obj
                self._ns_added.append(name)

        kernel.start()
        self._pump = _Pump(self._loop, self._pump_mode, self)
        self._pump.start()
        qapp = QtWidgets.QApplication.instance()
        qapp.aboutToQuit.connect(self.stop)

    @staticmethod
    def _namespace_helpers() -> dict:
        from ...references import keep, release

        return {"keep": keep, "release": release}

    def _after_initialize(self) -> None:
        """Undo what ``initialize`` did to process-wide state (steps 5 and 6)."""
        host = self._host
        self._kstreams = (sys.stdout, sys.stderr)
        host.restore_env()  # TERM, PAGER, ..., MPLBACKEND
        sys.excepthook = host.excepthook
        sys.displayhook = host.displayhook  # IPython swaps its own in per cell
        if self._keep_host_streams:
            sys.stdout, sys.stderr = host.stdout, host.stderr
        # SIGINT while idle: the host keeps its own handler, except Python's
        # default one, which would raise KeyboardInterrupt inside whatever Qt
        # slot runs next (PyQt then aborts).  That one becomes SIG_IGN.
        if host.sigint is signal.default_int_handler or host.sigint is None:
            self._idle_sigint = signal.SIG_IGN
        else:
            self._idle_sigint = host.sigint
        signal.signal(signal.SIGINT, self._idle_sigint)

    # -- while running -------------------------------------------------------
    @contextlib.contextmanager
    def _cell_scope(self, parent):
        """Per execute_request on the GUI thread: kernel streams in, host
        streams out afterwards (P4), and Qt-slot exceptions kept from
        aborting the host while a cell runs."""
        kernel = self._app.kernel if self._app is not None else None
        swap = self._keep_host_streams and self._kstreams is not None
        saved_out, saved_err, saved_hook = sys.stdout, sys.stderr, sys.excepthook
        if swap:
            kout, kerr = self._kstreams
            for s in (kout, kerr):
                with contextlib.suppress(Exception):
                    s.set_parent(parent)
            sys.stdout, sys.stderr = kout, kerr
        self._slot_interrupt = False
        self._host_hook_in_cell = saved_hook
        sys.excepthook = self._cell_excepthook
        if kernel is not None:
            kernel._executing = True
        try:
            yield
        finally:
            if kernel is not None:
                kernel._executing = False
            self._slot_interrupt = False
            if sys.excepthook is self._cell_excepthook:
                sys.excepthook = saved_hook
            if swap:
                for s in (kout, kerr):
                    # a flush is a round trip to the IOPub thread; skip it
                    # when nothing was written since the last one
                    if getattr(s, "_flush_pending", True):
                        with contextlib.suppress(Exception):
                            s.flush()
                if sys.stdout is kout:
                    sys.stdout = saved_out
                if sys.stderr is kerr:
                    sys.stderr = saved_err

    def _cell_excepthook(self, etype, value, tb):
        """sys.excepthook while a cell runs: an exception escaping a Qt slot
        that the cell triggered (e.g. in a nested loop) is reported instead
        of aborting the application; a KeyboardInterrupt is handed back to
        the cell."""
        if etype is not None and issubclass(etype, KeyboardInterrupt):
            self._slot_interrupt = True
            return
        hook = getattr(self, "_host_hook_in_cell", None) or sys.__excepthook__
        try:
            hook(etype, value, tb)
        except Exception:
            sys.__excepthook__(etype, value, tb)

    def _post(self, kind: str, payload) -> None:
        """Thread-safe: deliver ``kind`` to the GUI thread after the current event."""
        try:
            self._relay.posted.emit(kind, payload)
        except RuntimeError:  # relay already deleted
            pass

    def _on_posted(self, kind: str, payload) -> None:
        if kind == "shutdown":
            log.info("a client asked the in-app kernel to shut down (restart=%s)", payload)
            self.shutdown_requested.emit(bool(payload))
        elif kind == "exit":
            self.exit_requested.emit()

    # -- stop ----------------------------------------------------------------
    def _teardown(self) -> None:
        global _current
        app = self._app
        host = self._host
        qapp = QtWidgets.QApplication.instance()
        if qapp is not None:
            with contextlib.suppress(Exception):
                qapp.aboutToQuit.disconnect(self.stop)
        if self._pump is not None:
            self._pump.stop()
            self._pump.deleteLater()
            self._pump = None
        kernel = getattr(app, "kernel", None) if app is not None else None
        shell = getattr(kernel, "shell", None)

        if self._kstreams is not None:
            for s in self._kstreams:
                with contextlib.suppress(Exception):
                    s.flush()
        if kernel is not None:
            with contextlib.suppress(Exception):
                kernel.session.send(
                    kernel.iopub_socket, "shutdown_reply", {"status": "ok", "restart": False},
                    ident=kernel._topic("shutdown"),
                )
            _cancel_thread_tasks(kernel)
        if shell is not None:
            _close_shell(shell)
        if app is not None:
            try:
                app.close()
            except Exception:
                log.exception("error while closing the in-app kernel's sockets")
            hb = getattr(app, "heartbeat", None)
            if hb is not None and hb.is_alive():
                hb.join(timeout=2)
            with contextlib.suppress(Exception):
                app.cleanup_connection_file()
            for fn in (app.close, app.cleanup_connection_file, getattr(app.iopub_thread, "stop", None)):
                if fn is not None:
                    atexit.unregister(fn)
        if self._cf and os.path.exists(self._cf):
            with contextlib.suppress(OSError):
                os.remove(self._cf)
        if self._kstreams is not None:
            for s in self._kstreams:
                with contextlib.suppress(Exception):
                    s.close()
            self._kstreams = None
        if kernel is not None:
            kernel._inapp = None
        if shell is not None:
            shell._inapp = None
        self._clean_namespace(shell)
        if host is not None:
            host.restore_all()
        _clear_singletons()
        self._close_loop()
        if self._log_filter is not None:
            logging.getLogger(KERNEL_LOGGER_NAME).removeFilter(self._log_filter)
            self._log_filter = None
        self._app = None
        self._host = None
        self._idle_sigint = None
        if _current is self:
            _current = None

    def _clean_namespace(self, shell) -> None:
        """Take out what the kernel put in the host's namespace dict (IPython's
        In/Out/_ bookkeeping, get_ipython, exit, keep/release); keep the
        variables users made."""
        ns = self._ns
        hidden = getattr(shell, "user_ns_hidden", {}) if shell is not None else {}
        helpers = self._namespace_helpers()
        for name in list(ns):
            if name in self._ns_before:
                continue
            value = ns[name]
            if name in helpers and name in self._ns_added and value is helpers[name]:
                del ns[name]
            elif name in hidden and hidden[name] is value:
                del ns[name]
            elif _IPY_NAME.match(name):
                del ns[name]
        self._ns_added = []

    def _close_loop(self) -> None:
        loop, ioloop = self._loop, self._ioloop
        self._loop = self._ioloop = None
        if loop is None or not self._loop_owned:
            return
        self._loop_owned = False
        if loop.is_running() or loop.is_closed():
            return
        try:
            pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
            for t in pending:
                t.cancel()
            if pending:
                loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            loop.run_until_complete(loop.shutdown_asyncgens())
        except Exception:
            log.debug("error while finishing the kernel loop's tasks", exc_info=True)
        try:
            if ioloop is not None:
                ioloop.close(all_fds=False)  # also closes the asyncio loop
            else:
                loop.close()
        except Exception:
            with contextlib.suppress(Exception):
                loop.close()
        prev = self._prev_loop
        self._prev_loop = None
        asyncio.set_event_loop(prev if prev is not None and not prev.is_closed() else None)


class _DropPlainTcpWarning(logging.Filter):
    """ipykernel warns about unencrypted TCP for every kernel; on loopback
    that is the normal Jupyter set-up and only noise in the host's log."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            return not str(record.msg).startswith("Kernel is running over TCP without encryption")
        except Exception:
            return True


def start_in_app_kernel(namespace: dict | None = None, **kw) -> InAppKernel:
    """Create and start an :class:`InAppKernel` (see it for the arguments)."""
    return InAppKernel(namespace, **kw).start()
