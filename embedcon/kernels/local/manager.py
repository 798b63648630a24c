"""Kernel manager for Qt: starts, watches, interrupts and restarts a kernel.

Built on jupyter_client's :class:`KernelManager` (connection files, ports,
HMAC keys and kernelspecs are all jupyter_client's).  What this adds:

* a Qt watchdog that polls the kernel *process* every ``poll_interval``
  seconds and emits ``kernel_died`` when it goes away, then restarts it.  A
  kernel that had answered ``kernel_info`` since its start (it started fine)
  is restarted every time it dies; only deaths before that count as failed
  starts, and after ``restart_limit`` of them in a row it gives up, with the
  error output of those failed starts in ``restart_failed``.  A kernel that
  died before answering is restarted on new ports (one of its ports may have
  been taken by another process before it could bind it), and one that wrote
  zmq's "Address already in use" within ``stable_start_time`` of its start and
  still runs (ipykernel hangs when it loses its IOPub port, and runs without a
  heartbeat when it loses that one) is ended and restarted the same way;
* the kernel's stderr is captured to a private temporary file so that a
  kernel that fails to start can tell the user why;
* kernels launched through ipykernel get our fixed Qt event-loop
  integration (see :mod:`embedcon.kernel_launcher`), on by default and turned
  off with ``fix_qt_event_loop = False``;
* secure defaults: the connection file goes to ``jupyter_runtime_dir()`` as
  ``kernel-<id>.json`` (mode 0600; jupyter_client alone would put it in the
  system temporary directory), a non-loopback ``ip`` is refused unless
  ``allow_remote_access`` is set (then a warning is logged: the traffic is not
  encrypted), and an empty ``Session.key`` (unsigned messages) is refused
  unless ``allow_insecure_key`` is set.
"""

from __future__ import annotations

# Before anything heavy: launch the default kernel's process now, so that it
# does its imports while this process imports jupyter_client, Qt and the
# widgets (see head_start.start_early).  The first QtKernelManager of the
# default kernel takes it, whichever API built the manager.
from . import head_start as _head_start

_head_start.start_early()

import logging
import os
import re
import tempfile
import time
import uuid

from jupyter_client import KernelManager
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.provisioning import LocalProvisioner
from jupyter_core.paths import jupyter_path
from qtpy import QtCore
from traitlets import Bool, DottedObjectName, Float, Integer, default

from ..client import is_loopback  # re-exported
from ..manager_signals import ManagerSignals, _ManagerSignals  # re-exported

log = logging.getLogger("embedcon.manager")

__all__ = ["QtKernelManager", "is_loopback"]


class _KernelSpecs(KernelSpecManager):
    """jupyter_client's kernel spec lookup, in the same directories, without
    importing IPython to learn where ``~/.ipython`` is: that import took
    0.3 s of start-up before the kernel could even be launched."""

    @default("kernel_dirs")
    def _kernel_dirs_default(self) -> list[str]:
        ipython_dir = os.environ.get("IPYTHONDIR") or os.path.join(
            os.path.expanduser("~"), ".ipython")
        return jupyter_path("kernels") + [os.path.join(ipython_dir, "kernels")]


