"""The console's side of a kernel session: connecting, dying, hanging, restarting.

A mixin of :class:`~embedcon.widgets.jupyter_widget.JupyterWidget`.

A wrong connection key is told apart at connect: the first message from the
kernel that fails authentication (the client's ``authentication_failed``), or,
for a kernel that publishes nothing until asked and that this console did not
start, a heartbeat that answers while nothing else does for
``AUTH_SILENCE`` seconds.  Either becomes one error line and the ``wrong key``
state; the console then stops sending requests (the inferred case re-sends a
few times, backing off, in case the kernel was only slow) until
:meth:`reconnect`.

Heartbeat loss is "not responding" in every state once the heartbeat of the
current kernel has been seen beating (``_hb_epoch``: the start of the current
connect or restart); never before, since a kernel that is starting has nothing
to answer with yet.
"""

from __future__ import annotations

import time

from qtpy import QtCore

from .guard import guarded

__all__ = ["KernelSession"]


def _forget_ports(kc) -> None:
    """Let the next ``load_connection_info``/``load_connection_file`` set
    every port: jupyter_client's loader keeps a port that is not 0 (as if
    configured), so a client re-pointed at a kernel on other ports would
    stay on the old ones."""
    for name in ("shell_port", "iopub_port", "stdin_port", "hb_port", "control_port"):
        if hasattr(kc, name):
            setattr(kc, name, 0)


