"""A virtual X display (Xvfb) for the tests that need a desktop.

matplotlib refuses a Qt backend on Linux without a display ("headless") until a
QApplication exists, so a bare ``%matplotlib qt`` can only be tried as users
meet it: on a display.  ``.ci/run`` installs Debian's ``xvfb`` and the xcb
libraries Qt's ``xcb`` platform needs; without ``Xvfb`` the tests that need it
fail with a message that says so (they are not skipped: CI must run them).
"""

from __future__ import annotations

import os
import select
import shutil
import subprocess
import time


class VirtualDisplay:
    """``Xvfb`` on a free display number (it picks one: ``-displayfd``)."""

    def __init__(self, size: str = "1280x800x24"):
        xvfb = shutil.which("Xvfb")
        if xvfb is None:
            raise RuntimeError("Xvfb not found: install xvfb (.ci/run does)")
        read, write = os.pipe()
        try:
            self.process = subprocess.Popen(
                [xvfb, "-displayfd", str(write), "-nolisten", "tcp", "-screen", "0", size],
                pass_fds=(write,), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        finally:
            os.close(write)
        number = b""
        deadline = time.monotonic() + 15
        try:
            while not number.endswith(b"\n"):
                ready, _, _ = select.select([read], [], [], max(0.0, deadline - time.monotonic()))
                if not ready:
                    self.stop()
                    raise RuntimeError("Xvfb did not start within 15 s")
                chunk = os.read(read, 64)
                if not chunk:
                    err = self.process.stderr.read().decode(errors="replace")
                    raise RuntimeError("Xvfb exited: " + err[-1000:])
                number += chunk
        finally:
            os.close(read)
        self.display = ":" + number.decode().strip()

    def env(self) -> dict:
        """The variables of a process on this display, with Qt's X11 platform."""
        return {"DISPLAY": self.display, "QT_QPA_PLATFORM": "xcb"}

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_kernel_on(display: VirtualDisplay):
    """A python3 kernel (embedcon's manager, its Qt fix) on ``display``: (km, kc)."""
    from embedcon.manager import QtKernelManager

    km = QtKernelManager(kernel_name="python3")
    km.start_kernel(env={**os.environ, **display.env()})
    kc = km.client()
    kc.start_channels()
    return km, kc
