"""SSH passwords and key passphrases, asked in a dialog of the application.

:class:`embedcon.ssh_tunnel.KernelTunnel` calls a ``password_callback(prompt)``
when ssh needs a password or a passphrase.  The standalone console starts its
tunnel on a worker thread (:func:`run_while_responsive`, the GUI thread keeps
its event loop turning) and passes a :class:`DialogPasswordAsker`: called on
that worker thread, it shows a :class:`PasswordDialog` (masked input, ssh's
own prompt) on the GUI thread and waits for the answer; Cancel answers None,
which ends the tunnel's start with a one-line error.  Nothing typed here is
logged or kept after the answer is handed over.
"""

from __future__ import annotations

import threading
from typing import Callable, Optional, TypeVar

from qtpy import QtCore, QtWidgets

__all__ = ["PasswordDialog", "DialogPasswordAsker", "run_while_responsive"]

T = TypeVar("T")


class PasswordDialog(QtWidgets.QDialog):
    """ssh's prompt over a masked line edit, with OK and Cancel.

    ``objectName`` is ``ssh_password_dialog``; the line edit is ``field``
    (``ssh_password``)."""

    def __init__(self, prompt: str, server: str = "", parent=None):
        super().__init__(parent)
        self.setObjectName("ssh_password_dialog")
        self.setWindowTitle(f"SSH login \u2014 {server}" if server else "SSH login")
        self.setModal(True)
        layout = QtWidgets.QVBoxLayout(self)
        label = QtWidgets.QLabel(prompt.strip() or "Password:")
        label.setObjectName("ssh_password_prompt")
        label.setWordWrap(True)
        label.setTextFormat(QtCore.Qt.TextFormat.PlainText)  # ssh's text, not HTML
        layout.addWidget(label)
        self.field = QtWidgets.QLineEdit()
        self.field.setObjectName("ssh_password")
        self.field.setEchoMode(QtWidgets.QLineEdit.EchoMode.Password)
        self.field.setMinimumWidth(420)
        layout.addWidget(self.field)
        buttons = QtWidgets.QDialogButtonBox(
            QtWidgets.QDialogButtonBox.StandardButton.Ok
            | QtWidgets.QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.buttons = buttons
        self.field.setFocus()

    def answer(self) -> Optional[str]:
        """The text typed if OK was pressed, else None; the field is emptied."""
        text = self.field.text() if self.result() == QtWidgets.QDialog.DialogCode.Accepted \
            else None
        self.field.clear()
        return text


class DialogPasswordAsker(QtCore.QObject):
    """A thread-safe ``password_callback`` that asks in a :class:`PasswordDialog`.

    Create it on the GUI thread.  Called on another thread, it hands the
    prompt to the GUI thread and waits for the user's answer; called on the
    GUI thread, it runs the dialog there.  :meth:`cancel` answers None to a
    question still open (and closes its dialog)."""

    _ask = QtCore.Signal(str)

    def __init__(self, server: str = "", parent=None):
        super().__init__(parent)
        self.server = server
        self.dialog: Optional[PasswordDialog] = None
        self._answer: Optional[str] = None
        self._done = threading.Event()
        self._lock = threading.Lock()  # one question at a time
        self._gui_thread = threading.get_ident()
        self._ask.connect(self._open, QtCore.Qt.ConnectionType.QueuedConnection)

    def __call__(self, prompt: str) -> Optional[str]:
        with self._lock:
            self._answer = None
            self._done.clear()
            if threading.get_ident() == self._gui_thread:
                self._open(prompt)
                while not self._done.is_set():
                    QtCore.QCoreApplication.processEvents(
                        QtCore.QEventLoop.ProcessEventsFlag.WaitForMoreEvents, 50)
            else:
                self._ask.emit(prompt)
                self._done.wait()
            answer, self._answer = self._answer, None
            return answer

    def _open(self, prompt: str) -> None:
        self.dialog = PasswordDialog(prompt, self.server)
        self.dialog.finished.connect(self._finished)
        self.dialog.open()
        self.dialog.raise_()
        self.dialog.activateWindow()

    def _finished(self, _code: int) -> None:
        dialog, self.dialog = self.dialog, None
        if dialog is not None:
            self._answer = dialog.answer()
            dialog.deleteLater()
        self._done.set()

    def cancel(self) -> None:
        """Answer None to an open question (GUI thread)."""
        if self.dialog is not None:
            self.dialog.reject()
        else:
            self._done.set()


def run_while_responsive(work: Callable[[], T]) -> T:
    """Run ``work()`` on a worker thread while this (GUI) thread turns a Qt
    event loop, so that dialogs and repaints go on; return its result or
    raise its exception."""
    result: dict = {}
    loop = QtCore.QEventLoop()

    class _Done(QtCore.QObject):
        done = QtCore.Signal()

    signal = _Done()
    signal.done.connect(loop.quit, QtCore.Qt.ConnectionType.QueuedConnection)

    def target():
        try:
            result["value"] = work()
        except BaseException as exc:  # handed to the GUI thread
            result["error"] = exc
        finally:
            signal.done.emit()

    thread = threading.Thread(target=target, daemon=True, name="embedcon-ssh-start")
    thread.start()
    if thread.is_alive():
        loop.exec()
    thread.join()
    if "error" in result:
        raise result["error"]
    return result["value"]
