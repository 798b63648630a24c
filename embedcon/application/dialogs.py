"""The application's dialogs: close the last tab on a kernel, attach to a
running kernel (the kernel picker is :mod:`.picker`).

The attach dialog lists the connection files of the Jupyter runtime directory
with the kernel's name, its start time (the file's time) and whether it
answers.  The answer is asked without blocking (:class:`embedcon.connect.KernelProbe`),
one probe per file, and each row is filled in when its probe ends.
"""

from __future__ import annotations

import glob
import os
import time

from qtpy import QtCore, QtWidgets

from .kernels import kernel_name_of_file, kernel_specs

__all__ = ["ask_close_kernel", "AttachDialog", "CLOSE_SHUTDOWN", "CLOSE_KEEP"]

CLOSE_SHUTDOWN, CLOSE_KEEP = "shutdown", "keep"


def ask_close_kernel(parent, text: str, detail: str = "") -> tuple[str | None, bool]:
    """Ask whether to shut down a kernel this window started.

    Returns ``(answer, remember)``: answer is CLOSE_SHUTDOWN, CLOSE_KEEP or
    None (cancelled).
    """
    box = QtWidgets.QMessageBox(parent)
    box.setObjectName("close_kernel_dialog")
    box.setWindowTitle("Shut down the kernel?")
    box.setIcon(QtWidgets.QMessageBox.Icon.Question)
    box.setText(text)
    if detail:
        box.setInformativeText(detail)
    stop = box.addButton("Shut down kernel", QtWidgets.QMessageBox.ButtonRole.YesRole)
    keep = box.addButton("Keep kernel running", QtWidgets.QMessageBox.ButtonRole.NoRole)
    box.addButton(QtWidgets.QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(stop)
    remember = QtWidgets.QCheckBox("Remember my answer")
    box.setCheckBox(remember)
    box.exec()
    clicked = box.clickedButton()
    if clicked is stop:
        return CLOSE_SHUTDOWN, remember.isChecked()
    if clicked is keep:
        return CLOSE_KEEP, remember.isChecked()
    return None, False


class AttachDialog(QtWidgets.QDialog):
    """Choose a running kernel: connection files in ``runtime_dir``, or a file chooser."""

    COLUMNS = ("Connection file", "Kernel", "Started", "Answers")
    PROBE_TIMEOUT = 2.0

    def __init__(self, runtime_dir: str, parent=None, exclude=()):
        super().__init__(parent)
        self.setWindowTitle("Connect to an existing kernel")
        self.setObjectName("attach_dialog")
        self.resize(720, 360)
        self.runtime_dir = runtime_dir
        self.chosen: str | None = None
        self.table = QtWidgets.QTableWidget(0, len(self.COLUMNS), self)
        self.table.setHorizontalHeaderLabels(self.COLUMNS)
        self.table.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QtWidgets.QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().setVisible(False)
        self.table.cellDoubleClicked.connect(lambda *_: self._accept_selected())
        browse = QtWidgets.QPushButton("Other file\u2026")
        browse.clicked.connect(self._browse)
        buttons = QtWidgets.QDialogButtonBox(
            QtWidgets.QDialogButtonBox.StandardButton.Open |
            QtWidgets.QDialogButtonBox.StandardButton.Cancel)
        buttons.addButton(browse, QtWidgets.QDialogButtonBox.ButtonRole.ActionRole)
        buttons.accepted.connect(self._accept_selected)
        buttons.rejected.connect(self.reject)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(QtWidgets.QLabel(f"Kernels in {runtime_dir}:"))
        layout.addWidget(self.table)
        layout.addWidget(buttons)
        self._probes: dict[str, tuple] = {}  # path -> (client, probe)
        self._exclude = {os.path.realpath(p) for p in exclude if p}
        self.populate()

    def files(self) -> list[str]:
        paths = glob.glob(os.path.join(self.runtime_dir, "kernel-*.json"))
        paths = [p for p in paths if os.path.realpath(p) not in self._exclude]
        return sorted(paths, key=lambda p: os.path.getmtime(p) if os.path.exists(p) else 0,
                      reverse=True)

    def populate(self) -> None:
        paths = self.files()
        self.table.setRowCount(len(paths))
        for row, path in enumerate(paths):
            try:
                started = time.strftime("%Y-%m-%d %H:%M:%S",
                                        time.localtime(os.path.getmtime(path)))
            except OSError:
                started = "?"
            name = kernel_name_of_file(path)
            cells = (os.path.basename(path), kernel_specs().get(name, name) or "?", started,
                     "asking\u2026")
            for col, text in enumerate(cells):
                item = QtWidgets.QTableWidgetItem(text)
                item.setData(QtCore.Qt.ItemDataRole.UserRole, path)
                self.table.setItem(row, col, item)
            self._probe(row, path)
        if paths:
            self.table.selectRow(0)
        self.table.resizeColumnsToContents()

    def _probe(self, row: int, path: str) -> None:
        from ..client import QtKernelClient
        from ..connect import KernelProbe, check_connection_file

        try:
            info = check_connection_file(path)
            kc = QtKernelClient()
            kc.load_connection_info(info)
            kc.start_channels(stdin=False)
        except Exception as exc:  # a bad file (ConnectionFileError) or no sockets
            self._answer(row, f"no: {exc}")
            return
        probe = KernelProbe(kc, self.PROBE_TIMEOUT, self)
        probe.ready.connect(lambda _c, r=row, p=path: self._done(r, p, "yes"))
        probe.failed.connect(lambda _m, r=row, p=path: self._done(r, p, "no answer"))
        self._probes[path] = (kc, probe)

    def _done(self, row: int, path: str, text: str) -> None:
        self._answer(row, text)
        kc, _ = self._probes.pop(path, (None, None))
        if kc is not None:
            QtCore.QTimer.singleShot(0, kc.stop_channels)

    def _answer(self, row: int, text: str) -> None:
        item = self.table.item(row, 3)
        if item is not None:
            item.setText(text)

    def answers(self) -> dict[str, str]:
        """Connection file name -> what its probe said so far."""
        return {self.table.item(r, 0).text(): self.table.item(r, 3).text()
                for r in range(self.table.rowCount())}

    def _accept_selected(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return
        self.chosen = self.table.item(rows[0].row(), 0).data(QtCore.Qt.ItemDataRole.UserRole)
        self.accept()

    def _browse(self) -> None:
        path, _ = QtWidgets.QFileDialog.getOpenFileName(
            self, "Connection file", self.runtime_dir, "Connection files (*.json);;All files (*)")
        if path:
            self.chosen = path
            self.accept()

    def done(self, result: int) -> None:
        for kc, probe in self._probes.values():
            probe.cancel()
            kc.stop_channels()
        self._probes.clear()
        super().done(result)
