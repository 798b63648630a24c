"""The in-process kernel: ipykernel's InProcessKernel, made safe to host in a Qt app.

What this module adds to :class:`ipykernel.inprocess.ipkernel.InProcessKernel`:

* **Requests are queued and run one at a time** on the GUI thread, from the Qt
  event loop (:meth:`QtInProcessKernel.submit`).  A request that arrives while
  a cell is running (only possible when the cell spins the event loop, e.g.
  while it waits in ``input()``) waits its turn, as with a real kernel.  The
  request coroutines are stepped by hand, so no asyncio loop is running while
  a cell runs: top-level ``await`` and ``asyncio.run()`` both work in cells.
* **Stream messages carry the cell's parent header.**  Stock ipykernel 7.4
  swaps its ``OutStream`` objects in *after* the shell tagged ``sys.stdout``
  with the request, so every ``stream`` message had an empty parent header.
* **Every reply follows the request's IOPub traffic**: replies are handed to
  the client only after the IOPub thread has delivered everything the request
  published, so a client sees ``busy, execute_input, stream..., idle`` and
  then the ``execute_reply``.
* **input()** sends ``input_request`` on the stdin channel and waits in a
  nested ``QEventLoop`` (not a busy ``processEvents()`` spin) until the client
  answers, the kernel is interrupted (``KeyboardInterrupt``) or shut down
  (``EOFError``).
* **exit / quit / sys.exit() / raise SystemExit** in a cell never end the
  host: all of them put a standard ``ask_exit`` payload in the execute reply.
* **The host's process state is left alone.**  Creating the kernel changes
  ``os.environ`` (TERM, PAGER, CLICOLOR, ...), ``sys.modules['__main__']`` and
  ``sys.ps1``; :func:`create_kernel` puts the host's values back at once and
  the kernel re-applies its own only while a cell runs.  :meth:`close` stops
  the history and IOPub threads, unregisters their ``atexit`` hooks, clears the
  IPython singletons and removes the builtins and warning filters the kernel
  added, so a new kernel can be started in the same process (the helpers for
  both are in :mod:`embedcon.inprocess._host`).
* The ``do_history``/``do_complete``/... ``PendingDeprecationWarning`` of
  ipykernel 7.4 is fixed where it originates: those handlers are coroutines.
"""

from __future__ import annotations

import asyncio
import atexit
import builtins
import inspect
import logging
import os
import queue
import sys
import threading
import types
import warnings
from collections import deque

from IPython.core.async_helpers import _asyncio_runner, _AsyncIORunner
from IPython.core.error import StdinNotImplementedError
from ipykernel.inprocess.ipkernel import InProcessInteractiveShell, InProcessKernel
from ipykernel.jsonutil import json_clean
from qtpy import QtCore
from traitlets import Bool, default

from ._host import (
    _MISSING, _PROMPTS, _HostState, _apply_env, _cancel_event_pipe_gc, _env_changes,
    _filters_mutated, _get_sigint, _set_attr, _set_main, _set_sigint, _stop_history,
    _stop_script_magics,
)

log = logging.getLogger("embedcon.inprocess")

__all__ = ["QtInProcessKernel", "QtInProcessInteractiveShell", "create_kernel"]

# IPython's warning after it swallowed a SystemExit; we turn that SystemExit
# into an exit request instead, so the advice would be wrong.
_EXIT_ADVICE = r"To exit: use 'exit', 'quit', or Ctrl-D\."


# ---------------------------------------------------------------------------
# Driving request coroutines without an event loop
# ---------------------------------------------------------------------------


@types.coroutine
def _resume(coro, pending):
    """Continue ``coro`` (which already yielded ``pending``) inside a Task."""
    while True:
        try:
            value = yield pending
        except BaseException as exc:  # thrown in by the task (cancellation)
            try:
                pending = coro.throw(exc)
            except StopIteration as stop:
                return stop.value
        else:
            try:
                pending = coro.send(value)
            except StopIteration as stop:
                return stop.value


