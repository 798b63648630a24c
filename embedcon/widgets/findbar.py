"""The find bar: search the transcript, every match highlighted.

Opens under the console's text (``find`` command: Ctrl+F in the ``standard``
key profile, Ctrl+Shift+F in both).  Typing searches as you type; Enter and
Shift+Enter (or F3 / Shift+F3, also from the console) go to the next and
previous match, wrapping; Escape closes the bar and gives the focus back to
the input.

Fast on a long transcript: the document's plain text is copied (in C) once
per change of the document and searched by :class:`embedcon.models.find.Searcher`
(a literal regex over a lower-cased copy; a longer needle filters the last
matches).  Only the matches on screen become extra selections (Qt checks
each extra selection against every visible line at every paint): they are
searched again in the text on screen whenever the view scrolls, so every
match shown is highlighted, past the count's cap too.  Output that arrives
while the bar is open is searched again at most every 250 ms.

Rich outputs (HTML tables, Markdown) are object characters in the
transcript's text; the console searches their own documents
(``_find_in_outputs``, :mod:`.rich_find`) and their matches join the
transcript's in document order: counted, painted by the output itself,
stepped through (going to one selects it inside its output).  Without such
outputs nothing changes on the transcript's path.
"""

from __future__ import annotations

import bisect

from qtpy import QtCore, QtGui, QtWidgets

from ..models.find import MAX_MATCHES, Searcher, next_match
from .guard import guarded

__all__ = ["FindBar"]

_K = QtCore.Qt.Key
_SHIFT = QtCore.Qt.KeyboardModifier.ShiftModifier


class _FindEdit(QtWidgets.QLineEdit):
    """The search field: Enter / Shift+Enter step, Escape closes."""

    _KEYS = (_K.Key_Return, _K.Key_Enter, _K.Key_Escape, _K.Key_F3)

    def __init__(self, bar: "FindBar"):
        super().__init__(bar)
        self._bar = bar

    def event(self, ev):
        # these keys are ours while the field has focus, whatever the host binds
        if ev.type() == QtCore.QEvent.Type.ShortcutOverride and ev.key() in self._KEYS:
            ev.accept()
            return True
        return super().event(ev)

    def keyPressEvent(self, ev: QtGui.QKeyEvent) -> None:
        key = ev.key()
        if key in (_K.Key_Return, _K.Key_Enter, _K.Key_F3):
            self._bar.step(backwards=bool(ev.modifiers() & _SHIFT))
        elif key == _K.Key_Escape:
            self._bar.close_bar()
        else:
            super().keyPressEvent(ev)


