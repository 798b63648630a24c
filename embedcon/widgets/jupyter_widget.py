"""JupyterWidget: the console wired to a kernel through the messaging protocol.

Every request is asynchronous; replies and IOPub traffic arrive as Qt signals
from the client (see :mod:`embedcon.client`).  The GUI thread never waits.
"""

from __future__ import annotations

import codeop
import contextlib
import re
import warnings

from qtpy import QtCore, QtGui
from traitlets import Bool, Float, Integer, Unicode

from .. import __version__
from ..qt_compat import signal_connected
from .assist import AssistCommands, AssistSettings
from .console_widget import ConsoleSettings, ConsoleWidget
from .editor import key_chord, settings_properties
from .cell_queue import CellQueueMixin
from .guard import guarded
from .iopub import IOPubHandlers
from .kernel_session import KernelSession
from .spare_restart import SpareRestart, SpareSettings

__all__ = ["JupyterWidget", "JupyterSettings", "KERNEL_STATES"]

# a cell that is only ``exit`` or ``quit`` (with or without ``()``): ipykernel ends
# itself 0.1 s after it (``ask_exit`` sets ``exit_now``), before the console has
# asked whether to keep the kernel, and also when the kernel is someone else's;
# an IPython kernel is sent ``exit(keep_kernel=True)`` instead, and the console
# decides as for a plain exit (_do_execute, _handle_payload)
_BARE_EXIT = re.compile(r"\s*(exit|quit)\s*(?:\(\s*\))?\s*;?\s*")


KERNEL_STATES = ("starting", "idle", "busy", "dead", "restarting", "not responding",
                 "wrong key", "disconnected")


class JupyterSettings(ConsoleSettings, AssistSettings, SpareSettings):
    banner = Unicode(f"embedcon {__version__} \u2014 a Jupyter console\n", config=True,
                     help="Text shown above the kernel's own banner.")
    in_prompt = Unicode("In [%i]: ", config=True, help="Input prompt; %i is the execution count.")
    out_prompt = Unicode("Out[%i]: ", config=True, help="Output prompt; %i is the execution count.")
    continuation_prompt = Unicode("...: ", config=True, help="Prompt of continuation lines.")
    execute_on_complete_input = Bool(
        True, config=True,
        help="Enter executes when the kernel says the input is complete "
             "(else Enter always adds a line and Shift+Enter executes).")
    include_other_output = Bool(
        False, config=True, help="Show inputs and outputs of other clients of the kernel.")
    confirm_restart = Bool(False, config=True, help="Ask before restarting the kernel.")
    is_complete_timeout = Float(
        1.0, config=True,
        help="Seconds to wait for the kernel's is_complete reply before deciding locally.")
    history_load_length = Integer(1000, config=True, help="History entries loaded from the kernel.")
    kernel_timeout = Float(
        10.0, config=True,
        help="Seconds without any reply from the kernel at connect before saying so.")
    type_while_busy = Bool(
        True, config=True,
        help="While a cell runs, typing opens the next prompt and Enter on a complete input "
             "queues the cell (shown under the console until it runs).")
    stop_queue_on_error = Bool(
        True, config=True,
        help="A cell that ends with an error cancels the queued cells (they go to the history).")
    interrupt_notice_delay = Float(
        1.0, config=True,
        help="Seconds after an interrupt with the kernel still busy before saying it is pending.")


JupyterSettings.__name__ = JupyterSettings.__qualname__ = "JupyterWidget"