async def _finish(coro, pending):
    return await _resume(coro, pending)


def _running_loop():
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def drive(coro):
    """Run a kernel request coroutine to completion on this thread.

    ipykernel's request handlers are coroutines, but on the in-process path
    they never wait on anything (see ``should_run_async`` below), so one
    ``send(None)`` runs them to the end with no asyncio loop running.  That
    keeps ``asyncio.run()`` and top-level ``await`` usable in cells.  Should a
    handler ever suspend, it is finished on a private event loop.
    """
    try:
        pending = coro.send(None)
    except StopIteration as stop:
        return stop.value
    if _running_loop() is not None:
        coro.close()
        raise RuntimeError("an in-process kernel request waited on the host's running asyncio loop")
    runner = asyncio.new_event_loop()
    try:
        return runner.run_until_complete(_finish(coro, pending))
    finally:
        runner.close()


class _AsyncioRunner(_AsyncIORunner):
    """IPython's asyncio runner for top-level ``await`` (its own private loop)."""


async def _maybe_await(value):
    if inspect.isawaitable(value):
        return await value
    return value


# ---------------------------------------------------------------------------
# Shell
# ---------------------------------------------------------------------------


class QtInProcessInteractiveShell(InProcessInteractiveShell):
    """The in-process shell, with ``SystemExit`` in a cell turned into an exit request."""

    def showtraceback(self, exc_tuple=None, filename=None, tb_offset=None,
                      exception_only=False, running_compiled_code=False):
        etype, value = (exc_tuple or sys.exc_info())[:2]
        if (
            exception_only
            and etype is not None
            and issubclass(etype, SystemExit)
            and _called_from_run_code()
        ):
            # ``sys.exit()`` / ``raise SystemExit`` at the top of a cell: IPython
            # swallowed it and would print it as an error.  Ask the frontend to
            # exit instead, exactly as ``exit`` does (``ask_exit`` payload).
            code = getattr(value, "code", None)
            if code is not None and not isinstance(code, int):
                print(code, file=sys.stderr)
            self._system_exit_requested = True
            self.keepkernel_on_exit = False  # as the `exit` autocall does
            self.ask_exit()
            return None
        return super().showtraceback(exc_tuple, filename, tb_offset, exception_only,
                                     running_compiled_code)

    def run_cell(self, *args, **kwargs):
        # (run_cell, not run_cell_async: ipykernel inspects the latter's signature)
        self._system_exit_requested = False
        result = super().run_cell(*args, **kwargs)
        if self._system_exit_requested and isinstance(result.error_in_exec, SystemExit):
            result.error_in_exec = None  # reported as an exit request, not an error
        self._system_exit_requested = False
        return result

    def should_run_async(self, raw_cell, *, transformed_cell=None, preprocessing_exc_tuple=None):
        # ipykernel runs top-level ``await`` on the running asyncio loop only
        # through its shell-channel thread, which an in-process kernel lacks.
        # With no loop running (the normal case: requests are driven by hand)
        # IPython's own runner handles it; under a host that runs asyncio on
        # the GUI thread (qasync), top-level await is reported as unsupported.
        if _running_loop() is not None:
            return False
        return super().should_run_async(
            raw_cell,
            transformed_cell=transformed_cell,
            preprocessing_exc_tuple=preprocessing_exc_tuple,
        )


def _called_from_run_code() -> bool:
    from IPython.core.interactiveshell import InteractiveShell

    try:
        caller = sys._getframe(2)  # 0: this, 1: showtraceback, 2: its caller
    except ValueError:
        return False
    return caller.f_code is InteractiveShell.run_code.__code__


# ---------------------------------------------------------------------------
# Kernel
# ---------------------------------------------------------------------------


