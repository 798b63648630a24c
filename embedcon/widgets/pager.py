"""The pager: where ``obj?``, ``obj??``, ``%less`` and ``help()`` text goes.

The ``paging`` trait picks the place, and may change at any time, in every
direction (a shown page moves to the new place):

* ``inside`` — the pager covers the console (when the text is taller than
  the view; shorter text is written inline);
* ``hsplit`` — beside the console; ``vsplit`` — below it;
* ``inline`` (and ``none``, the Jupyter Qt Console's name for it) — written
  into the transcript, with its colours;
* ``custom`` — nothing is shown: the console emits ``custom_page_requested(text)``
  for the host to show it.

The page keeps its ANSI colours (drawn by the console's own
:class:`~embedcon.widgets.output.OutputWriter`).  Keys in the pager: ``q`` or
Escape closes it and gives the focus back to the input; Space/PageDown,
b/PageUp, j/k, g/G move; ``/`` (or Ctrl+F) opens the search line, where
Enter finds the next hit and Shift+Enter the previous one; ``n``/``N``
repeat.  Every hit is highlighted.
"""

from __future__ import annotations

from qtpy import QtCore, QtGui, QtWidgets

from .guard import guarded
from .output import OutputWriter

__all__ = ["Pager", "PAGING_MODES"]

PAGING_MODES = ("inside", "hsplit", "vsplit", "inline", "none", "custom")
_K = QtCore.Qt.Key
_M = QtGui.QTextCursor.MoveOperation
MAX_PAGE_CHARS = 5_000_000  # more is cut (the rest is not shown)
MAX_HIGHLIGHTS = 2000  # search hits highlighted at once


class _PageView(QtWidgets.QPlainTextEdit):
    """The read-only text of the page; its keys are the pager's."""

    def __init__(self, pager):
        super().__init__(pager)
        self._pager = pager
        self.setReadOnly(True)
        self.setUndoRedoEnabled(False)
        self.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByKeyboard |
                                     QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)

    def keyPressEvent(self, ev: QtGui.QKeyEvent) -> None:
        try:
            handled = self._pager.handle_key(ev)
        except Exception:  # never into the host's event loop (fatal under PyQt6)
            self._pager.log.exception("error handling a key in the pager")
            handled = True
        if not handled:
            super().keyPressEvent(ev)