@settings_properties
class JupyterWidget(AssistCommands, SpareRestart, KernelSession, IOPubHandlers, CellQueueMixin, ConsoleWidget):
    """A console on a Jupyter kernel."""

    settings_class = JupyterSettings

    executing = QtCore.Signal(str)
    executed = QtCore.Signal(object)  # the reply (a dict), not a QVariant copy of it
    exit_requested = QtCore.Signal(object)
    kernel_state_changed = QtCore.Signal(str)
    queue_changed = QtCore.Signal(object)  # the queued cells (a tuple of str)
    custom_page_requested = QtCore.Signal(str)  # pager text, with paging = 'custom'
    custom_page_data_requested = QtCore.Signal(object)  # the page's bundle (dict), 'custom'
    #: (kernel_manager, kernel_client) that replaced the console's own (restart from a spare)
    kernel_replaced = QtCore.Signal(object, object)

    def __init__(self, parent=None, config=None, kernel_manager=None, kernel_client=None, **traits):
        super().__init__(parent, config=config, **traits)
        self._kernel_manager = None
        self._kernel_client = None
        self._requests: dict[str, str] = {}
        self._executing_id: str | None = None
        self._reply: dict | None = None
        self._idle_seen = False
        self._init_cell_queue()
        self._is_complete: tuple[str, str] | None = None
        self._queued_keys: list[QtGui.QKeyEvent] = []
        self._kernel_state = "starting"
        self._activity = "idle"  # the last busy/idle the kernel reported
        self._banner_shown = False
        self._language = "python"
        self._implementation = ""  # kernel_info's (ipython: see _BARE_EXIT)
        self._bare_exit = False  # the cell running is a bare exit sent as a keeping one
        self.keep_kernel_on_exit = False
        #: When set, restart_kernel() calls ``kernel_restarter(self)`` (-> bool)
        #: instead of restarting through the kernel manager; the application
        #: uses it to restart from a warm spare kernel and to move every tab.
        self.kernel_restarter = None
        self._is_complete_timer = QtCore.QTimer(self)
        self._is_complete_timer.setSingleShot(True)
        self._is_complete_timer.timeout.connect(self._is_complete_timed_out)
        self._idle_timer = QtCore.QTimer(self)
        self._idle_timer.setSingleShot(True)
        self._idle_timer.timeout.connect(self._idle_timed_out)
        self._handshake_timer = QtCore.QTimer(self)
        self._handshake_timer.timeout.connect(self._handshake_tick)
        self._iopub_live = self._kernel_info_seen = self._handshake_done = False
        self._hb_timer = QtCore.QTimer(self)
        self._hb_timer.timeout.connect(self._check_heartbeat)
        self._interrupt_timer = QtCore.QTimer(self)
        self._interrupt_timer.setSingleShot(True)
        self._interrupt_timer.timeout.connect(self._interrupt_pending)
        self._init_assist()
        self._init_spares()
        if kernel_manager is not None:
            self.kernel_manager = kernel_manager
        if kernel_client is not None:
            self.kernel_client = kernel_client

    # ------------------------------------------------------------------
    # kernel wiring
    @property
    def kernel_manager(self):
        return self._kernel_manager

    @kernel_manager.setter
    def kernel_manager(self, km) -> None:
        old = self._kernel_manager
        if old is not None:
            for sig, slot in self._manager_slots():
                try:
                    getattr(old, sig).disconnect(slot)
                except (AttributeError, TypeError, RuntimeError):
                    pass
        self._kernel_manager = km
        if km is not None:
            for sig, slot in self._manager_slots():
                signal = getattr(km, sig, None)
                if signal is not None:
                    signal.connect(slot)
        self._keep_spare()

    def _manager_slots(self):
        return (("kernel_died", self._on_kernel_died),
                ("kernel_restarted", self._on_kernel_restarted),
                ("restart_failed", self._on_restart_failed))

    @property
    def kernel_client(self):
        return self._kernel_client

    @kernel_client.setter
    def kernel_client(self, kc) -> None:
        old = self._kernel_client
        if old is not None:
            for sig, slot in self._client_slots(old):
                try:
                    sig.disconnect(slot)
                except (TypeError, RuntimeError):
                    pass
        self._kernel_client = kc
        if kc is None:
            return
        for sig, slot in self._client_slots(kc):
            sig.connect(slot)
        if kc.channels_running:
            self._started_channels()

    def _client_slots(self, kc):
        out = []
        for name, slot in (("iopub_channel", self._on_iopub), ("shell_channel", self._on_shell),
                           ("stdin_channel", self._on_stdin)):
            chan = getattr(kc, name, None)
            batch = getattr(chan, "messages_received", None)
            if batch is not None:  # one signal per burst (see embedcon.client)
                out.append((batch, getattr(self, slot.__name__ + "_batch")))
                continue
            sig = getattr(chan, "message_received", None)
            if sig is not None:
                out.append((sig, slot))
        hb = getattr(getattr(kc, "hb_channel", None), "kernel_died", None)
        if hb is not None:
            out.append((hb, self._on_heartbeat_failed))
        started = getattr(kc, "started_channels", None)
        if started is not None:
            out.append((started, self._started_channels))
        auth = getattr(kc, "authentication_failed", None)
        if auth is not None:
            out.append((auth, self._on_authentication_failed))
        # clients that reach the kernel over a network link (the server transport)
        for name in ("connection_lost", "connection_restored"):
            sig = getattr(kc, name, None)
            if sig is not None:
                out.append((sig, getattr(self, "_on_" + name)))
        return out

    def _on_iopub_batch(self, msgs) -> None:
        for msg in msgs:
            self._on_iopub(msg)  # guarded: one bad message never drops the rest

    def _on_shell_batch(self, msgs) -> None:
        for msg in msgs:
            self._on_shell(msg)

    def _on_stdin_batch(self, msgs) -> None:
        for msg in msgs:
            self._on_stdin(msg)

    # ------------------------------------------------------------------
    # state
    @property
    def kernel_state(self) -> str:
        """One of starting, idle, busy, dead, restarting, not responding, wrong key
        (the connection file's key is not the kernel's: see ``kernel_error``)."""
        return self._kernel_state

    def _set_state(self, state: str) -> None:
        if state != self._kernel_state:
            self._kernel_state = state
            self.kernel_state_changed.emit(state)

    def _from_here(self, msg) -> bool:
        kc = self._kernel_client
        return kc is not None and msg["parent_header"].get("session") == kc.session.session

    # ------------------------------------------------------------------
    # public API
    def execute(self, source: str | None = None, hidden: bool = False, interactive: bool = False):
        """Execute ``source`` (default: the input buffer).

        ``hidden``: run silently, nothing shown.  ``interactive``: like
        pressing Enter (asks the kernel whether the input is complete).
        Returns the request's msg_id (None when queued or deferred).
        """
        kc = self._kernel_client
        if kc is None:
            raise RuntimeError("no kernel client: set kernel_client first")
        if hidden:
            msg_id = kc.execute(source or "", silent=True, store_history=False, allow_stdin=False)
            self._requests[msg_id] = "hidden"
            return msg_id
        at_early_prompt = source is None and self._early_prompt and self._prompt_kind == "input"
        if not at_early_prompt and (self._executing_id is not None or self._input_cursor is None
                                    or not self._handshake_done or self._prompt_kind != "input"):
            if source is not None:
                self._exec_queue.append(source)
            return None
        if source is not None:
            self.input_buffer = source
        else:
            source = self.input_buffer
        if interactive and at_early_prompt:
            # the kernel's shell is busy with the running cell: decide here
            self._is_complete = ("local", source)
            self._is_complete_timed_out()
            return None
        if interactive:
            self._ask_is_complete(source)
            return None
        return self._do_execute(source)

    def interrupt_kernel(self) -> None:
        """Interrupt the running cell: through the manager when this console
        started the kernel, else with a control-channel interrupt_request."""
        self.cancel_queue("interrupted")
        km = self._kernel_manager
        try:
            if km is not None and getattr(km, "has_kernel", False) and \
                    getattr(km, "owns_kernel", True):
                km.interrupt_kernel()
            elif self._kernel_client is not None:
                self._kernel_client.interrupt_via_control() if hasattr(
                    self._kernel_client, "interrupt_via_control") else \
                    self._kernel_client.control_channel.send(
                        self._kernel_client.session.msg("interrupt_request", {}))
        except Exception as exc:
            self.write_notice(f"Could not interrupt the kernel: {exc}")
            return
        if self._executing_id is not None:
            self._interrupt_timer.start(int(self.settings.interrupt_notice_delay * 1000))

    def _interrupt_pending(self) -> None:
        if self._executing_id is not None:
            self.write_notice("Interrupt sent; the kernel has not stopped yet "
                              "(a long call in compiled code finishes first).")

    def restart_kernel(self, message: str = "Restarting kernel\u2026") -> bool:
        """Restart the kernel (only when this console owns it)."""
        km = self._kernel_manager
        if self.kernel_restarter is None and (km is None or not getattr(km, "has_kernel", False)):
            self.write_notice("This console did not start the kernel, so it cannot restart it.")
            return False
        if self.settings.confirm_restart:
            from qtpy import QtWidgets

            answer = QtWidgets.QMessageBox.question(self, "Restart kernel?",
                                                    "Restart the kernel? Its variables are lost.")
            if answer != QtWidgets.QMessageBox.StandardButton.Yes:
                return False
        if self.kernel_restarter is not None:
            return bool(self.kernel_restarter(self))
        if self._restart_from_spare():
            return True
        self._set_state("restarting")
        self.write_notice(message)
        self._abort_execution("restarted")
        try:
            km.restart_kernel(now=True)
        except Exception as exc:
            self.write_notice(f"Restart failed: {exc}")
            self._set_state("dead")
            return False
        self._on_kernel_restarted()
        return True

    # ------------------------------------------------------------------
    # keys
    def _handle_key(self, ev) -> bool:
        if self._is_complete is not None or (self._queued_keys and not self._handshake_done) or (
                not self._handshake_done and self._prompt_kind == "input"
                and self.keymap.lookup(key_chord(ev)) in ("enter", "execute")):
            # keys typed while the kernel decides about Enter, or Enter before the
            # kernel is ready, wait and are replayed in order
            self._queued_keys.append(QtGui.QKeyEvent(ev.type(), ev.key(), ev.modifiers(), ev.text(),
                                                     ev.isAutoRepeat(), ev.count()))
            return True
        if self._assist_key(ev):
            return True
        return super()._handle_key(ev)

    def _after_default_key(self, ev) -> None:
        self._assist_after_key(ev)

    def cmd_enter(self):
        if self._prompt_kind == "stdin":
            self._send_input()
            return True
        if not self._editing():
            return True
        if not self.settings.execute_on_complete_input:
            self.cmd_newline()
            return True
        c = self._cursor()
        after = self._text_range(c.position(), self._end())
        if after.strip() and "\n" in self._text_range(self._input_cursor.position(), self._end()):
            self.cmd_newline()  # Enter in the middle of a multi-line input
            return True
        self.execute(interactive=True)
        return True

    def cmd_execute(self):
        if self._prompt_kind == "stdin":
            self._send_input()
        elif self._editing():
            self.execute()
        return True

    def cmd_interrupt_or_copy(self):
        if self._executing_id is not None and not self._cursor().hasSelection():
            self.interrupt_kernel()
            return True
        return self.cmd_copy()

    def cmd_interrupt(self):
        self.interrupt_kernel()
        return True

    def cmd_restart_kernel(self):
        self.restart_kernel()
        return True

    def cmd_exit_or_delete(self):
        if self._prompt_kind == "stdin" and not self.input_buffer:
            self.input_buffer = "\x04"
            self._send_input()
            return True
        if self._prompt_kind == "input" and not self.input_buffer:
            self.keep_kernel_on_exit = False
            self._request_exit()
            return True
        return self.cmd_delete()

    def cmd_cancel(self):
        if self._assist_cancel():
            return True
        return super().cmd_cancel()

    def cmd_complete_or_indent(self):
        if not self._editing() or self._prompt_kind != "input":
            return True
        c = self._cursor()
        before = self._text_range(self._line_start(c.block()), c.position()) \
            if self._in_input(c.position()) else ""
        if not before.strip() or c.hasSelection():
            return self.cmd_indent()
        self.completer.request()
        return True

    def _buffer_and_offset(self) -> tuple[str, int]:
        """The input buffer and the cursor's offset in it."""
        start = self._input_cursor.position()
        pos = self._cursor().position()
        head = self._strip_cont(self._text_range(start, pos))
        return self.input_buffer, len(head)

    # ------------------------------------------------------------------
    # execution
    def _ask_is_complete(self, source: str) -> None:
        kc = self._kernel_client
        silent = getattr(self, "_is_complete_silent", False)
        if silent:  # keep only the newest unanswered request
            self._requests = {k: v for k, v in self._requests.items() if v != "is_complete"}
        msg_id = kc.is_complete(source)
        self._requests[msg_id] = "is_complete"
        self._is_complete = (msg_id, source)
        if silent:
            # this kernel did not answer before: decide now (an answer, however
            # late, re-enables waiting for it), so that Enter never waits again
            self._is_complete_timed_out()
            return
        self._is_complete_timer.start(int(self.settings.is_complete_timeout * 1000))

    def _resolve_is_complete(self, status: str, indent: str = "") -> None:
        self._is_complete_timer.stop()
        self._is_complete = None
        if status == "incomplete":
            c = self._cursor()
            c.movePosition(QtGui.QTextCursor.MoveOperation.End)
            self._set_cursor(c)
            self._insert_newline(indent)
        else:
            self._do_execute(self.input_buffer)
        self._replay_queued_keys()

    def _replay_queued_keys(self) -> None:
        keys, self._queued_keys = self._queued_keys, []
        for ev in keys:
            self._control.keyPressEvent(ev)

    def _is_complete_timed_out(self) -> None:
        if self._is_complete is None:
            return
        self._is_complete_silent = True
        source = self._is_complete[1]
        status = "complete"
        if self._language == "python":
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    if codeop.compile_command(source, symbol="exec") is None:
                        status = "incomplete"
            except (SyntaxError, ValueError, OverflowError):
                status = "invalid"
        indent = " " * self.settings.tab_width if source.rstrip().endswith(":") else ""
        self._resolve_is_complete(status, indent)

    def _do_execute(self, source: str):
        if self._executing_id is not None:  # Enter in the prompt typed while a cell runs
            return self._enqueue_input(source)
        kc = self._kernel_client
        self._assist_reset()
        self._finish_input()
        self.history.append(source.rstrip("\n"))
        sent = source
        bare = _BARE_EXIT.fullmatch(source) if self._implementation == "ipython" else None
        self._bare_exit = bare is not None
        if bare is not None:  # the kernel must not end itself before the console decides
            sent = f"{bare.group(1)}(keep_kernel=True)"
        deferred = getattr(kc, "deferred", None)  # in-process: run on the next turn, once
        with deferred() if deferred is not None else contextlib.nullcontext():  # the id is known
            msg_id = kc.execute(sent, silent=False, store_history=True, allow_stdin=True)
        self._requests[msg_id] = "user"
        self._executing_id = msg_id
        self._reply = None
        self._idle_seen = False
        self.executing.emit(source)
        return msg_id

    def _maybe_finish(self) -> None:
        if self._reply is not None and self._idle_seen:
            if self._queue:  # a flood is still being written in slices: let it finish first
                self._queue.flush()
                if self._queue:
                    QtCore.QTimer.singleShot(0, self._maybe_finish)
                    return
            self._finish_execution(self._reply)
        elif self._reply is not None and not self._idle_timer.isActive():
            self._idle_timer.start(2000)  # IOPub idle lost (e.g. just after a restart)

    def _idle_timed_out(self) -> None:
        if self._reply is not None:
            self._finish_execution(self._reply)

    def _finish_execution(self, reply: dict) -> None:
        self._idle_timer.stop()
        self._interrupt_timer.stop()
        self._executing_id = None
        self._reply = None
        self.flush_output()
        content = reply.get("content", {})
        if self._prompt_kind == "stdin":
            self._finish_input()
        status = content.get("status")
        if status == "aborted":
            self.write_notice("Execution aborted.")
        if status in ("error", "aborted") and self.settings.stop_queue_on_error:
            self.cancel_queue("the cell ended with an error")
        for payload in content.get("payload", []) or []:
            self._handle_payload(payload)
        count = content.get("execution_count")
        self._show_input_prompt(count + 1 if isinstance(count, int) else None)
        self.executed.emit(reply)
        self._run_queued()

    def _abort_execution(self, why: str) -> None:
        """The running cell will never get a reply (kernel died or restarted)."""
        self._is_complete_timer.stop()
        self._is_complete = None
        self._queued_keys = []
        self.cancel_queue(f"the kernel {why}")
        self._early_prompt_taken()
        if self._executing_id is None:
            return
        msg_id = self._executing_id
        self._executing_id = None
        self._reply = None
        self.flush_output()
        if self._prompt_kind == "stdin":
            self._finish_input()
        self.write_notice(f"[cell aborted: the kernel {why}]")
        self.executed.emit({"content": {"status": "aborted", "reason": why},
                            "parent_header": {"msg_id": msg_id}, "msg_type": "execute_reply",
                            "header": {"msg_type": "execute_reply"}})

    def _show_input_prompt(self, count: int | None) -> None:
        if count is not None:
            self._next_count = count
        n = getattr(self, "_next_count", 1)
        if self._early_prompt and self._prompt_kind == "input":  # typed while the cell ran
            self._early_prompt_taken()
            self._replace_prompt(self._format_prompt(self.settings.in_prompt, n))
            self.prompt_ready.emit()
            return
        self._show_prompt(self._format_prompt(self.settings.in_prompt, n), "input",
                          self.settings.continuation_prompt)

    @staticmethod
    def _format_prompt(template: str, n) -> str:
        try:
            return template % n if "%" in template else template
        except (TypeError, ValueError):
            return template

    def _request_exit(self) -> None:
        """``exit``, ``quit`` or Ctrl+D: ``exit_requested`` lets the host decide.
        With nothing connected to it, a console that is a window of its own on
        a kernel process it started closes (the kernel stopped, unless
        ``exit(keep_kernel=True)``); any other says that the application closes
        it (a kernel in the host's own process is never ended by user code)."""
        heard = signal_connected(self, "exit_requested")  # before: a receiver may disconnect
        self.exit_requested.emit(self)
        if heard:
            return
        km = self._kernel_manager
        own_process = km is not None and getattr(km, "owns_kernel", True) and \
            getattr(km, "kernel", None) is None  # an in-process manager holds its kernel
        if self.isWindow() and own_process:
            if not self.keep_kernel_on_exit:
                self.shutdown_kernel()
            self.close()
        else:
            self.write_notice("exit: the application this console is part of decides "
                              "when it closes; the kernel keeps running.")

    def _handle_payload(self, payload: dict) -> None:
        source = payload.get("source")
        if source == "ask_exit":
            # a bare exit was sent as exit(keep_kernel=True): the user asked a plain one
            self.keep_kernel_on_exit = bool(payload.get("keepkernel", False)) and \
                not self._bare_exit
            self._request_exit()
        elif source == "set_next_input":
            text = payload.get("text", "")
            if isinstance(text, str):
                self._pending_input = text
        elif source == "page":
            data = payload.get("data", {})
            if isinstance(data, dict):
                self.page_data(data)

    # ------------------------------------------------------------------
    # stdin
    def _send_input(self) -> None:
        value = self.input_buffer
        self._finish_input()
        try:
            self._kernel_client.input(value)
        except Exception as exc:
            self.write_notice(f"Could not send input: {exc}")

    @guarded
    def _on_stdin(self, msg) -> None:
        if msg["header"]["msg_type"] != "input_request" or not self._from_here(msg):
            return
        content = msg["content"]
        prompt = content.get("prompt", "")
        self.flush_output()
        self._put_early_prompt_aside()
        # the prompt goes on the line where output left off, like a terminal
        self._show_prompt(prompt if isinstance(prompt, str) else "", "stdin",
                          password=bool(content.get("password")))
        self._control.setFocus()

    # ------------------------------------------------------------------
    # shell replies
    @guarded
    def _on_shell(self, msg) -> None:
        parent = msg["parent_header"].get("msg_id")
        kind = self._requests.pop(parent, None)
        if kind is None:
            return
        content = msg["content"]
        if kind == "user":
            if parent == self._executing_id:
                self._reply = msg
                self._maybe_finish()
        elif kind == "is_complete":
            self._is_complete_silent = False
            if self._is_complete and self._is_complete[0] == parent:
                status = content.get("status", "complete")
                indent = content.get("indent", "")
                self._resolve_is_complete(status, indent if isinstance(indent, str) else "")
        elif kind == "prompt":
            if self._set_state_from_startup():
                pass
            count = content.get("execution_count")
            n = count + 1 if isinstance(count, int) else 1
            if self._prompt_kind is None and self._executing_id is None:
                self._show_input_prompt(n)
            else:
                self._next_count = n
                if self._prompt_kind == "input" and self._executing_id is None:
                    self._replace_prompt(self._format_prompt(self.settings.in_prompt, n))
            self._run_queued()
        elif kind in ("kernel_info", "kernel_info_quiet"):
            self._on_kernel_info(content, show_banner=kind == "kernel_info")
            self._kernel_info_seen = True
            self._maybe_handshake_done()
        elif kind == "history":
            items = content.get("history") or []
            self.history.load([h[2] for h in items if isinstance(h, (list, tuple)) and len(h) >= 3
                               and isinstance(h[2], str)])
        elif kind in ("complete", "inspect", "history_search"):
            self._assist_reply(kind, parent, content)

    def _set_state_from_startup(self) -> bool:
        if self._kernel_state == "wrong key":
            self._answered_after_all()
        if self._kernel_state in ("starting", "restarting", "dead", "not responding", "wrong key"):
            self._set_state("idle")
            return True
        return False

    def _on_kernel_info(self, content: dict, show_banner: bool) -> None:
        info = content.get("language_info") or {}
        implementation = content.get("implementation")
        self._implementation = implementation if isinstance(implementation, str) else ""
        lexer = info.get("pygments_lexer") or info.get("name") or "python"
        if isinstance(lexer, str):
            self._language = info.get("name", "python")
            self._highlighter.set_language(lexer)
        banner = content.get("banner", "")
        self._kernel_banner = banner if isinstance(banner, str) else ""
        if show_banner and not self._banner_shown:
            self._banner_shown = True
            text = self.settings.banner + (banner if isinstance(banner, str) else "")
            self._insert_output(lambda c: c.insertText(text.rstrip("\n") + "\n", self._plain_format))
        self._set_state_from_startup()
        self._assist_kernel_info(content)