class QtKernelManager(ManagerSignals, KernelManager):
    """A :class:`jupyter_client.KernelManager` that reports through Qt signals.

    Signals: ``kernel_died(str reason)``, ``kernel_restarted()``,
    ``restart_failed(str kernel_stderr)``, ``started_kernel()``.
    """

    client_class = DottedObjectName("embedcon.client.QtKernelClient")

    poll_interval = Float(0.2, config=True, help="Seconds between checks that the kernel process lives.")
    restart_limit = Integer(
        3, config=True,
        help="Give up restarting after this many failed starts in a row (a failed start is "
             "a death before the kernel answered kernel_info), plus one.",
    )
    stable_start_time = Float(
        10.0, config=True,
        help="A kernel that never answered kernel_info and dies later than this after its "
             "start begins a new run of failed starts (kernels nobody talks to).",
    )
    fix_qt_event_loop = Bool(
        True, config=True,
        help="Launch ipykernel with embedcon's Qt event-loop integration, which fixes "
             "requests stalling after `%gui qt` / `%matplotlib qt` in ipykernel.",
    )

    allow_remote_access = Bool(
        False, config=True,
        help="Allow the kernel to listen on an address other than loopback. Anyone who can "
             "reach it and read the connection file can run code as you, and the traffic is "
             "not encrypted: prefer an SSH tunnel.")
    allow_insecure_key = Bool(
        False, config=True,
        help="Allow an empty Session.key, i.e. unsigned messages that any local process "
             "can forge.")

    @default("kernel_spec_manager")
    def _kernel_spec_manager_default(self) -> KernelSpecManager:
        return _KernelSpecs(data_dir=self.data_dir)

    def __init__(self, head_start=None, **kwargs):
        self._signals = _ManagerSignals()
        parent = kwargs.get("parent")
        if head_start is None and getattr(parent, "kernel_head_start", None) is not None:
            # the standalone app launched one before its imports (embedcon/__main__.py)
            head_start, parent.kernel_head_start = parent.kernel_head_start, None
        # a kernel process already launched and importing (see head_start.py)
        self._head_start = head_start
        if "allow_remote" in kwargs:  # short spelling
            kwargs["allow_remote_access"] = kwargs.pop("allow_remote")
        self._remote_warned = False
        super().__init__(**kwargs)
        self.check_security()
        self._watch_timer: QtCore.QTimer | None = None
        self._stderr_file = None if head_start is None else head_start.stderr
        self._launched_once = False
        self._stderr_offset = 0
        self._stderr_seen_size = 0  # stderr's size when _lost_a_port last read it
        self._failed_starts: list[str] = []  # stderr of each failed start in a row
        self._started_at = 0.0
        self._answered = False  # the kernel answered kernel_info since its start
        self._given_up = False
        #: the keyword arguments of the last :meth:`start_kernel` (``env``,
        #: ``cwd``, ...; not ``stderr``): a spare kernel standing in for this
        #: one is started with them (:mod:`embedcon.kernels.local.spare`)
        self.launch_kwargs: dict = {}

    # -- security ------------------------------------------------------------
    def check_security(self) -> None:
        """Raise ValueError for a non-loopback ``ip`` without ``allow_remote_access``
        or an empty key without ``allow_insecure_key`` (checked at construction
        and again at every start)."""
        if self.transport == "tcp" and not is_loopback(self.ip):
            if not self.allow_remote_access:
                raise ValueError(
                    f"refusing to let the kernel listen on {self.ip!r}: only loopback addresses "
                    "are allowed unless allow_remote_access=True "
                    "(QtKernelManager.allow_remote_access; --allow-remote-access for the "
                    "embedcon command); the traffic is not encrypted")
            if not self._remote_warned:
                self._remote_warned = True
                log.warning(
                    "the kernel listens on %s: anyone who can reach this address and read the "
                    "connection file can run code as you, and the traffic is not encrypted "
                    "(prefer loopback with an SSH tunnel)", self.ip)
        if not self.session.key and not self.allow_insecure_key:
            raise ValueError(
                "refusing an empty Session.key: messages would not be signed and any local "
                "process could run code in the kernel (set allow_insecure_key=True to allow it)")

    def write_connection_file(self, **kwargs) -> None:
        if not self.connection_file:
            from jupyter_core.paths import jupyter_runtime_dir
            from jupyter_core.utils import ensure_dir_exists

            runtime_dir = jupyter_runtime_dir()
            ensure_dir_exists(runtime_dir, 0o700)
            self.connection_file = os.path.join(
                runtime_dir, f"kernel-{self.kernel_id or uuid.uuid4()}.json")
        super().write_connection_file(**kwargs)

    # -- launching ---------------------------------------------------------
    def format_kernel_cmd(self, extra_arguments=None):
        cmd = super().format_kernel_cmd(extra_arguments)
        if self.fix_qt_event_loop:
            from . import kernel_launcher

            cmd = kernel_launcher.patch_kernel_cmd(cmd)
        return cmd

    def start_kernel(self, **kw):
        self.check_security()
        if self._head_start is None and not self._launched_once and "stderr" not in kw \
                and self.kernel_name == "python3" and self.fix_qt_event_loop:
            # the process `import embedcon.manager` launched (head_start.start_early)
            self._head_start = _head_start.claim_early()
            if self._head_start is not None:
                self._stderr_file = self._head_start.stderr
        self._launched_once = True
        # what a spare kernel standing in for this one is started with (spare.py)
        self.launch_kwargs = {k: v for k, v in kw.items() if k != "stderr"}
        if "stderr" not in kw:
            if self._stderr_file is None:
                self._stderr_file = tempfile.TemporaryFile(prefix="embedcon-kernel-stderr-")
            kw["stderr"] = self._stderr_file
        self._note_start()
        super().start_kernel(**kw)
        self._signals.started_kernel.emit()

    async def _async_launch_kernel(self, kernel_cmd, **kw):
        # jupyter_client's hook for launching differently: the first launch
        # may use the process a HeadStart already started, if it matches.
        head, self._head_start = self._head_start, None
        prov = self.provisioner
        if head is not None and isinstance(prov, LocalProvisioner):
            proc = head.take(kernel_cmd, LocalProvisioner._scrub_kwargs(kw))
            if proc is not None:
                # the bookkeeping LocalProvisioner.launch_kernel does for a process it starts
                prov.process, prov.pid = proc, proc.pid
                try:
                    prov.pgid = os.getpgid(proc.pid)
                except OSError:
                    prov.pgid = None
                prov.cwd = kw.get("cwd") or os.getcwd()
                self._reconcile_connection_info(prov.connection_info)
                return
        elif head is not None:
            head.discard()
        await super()._async_launch_kernel(kernel_cmd, **kw)

    def _note_start(self) -> None:
        if self._stderr_file is not None:
            try:
                self._stderr_offset = self._stderr_file.seek(0, os.SEEK_END)
            except (OSError, ValueError):
                self._stderr_offset = 0
        self._stderr_seen_size = self._stderr_offset
        self._started_at = time.monotonic()
        self._answered = False
        self._given_up = False

    def kernel_answered(self) -> None:
        """Note that the kernel answered a ``kernel_info`` request since its
        last start: it started fine, so its deaths no longer count as failed
        starts.  Called by :class:`~embedcon.client.QtKernelClient` (any
        thread) on every ``kernel_info`` reply."""
        self._answered = True
        self._failed_starts = []

    @property
    def kernel_ready(self) -> bool:
        """Whether the kernel answered ``kernel_info`` since its last start."""
        return self._answered

    def kernel_stderr(self, max_chars: int = 4000) -> str:
        """What the kernel wrote to stderr since it was last (re)started."""
        f = self._stderr_file
        if f is None:
            return ""
        try:
            end = f.seek(0, os.SEEK_END)
            start = max(self._stderr_offset, end - max_chars)
            f.seek(start)
            data = f.read(end - start)
            f.seek(0, os.SEEK_END)
        except (OSError, ValueError):
            return ""
        return data.decode("utf-8", "replace")

    # -- watchdog (replaces jupyter_client's restarter) --------------------
    def start_restarter(self) -> None:
        if self._watch_timer is None:
            self._watch_timer = QtCore.QTimer()
            self._watch_timer.timeout.connect(self._poll)
        self._watch_timer.start(max(20, int(self.poll_interval * 1000)))

    def stop_restarter(self) -> None:
        if self._watch_timer is not None:
            self._watch_timer.stop()

    def _poll(self) -> None:
        try:
            if self.shutting_down or not self.has_kernel:
                return
            alive = self.is_alive()
        except Exception:
            log.exception("could not poll the kernel process")
            return
        lost_port = False
        if alive:
            # ipykernel dies when its shell, stdin or control port is taken,
            # but hangs when its IOPub port is, and runs without a heartbeat
            # when that port is (it may even answer): end it
            starting = not self._answered or \
                time.monotonic() - self._started_at < self.stable_start_time
            if not (starting and self._lost_a_port(heartbeat_only=self._answered)):
                return
            lost_port = True
            self.stop_restarter()
            self._kill_hung_start()
            reason = "Kernel could not listen on its ports (another process took one)"
        else:
            self.stop_restarter()
            code = self._exit_code()
            reason = "Kernel died" + (f" (exit code {code})" if code is not None else "")
        self._signals.kernel_died.emit(reason)
        if not self.autorestart:
            return
        if self._answered:
            self._failed_starts = []  # it had started: restart it, whatever came before
        else:
            if time.monotonic() - self._started_at >= self.stable_start_time:
                self._failed_starts = []
            self._failed_starts.append(self.kernel_stderr())
        if len(self._failed_starts) > self.restart_limit:
            self._given_up = True
            self._signals.restart_failed.emit(self.failed_starts_stderr())
            return
        failed = self._failed_starts
        try:
            # A kernel that died before answering may have lost a port to
            # another process between their choice and its bind (zmq's
            # "Address already in use"): the same ports would fail again.
            self.restart_kernel(now=True, newports=lost_port or not self._answered)
        except Exception as exc:
            log.exception("restart failed")
            self._given_up = True
            self._signals.restart_failed.emit(f"{exc}\n{self.failed_starts_stderr()}")
            return
        self._failed_starts = failed
        self._signals.kernel_restarted.emit()

    _PORT_TAKEN = re.compile(r"ZMQError: Address (already )?in use")

    def _lost_a_port(self, heartbeat_only: bool = False) -> bool:
        """Whether the starting kernel wrote that it could not bind a port
        (its heartbeat's, with ``heartbeat_only``: a kernel that answered lost
        no other); stderr is read again only when it grew."""
        f = self._stderr_file
        if f is None:
            return False
        try:
            size = os.fstat(f.fileno()).st_size
        except (OSError, ValueError):
            return False
        if size == self._stderr_seen_size:
            return False
        self._stderr_seen_size = size
        text = self.kernel_stderr()
        if heartbeat_only and "heartbeat" not in text.lower():
            return False
        return bool(self._PORT_TAKEN.search(text))

    def _kill_hung_start(self) -> None:
        proc = getattr(self.provisioner, "process", None)
        try:
            if proc is not None:
                proc.kill()
                proc.wait(timeout=2)
        except Exception:
            log.exception("could not end the kernel that lost a port")

    def failed_starts_stderr(self, max_chars: int = 4000) -> str:
        """What the failed starts in a row wrote to stderr (each different
        text once, in order; "" when they wrote nothing)."""
        seen: list[str] = []
        for text in self._failed_starts:
            text = text.strip("\n")
            if text.strip() and text not in seen:
                seen.append(text)
        return "\n".join(seen)[-max_chars:]

    def _exit_code(self):
        prov = self.provisioner
        proc = getattr(prov, "process", None)
        try:
            return proc.poll() if proc is not None else None
        except Exception:
            return None

    @property
    def given_up(self) -> bool:
        """True once automatic restarts were abandoned."""
        return self._given_up

    def restart_kernel(self, now: bool = True, newports: bool = False, **kw) -> None:
        """Restart the kernel.  ``now=True`` (the default here) kills it at once,
        so the GUI never waits for a graceful shutdown.  A restart asked for
        (not the watchdog's) starts a new run of failed starts: after giving
        up, the user's restart gets ``restart_limit`` retries again."""
        self.stop_restarter()
        args = getattr(self, "_launch_args", None)
        if args and getattr(args.get("stderr"), "closed", False):
            # shut down before: its stderr file went with it; a new one
            self._stderr_file = tempfile.TemporaryFile(prefix="embedcon-kernel-stderr-")
            args["stderr"] = self._stderr_file
        if self.context.closed:  # jupyter_client ended the context it made at shutdown
            import zmq

            self.context = zmq.Context()
        self._note_start()
        self._failed_starts = []  # the watchdog puts its own run back (_poll)
        super().restart_kernel(now=now, newports=newports, **kw)

    def cleanup_random_ports(self) -> None:
        """Forget the ports so the next start binds new ones, and remove the
        connection file (the start writes it again with the new ports).
        jupyter_client does this only for ports it chose itself as random, and
        its local launcher pre-picks them all, so ``restart_kernel(newports=
        True)`` would keep them; here every TCP port is chosen again.  Clients
        follow with ``load_connection_info(km.get_connection_info())``."""
        if self.transport != "tcp":
            return super().cleanup_random_ports()
        for name in ("shell_port", "iopub_port", "stdin_port", "hb_port", "control_port"):
            setattr(self, name, 0)
        self.cleanup_connection_file()

    def shutdown_kernel(self, now: bool = False, restart: bool = False) -> None:
        self.stop_restarter()
        super().shutdown_kernel(now=now, restart=restart)
        if not restart and self._stderr_file is not None:
            try:
                self._stderr_file.close()
            except OSError:
                pass
            self._stderr_file = None