class Pager(QtWidgets.QWidget):
    """The page view plus its search line, placed by the console's ``paging`` trait."""

    closed = QtCore.Signal()

    def __init__(self, console):
        super().__init__(console)
        self._console = console
        self.log = console.log
        self.view = _PageView(self)
        self.search_line = QtWidgets.QLineEdit(self)
        self.search_line.setPlaceholderText("search (Enter: next, Shift+Enter: previous, "
                                            "Esc: back to the page)")
        self.search_line.hide()
        self.search_line.installEventFilter(self)
        self.search_line.textChanged.connect(self._search_changed)
        self.status = QtWidgets.QLabel(self)
        self.status.setText("q/Esc: close   /: search   n/N: next/previous hit")
        self.status.setContentsMargins(4, 0, 4, 0)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.view)
        layout.addWidget(self.search_line)
        layout.addWidget(self.status)
        self._writer = OutputWriter(self.view.document(), buffer_size=0)
        self._text = ""
        self.setFocusProxy(self.view)
        # the console's editor and the pager share a splitter that replaces
        # the editor in the console's layout
        self.splitter = QtWidgets.QSplitter(console)
        self.splitter.setChildrenCollapsible(False)
        console.layout().replaceWidget(console._control, self.splitter)
        self.splitter.addWidget(console._control)
        self.splitter.addWidget(self)
        self.hide()
        self.set_mode(console.settings.paging)

    # -- public -------------------------------------------------------------
    @property
    def mode(self) -> str:
        return self._mode

    @property
    def text(self) -> str:
        """The text of the page shown (ANSI codes included); "" when none."""
        return self._text if self.isVisible() else ""

    def page(self, text: str) -> None:
        """Show ``text`` where the ``paging`` trait says."""
        text = text[:MAX_PAGE_CHARS]
        mode = self._mode
        if mode == "custom":
            self._console.custom_page_requested.emit(text)
            return
        if mode in ("inline", "none") or (mode == "inside" and self._fits_in_view(text)):
            self.close_page(refocus=False)
            self._console.write_text(text.rstrip("\n") + "\n")
            return
        self._text = text
        self._fill(text)
        self._show()

    def close_page(self, refocus: bool = True) -> None:
        """Hide the pager; the focus goes back to the input."""
        was_shown = self.isVisible()
        self.hide()
        self.search_line.hide()
        self._console._control.show()
        self._text = ""
        if refocus:
            self._console._control.setFocus()
        if was_shown:
            self.closed.emit()

    def set_mode(self, mode: str) -> None:
        """Move the pager (and a shown page) to ``mode``'s place."""
        if mode not in PAGING_MODES:
            raise ValueError(f"paging must be one of {', '.join(PAGING_MODES)}, not {mode!r}")
        shown, text = self.isVisible(), self._text
        self._mode = mode
        orientation = QtCore.Qt.Orientation.Vertical if mode == "vsplit" \
            else QtCore.Qt.Orientation.Horizontal
        self.splitter.setOrientation(orientation)
        if not shown:
            return
        had_focus = self.view.hasFocus() or self.search_line.hasFocus()
        if mode in ("hsplit", "vsplit", "inside"):
            self._show(focus=had_focus)
        else:  # the page leaves the pager: into the transcript or to the host
            self.close_page(refocus=had_focus)
            self.page(text)

    def find(self, needle: str, backwards: bool = False) -> bool:
        """Select the next (previous) hit of ``needle``; True when found."""
        if not needle:
            return False
        flags = QtGui.QTextDocument.FindFlag(0)
        if backwards:
            flags |= QtGui.QTextDocument.FindFlag.FindBackward
        if self.view.find(needle, flags):
            return True
        c = self.view.textCursor()  # wrap around
        c.movePosition(_M.End if backwards else _M.Start)
        self.view.setTextCursor(c)
        return self.view.find(needle, flags)

    def hits(self) -> int:
        """How many hits of the search line's text are highlighted."""
        return len(self.view.extraSelections())

    # -- showing -------------------------------------------------------------
    def _fits_in_view(self, text: str) -> bool:
        edit = self._console._control
        line_h = QtGui.QFontMetrics(edit.font()).lineSpacing()
        return text.count("\n") + 1 <= max(edit.viewport().height() // max(line_h, 1) - 2, 3)

    def _fill(self, text: str) -> None:
        view = self.view
        view.setFont(self._console._control.font())
        doc = view.document()
        doc.clear()
        self._writer.reset_state()
        c = QtGui.QTextCursor(doc)
        c.beginEditBlock()
        self._writer.write(c, text.rstrip("\n"), "stdout")
        c.endEditBlock()
        c.movePosition(_M.Start)
        view.setTextCursor(c)
        view.setExtraSelections([])

    def _show(self, focus: bool = True) -> None:
        control = self._console._control
        self.show()
        if self._mode == "inside":
            control.hide()
        else:
            control.show()
            total = self.splitter.width() if self._mode == "hsplit" else self.splitter.height()
            self.splitter.setSizes([total // 2, total - total // 2])
        if focus:
            self.view.setFocus()

    # -- keys ----------------------------------------------------------------
    def handle_key(self, ev: QtGui.QKeyEvent) -> bool:
        key, text = ev.key(), ev.text()
        ctrl = bool(ev.modifiers() & QtCore.Qt.KeyboardModifier.ControlModifier)
        bar = self.view.verticalScrollBar()
        if key == _K.Key_Escape or (text == "q" and not ctrl):
            self.close_page()
        elif text == "/" or (ctrl and key == _K.Key_F):
            self.search_line.show()
            self.search_line.setFocus()
            self.search_line.selectAll()
        elif text in ("n", "N") and not ctrl:
            self.find(self.search_line.text(), backwards=text == "N")
        elif text == " " or key in (_K.Key_PageDown, _K.Key_Return, _K.Key_Enter):
            bar.setValue(bar.value() + bar.pageStep())
        elif text == "b" or key == _K.Key_PageUp:
            bar.setValue(bar.value() - bar.pageStep())
        elif text == "j":
            bar.setValue(bar.value() + 1)
        elif text == "k":
            bar.setValue(bar.value() - 1)
        elif text == "g" or key == _K.Key_Home:
            bar.setValue(bar.minimum())
        elif text == "G" or key == _K.Key_End:
            bar.setValue(bar.maximum())
        elif ctrl and key == _K.Key_O:
            self._console._control.setFocus()
        else:
            return False
        return True

    def eventFilter(self, obj, ev) -> bool:
        try:
            return self._search_key(obj, ev) or super().eventFilter(obj, ev)
        except Exception:
            self.log.exception("error handling a key in the pager's search line")
            return False

    def _search_key(self, obj, ev) -> bool:
        if obj is self.search_line and ev.type() == QtCore.QEvent.Type.KeyPress:
            key = ev.key()
            if key == _K.Key_Escape:
                self.search_line.hide()
                self.view.setFocus()
                return True
            if key in (_K.Key_Return, _K.Key_Enter):
                backwards = bool(ev.modifiers() & QtCore.Qt.KeyboardModifier.ShiftModifier)
                self.find(self.search_line.text(), backwards)
                return True
        return False

    @guarded
    def _search_changed(self, needle: str) -> None:
        """Highlight every hit (up to MAX_HIGHLIGHTS) and go to the first one."""
        view = self.view
        sels = []
        if needle:
            fmt = QtGui.QTextCharFormat()
            fmt.setBackground(QtGui.QColor("#ffe066"))
            fmt.setForeground(QtGui.QColor("#000000"))
            doc = view.document()
            c = doc.find(needle, 0)
            while not c.isNull() and len(sels) < MAX_HIGHLIGHTS:
                sel = QtWidgets.QTextEdit.ExtraSelection()
                sel.cursor, sel.format = c, fmt
                sels.append(sel)
                c = doc.find(needle, c)
        view.setExtraSelections(sels)
        if sels:
            c = view.textCursor()
            c.setPosition(sels[0].cursor.selectionStart())
            view.setTextCursor(c)
            self.find(needle)
