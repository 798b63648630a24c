"""The console's side of a kernel session: connecting, dying, hanging, restarting.

A mixin of :class:`~embedcon.widgets.jupyter_widget.JupyterWidget`.
"""

from __future__ import annotations

import time

from qtpy import QtCore

from .guard import guarded

__all__ = ["KernelSession"]


class KernelSession:
    """Connect-time handshake, heartbeat and kernel death/restart handling."""

    STDIN_WAIT = 5.0  # seconds the handshake waits for the stdin channel to connect

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
        self._handshake_started = time.monotonic()
        self._handshake_warned = False
        self._send_kernel_info()
        self._handshake_timer.start(200)

    def _send_kernel_info(self) -> None:
        kind = "kernel_info" if self._handshake_banner else "kernel_info_quiet"
        self._requests[self._kernel_client.kernel_info()] = kind

    @guarded
    def _handshake_tick(self) -> None:
        if self._handshake_done or self._kernel_client is None:
            self._handshake_timer.stop()
            return
        waited = time.monotonic() - self._handshake_started
        if self._kernel_info_seen and waited > 5:
            self._iopub_live = True  # a kernel that never publishes: go on without
            self._maybe_handshake_done()
            return
        if waited > self.settings.kernel_timeout and not self._handshake_warned:
            self._handshake_warned = True
            self.write_notice(
                f"No reply from the kernel within {self.settings.kernel_timeout:g} s: it is "
                "still starting, not running, or the connection key is wrong "
                "(authentication failed). Still trying…")
            self._handshake_timer.setInterval(1000)
            stderr = ""
            km = self._kernel_manager
            if km is not None and hasattr(km, "kernel_stderr"):
                stderr = km.kernel_stderr().strip()
            if stderr:
                self.write_notice("The kernel's error output so far:")
                self.write_text(stderr + "\n", "stderr")
        self._send_kernel_info()

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

    @guarded
    def _on_kernel_restarted(self) -> None:
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

    @guarded
    def _on_restart_failed(self, stderr: str) -> None:
        self._set_state("dead")
        msg = "The kernel keeps dying at start; giving up."
        if stderr.strip():
            msg += " Its error output:"
        self.write_notice(msg)
        if stderr.strip():
            self.write_text(stderr.rstrip("\n") + "\n", "stderr")

    @guarded
    def _on_heartbeat_failed(self, since: float) -> None:
        if self._kernel_state in ("starting", "dead", "restarting", "not responding"):
            return
        km = self._kernel_manager
        if km is not None and getattr(km, "has_kernel", False):
            try:
                if not km.is_alive():
                    return  # the manager's watchdog reports the death
            except Exception:
                pass
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
            self._set_state(self._activity)
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
        """Stop the kernel when this console owns it (used on close)."""
        kc, km = self._kernel_client, self._kernel_manager
        if kc is not None:
            kc.stop_channels()
        if km is not None and getattr(km, "has_kernel", False):
            km.shutdown_kernel(now=True)
