"""Completion list shown under the cursor; keys stay with the editor."""

from __future__ import annotations

import os

from qtpy import QtCore, QtGui, QtWidgets

__all__ = ["CompletionPopup"]

_K = QtCore.Qt.Key


class CompletionPopup(QtWidgets.QListWidget):
    """A list of completions over the console's viewport.

    It never takes focus: the editor keeps receiving keys and forwards the
    navigation keys here, so typing goes on filtering the list.
    """

    def __init__(self, console):
        super().__init__(console._control.viewport())
        self._console = console
        self.setFocusPolicy(QtCore.Qt.FocusPolicy.NoFocus)
        self.setVerticalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.itemClicked.connect(lambda _item: self.accept())
        self._start = 0  # document position where the completed text starts
        self._matches: list[str] = []
        self.hide()

    def show_reply(self, content: dict) -> None:
        matches = content.get("matches")
        if content.get("status", "ok") != "ok" or not isinstance(matches, list):
            return
        matches = [m for m in matches if isinstance(m, str)]
        console = self._console
        if not matches or console._input_cursor is None:
            return
        code, offset = console._buffer_and_offset()
        start = content.get("cursor_start", offset)
        end = content.get("cursor_end", offset)
        if not isinstance(start, int) or not isinstance(end, int) or not 0 <= start <= end <= len(code):
            start = end = offset
        cursor = console._cursor()
        pos = cursor.position()
        self._start = pos - (offset - start)
        prefix = os.path.commonprefix(matches)
        self._replace(prefix if len(matches) > 1 else matches[0], end - offset)
        if len(matches) == 1:
            return
        self._matches = matches
        self.refilter()

    def _replace(self, text: str, extra_after: int = 0) -> None:
        console = self._console
        c = console._cursor()
        end = c.position() + max(extra_after, 0)
        c.setPosition(self._start)
        c.setPosition(end, QtGui.QTextCursor.MoveMode.KeepAnchor)
        c.insertText(text)
        console._set_cursor(c)

    def _typed(self) -> str:
        console = self._console
        pos = console._cursor().position()
        if pos < self._start:
            return None
        return console._text_range(self._start, pos)

    def refilter(self) -> None:
        typed = self._typed()
        if typed is None or any(ch.isspace() for ch in typed):
            self.hide()
            return
        shown = [m for m in self._matches if m.startswith(typed)]
        if not shown:
            self.hide()
            return
        self.clear()
        self.addItems(shown[:500])
        self.setCurrentRow(0)
        self._place()
        self.show()

    def _place(self) -> None:
        edit = self._console._control
        rect = edit.cursorRect()
        rows = min(self.count(), 10)
        height = self.sizeHintForRow(0) * rows + 2 * self.frameWidth() + 2
        width = min(max(self.sizeHintForColumn(0) + 30, 120), edit.viewport().width() - 10)
        y = rect.bottom() + 2
        if y + height > edit.viewport().height():
            y = max(rect.top() - height - 2, 0)
        self.setGeometry(min(rect.left(), max(edit.viewport().width() - width, 0)), y, width, height)

    def accept(self) -> None:
        item = self.currentItem()
        if item is not None:
            self._replace(item.text())
        self.hide()

    def handle_key(self, ev: QtGui.QKeyEvent) -> bool:
        key = ev.key()
        if key in (_K.Key_Return, _K.Key_Enter, _K.Key_Tab):
            self.accept()
            return True
        if key == _K.Key_Escape:
            self.hide()
            return True
        moves = {_K.Key_Up: -1, _K.Key_Down: 1, _K.Key_PageUp: -10, _K.Key_PageDown: 10}
        if key in moves:
            row = max(0, min(self.count() - 1, self.currentRow() + moves[key]))
            self.setCurrentRow(row)
            return True
        if key in (_K.Key_Left, _K.Key_Right, _K.Key_Home, _K.Key_End):
            self.hide()
        return False
