"""The status bar: the current tab's kernel, its state, queued cells, connection file.

The state shows how long the kernel has been busy (updated every second, only
while busy); the connection file is a link that copies the ``--existing``
command line to the clipboard (its colour follows the palette: a light or
dark theme chosen at run time).
"""

from __future__ import annotations

import os
import time

from qtpy import QtCore, QtWidgets

__all__ = ["StatusBar"]


class StatusBar(QtWidgets.QStatusBar):
    """Shows one console at a time (:meth:`show_console`)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.kernel_label = QtWidgets.QLabel()
        self.state_label = QtWidgets.QLabel("starting")
        self.queue_label = QtWidgets.QLabel()
        self.file_label = QtWidgets.QLabel()
        self.file_label.setTextInteractionFlags(
            QtCore.Qt.TextInteractionFlag.LinksAccessibleByMouse)
        self.file_label.linkActivated.connect(self._copy_existing)
        self.file_label.setToolTip("Click to copy the command line that attaches another console")
        fm = self.state_label.fontMetrics()
        self.state_label.setMinimumWidth(fm.horizontalAdvance("not responding "))
        for w in (self.kernel_label, self.state_label, self.queue_label, self.file_label):
            self.addPermanentWidget(w)
        self._console = None
        self._handle = None
        self._busy_since: dict[int, float] = {}
        self._tick = QtCore.QTimer(self)
        self._tick.setInterval(1000)
        self._tick.timeout.connect(self._refresh_state)

    def track(self, console) -> None:
        """Follow ``console``'s busy periods (call once per console)."""
        def changed(state, c=console):
            if state == "busy":
                self._busy_since.setdefault(id(c), time.monotonic())
            else:
                self._busy_since.pop(id(c), None)
            if c is self._console:
                self.refresh()  # the file link too: a shut-down kernel's file is gone
        console.kernel_state_changed.connect(changed)
        queue_changed = getattr(console, "queue_changed", None)
        if queue_changed is not None:
            queue_changed.connect(lambda _cells, c=console: c is self._console and
                                  self._refresh_queue())

    def forget(self, console) -> None:
        self._busy_since.pop(id(console), None)
        if console is self._console:
            self._console = self._handle = None

    def show_console(self, console, handle) -> None:
        self._console, self._handle = console, handle
        self.refresh()

    def refresh(self) -> None:
        h = self._handle
        self.kernel_label.setText(h.label if h is not None else "")
        line = h.existing_line() if h is not None else ""
        gone = h is not None and h.server is None and not os.path.exists(h.connection_file or "")
        if line and not gone:
            name = line.rsplit(" ", 1)[-1]
            self.file_label.setText(f'<a href="copy">{name}</a>')
        else:
            self.file_label.setText("")
        self._refresh_state()
        self._refresh_queue()

    def _refresh_state(self) -> None:
        c = self._console
        state = c.kernel_state if c is not None else ""
        since = self._busy_since.get(id(c)) if c is not None else None
        if state == "busy" and since is not None:
            state = f"busy {int(time.monotonic() - since)} s"
        self.state_label.setText(state)
        if self._busy_since and not self._tick.isActive():
            self._tick.start()
        elif not self._busy_since:
            self._tick.stop()

    def _refresh_queue(self) -> None:
        n = len(getattr(self._console, "queued_cells", ()) or ()) if self._console else 0
        self.queue_label.setText(f"{n} queued" if n else "")
        self.queue_label.setVisible(bool(n))

    def changeEvent(self, ev) -> None:  # noqa: N802 (Qt's name)
        super().changeEvent(ev)
        if ev.type() == QtCore.QEvent.Type.PaletteChange:
            # a link's colour is fixed when the label's text is parsed: parse it again
            text = self.file_label.text()
            self.file_label.clear()
            self.file_label.setText(text)

    def _copy_existing(self, _link=None) -> None:
        if self._handle is None or not self.file_label.text():
            return
        line = self._handle.existing_line()
        QtWidgets.QApplication.clipboard().setText(line)
        self.showMessage(f"Copied: {line}", 4000)
