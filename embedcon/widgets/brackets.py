"""Bracket matching in the input: the bracket at the cursor and its partner.

When the character before the cursor (else the one after it) is a bracket
that is code (not inside a string or comment, as the input's lexer sees
it, with multi-line strings carried from line to line), it and its partner get :attr:`BracketMatcher.format` as an extra
selection.  The scan is :class:`embedcon.models.brackets.BracketScanner`;
a cursor move next to no bracket costs two character reads.
"""

from __future__ import annotations

from qtpy import QtGui, QtWidgets

from ..models.brackets import PAIRS, BracketScanner
from .guard import guarded

__all__ = ["BracketMatcher"]


class BracketMatcher:
    """Highlights matching brackets in a console's input.

    ``format`` is the QTextCharFormat the pair is drawn with (a translucent
    grey background by default, readable on light and dark backgrounds);
    change it, then call :meth:`update`.  ``enabled`` turns it off."""

    def __init__(self, console):
        self._console = console
        self.log = console.log
        self.enabled = True
        self.format = QtGui.QTextCharFormat()
        self.format.setBackground(QtGui.QColor(150, 150, 150, 110))
        self._scanner = BracketScanner(self._lexer)
        self._lexer_used = None
        self._shown: tuple = ()
        console._control.cursorPositionChanged.connect(self.update)

    def _lexer(self):
        return self._console._highlighter._get_lexer()

    def match_at(self, pos: int) -> tuple[int, int] | None:
        """Document positions of the bracket next to ``pos`` and its partner."""
        con = self._console
        if con._input_cursor is None or con._prompt_kind != "input":
            return None
        block = con._doc.findBlock(pos)
        col = pos - block.position()
        text = block.text()
        before = text[col - 1] if col > 0 else ""
        after = text[col] if col < len(text) else ""
        if before not in PAIRS and after not in PAIRS:
            return None  # the common case: two characters read
        for p, ch in ((pos - 1, before), (pos, after)):
            if not ch or ch not in PAIRS:
                continue
            if p < con._input_cursor.position() or p < con._line_start(block):
                continue
            partner = self._partner(block, p)
            if partner is not None:
                return p, partner
        return None

    def _match_cursor(self, c: QtGui.QTextCursor):
        """match_at for the editor's cursor, reading only its line."""
        con = self._console
        if con._input_cursor is None or con._prompt_kind != "input":
            return None
        text = c.block().text()
        col = c.positionInBlock()
        if (col == 0 or text[col - 1] not in PAIRS) and (col >= len(text) or text[col] not in PAIRS):
            return None
        return self.match_at(c.position())

    def _partner(self, block: QtGui.QTextBlock, p: int) -> int | None:
        con = self._console
        doc = con._doc
        lexer = self._lexer()
        if lexer is not self._lexer_used:  # another language: other tokens
            self._scanner.cache_clear()
            self._lexer_used = lexer
        first = doc.findBlock(con._input_cursor.position()).blockNumber()
        n = doc.blockCount() - first

        def start_of(row: int) -> tuple[QtGui.QTextBlock, int]:
            b = doc.findBlockByNumber(first + row)
            return b, con._line_start(b) - b.position()

        def line_at(row: int) -> str:
            b, off = start_of(row)
            return b.text()[off:]

        row = block.blockNumber() - first
        _, off = start_of(row)
        found = self._scanner.partner(line_at, n, row, p - block.position() - off)
        if found is None:
            return None
        b, off = start_of(found[0])
        return b.position() + off + found[1]

    @guarded
    def update(self) -> None:
        con = self._console
        c = con._control.textCursor()
        pair = None
        if self.enabled and not c.hasSelection():
            pair = self._match_cursor(c)
        key = pair or ()
        if key == self._shown:
            return
        self._shown = key
        sels = []
        for p in key:
            sel = QtWidgets.QTextEdit.ExtraSelection()
            cur = QtGui.QTextCursor(con._doc)
            cur.setPosition(p)
            cur.setPosition(p + 1, QtGui.QTextCursor.MoveMode.KeepAnchor)
            sel.cursor = cur
            sel.format = self.format
            sels.append(sel)
        con._set_extra_selections("brackets", sels)