class KernelSession:
    """Connect-time handshake, heartbeat and kernel death/restart handling."""

    STDIN_WAIT = 5.0  # seconds the handshake waits for the stdin channel to connect
    # seconds of a beating heartbeat and no authentic message before a kernel
    # this console did not start is taken to have another key
    AUTH_SILENCE = 2.5
    # after an inferred wrong key: re-send kernel_info after these delays (s), then stop
    AUTH_RETRY_DELAYS = (1.0, 2.0, 4.0)

    _kernel_error: str | None = None
    _hb_epoch = 0.0
    _state_before_hang = "idle"

    @property
    def kernel_error(self) -> str | None:
        """Why the console cannot talk to its kernel (a wrong key), or None."""
        return self._kernel_error

    def reconnect(self, connection_file: str | None = None) -> bool:
        """Connect the kernel client again, e.g. after a wrong key was reported;
        with ``connection_file``, to the kernel that file describes (checked
        first: a bad file is a one-line notice and changes nothing).  Returns
        whether a new connection was started.  The Kernel menu's Reconnect."""
        kc = self._kernel_client
        if kc is None or not hasattr(kc, "load_connection_file"):
            self.write_notice("There is no kernel connection to reconnect.")
            return False
        if connection_file is not None:
            from ..connect import ConnectionFileError, check_connection_file

            if self._owns_kernel():
                self.write_notice("This console started its kernel; restart it instead of "
                                  "connecting to another one.")
                return False
            try:
                check_connection_file(connection_file)
            except ConnectionFileError as exc:
                self.write_notice(f"Cannot connect: {exc}")
                return False
        self._handshake_timer.stop()
        self._abort_execution("disconnected")
        self.kernel_client = None  # disconnects this widget from the old channels
        kc.stop_channels()
        if connection_file is not None:
            import os

            kc.connection_file = os.path.abspath(connection_file)
            _forget_ports(kc)
            kc.load_connection_file()
        self.write_notice(f"Connecting to the kernel ({kc.connection_file or 'connection info'})"
                          "\u2026")
        self._kernel_error = None
        self._set_state("starting")
        kc.start_channels()
        self.kernel_client = kc  # channels running: starts the handshake
        return True

    @guarded
    def _started_channels(self) -> None:
        self._set_state("starting")
        self._request_startup_info(banner=not self._banner_shown)
        km = self._kernel_manager
        if km is not None and getattr(km, "has_kernel", False) and \
                self._prompt_kind is None and self._executing_id is None:
            # A kernel we just started: its first prompt is In [1].  Show it now
            # so the user can type while the kernel starts; Enter waits for it.
            self._show_input_prompt(1)
            if getattr(km, "provisioner", None) is not None:
                # A kernel process: use the wait to build the input lexer (~70 ms
                # of GUI time the first keystroke or cell would otherwise pay).
                # An in-process kernel answers at once, and this would delay it.
                QtCore.QTimer.singleShot(0, self._highlighter.warm_up)

    def _request_startup_info(self, banner: bool) -> None:
        """Connect-time handshake.

        A SUB socket misses whatever the kernel publishes before its
        subscription is in place (measured: the first cell's output was lost in
        4 of 8 fresh sessions with a plain jupyter_client client).  So nothing
        user-visible is sent until IOPub has shown it is live (an
        ``iopub_welcome`` from XPUB kernels, or any message), probing with
        ``kernel_info`` requests meanwhile; then the prompt is requested.
        """
        self._iopub_live = False
        self._kernel_info_seen = False
        self._handshake_done = False
        self._handshake_banner = banner
        self._handshake_started = self._hb_epoch = time.monotonic()
        self._handshake_warned = False
        self._kernel_error = None
        self._auth_retries = list(self.AUTH_RETRY_DELAYS)
        self._send_kernel_info()
        if not self._owns_kernel() and hasattr(self._kernel_client, "authentic_seen"):
            # a kernel busy with another client's cell answers on control at once
            try:
                kc = self._kernel_client
                kc.control_channel.send(kc.session.msg("kernel_info_request", {}))
            except Exception as exc:
                self.log.debug("no kernel_info on control: %s", exc)
        self._handshake_timer.start(200)
        error = getattr(self._kernel_client, "authentication_error", None)
        if isinstance(error, str):  # said before this console was listening
            self._on_authentication_failed(error)

    def _owns_kernel(self) -> bool:
        km = self._kernel_manager
        return km is not None and getattr(km, "has_kernel", False)

    def _send_kernel_info(self) -> None:
        kind = "kernel_info" if self._handshake_banner else "kernel_info_quiet"
        self._requests[self._kernel_client.kernel_info()] = kind

    @guarded
    def _handshake_tick(self) -> None:
        if self._handshake_done or self._kernel_client is None:
            self._handshake_timer.stop()
            return
        if self._kernel_state == "wrong key":
            # inferred wrong key: a few more tries, further and further apart
            self._send_kernel_info()
            if self._auth_retries:
                self._handshake_timer.setInterval(int(self._auth_retries.pop(0) * 1000))
            else:
                self._handshake_timer.stop()
            return
        waited = time.monotonic() - self._handshake_started
        if self._kernel_info_seen and waited > 5:
            self._iopub_live = True  # a kernel that never publishes: go on without
            self._maybe_handshake_done()
            return
        if waited >= self.AUTH_SILENCE and self._silent_but_beating():
            from ..connect import wrong_key_message

            self._report_wrong_key(wrong_key_message(
                getattr(self._kernel_client, "connection_file", None), heartbeat_only=True),
                definite=False)
            return
        if waited > self.settings.kernel_timeout and not self._handshake_warned and \
                self._kernel_state != "not responding":
            self._handshake_warned = True
            t = f"{self.settings.kernel_timeout:g}"
            if self._owns_kernel():
                self.write_notice(f"No reply from the kernel within {t} s: it is still starting "
                                  "(or hangs while starting). Still waiting\u2026")
            else:
                self.write_notice(
                    f"No reply from the kernel within {t} s: it is still starting, not running, "
                    "or the connection key is wrong (authentication failed). Still trying\u2026")
            self._handshake_timer.setInterval(1000)
            stderr = ""
            km = self._kernel_manager
            if km is not None and hasattr(km, "kernel_stderr"):
                stderr = km.kernel_stderr().strip()
            if stderr:
                self.write_notice("The kernel's error output so far:")
                self.write_text(stderr + "\n", "stderr")
        self._send_kernel_info()

    def _silent_but_beating(self) -> bool:
        """A kernel this console did not start whose heartbeat (unsigned)
        answered since the connect while no message authenticated."""
        kc = self._kernel_client
        seen = getattr(kc, "authentic_seen", None)
        if seen is None or self._owns_kernel() or self._kernel_state == "not responding" \
                or seen():
            return False
        hb = getattr(kc, "hb_channel", None)
        last = getattr(hb, "last_beat", None)
        return last is not None and last > self._hb_epoch and hb.is_beating()

    @guarded
    def _on_authentication_failed(self, message: str) -> None:
        if self._handshake_done or self._kernel_state == "wrong key":
            return
        self._report_wrong_key(message, definite=True)

    def _report_wrong_key(self, message: str, definite: bool) -> None:
        self._kernel_error = message
        if definite or not self._auth_retries:
            self._handshake_timer.stop()  # every request would fail the same way
        else:
            self._handshake_timer.start(int(self._auth_retries.pop(0) * 1000))
        self._set_state("wrong key")
        self.write_text(f"Error: {message}.\n", "stderr")

    def _answered_after_all(self) -> None:
        """An authentic reply came after a wrong key was reported."""
        self._kernel_error = None
        self.write_notice("The kernel answered after all.")
        if not self._handshake_done:
            self._handshake_timer.start(200)

    @guarded
    def _maybe_handshake_done(self) -> None:
        if self._handshake_done or not (self._iopub_live and self._kernel_info_seen):
            return
        stdin_connected = getattr(self._kernel_client, "stdin_connected", None)
        if stdin_connected is not None and not stdin_connected():
            # an input() now would lose its prompt (see QtKernelClient.stdin_connected)
            if time.monotonic() - self._handshake_started < self.STDIN_WAIT:
                QtCore.QTimer.singleShot(5, self._maybe_handshake_done)
                return
            self.log.warning("the kernel's stdin channel is not connected after %g s; "
                             "input() may not reach this console", self.STDIN_WAIT)
        self._handshake_done = True
        self._handshake_timer.stop()
        self._keep_spare()  # the kernel is up: its spare may start (spare_restart.py)
        self._handshake_timer.setInterval(200)
        kc = self._kernel_client
        self._requests[kc.execute("", silent=True, store_history=False)] = "prompt"
        self._replay_queued_keys()
        if self.settings.history_load_length > 0 and not self.history.items:
            self._requests[kc.history(hist_access_type="tail", n=self.settings.history_load_length,
                                      raw=True, output=False)] = "history"

    # ------------------------------------------------------------------
    # kernel faults
    @guarded
    def _on_kernel_died(self, reason: str = "Kernel died") -> None:
        self._hb_timer.stop()
        self._set_state("dead")
        self.write_notice(f"{reason}. Restarting\u2026" if getattr(
            self._kernel_manager, "autorestart", False) else f"{reason}.")
        self._abort_execution("died")

    def kernel_shut_down(self, message: str = "The kernel was shut down.") -> None:
        """The kernel was stopped on purpose (the application's Kernel \u25b8 Shut
        down): the state is ``dead``, the running cell and the queue end, and the
        heartbeat that stops answering is not reported as a hang."""
        self._hb_timer.stop()
        self._set_state("dead")
        self.write_notice(message)
        self._abort_execution("was shut down")

    @guarded
    def _on_kernel_restarted(self) -> None:
        if self._follow_new_ports():
            return
        self._set_state("restarting")
        self._requests = {k: v for k, v in self._requests.items() if v == "hidden"}
        self.write_notice("Kernel restarted.")
        self._next_count = 1
        if self._prompt_kind is None and self._executing_id is None:
            self._show_input_prompt(1)
        elif self._prompt_kind == "input":
            self._replace_prompt(self._format_prompt(self.settings.in_prompt, 1))
        if self._kernel_client is not None:
            self._request_startup_info(banner=False)

    def _follow_new_ports(self) -> bool:
        """After a restart on new ports (the manager's watchdog does that for
        a kernel that died before answering), point the client at them and
        connect again; True if it did."""
        km, kc = self._kernel_manager, self._kernel_client
        if km is None or kc is None or not hasattr(km, "get_connection_info") or \
                not hasattr(kc, "load_connection_info"):
            return False
        info = km.get_connection_info()
        ports = [k for k in info if k.endswith("_port")]
        if all(getattr(kc, k, None) == info[k] for k in ports):
            return False
        self.log.info("the kernel restarted on new ports; reconnecting")
        self._handshake_timer.stop()
        self.kernel_client = None  # disconnects this widget from the old channels
        kc.stop_channels()
        _forget_ports(kc)
        kc.load_connection_info(info)
        self._set_state("restarting")
        self.write_notice("Kernel restarted.")
        self._next_count = 1
        kc.start_channels()
        self.kernel_client = kc  # channels running: starts the handshake
        return True

    @guarded
    def _on_restart_failed(self, stderr: str) -> None:
        """``stderr``: what the failed starts wrote (the manager leaves out the
        output of kernels that had started fine)."""
        self._set_state("dead")
        msg = "The kernel keeps dying at start; giving up."
        if stderr.strip():
            msg += " Its error output when it failed to start:"
        else:
            msg += " It wrote nothing to its error output when it failed to start."
        self.write_notice(msg)
        if stderr.strip():
            self.write_text(stderr.rstrip("\n") + "\n", "stderr")

    @guarded
    def _on_connection_lost(self, reason: str) -> None:
        """The link to a remote kernel dropped; the client is reconnecting."""
        if self._kernel_state in ("dead", "disconnected"):
            return
        self._set_state("disconnected")
        self.write_notice(f"Lost the connection to the kernel ({reason}); reconnecting\u2026")

    @guarded
    def _on_connection_restored(self) -> None:
        if self._kernel_state != "disconnected":
            return
        self._set_state(self._activity)
        self.write_notice("Reconnected to the kernel.")

    @guarded
    def _on_heartbeat_failed(self, since: float) -> None:
        state = self._kernel_state
        if state in ("dead", "not responding", "wrong key", "disconnected"):
            return
        hb = getattr(self._kernel_client, "hb_channel", None)
        if hb is not None and hb.is_beating():
            return  # it answered again before this reached the GUI thread
        if state in ("starting", "restarting"):
            # a kernel that is starting has nothing to answer with yet; one
            # whose heartbeat answered since and then stopped hangs
            last = getattr(hb, "last_beat", None)
            if last is None or last <= self._hb_epoch:
                return
        km = self._kernel_manager
        if km is not None and getattr(km, "has_kernel", False):
            try:
                if not km.is_alive():
                    return  # the manager's watchdog reports the death
            except Exception:
                pass
        self._state_before_hang = state
        self._set_state("not responding")
        self.write_notice(f"The kernel is not responding (no heartbeat for {since:.1f} s). "
                          "It may be hung; wait, interrupt or restart it.")
        self._hb_timer.start(300)

    @guarded
    def _check_heartbeat(self) -> None:
        kc = self._kernel_client
        if kc is None or self._kernel_state != "not responding":
            self._hb_timer.stop()
            return
        if kc.hb_channel.is_beating():
            self._hb_timer.stop()
            before = self._state_before_hang
            self._set_state(before if before in ("starting", "restarting")
                            and not self._kernel_info_seen else self._activity)
            self.write_notice("The kernel is responding again.")

    def adopt_kernel(self, kernel_manager, kernel_client,
                     message: str = "Kernel restarted.") -> None:
        """Go on with a restarted or different kernel (the application restarts
        from a warm spare this way, and moves every tab of a restarted kernel).

        The running cell is marked aborted and queued cells are cancelled; the
        transcript and the input being typed stay.  ``kernel_client`` may be the
        current client (the kernel restarted on the same ports) or a new one
        with its channels started.
        """
        self._abort_execution("restarted")
        self.kernel_manager = kernel_manager
        if kernel_client is self._kernel_client:
            self._on_kernel_restarted()
            return
        old = self._kernel_client
        self.kernel_client = None
        if old is not None:
            try:  # the GUI does not wait for its I/O thread to end
                getattr(old, "stop_channels_in_background", old.stop_channels)()
            except Exception:
                pass
        self._requests = {k: v for k, v in self._requests.items() if v == "hidden"}
        self._set_state("restarting")
        self.write_notice(message)
        self._next_count = 1
        if self._prompt_kind == "input":
            self._replace_prompt(self._format_prompt(self.settings.in_prompt, 1))
        self.kernel_client = kernel_client  # starts the connect handshake

    # ------------------------------------------------------------------
    def shutdown_kernel(self) -> None:
        """Stop the kernel when this console owns it (used on close), and its spare."""
        kc, km = self._kernel_client, self._kernel_manager
        self._stop_spares()
        if kc is not None:
            kc.stop_channels()
        if km is not None and getattr(km, "has_kernel", False) and \
                getattr(km, "owns_kernel", True):
            km.shutdown_kernel(now=True)