class _Waker(QtCore.QObject):
    """Calls ``callback`` from the event loop of the thread it was made in."""

    _wake = QtCore.Signal()

    def __init__(self, callback):
        super().__init__()
        self._callback = callback
        self._wake.connect(self._run, QtCore.Qt.ConnectionType.QueuedConnection)

    def wake(self) -> None:
        self._wake.emit()

    def _run(self) -> None:
        try:
            self._callback()
        except BaseException:  # never let anything escape into Qt
            log.exception("error in the in-process kernel's request loop")


class QtInProcessKernel(InProcessKernel):
    """An in-process IPython kernel for Qt hosts (see the module docstring)."""

    show_banner = Bool(True, help="Whether kernel_info carries the IPython banner.")

    def __init__(self, **traits):
        super().__init__(**traits)
        self._requests: deque = deque()
        self._depth = 0  # request dispatches on the stack (nested event loops)
        self._closing = False
        self._closed = False
        self._on_closed: list = []
        self._input_loop: QtCore.QEventLoop | None = None
        self._input_outcome: str | None = None
        self._waker = _Waker(self._pump)
        if self.shell is not None and self.shell.loop_runner is _asyncio_runner:
            # Same runner, different object: ipykernel then skips its
            # ``asyncio.get_event_loop()`` probe, which would create (and leak)
            # an implicit event loop for the host's main thread.
            self.shell.loop_runner = _AsyncioRunner()
        self._aio_loop: asyncio.AbstractEventLoop | None = None
        # filled in by create_kernel()
        self._host_before: _HostState | None = None
        self._added_builtins: dict = {}
        self._added_filters: list = []
        self._cell_env: dict = {}
        self._cell_main = _MISSING
        self._cell_prompts: dict = {}

    @default("shell_class")
    def _default_shell_class(self):
        return QtInProcessInteractiveShell

    @property
    def banner(self):
        return super().banner if self.show_banner else ""

    # -- state -------------------------------------------------------------
    @property
    def busy(self) -> bool:
        """True while a request is being handled (a cell is running)."""
        return self._depth > 0

    @property
    def waiting_for_input(self) -> bool:
        return self._input_loop is not None

    @property
    def closed(self) -> bool:
        return self._closed

    # -- request queue -------------------------------------------------------
    def submit(self, client, msg, now: bool = False) -> None:
        """Queue ``msg`` (a request from ``client``).  It runs on the next pass
        of the event loop, or at once when ``now`` and the kernel is idle."""
        if self._closing:
            raise RuntimeError("the in-process kernel has been shut down")
        self._requests.append((client, msg))
        if now and not self._depth:
            self._pump()
        else:
            self._waker.wake()

    def discard_requests(self, client) -> None:
        """Drop the queued requests of a client that went away."""
        self._requests = deque(item for item in self._requests if item[0] is not client)

    def _pump(self) -> None:
        if self._depth or self._closing:
            return
        while self._requests and not self._closing:
            client, msg = self._requests.popleft()
            self._depth += 1
            try:
                self._handle(client, msg)
            except (Exception, KeyboardInterrupt):
                log.exception("error handling a %s", msg.get("msg_type"))
            finally:
                self._depth -= 1
        if self._closing and not self._closed and not self._depth:
            self._finish_close()

    def _handle(self, client, msg) -> None:
        stream = self.shell_stream
        self.session.send(stream, msg)
        try:
            self._ensure_current_loop()
            drive(self.dispatch_shell(stream.recv_multipart()))
        finally:
            self.sync_iopub()  # the request's IOPub traffic goes out before its reply
            while True:
                try:
                    _idents, reply = self.session.recv(stream, copy=False)
                except queue.Empty:
                    break
                if reply is None:
                    break
                _normalise(reply)
                if client is not None and not self._closing:
                    client.shell_channel.call_handlers(reply)

    def _ensure_current_loop(self) -> None:
        """ipykernel's do_execute calls ``asyncio.get_event_loop()`` when the
        shell uses IPython's asyncio runner (after ``%autoawait asyncio``; by
        default we install an equivalent runner that avoids the call).  That
        raises once a cell has run ``asyncio.run()``, which leaves the thread
        with no current loop: give the thread a loop of ours in that case only."""
        if _running_loop() is not None or self.shell is None:
            return
        if self.shell.loop_runner is not _asyncio_runner:
            return  # ipykernel only asks for the loop when IPython's runner is in use
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            try:
                asyncio.get_event_loop()
                return
            except RuntimeError:
                pass
        if self._aio_loop is None or self._aio_loop.is_closed():
            self._aio_loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self._aio_loop)

    def sync_iopub(self, timeout: float = 2.0) -> None:
        """Wait until the IOPub thread has handed out everything sent so far."""
        thread = self.iopub_thread
        if thread is None or not thread.thread.is_alive():
            return
        if threading.current_thread() is thread.thread:
            return
        done = threading.Event()
        thread.schedule(done.set)
        if not done.wait(timeout):
            log.warning("the IOPub thread did not catch up within %.1f s", timeout)

    # -- ipykernel overrides --------------------------------------------------
    async def execute_request(self, stream, ident, parent):
        # The kernel's OutStreams become sys.stdout/err only inside
        # super().execute_request, after the shell tagged the old streams with
        # this request; tag ours, or every stream message has an empty parent.
        self.stdout.set_parent(parent)
        self.stderr.set_parent(parent)
        saved = self._enter_cell()
        try:
            await super().execute_request(stream, ident, parent)
        finally:
            self._leave_cell(saved)
            if self.shell is not None and self.shell.exit_now:
                # exit/quit/sys.exit(): the ask_exit payload is in the reply;
                # the host decides.  Nothing else may act on exit_now.
                self.shell.exit_now = False

    async def do_complete(self, code, cursor_pos):
        return await _maybe_await(super().do_complete(code, cursor_pos))

    async def do_inspect(self, code, cursor_pos, detail_level=0, omit_sections=()):
        return await _maybe_await(super().do_inspect(code, cursor_pos, detail_level, omit_sections))

    async def do_history(self, hist_access_type, output, raw, session=0, start=0, stop=None,
                         n=None, pattern=None, unique=False):
        return await _maybe_await(super().do_history(
            hist_access_type, output, raw, session=session, start=start, stop=stop, n=n,
            pattern=pattern, unique=unique))

    async def do_is_complete(self, code):
        return await _maybe_await(super().do_is_complete(code))

    def _io_dispatch(self, change):
        """Runs on the IOPub thread for every message it sends."""
        _ident, msg = self.session.recv(self.iopub_socket.io_thread.socket, copy=False)
        if msg is None:
            return
        _normalise(msg)
        for frontend in list(self.frontends):
            if frontend is not None:
                frontend.iopub_channel.call_handlers(msg)

    def _input_request(self, prompt, ident, parent, password=False):
        self.raw_input_str = None
        for stream in (self.stdout, self.stderr, sys.stdout, sys.stderr):
            try:
                if stream is not None:
                    stream.flush()
            except Exception:
                pass
        self.sync_iopub()
        frontend = None
        session_id = parent.get("header", {}).get("session")
        for candidate in list(self.frontends):
            if candidate is not None and candidate.session.session == session_id:
                frontend = candidate
                break
        if frontend is None:
            raise StdinNotImplementedError("input() was called, but no console is attached "
                                           "to answer it.")
        content = json_clean({"prompt": prompt, "password": password})
        msg = self.session.msg("input_request", content, parent)
        frontend.stdin_channel.call_handlers(msg)

        loop = QtCore.QEventLoop()
        self._input_loop, self._input_outcome = loop, None
        try:
            while self.raw_input_str is None and self._input_outcome is None:
                loop.exec()
                if self.raw_input_str is None and self._input_outcome is None:
                    # the loop was ended from outside (the application is quitting)
                    self._input_outcome = "eof"
        finally:
            self._input_loop = None
        outcome, self._input_outcome = self._input_outcome, None
        if outcome == "interrupt":
            raise KeyboardInterrupt("Interrupted by user")
        if outcome is not None:
            raise EOFError("input() was cancelled: the kernel is shutting down")
        value, self.raw_input_str = self.raw_input_str, None
        return value

    def provide_input(self, text: str) -> None:
        """Answer a pending ``input()`` (called by the client's ``input()``)."""
        self.raw_input_str = text
        if self._input_loop is not None:
            self._input_loop.quit()

    def interrupt(self) -> bool:
        """Interrupt what can be interrupted: a cell waiting in ``input()``.

        Returns True if something was interrupted.  Running Python code cannot
        be interrupted from here: the GUI thread that would deliver the
        interrupt is the thread running the cell."""
        if self._input_loop is not None:
            self._input_outcome = "interrupt"
            self._input_loop.quit()
            return True
        return False

    # -- cell-time process state ---------------------------------------------
    def _enter_cell(self):
        saved_env = _apply_env(self._cell_env)
        saved_main = sys.modules.get("__main__", _MISSING)
        if self._cell_main is not _MISSING:
            sys.modules["__main__"] = self._cell_main
        saved_prompts = {}
        for name, value in self._cell_prompts.items():
            saved_prompts[name] = getattr(sys, name, _MISSING)
            _set_attr(sys, name, value)
        return saved_env, saved_main, saved_prompts

    def _leave_cell(self, saved) -> None:
        saved_env, saved_main, saved_prompts = saved
        # put the host's values back, unless the cell itself changed them
        for key, host_value in saved_env.items():
            if os.environ.get(key) == self._cell_env.get(key):
                _apply_env({key: host_value})
        if self._cell_main is not _MISSING and sys.modules.get("__main__") is self._cell_main:
            _set_main(saved_main)
        for name, host_value in saved_prompts.items():
            if getattr(sys, name, _MISSING) == self._cell_prompts.get(name):
                _set_attr(sys, name, host_value)

    # -- shutdown --------------------------------------------------------------
    def close(self, on_closed=None) -> None:
        """Stop the kernel and give the process back its state.

        If a request is still on the stack (a cell waiting in ``input()`` or
        spinning the event loop), a pending ``input()`` is cancelled and the
        teardown happens as soon as that request returns; ``on_closed`` is
        called once the kernel is fully closed."""
        if on_closed is not None:
            if self._closed:
                on_closed()
            else:
                self._on_closed.append(on_closed)
        if self._closing:
            return
        self._closing = True
        self._requests.clear()
        self.frontends = []
        if self._input_loop is not None:
            self._input_outcome = "shutdown"
            self._input_loop.quit()
        if not self._depth:
            self._finish_close()

    def _finish_close(self) -> None:
        self._closed = True
        shell = self.shell
        if shell is not None:
            history = shell.history_manager
            try:
                shell.atexit_operations()  # clears the namespace, ends the history session
            except Exception:
                log.exception("error in the shell's exit operations")
            atexit.unregister(shell.atexit_operations)
            _stop_history(history)
            _stop_script_magics(shell)
            type(shell).clear_instance()
        for stream in (self.stdout, self.stderr):
            try:
                stream.flush()
            except Exception:
                pass
        thread = self.iopub_thread
        try:
            _cancel_event_pipe_gc(thread)
            thread.stop()
        except Exception:
            log.exception("error stopping the IOPub thread")
        atexit.unregister(thread.stop)
        for sock in (self._underlying_iopub_socket, self.shell_stream, self.stdin_socket):
            ctx = sock._trait_values.get("context") if sock is not None else None
            if ctx is not None:
                try:
                    ctx.term()
                except Exception:
                    log.debug("could not terminate a zmq context", exc_info=True)
        loop = self._aio_loop
        if loop is not None:
            try:
                if asyncio.get_event_loop_policy().get_event_loop() is loop:
                    asyncio.set_event_loop(None)
            except RuntimeError:
                pass
            loop.close()
            self._aio_loop = None
        self._restore_host()
        callbacks, self._on_closed = self._on_closed, []
        for callback in callbacks:
            try:
                callback()
            except Exception:
                log.exception("error in a kernel-closed callback")

    def _restore_host(self) -> None:
        before = self._host_before
        if before is None:
            return
        shell = self.shell
        ours = {id(self.stdout), id(self.stderr)}
        if shell is not None:
            ours |= {id(shell.displayhook), id(getattr(shell, "excepthook", None))}
        for name, value in before.std.items():
            if id(getattr(sys, name)) in ours:
                setattr(sys, name, value)
        if _get_sigint() is not before.sigint:
            _set_sigint(before.sigint)
        for name, value in self._added_builtins.items():
            if vars(builtins).get(name, _MISSING) is value:
                delattr(builtins, name)
        for entry in self._added_filters:
            try:
                warnings.filters.remove(entry)
            except ValueError:
                pass
        _filters_mutated()