class FindBar(QtWidgets.QFrame):
    """Search field, match count, previous/next, case toggle and close."""

    REFRESH_MS = 250  # output arriving while the bar is open is searched again this often
    MAX_PAINTED = 2_000  # extra selections at most (matches on screen)

    def __init__(self, console):
        super().__init__(console)
        self._console = console
        self.log = console.log
        self.setFrameShape(QtWidgets.QFrame.Shape.StyledPanel)
        # one line high whatever layout the console puts it in
        self.setSizePolicy(QtWidgets.QSizePolicy.Policy.Preferred,
                           QtWidgets.QSizePolicy.Policy.Fixed)
        layout = QtWidgets.QHBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.setSpacing(4)
        self.edit = _FindEdit(self)
        self.edit.setPlaceholderText("Find in the transcript")
        self.edit.setClearButtonEnabled(True)
        self.count = QtWidgets.QLabel("", self)
        self.count.setMinimumWidth(QtGui.QFontMetrics(self.count.font())
                                   .horizontalAdvance("200,000+ matches "))
        self.case = QtWidgets.QToolButton(self)
        self.case.setText("Aa")
        self.case.setCheckable(True)
        self.case.setToolTip("Match case")
        # text, not the style's icons: drawn in the palette's colours, light or dark
        self.previous = self._button("\u2191", "Previous match (Shift+Enter)",
                                     lambda: self.step(backwards=True))
        self.next = self._button("\u2193", "Next match (Enter)", lambda: self.step(backwards=False))
        self.close_button = self._button("\u2715", "Close (Escape)", self.close_bar)
        layout.addWidget(self.edit, 1)
        layout.addWidget(self.count)
        layout.addWidget(self.case)
        layout.addWidget(self.previous)
        layout.addWidget(self.next)
        layout.addWidget(self.close_button)

        self.hit_format = QtGui.QTextCharFormat()
        self.hit_format.setBackground(QtGui.QColor("#ffe36e"))
        self.hit_format.setForeground(QtGui.QColor("#000000"))
        self.current_format = QtGui.QTextCharFormat()
        self.current_format.setBackground(QtGui.QColor("#ff9632"))
        self.current_format.setForeground(QtGui.QColor("#000000"))

        self._searcher = Searcher()  # the document's text while it does not change
        self._starts: list[int] = []  # transcript offsets; an output's matches: its offset
        self._in_outputs: dict[int, object] = {}  # index in _starts -> the console's OutputHit
        self._length = 0
        self._current: int | None = None
        self._anchor = 0
        self._stale = True
        self._search_timer = QtCore.QTimer(self)  # typing: one search per event-loop turn
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(0)
        self._search_timer.timeout.connect(lambda: self._search(True))
        self._refresh_timer = QtCore.QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(self.REFRESH_MS)
        self._refresh_timer.timeout.connect(lambda: self._search(False))
        self.edit.textChanged.connect(lambda _t: self._search_timer.start())
        self.case.toggled.connect(lambda _on: self._search_timer.start())
        editor = console._control
        editor.document().contentsChange.connect(self._document_changed)
        editor.verticalScrollBar().valueChanged.connect(self._paint_visible)
        self.hide()

    def _button(self, text: str, tip: str, slot) -> QtWidgets.QToolButton:
        b = QtWidgets.QToolButton(self)
        b.setText(text)
        b.setToolTip(tip)
        b.setAutoRaise(True)
        b.clicked.connect(slot)
        return b

    # public ------------------------------------------------------------------
    @property
    def matches(self) -> int:
        """How many matches the last search found (at most MAX_MATCHES)."""
        return len(self._starts)

    @property
    def current(self) -> int | None:
        """Index of the match shown (selected in the console), or None."""
        return self._current

    def open(self, text: str = "") -> None:
        """Show the bar with the focus in its field (``text`` put there)."""
        c = self._console._control.textCursor()
        self._anchor = min(c.selectionStart(), c.selectionEnd())
        was_visible = self.isVisible()
        self.show()
        if text and text != self.edit.text():
            self.edit.setText(text)  # searches
        elif not was_visible or self._stale:
            self._search(True)
        self.edit.setFocus()
        self.edit.selectAll()

    def close_bar(self) -> None:
        """Hide the bar and its highlights; the focus goes back to the input."""
        self.hide()
        self._search_timer.stop()
        self._refresh_timer.stop()
        self._current = None
        self._console._set_extra_selections("find", [])
        self._console._mark_output_hits(None, clear=True)
        self._console._control.setFocus()

    def step(self, backwards: bool = False) -> None:
        """Go to the next (previous) match after (before) the console's cursor."""
        if not self.isVisible():
            self.open()
            if not self.edit.text():
                return
        if self._stale or self._search_timer.isActive():
            self._search_timer.stop()
            self._search(False)
        i = self._next_from_here(backwards)
        if i is not None:
            self._go(i)

    def _next_from_here(self, backwards: bool, here: bool = False) -> int | None:
        """The match after (before) the console's cursor, or after (before) a
        selection or caret inside an output (where going to a match in one
        leaves it); ``here``: the match at that place counts (typing on)."""
        origin = self._console._find_origin() if self._in_outputs else None
        if origin is None or not self._starts:
            if here:
                return next_match(self._starts, self._anchor - 1)
            c = self._console._control.textCursor()
            return next_match(self._starts, min(c.selectionStart(), c.selectionEnd()), backwards)
        at, k, pos = origin
        lo, hi = bisect.bisect_left(self._starts, at), bisect.bisect_right(self._starts, at)
        inside = [(j, (self._in_outputs[j].k, self._in_outputs[j].start))
                  for j in range(lo, hi) if j in self._in_outputs]
        if backwards:
            before = [j for j, where in inside if where < (k, pos)]
            return before[-1] if before else (lo - 1) % len(self._starts)
        after = [j for j, where in inside if where > (k, pos) or (here and where == (k, pos))]
        return after[0] if after else hi % len(self._starts)

    # searching -----------------------------------------------------------------
    @guarded
    def _search(self, jump: bool) -> None:
        needle = self.edit.text()
        if self._stale and needle:
            self._searcher.set_text(self._console._control.document().toPlainText())
            self._stale = False
        self._starts = self._searcher.find(needle, self.case.isChecked())
        self._length = len(needle)
        self._in_outputs = {}
        hits = self._console._find_in_outputs(needle, self.case.isChecked())
        if hits:
            self._starts = self._merged(self._starts, hits)
        if jump and self._starts:
            self._go(self._next_from_here(False, here=True))
            return
        if self._current is not None and self._current >= len(self._starts):
            self._current = None
        self._show_count()
        self._paint_visible()

    def _merged(self, starts: list[int], hits: list) -> list[int]:
        """The transcript's matches with the outputs' (each at its output's
        offset), in document order; ``_in_outputs`` says which are whose."""
        out: list[int] = []
        prev = 0
        for hit in hits:  # in document order
            i = bisect.bisect_left(starts, hit.at, prev)
            out.extend(starts[prev:i])
            prev = i
            self._in_outputs[len(out)] = hit
            out.append(hit.at)
        out.extend(starts[prev:])
        if len(out) > MAX_MATCHES:
            del out[MAX_MATCHES:]
            self._in_outputs = {j: h for j, h in self._in_outputs.items() if j < MAX_MATCHES}
        return out

    def _document_changed(self, _pos: int, removed: int, added: int) -> None:
        if removed == 0 and added == 0:
            return  # formats only
        self._stale = True
        if self.isVisible() and not self._refresh_timer.isActive():
            self._refresh_timer.start()

    def _go(self, i: int) -> None:
        self._current = i
        hit = self._in_outputs.get(i)
        self._console._mark_output_hits(hit)
        if hit is not None:  # inside a rich output: selected there
            self._console._go_to_output_hit(hit, self._length)
            self._show_count()
            self._paint_visible()
            return
        start = self._starts[i]
        editor = self._console._control
        c = QtGui.QTextCursor(editor.document())
        c.setPosition(start)
        c.setPosition(min(start + self._length, editor.document().characterCount() - 1),
                      QtGui.QTextCursor.MoveMode.KeepAnchor)
        editor.setTextCursor(c)
        editor.ensureCursorVisible()
        self._show_count()
        self._paint_visible()

    def _show_count(self) -> None:
        n = len(self._starts)
        if not self.edit.text():
            self.count.setText("")
        elif not n:
            self.count.setText("No matches")
        else:
            total = f"{n:,}+" if n >= MAX_MATCHES else f"{n:,}"
            here = f"{self._current + 1:,} of " if self._current is not None else ""
            self.count.setText(f"{here}{total}")

    @guarded
    def _paint_visible(self, *_args) -> None:
        """Highlight the matches on screen (and the current one)."""
        if not self.isVisible():
            return
        editor = self._console._control
        doc = editor.document()
        sels = []
        needle = self.edit.text()
        if needle and self._length:
            # the matches on screen, searched in the text on screen: all of
            # them, also past MAX_MATCHES and in output newer than the search
            top = editor.firstVisibleBlock().position()
            vp = editor.viewport()
            bottom = editor.cursorForPosition(QtCore.QPoint(vp.width() - 1, vp.height() - 1))
            last = doc.characterCount() - 1
            end = min(bottom.block().position() + bottom.block().length() + self._length, last)
            top = max(top - self._length, 0)
            c = QtGui.QTextCursor(doc)
            c.setPosition(top)
            c.setPosition(end, QtGui.QTextCursor.MoveMode.KeepAnchor)
            seen = Searcher(c.selectedText().replace("\u2029", "\n"))
            current = self._starts[self._current] if self._current is not None and \
                self._current not in self._in_outputs else None
            for k in seen.find(needle, self.case.isChecked())[:self.MAX_PAINTED]:
                s = top + k
                sel = QtWidgets.QTextEdit.ExtraSelection()
                cur = QtGui.QTextCursor(doc)
                cur.setPosition(s)
                cur.setPosition(min(s + self._length, last), QtGui.QTextCursor.MoveMode.KeepAnchor)
                sel.cursor = cur
                sel.format = self.current_format if s == current else self.hit_format
                sels.append(sel)
        self._console._set_extra_selections("find", sels)
