"""The call tip: a signature and the start of a docstring under the cursor.

Typing ``(`` after a name (or Shift+Tab inside a call) sends an
``inspect_request`` (detail 0) without waiting.  The reply is shown only if
it answers the latest request and the cursor is still inside the same call;
otherwise it is dropped.  The tip hides on Escape, when the cursor leaves the
call's parentheses, when the input is executed, and when the focus leaves the
input (another widget of the host, another window, the window hidden); a
reply still to come is then dropped.  A kernel that does not
answer, answers with an error or with ``found: false`` shows nothing.
"""

from __future__ import annotations

from qtpy import QtCore, QtGui, QtWidgets

from ..models.calltip import call_still_open, open_call, tip_text
from .guard import guarded

__all__ = ["CallTip"]


class CallTip(QtWidgets.QLabel):
    """A tooltip-style box over the console's viewport (never takes focus)."""

    def __init__(self, console):
        super().__init__(console._control.viewport())
        self._console = console
        self.log = console.log
        self.setFocusPolicy(QtCore.Qt.FocusPolicy.NoFocus)
        self.setTextFormat(QtCore.Qt.TextFormat.PlainText)
        self.setWordWrap(False)
        self.setMargin(4)
        self.setAutoFillBackground(True)
        self.setFrameShape(QtWidgets.QFrame.Shape.Box)
        self.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.NoTextInteraction)
        self._msg_id: str | None = None
        self._paren: QtGui.QTextCursor | None = None  # just after the call's "("
        self._apply_palette()
        console._control.cursorPositionChanged.connect(self._cursor_moved)
        # one signal per focus change (an event filter would see every event of the editor)
        QtWidgets.QApplication.instance().focusChanged.connect(self._focus_changed)
        self.hide()

    def _apply_palette(self) -> None:
        pal = QtWidgets.QToolTip.palette()
        self.setPalette(pal)
        self.setFont(self._console._control.font())

    def changeEvent(self, ev) -> None:
        if ev.type() == QtCore.QEvent.Type.PaletteChange and not self._styling:
            self._styling = True
            try:
                self._apply_palette()
            finally:
                self._styling = False
        super().changeEvent(ev)

    _styling = False

    # -- requests ----------------------------------------------------------
    def request(self, force: bool = False) -> bool:
        """Ask the kernel about the call at the cursor; False when not in a call.

        Without ``force`` (the automatic tip after "(") nothing is asked
        when call tips are disabled."""
        console = self._console
        kc = console.kernel_client
        if kc is None or not console._editing() or console._prompt_kind != "input":
            return False
        if not force and not console.settings.enable_calltips:
            return False
        code, pos = console._buffer_and_offset()
        paren = open_call(code[:pos])
        if paren is None:
            return False
        try:
            self._msg_id = kc.inspect(code, paren + 1, detail_level=0)
        except Exception as exc:  # a client without inspect: nothing to show
            console.log.debug("inspect_request failed: %s", exc)
            return False
        console._requests[self._msg_id] = "inspect"
        doc_pos = console._cursor().position() - (pos - paren - 1)
        self._paren = QtGui.QTextCursor(console._doc)
        self._paren.setPosition(doc_pos)
        self._paren.setKeepPositionOnInsert(True)  # typing the arguments moves the cursor, not this
        return True

    def show_reply(self, msg_id: str, content: dict) -> None:
        if msg_id != self._msg_id:
            return  # an older request: the user moved on
        self._msg_id = None
        if not self._inside_call():
            return
        text = tip_text(content)
        if not text:
            self.hide()
            return
        self.setFont(self._console._control.font())
        self.setText(text)
        self._place()
        self.show()
        self.raise_()

    # -- hiding ------------------------------------------------------------
    def cancel(self) -> None:
        """Hide the tip and forget any pending request."""
        self._msg_id = None
        self._paren = None
        self.hide()

    def _inside_call(self) -> bool:
        """Is the cursor still between the call's "(" and its ")"?"""
        console = self._console
        if self._paren is None or not console._editing():
            return False
        paren = self._paren.position()  # just after "("
        pos = console._cursor().position()
        if paren <= console._input_cursor.position() or pos < paren:
            return False
        return call_still_open(console._text_range(paren - 1, pos))

    @guarded
    def _focus_changed(self, old, new) -> None:
        """The focus left the input (not for the tip itself): hide, drop a pending reply."""
        if (self.isVisible() or self._msg_id is not None) and \
                old is self._console._control and new is not self:
            self.cancel()

    @guarded
    def _cursor_moved(self) -> None:
        if (self.isVisible() or self._msg_id is not None) and not self._inside_call():
            self.cancel()
        elif self.isVisible():
            self._place()

    def _place(self) -> None:
        edit = self._console._control
        view = edit.viewport()
        self.adjustSize()
        size = self.sizeHint()
        width = min(size.width(), max(view.width() - 8, 50))
        height = min(size.height(), max(view.height() // 2, 40))
        rect = edit.cursorRect()
        y = rect.bottom() + 3
        if y + height > view.height():
            y = max(rect.top() - height - 3, 0)
        x = min(max(rect.left() - 10, 0), max(view.width() - width - 4, 0))
        self.setGeometry(x, y, width, height)