def _normalise(msg: dict) -> None:
    """Make a message from the in-process sockets look like one from ZMQ."""
    buffers = msg.get("buffers") or []
    msg["buffers"] = [memoryview(bytes(b.bytes if hasattr(b, "bytes") else b)) for b in buffers]
    if "msg_type" not in msg:
        msg["msg_type"] = msg["header"]["msg_type"]


def create_kernel(**traits) -> QtInProcessKernel:
    """Create a :class:`QtInProcessKernel` without changing the host's state.

    Whatever the kernel's construction changes in ``os.environ``,
    ``sys.modules['__main__']``, ``sys.ps1/2/3``, the std streams and hooks
    and the SIGINT handler is put back; the environment, ``__main__`` and the
    prompts are re-applied only while a cell runs.
    """
    before = _HostState()
    # debugpy (imported by ipykernel) prints a "frozen modules" warning unless told not to
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    warnings.filterwarnings("ignore", message=_EXIT_ADVICE, category=UserWarning)
    kernel = None
    try:
        kernel = QtInProcessKernel(**traits)
    finally:
        after_env = dict(os.environ)
        after_main = sys.modules.get("__main__", _MISSING)
        after_prompts = {name: getattr(sys, name, _MISSING) for name in _PROMPTS}
        after_builtins = dict(vars(builtins))
        after_filters = list(warnings.filters)
        # give the host its state back
        for key, value in _env_changes(before.env, after_env).items():
            _apply_env({key: before.env.get(key)})
        if after_main is not before.main:
            _set_main(before.main)
        for name, value in before.prompts.items():
            _set_attr(sys, name, value)
        for name, value in before.std.items():
            if getattr(sys, name) is not value:
                setattr(sys, name, value)
        if _get_sigint() is not before.sigint:
            _set_sigint(before.sigint)
        if kernel is None:  # construction failed: undo the rest too
            for name in set(after_builtins) - before.builtins:
                vars(builtins).pop(name, None)
            warnings.filters[:] = before.filters
            _filters_mutated()
    cell_env = _env_changes(before.env, after_env)
    if "PYDEVD_DISABLE_FILE_VALIDATION" not in before.env:
        cell_env.pop("PYDEVD_DISABLE_FILE_VALIDATION", None)
    kernel._host_before = before
    kernel._cell_env = cell_env
    kernel._cell_main = after_main if after_main is not before.main else _MISSING
    kernel._cell_prompts = {name: value for name, value in after_prompts.items()
                            if value is not before.prompts[name]}
    kernel._added_builtins = {name: after_builtins[name]
                              for name in set(after_builtins) - before.builtins}
    kernel._added_filters = [f for f in after_filters if f not in before.filters]
    return kernel
