"""Give a subprocess kernel a head start: launch its process before jupyter_client is imported.

Most of an ipykernel kernel's start-up is its own imports (IPython, ipykernel,
zmq, tornado: ~0.4 s here), and until now they could only begin once the
console had imported jupyter_client and Qt's core module and asked
jupyter_client to launch the kernel (~0.2 s after the application started).

:class:`HeadStart` launches ``python _kernel_entry.py --embedcon-head-start``
at once, using nothing heavier than the standard library.  That process does
the imports and then waits on its stdin for the rest of its command line.
The launch itself stays jupyter_client's: :class:`~embedcon.manager.QtKernelManager`
builds the command, the environment and the connection file as always, and
only at the moment it would start a process does it offer them to
:meth:`HeadStart.take`.  If they are exactly what the head start was started
with (same interpreter, same entry script, same environment, same working
directory, stdin a pipe, stderr the manager's capture file, a new session) the
waiting process gets the arguments and becomes the kernel; otherwise it is
stopped and jupyter_client launches the kernel the usual way.  Either way
the kernel is the one the user asked for.

The waiting process exits by itself when its stdin closes (the console
quit, or decided against it).  POSIX only; elsewhere there is no head start.

Every path to a default kernel gets one: :func:`start_early` is called by
``embedcon/__main__.py`` and :func:`embedcon.subprocess_console` before they
import jupyter_client, and by ``import embedcon.manager`` itself, so that code
written for the Jupyter Qt Console (``QtKernelManager(...).start_kernel()``)
starts as fast as the one-call API.  One early process per interpreter at a
time, and none after one was taken; the first
:class:`~embedcon.manager.QtKernelManager` of the default kernel takes it
(:func:`claim_early`).  An untaken one costs an idle Python
with ipykernel imported (about 60 MB) until the program exits;
``EMBEDCON_NO_HEAD_START=1`` turns the early launch off.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import tempfile

from . import kernel_launcher

log = logging.getLogger("embedcon.head_start")

__all__ = ["HeadStart", "FLAG", "start_early", "claim_early"]

#: First argument of the entry script in head-start mode.
FLAG = "--embedcon-head-start"

#: Set to 1/true/yes/on to never launch a kernel before it is asked for.
DISABLE_ENV = "EMBEDCON_NO_HEAD_START"

# Variables the interpreter or the dynamic loader read when the waiting process
# started: a difference in one of these means a different process.
_FIXED_AT_START = ("PYTHON", "LD_", "DYLD_", "MALLOC", "OMP_", "OPENBLAS", "MKL_")

_KNOWN_KW = {"env", "stdin", "stdout", "stderr", "cwd", "independent"}


class HeadStart:
    """A kernel process started early, waiting for its arguments."""

    def __init__(self, python: str | None = None):
        self.python = python or sys.executable
        self.prefix = [self.python, kernel_launcher.KERNEL_ENTRY]
        self.env = dict(os.environ)
        self.cwd = os.getcwd()
        self.stderr = tempfile.TemporaryFile(prefix="embedcon-kernel-stderr-")
        self.env_delta: dict[str, str | None] = {}  # what take() tells the process to change
        env = dict(self.env)
        env["JPY_PARENT_PID"] = str(os.getpid())  # what jupyter_client's launcher adds
        self.process: subprocess.Popen | None = subprocess.Popen(
            [*self.prefix, FLAG], stdin=subprocess.PIPE, stdout=None, stderr=self.stderr,
            env=env, start_new_session=True)

    @classmethod
    def maybe(cls, kernel_name: str) -> "HeadStart | None":
        """A head start for ``kernel_name``, or None where it would not be used.

        Only the default Python kernel is started early (its command is this
        interpreter running ipykernel, which embedcon launches through its
        entry script), and only on POSIX with the Qt event-loop fix on, and
        not from a frozen application (whose executable is not Python)."""
        if kernel_name != "python3" or os.name != "posix" or kernel_launcher.is_disabled() \
                or not os.path.isfile(kernel_launcher.KERNEL_ENTRY) or not sys.executable \
                or getattr(sys, "frozen", False):  # a frozen app's executable is not Python
            return None
        try:
            return cls()
        except Exception as exc:  # never stop the console from starting its kernel
            log.warning("no head start for the kernel: %s", exc)
            return None

    def matches(self, cmd, kw: dict) -> str | None:
        """None if ``cmd``/``kw`` (jupyter_client's launch arguments) are what
        this process was started with; otherwise why not."""
        if self.process is None or self.process.poll() is not None:
            return "the waiting process has exited"
        if list(cmd[:2]) != self.prefix or len(cmd) < 3:
            return f"a different command: {list(cmd[:2])!r}"
        extra = set(kw) - _KNOWN_KW
        if extra:
            return f"launch options it was not started with: {sorted(extra)}"
        self.env_delta = {}
        if kw.get("env") is not None and kw["env"] != self.env:
            changed = sorted(k for k in set(kw["env"]) | set(self.env)
                             if kw["env"].get(k) != self.env.get(k))
            fixed = [k for k in changed if k.startswith(_FIXED_AT_START)]
            if fixed:
                return f"a different environment ({', '.join(fixed[:5])})"
            # e.g. QT_API, which importing qtpy sets: the process applies these
            # before the kernel starts (nothing it imported ahead reads them)
            self.env_delta = {k: kw["env"].get(k) for k in changed}
        if kw.get("cwd") not in (None, self.cwd):
            return "a different working directory"
        if kw.get("stderr") is not self.stderr or kw.get("stdout") is not None \
                or kw.get("stdin") is not None or kw.get("independent"):
            return "different standard streams"
        return None

    def take(self, cmd, kw: dict) -> subprocess.Popen | None:
        """Hand ``cmd``'s arguments to the waiting process and return it, or
        stop it and return None when it does not match."""
        why = self.matches(cmd, kw)
        if why is None:
            proc, self.process = self.process, None
            try:
                args = [os.path.expanduser(a) for a in cmd[2:]]  # as launch_kernel does
                proc.stdin.write(json.dumps({"argv": args, "env": self.env_delta}).encode()
                                 + b"\n")
                proc.stdin.flush()
                return proc
            except (OSError, ValueError) as exc:  # it died meanwhile
                why = f"could not reach it ({exc})"
                self.process = proc
        log.info("kernel head start not used: %s", why)
        self.discard()
        return None

    def discard(self) -> None:
        """Stop the waiting process (closing its stdin is enough; kill to be sure)."""
        proc, self.process = self.process, None
        if proc is None:
            return
        try:
            proc.stdin.close()
        except OSError:
            pass
        try:
            proc.kill()
            proc.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            pass

    def __del__(self):
        try:
            self.discard()
        except Exception:
            pass


# -- one early process per interpreter ----------------------------------------
_early: HeadStart | None = None
_claimed = False  # one per interpreter: once taken, no more early launches


def start_early(kernel_name: str = "python3", again: bool = False) -> HeadStart | None:
    """Launch a head start for the default kernel that the next kernel
    manager may take, unless one is waiting; return it (None where there is
    none: see :meth:`HeadStart.maybe`, or ``EMBEDCON_NO_HEAD_START`` is set).

    Without ``again`` (the call made by ``import embedcon.manager``) nothing
    is launched once a head start was taken in this interpreter: the import
    comes after the entry points' own early launch."""
    global _early
    if _claimed and not again:
        return None
    if _early is not None and _early.process is not None and _early.process.poll() is None:
        return _early
    if os.environ.get(DISABLE_ENV, "").strip().lower() in {"1", "true", "yes", "on"}:
        return None
    _early = HeadStart.maybe(kernel_name)
    return _early


def claim_early() -> HeadStart | None:
    """Take the early head start (it is then the caller's to use or discard)."""
    global _early, _claimed
    head, _early = _early, None
    _claimed = _claimed or head is not None
    if head is not None and (head.process is None or head.process.poll() is not None):
        return None
    return head
