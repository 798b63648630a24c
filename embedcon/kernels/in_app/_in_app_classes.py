"""The ipykernel subclasses behind :class:`embedcon.kernel_in_app.InAppKernel`.

Built on first use (``_build_classes()``) so that importing
:mod:`embedcon.kernel_in_app` does not import ipykernel.
"""

from __future__ import annotations
import contextlib
import logging
import os
import signal
import sys
import threading
from qtpy import QtCore

log = logging.getLogger("embedcon.kernel_in_app")

KERNEL_LOGGER_NAME = "embedcon.kernel_in_app.ipykernel"
_INPUT_POLL_MS = 5  # stdin polling while input() waits in a nested Qt loop

_classes = None


def _import_ipykernel():
    """Import ipykernel without debugpy's "frozen modules" warning (P11).

    pydevd reads ``PYDEVD_DISABLE_FILE_VALIDATION`` once, when it is imported,
    so the variable is only set for the duration of the import.
    """
    added = "PYDEVD_DISABLE_FILE_VALIDATION" not in os.environ and "pydevd" not in sys.modules
    if added:
        os.environ["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"
    try:
        import ipykernel.ipkernel  # noqa: F401
        import ipykernel.kernelapp  # noqa: F401
        import ipykernel.zmqshell  # noqa: F401
    finally:
        if added:
            os.environ.pop("PYDEVD_DISABLE_FILE_VALIDATION", None)


def _build_classes():
    global _classes
    if _classes is not None:
        return _classes
    _import_ipykernel()
    import _thread

    import zmq
    from IPython.core.error import UsageError
    from ipykernel.ipkernel import IPythonKernel
    from ipykernel.kernelapp import IPKernelApp
    from ipykernel.zmqshell import ZMQInteractiveShell
    from traitlets import Type, default, observe

    class InAppShell(ZMQInteractiveShell):
        """The shell of the in-app kernel."""

        _inapp = None  # the owning InAppKernel, set after construction

        @observe("exit_now")
        def _update_exit_now(self, change):
            # Replaces the base observer, which stops the kernel's event loop
            # (from whichever thread set the flag).  Here the host decides.
            if not change["new"]:
                return
            self.exit_now = False
            owner = self._inapp
            if owner is not None:
                owner._post("exit", None)

        def enable_gui(self, gui=None):
            """Qt is already running: ``%gui qt`` / ``%matplotlib qt`` only
            record the choice; other toolkits would need a loop of their own."""
            if gui is None or gui in ("inline", "none"):
                return super().enable_gui(None)
            name = str(gui).lower()
            if name.startswith("qt"):
                self.active_eventloop = name
                return None
            raise UsageError(
                f"The in-app kernel runs inside the host's Qt event loop; "
                f"'{gui}' GUI integration is not available here (use 'qt')."
            )

    class InAppIPythonKernel(IPythonKernel):
        """ipykernel's kernel, adapted to live in someone else's process."""

        shell_class = Type(InAppShell)

        _inapp = None  # the owning InAppKernel, set after construction
        _executing = False  # a cell runs on the main thread

        async def execute_request(self, stream, ident, parent):
            owner = self._inapp
            if owner is None or threading.current_thread() is not threading.main_thread():
                return await super().execute_request(stream, ident, parent)
            with owner._cell_scope(parent):
                return await super().execute_request(stream, ident, parent)

        # ipykernel 7.4's own handlers are synchronous and make kernelbase
        # warn on every request; hand it awaitables instead.
        async def do_complete(self, *args, **kwargs):
            return super().do_complete(*args, **kwargs)

        async def do_inspect(self, *args, **kwargs):
            return super().do_inspect(*args, **kwargs)

        async def do_is_complete(self, *args, **kwargs):
            return super().do_is_complete(*args, **kwargs)

        async def do_history(self, *args, **kwargs):
            return super().do_history(*args, **kwargs)

        def _send_interrupt_children(self):
            # Runs on the control thread.  Signal only this process, never
            # its process group (that would hit the host's children), and only
            # while a cell runs: an idle SIGINT would land in a random Qt slot.
            if not self._executing:
                self.log.debug("interrupt request while idle: nothing to interrupt")
                return
            if os.name == "nt":
                _thread.interrupt_main()
            else:
                os.kill(os.getpid(), signal.SIGINT)

        def _process_children(self):
            # The "kernel process" is the host application: its children are
            # the host's business, never terminated on a client's request.
            return []

        async def shutdown_request(self, stream, ident, parent):
            # Runs on the control thread.  Answer the client, tell everyone on
            # IOPub, and report to the host; do not stop any loop or thread and
            # do not touch child processes.
            if not self.session:
                return
            content = parent.get("content") or {}
            restart = bool(content.get("restart", False))
            reply = {"status": "ok", "restart": restart}
            self.session.send(stream, "shutdown_reply", reply, parent, ident=ident)
            self.session.send(self.iopub_socket, "shutdown_reply", reply, parent, ident=self._topic("shutdown"))
            owner = self._inapp
            if owner is not None:
                owner._post("shutdown", restart)

        def _input_request(self, prompt, ident, parent, password=False):
            # The stock version busy-waits on the stdin socket, which freezes
            # the GUI thread and deadlocks a console living in the same app.
            if (
                self._inapp is None
                or QtCore.QCoreApplication.instance() is None
                or threading.current_thread() is not threading.main_thread()
            ):
                return super()._input_request(prompt, ident, parent, password=password)
            return self._qt_input_request(prompt, ident, parent, password)

        def _qt_input_request(self, prompt, ident, parent, password):
            for stream in (sys.stdout, sys.stderr):
                if stream is not None:
                    with contextlib.suppress(Exception):
                        stream.flush()
            sock = self.stdin_socket
            while True:  # drop replies to earlier, abandoned requests
                try:
                    sock.recv_multipart(zmq.NOBLOCK)
                except zmq.Again:
                    break
            content = {"prompt": str(prompt), "password": bool(password)}
            self.session.send(sock, "input_request", content, parent, ident=ident)

            owner = self._inapp
            state = {"reply": None, "interrupted": False}
            loop = QtCore.QEventLoop()
            timer = QtCore.QTimer()
            timer.setInterval(_INPUT_POLL_MS)

            def poll():
                try:
                    if owner is not None and owner._slot_interrupt:
                        state["interrupted"] = True
                        loop.quit()
                        return
                    while True:
                        try:
                            _idents, reply = self.session.recv(sock, mode=zmq.NOBLOCK)
                        except KeyboardInterrupt:
                            raise
                        except Exception:
                            self.log.warning("invalid message on the stdin channel", exc_info=True)
                            continue
                        if reply is None:
                            return
                        if reply.get("msg_type") == "input_reply":
                            state["reply"] = reply
                            loop.quit()
                            return
                except KeyboardInterrupt:
                    state["interrupted"] = True
                    loop.quit()

            timer.timeout.connect(poll)
            timer.start()
            try:
                poll()
                if state["reply"] is None and not state["interrupted"]:
                    loop.exec()
            except KeyboardInterrupt:
                state["interrupted"] = True
            finally:
                timer.stop()
                timer.deleteLater()
            if state["interrupted"] or (owner is not None and owner._slot_interrupt):
                if owner is not None:
                    owner._slot_interrupt = False
                raise KeyboardInterrupt("Interrupted by user") from None
            if state["reply"] is None:
                # the nested loop was ended from outside (the application is quitting)
                raise EOFError("no input: the event loop was asked to exit")
            try:
                value = state["reply"]["content"]["value"]
            except Exception:
                self.log.error("bad input_reply: %s", state["reply"])
                value = ""
            if value == "\x04":  # EOF from the frontend
                raise EOFError
            return value

    class InAppKernelApp(IPKernelApp):
        """IPKernelApp that leaves process-wide state to the host."""

        name = "embedcon-in-app-kernel"

        @default("log")
        def _log_default(self):
            # Use the host's logging tree instead of a private stderr handler.
            return logging.getLogger(KERNEL_LOGGER_NAME)

        def _configure_logging(self):
            # The base class runs logging.config.dictConfig(), which flushes and
            # closes every handler the host has installed.  Only set a level.
            level = self.log_level
            if isinstance(level, str):
                level = getattr(logging, level, logging.WARNING)
            logging.getLogger(KERNEL_LOGGER_NAME).setLevel(level)
            self._logging_configured = True

        def init_crash_handler(self):
            pass  # keep the host's sys.excepthook (P5)

        def init_signal(self):
            pass  # SIGINT policy is set by InAppKernel (P6)

        def init_poller(self):
            self.poller = None  # the host is nobody's child kernel

        def configure_tornado_logger(self):
            pass  # no extra handler on the host's "tornado" logger

        def log_connection_info(self):
            self._ports = {
                "shell": self.shell_port,
                "iopub": self.iopub_port,
                "stdin": self.stdin_port,
                "hb": self.hb_port,
                "control": self.control_port,
            }
            self.log.info("in-app kernel: connect with --existing %s", self.abs_connection_file)

    _classes = (InAppKernelApp, InAppIPythonKernel, InAppShell)
    return _classes
