"""Selecting text inside a rich output (HTML, Markdown, DataFrame tables).

A mixin of :class:`~embedcon.widgets.rich_widget.RichJupyterWidget`.

The transcript holds a rich output as object characters, so its own
selection takes a block whole (and copies the block's text/plain form).  This
mixin adds a second, *inner* selection that lives in the block's own
documents, as in a browser:

* a left press on a document output (HTML, Markdown, text kept for
  updates) starts it, a drag extends it (character by character; clamped to
  that output: dragging past its top or bottom selects to its start or end,
  and the view scrolls while the mouse is above or below it); a double click
  selects a word, a triple click a paragraph (a table cell's text);
  Shift+click extends it; a click leaves a caret there (nothing selected);
* from that selection or caret, Shift+Left/Right/Up/Down/Home/End (and
  Ctrl+Shift+Left/Right/Home/End: words, the whole output) extend or shrink
  it as in any text view: the ``select_*`` commands of
  :mod:`embedcon.models.keymap` (``SELECTION_COMMANDS``; their chords are the
  key map's rich-selection table, ``SELECTION_BINDINGS`` by default, changed
  by profiles, ``key_bindings`` and ``bind``/``unbind``), looked up before the
  console's own table while an inner selection or caret exists (Shift+Up is a
  history search otherwise); the view scrolls to keep its free end shown;
* it is painted by the block's own documents (``PaintContext.selections``),
  in the palette's highlight colours; Qt's text engine does the hit testing
  (``QAbstractTextDocumentLayout.hitTest``) and the selection rules
  (``QTextCursor``: a drag across table cells selects a rectangle of cells);
* copy (Ctrl+C, Ctrl+Shift+C, the context menu's Copy, the ``copy``
  command) gives its plain text (table cells separated by tabs, rows by
  newlines) and its HTML as a second format;
* a left press anywhere else, any transcript selection (select all, find,
  a drag over transcript text), a key press other than copy and those
  chords, an update of the output or clearing the console ends it.

A selection that starts on transcript text is the transcript's own and takes
rich outputs whole, as before.  Nothing here runs on the plain-text path: the
mouse events it reads already pass through the viewport's event filter.
"""

from __future__ import annotations

import time

from qtpy import QtCore, QtGui, QtWidgets

from .clipboard import new_mime, set_mime
from .editor import key_chord
from .rich_select_text import selection_text

__all__ = ["RichSelection", "selection_text"]

_KEEP = QtGui.QTextCursor.MoveMode.KeepAnchor
_MOVE = QtGui.QTextCursor.MoveOperation
_LEFT = QtCore.Qt.MouseButton.LeftButton
_EV = QtCore.QEvent.Type
# commands that leave an inner selection alone (everything else typed ends it)
_KEEPS_SELECTION = frozenset({"copy", "copy_raw", "interrupt_or_copy", "scroll_top",
                              "scroll_bottom", "zoom_in", "zoom_out", "zoom_reset",
                              "find", "find_next", "find_previous"})
_MODIFIER_KEYS = frozenset({QtCore.Qt.Key.Key_Shift, QtCore.Qt.Key.Key_Control,
                            QtCore.Qt.Key.Key_Alt, QtCore.Qt.Key.Key_Meta,
                            QtCore.Qt.Key.Key_AltGr})


# -- the inner selection -----------------------------------------------------------
class InnerSelection:
    """Where an inner selection is: a block, its content generation, and two
    ends as (index of the block's document, position in it)."""

    __slots__ = ("block", "generation", "anchor", "focus", "_cursors", "x")

    def __init__(self, block, at: tuple[int, int]):
        self.block = block
        self.generation = block.generation
        self.anchor = self.focus = at
        self.x = -1.0  # the column Shift+Up/Down keep (QTextCursor's vertical movement x)
        self._cursors: tuple | None = None  # (key, cursors): each paint of each piece asks

    def ordered(self):
        return (self.anchor, self.focus) if self.anchor <= self.focus else (self.focus, self.anchor)

    def cursors(self) -> list[tuple[int, QtGui.QTextCursor]]:
        """(document index, selection cursor) for each document it touches."""
        key = (self.anchor, self.focus, len(self.block.docs))
        if self._cursors is None or self._cursors[0] != key:
            self._cursors = (key, self._make_cursors())
        return self._cursors[1]

    def _make_cursors(self) -> list:
        parts = _parts(self.block)
        (i, p), (j, q) = self.ordered()
        if i == j:  # one document: keep the direction (table cell rules follow it)
            c = QtGui.QTextCursor(parts[i][0])
            c.setPosition(self.anchor[1])
            c.setPosition(self.focus[1], _KEEP)
            return [(i, c)] if c.hasSelection() else []
        return _piece_cursors(parts, (i, p), (j, q))


def _piece_cursors(parts, start, end) -> list:
    """A selection from ``start`` to ``end`` across several documents (the
    pieces of a big output; a long table is cut into pieces of its rows).
    Text pieces select from the start or to the end; table pieces select
    rectangles of cells, as if the pieces were one table: between the two
    cells when both ends are in cells, else whole rows (from or to the row
    of the end that is in a cell)."""
    (i, p), (j, q) = start, end
    first, last = _cell_at(parts[i][0], p), _cell_at(parts[j][0], q)
    both = first is not None and last is not None
    lo, hi = (min(first[2], last[2]), max(first[2], last[2])) if both else (0, 1 << 30)
    out = []
    for k in range(i, j + 1):
        doc = parts[k][0]
        table = first[0] if k == i and first else last[0] if k == j and last else _table_of(doc)
        c = QtGui.QTextCursor(doc)
        if table is None:
            c.setPosition(p if k == i else 0)
            c.setPosition(q if k == j else doc.characterCount() - 1, _KEEP)
        else:
            if (k == i and first is None and p > table.lastPosition()) or \
                    (k == j and last is None and q < table.firstPosition()):
                continue  # the selection starts after this table, or ends before it
            r0 = first[1] if k == i and first else 0
            r1 = last[1] if k == j and last else table.rows() - 1
            cols = table.columns() - 1
            c.setPosition(table.cellAt(r0, min(lo, cols)).firstCursorPosition().position())
            c.setPosition(table.cellAt(r1, min(hi, cols)).lastCursorPosition().position(), _KEEP)
        if c.hasSelection():
            out.append((k, c))
    return out


def _cell_at(doc, pos: int):
    """(table, row, column) of the cell holding ``pos``, or None."""
    c = QtGui.QTextCursor(doc)
    c.setPosition(pos)
    table = c.currentTable()
    if table is None:
        return None
    cell = table.cellAt(pos)
    return (table, cell.row(), cell.column()) if cell.isValid() else None


def _table_of(doc):
    """The table a piece of a cut table is (None for a piece of text)."""
    c = QtGui.QTextCursor(doc)
    for _ in range(3):
        table = c.currentTable()
        if table is not None:  # the piece is this table alone
            whole = table.firstPosition() <= 2 and table.lastPosition() + 3 >= doc.characterCount()
            return table if whole else None
        if not c.movePosition(QtGui.QTextCursor.MoveOperation.NextBlock):
            break
    return None


def _entry(doc, across: int, vertical: bool, cell, x: float) -> int:
    """Where a key move coming from the previous (``across`` 1) or next (-1)
    piece of a big output enters ``doc``: the same column of the first (last)
    row of a cut table, else the first (last) line at ``x`` (Up/Down) or the
    first (last) position."""
    table = _table_of(doc)
    if table is not None:
        row = 0 if across > 0 else table.rows() - 1
        col = min(cell[2], table.columns() - 1) if cell is not None and vertical else \
            (0 if across > 0 else table.columns() - 1)
        c = table.cellAt(row, col)
        return (c.firstCursorPosition() if across > 0 else c.lastCursorPosition()).position()
    if vertical:
        y = 1.0 if across > 0 else doc.size().height() - 1
        return max(doc.documentLayout().hitTest(QtCore.QPointF(x, y),
                                                QtCore.Qt.HitTestAccuracy.FuzzyHit), 0)
    return 0 if across > 0 else doc.characterCount() - 1


def _caret_x(cursor: QtGui.QTextCursor) -> float:
    """The x of ``cursor`` in its document (for a move into the next piece)."""
    tb = cursor.block()
    line = tb.layout().lineForTextPosition(cursor.positionInBlock())
    rect = cursor.document().documentLayout().blockBoundingRect(tb)
    return rect.left() + (line.cursorToX(cursor.positionInBlock())[0] if line.isValid() else 0.0)


def _parts(block) -> list:
    """(document, top) of each document of a block, top to bottom."""
    return block.docs if block.docs else [(block.doc, 0.0)]


class RichSelection:
    """Press, drag, double and triple click inside a rich output; copy of it."""

    _inner: InnerSelection | None = None

    def _init_selection(self) -> None:
        self._inner = None
        self._inner_drag = False
        self._inner_held = False  # a left press (or double click) on an output was eaten
        self._inner_last_pos: QtCore.QPoint | None = None
        self._inner_double: tuple[float, QtCore.QPoint] | None = None
        self._inner_scroll = QtCore.QTimer(self)
        self._inner_scroll.setInterval(50)
        self._inner_scroll.timeout.connect(self._inner_autoscroll)
        self._control.selectionChanged.connect(self._transcript_selection_changed)

    # -- public ----------------------------------------------------------------------
    def rich_selection_text(self) -> str:
        """The text selected inside a rich output ("" when there is none)."""
        inner = self._live_inner()
        if inner is None:
            return ""
        return "\n".join(selection_text(c) for _, c in inner.cursors())

    def rich_selection_html(self) -> str:
        """The HTML of the text selected inside a rich output ("" when none)."""
        inner = self._live_inner()
        if inner is None:
            return ""
        return "".join(QtGui.QTextDocumentFragment(c).toHtml() for _, c in inner.cursors())

    def clear_rich_selection(self) -> None:
        """End the selection inside a rich output, if any."""
        self._inner_scroll.stop()
        self._inner_drag = False
        if self._inner is not None:
            self._inner = None
            self._control.viewport().update()

    # -- state -----------------------------------------------------------------------
    def _live_inner(self) -> InnerSelection | None:
        """The inner selection, if its output is still there and unchanged and
        something is selected."""
        inner = self._inner
        if inner is None:
            return None
        if not self._inner_shown(inner):
            self._inner = None
            return None
        return inner if inner.anchor != inner.focus else None

    def _inner_shown(self, inner: InnerSelection) -> bool:
        """Whether the output of ``inner`` is still shown, unchanged."""
        block = inner.block
        return block.generation == inner.generation and block.kind == "doc" and \
            self._rich_blocks.get(block.id) is block and block.valid_in(self._doc)

    def _selections_for(self, block, index: int, doc) -> list:
        """What ``doc`` (document ``index`` of ``block``) paints as selected."""
        inner = self._inner
        if inner is None or inner.block is not block or inner.generation != block.generation:
            return []
        out = []
        for k, cursor in inner.cursors():
            if k == index:
                sel = QtGui.QAbstractTextDocumentLayout.Selection()
                sel.cursor = cursor
                sel.format = self._inner_format()
                out.append(sel)
        return out

    def _has_inner_selection(self, block) -> bool:
        inner = self._inner
        return inner is not None and inner.block is block and inner.anchor != inner.focus

    def _inner_format(self) -> QtGui.QTextCharFormat:
        pal = self._control.palette()
        group = QtGui.QPalette.ColorGroup.Active if self._control.hasFocus() \
            else QtGui.QPalette.ColorGroup.Inactive
        fmt = QtGui.QTextCharFormat()
        fmt.setBackground(pal.color(group, QtGui.QPalette.ColorRole.Highlight))
        fmt.setForeground(pal.color(group, QtGui.QPalette.ColorRole.HighlightedText))
        return fmt

    def _transcript_selection_changed(self) -> None:
        if self._inner is not None and self._control.textCursor().hasSelection():
            self.clear_rich_selection()

    # -- hit testing ---------------------------------------------------------------------
    def _content_point(self, block, pos: QtCore.QPoint) -> QtCore.QPointF:
        """A viewport point in ``block``'s content coordinates, also when it lies
        outside the block (above it: a negative y; below it: past its height)."""
        edit = self._control
        whole = block.size(*self._rich_metrics())
        start = block.cursor.position()
        x0 = None
        for i in range(block.slices):
            tb = self._doc.findBlock(start + 2 * i)
            geo = edit.blockBoundingGeometry(tb).translated(edit.contentOffset())
            if x0 is None:
                line = tb.layout().lineForTextPosition(0)
                x0 = geo.left() + (line.cursorToX(0)[0] if line.isValid() else 0)
            band = block.slice_rect(i, whole)
            y = pos.y() - geo.top()
            if i == 0 and y < 0:
                return QtCore.QPointF(pos.x() - x0, y)
            if y < geo.height() or i == block.slices - 1:
                y = min(max(y, 0.0), band.height()) if i < block.slices - 1 else max(y, 0.0)
                return QtCore.QPointF(pos.x() - x0, band.top() + y)
        return QtCore.QPointF(0, 0)

    def _hit(self, block, local: QtCore.QPointF) -> tuple[int, int]:
        """(document index, position) under a content point; clamped to the block."""
        parts = _parts(block)
        if local.y() < 0:
            return (0, 0)
        last_doc = parts[-1][0]
        if local.y() >= parts[-1][1] + last_doc.size().height():
            return (len(parts) - 1, last_doc.characterCount() - 1)
        k = len(parts) - 1
        while k > 0 and parts[k][1] > local.y():
            k -= 1
        doc, top = parts[k]
        x = max(local.x(), 0.0)
        pos = doc.documentLayout().hitTest(QtCore.QPointF(x, local.y() - top),
                                           QtCore.Qt.HitTestAccuracy.FuzzyHit)
        return (k, max(pos, 0))

    # -- mouse -----------------------------------------------------------------------------
    def eventFilter(self, obj, ev):  # noqa: N802 (Qt's name)
        eaten = super().eventFilter(obj, ev)
        try:
            kind = ev.type()
            if kind == _EV.MouseButtonPress:
                return self._inner_press(ev) or eaten
            if kind == _EV.MouseMove and self._inner_drag:
                self._inner_extend(ev.position().toPoint())
                return True
            if kind == _EV.MouseButtonRelease and self._inner_held:
                self._inner_held = False  # the press was ours: so is its release
                if self._inner_drag:
                    self._inner_release()
                return True
            if kind == _EV.MouseButtonDblClick and ev.button() == _LEFT:
                self._inner_held = self._inner_word(ev.position().toPoint())
                return self._inner_held or eaten
        except Exception:
            self.log.exception("error handling a mouse event on rich output")
        return eaten

    def _doc_block_at(self, pos: QtCore.QPoint):
        block, local = self._block_at(pos)
        if block is None or block.kind != "doc" or block.doc is None:
            return None, None
        return block, local

    def _inner_press(self, ev) -> bool:
        if ev.button() != _LEFT:
            return False
        pos = ev.position().toPoint()
        block, local = self._doc_block_at(pos)
        self._inner_held = block is not None
        if block is None:
            self.clear_rich_selection()
            return False
        at = self._hit(block, local)
        triple = self._inner_double
        self._inner_double = None
        shift = bool(ev.modifiers() & QtCore.Qt.KeyboardModifier.ShiftModifier)
        inner = self._live_inner() or self._inner
        if shift and inner is not None and inner.block is block:
            inner.focus = at  # Shift+click extends the selection
        elif triple is not None and time.monotonic() - triple[0] < \
                QtWidgets.QApplication.doubleClickInterval() / 1000 and \
                (pos - triple[1]).manhattanLength() < 6:
            self._inner_select_unit(block, at, QtGui.QTextCursor.SelectionType.BlockUnderCursor)
            self._inner_drag = False
            self._grab_focus()
            return True
        else:
            self._inner = InnerSelection(block, at)
        self._drop_transcript_selection()
        self._inner_drag = True
        self._inner_last_pos = pos
        self._grab_focus()
        self._control.viewport().update()
        return True

    def _drop_transcript_selection(self) -> None:
        c = self._control.textCursor()
        if c.hasSelection():  # the transcript's selection gives way (never both)
            c.clearSelection()
            self._control.setTextCursor(c)

    def _grab_focus(self) -> None:
        if not self._control.hasFocus():
            self._control.setFocus(QtCore.Qt.FocusReason.MouseFocusReason)

    def _inner_extend(self, pos: QtCore.QPoint) -> None:
        inner = self._inner
        if inner is None or not inner.block.valid_in(self._doc):
            self.clear_rich_selection()
            return
        self._inner_last_pos = pos
        at = self._hit(inner.block, self._content_point(inner.block, pos))
        if at != inner.focus:
            inner.focus = at
            self._control.viewport().update()
        height = self._control.viewport().height()
        if pos.y() < 0 or pos.y() > height:
            if not self._inner_scroll.isActive():
                self._inner_scroll.start()
        else:
            self._inner_scroll.stop()

    def _inner_autoscroll(self) -> None:
        pos = self._inner_last_pos
        if not self._inner_drag or pos is None:
            self._inner_scroll.stop()
            return
        height = self._control.viewport().height()
        bar = self._control.verticalScrollBar()
        if pos.y() < 0:
            bar.setValue(bar.value() - max(1, -pos.y() // 20))
        elif pos.y() > height:
            bar.setValue(bar.value() + max(1, (pos.y() - height) // 20))
        self._inner_extend(pos)

    def _inner_release(self) -> None:
        self._inner_drag = False
        self._inner_scroll.stop()
        if self._live_inner() is not None:
            self._to_selection_clipboard()
        # else a click: a caret stays (nothing selected) for Shift+arrows to extend

    def _inner_word(self, pos: QtCore.QPoint) -> bool:
        block, local = self._doc_block_at(pos)
        if block is None:
            return False
        self._inner_select_unit(block, self._hit(block, local),
                                QtGui.QTextCursor.SelectionType.WordUnderCursor)
        self._inner_double = (time.monotonic(), pos)
        self._inner_drag = False
        return True

    def _inner_select_unit(self, block, at: tuple[int, int], unit) -> None:
        k, p = at
        doc = _parts(block)[k][0]
        c = QtGui.QTextCursor(doc)
        c.setPosition(p)
        if unit == QtGui.QTextCursor.SelectionType.BlockUnderCursor:
            # the paragraph (a table cell's text), without its paragraph separator
            c.movePosition(QtGui.QTextCursor.MoveOperation.StartOfBlock)
            c.movePosition(QtGui.QTextCursor.MoveOperation.EndOfBlock, _KEEP)
            while c.position() > c.anchor() and doc.characterAt(c.position() - 1).isspace():
                c.setPosition(c.position() - 1, _KEEP)  # the markup's trailing space
        else:
            c.select(unit)
        self._drop_transcript_selection()
        inner = InnerSelection(block, (k, c.anchor()))
        inner.focus = (k, c.position())
        self._inner = inner
        self._control.viewport().update()
        if inner.anchor != inner.focus:
            self._to_selection_clipboard()

    def _to_selection_clipboard(self) -> None:
        clip = QtWidgets.QApplication.clipboard()
        if clip.supportsSelection():
            clip.setText(self.rich_selection_text(), QtGui.QClipboard.Mode.Selection)

    # -- copy, keys, menu -----------------------------------------------------------------
    def _copy_inner(self) -> bool:
        text = self.rich_selection_text()
        if self._live_inner() is None:
            return False
        mime = new_mime()
        mime.setText(text)
        mime.setHtml(self.rich_selection_html())
        set_mime(mime)
        return True

    def _selected_text(self, strip_prompts: bool = True) -> str:
        if self._live_inner() is not None:
            return self.rich_selection_text()
        return super()._selected_text(strip_prompts)

    def cmd_copy(self):
        return True if self._copy_inner() else super().cmd_copy()

    def cmd_copy_raw(self):
        return True if self._copy_inner() else super().cmd_copy_raw()

    def cmd_interrupt_or_copy(self):
        return True if self._copy_inner() else super().cmd_interrupt_or_copy()

    def _handle_key(self, ev) -> bool:
        if self._inner is not None and ev.key() not in _MODIFIER_KEYS:
            chord = key_chord(ev)
            motion = self.keymap.lookup_selection(chord) if chord else None
            if motion is not None and self._caret_block() is not None:
                getattr(self, "cmd_" + motion)()
                return True
            if (self.keymap.lookup(chord) if chord else None) not in _KEEPS_SELECTION:
                self.clear_rich_selection()
        return super()._handle_key(ev)

    def _key_bound(self, ev) -> bool:
        # the selection's chords win over the host's shortcuts while it lives
        if self._inner is not None:
            chord = key_chord(ev)
            if chord and self.keymap.lookup_selection(chord) is not None:
                return True
        return super()._key_bound(ev)

    # -- keys: extending the inner selection -------------------------------------------
    def _caret_block(self):
        """The block of the inner selection or caret, if it is still shown unchanged."""
        inner = self._inner
        if inner is None:
            return None
        if not self._inner_shown(inner):
            self.clear_rich_selection()
            return None
        return inner.block

    def _inner_move(self, op, across: int = 0) -> bool:
        """Move the selection's free end by ``op`` (a QTextCursor move) in its
        document; at a document's edge ``across`` (+1 forward, -1 back) goes
        on into the next or previous piece of a big output."""
        block = self._caret_block()
        if block is None:
            return False
        inner = self._inner
        parts = _parts(block)
        k, pos = inner.focus
        doc = parts[k][0]
        c = QtGui.QTextCursor(doc)
        c.setPosition(min(pos, doc.characterCount() - 1))
        vertical = op in (_MOVE.Up, _MOVE.Down)
        if vertical and inner.x >= 0:
            c.setVerticalMovementX(round(inner.x))
        moved = c.movePosition(op)
        if vertical and not moved and not 0 <= k + across < len(parts):
            # past the first (last) line of the output: to its start (end), as Qt's views do
            op = _MOVE.Start if across < 0 else _MOVE.End
            moved = c.movePosition(op)
        if op in (_MOVE.EndOfLine, _MOVE.End) and c.atBlockEnd():
            # not onto the markup's trailing space
            while c.position() > max(pos, c.block().position()) and \
                    doc.characterAt(c.position() - 1) == " ":
                c.setPosition(c.position() - 1)
        moved = moved and c.position() != pos
        beside = k + across if across and 0 <= k + across < len(parts) else None
        if moved and beside is not None and _cell_at(doc, c.position()) is None and \
                _table_of(doc) is not None:
            moved = False  # off the edge of a piece of a cut table: on into the next piece
        if moved:
            at = (k, c.position())
        elif beside is not None:
            here = QtGui.QTextCursor(doc)
            here.setPosition(pos)
            at = (beside, _entry(parts[beside][0], across, vertical, _cell_at(doc, pos),
                                 _caret_x(here)))
        else:
            return True
        # the column Up/Down keep (in its line's coordinates; again after a piece)
        inner.x = float(c.verticalMovementX()) if vertical and moved and inner.x < 0 else \
            inner.x if vertical and moved else -1.0
        inner.focus = at
        self._control.viewport().update()
        self._reveal(block, at)
        if inner.anchor != inner.focus:
            self._to_selection_clipboard()
        return True

    def _reveal(self, block, at: tuple[int, int]) -> None:
        """Scroll the transcript so that position ``at`` of ``block`` is shown
        (it scrolls by lines: by slices, inside an output)."""
        k, pos = at
        doc, top = _parts(block)[k]
        tb = doc.findBlock(pos)
        line = tb.layout().lineForTextPosition(pos - tb.position()) if tb.isValid() else None
        rect = doc.documentLayout().blockBoundingRect(tb)
        y = top + rect.top() + (line.y() if line is not None and line.isValid() else 0)
        h = line.height() if line is not None and line.isValid() else 16
        whole = block.size(*self._rich_metrics())
        i = 0
        while i < block.slices - 1 and y >= block.slice_rect(i, whole).bottom():
            i += 1
        offset = y - block.slice_rect(i, whole).top()
        edit = self._control
        slice_block = self._doc.findBlock(block.cursor.position() + 2 * i)
        bar = edit.verticalScrollBar()

        def shown_at():
            return edit.blockBoundingGeometry(slice_block).translated(edit.contentOffset()).top() \
                + offset
        vy, height = shown_at(), edit.viewport().height()
        if vy >= 0 and vy + h <= height:
            return
        below = vy > 0
        bar.setValue(slice_block.firstLineNumber())  # the slice at the top
        if below:  # scroll back up as far as it stays shown: the least scrolling
            for _ in range(200):
                if bar.value() == 0:
                    break
                bar.setValue(bar.value() - 1)
                if shown_at() + h > height:
                    bar.setValue(bar.value() + 1)
                    break

    def cmd_select_left(self):
        return self._inner_move(_MOVE.Left, -1)

    def cmd_select_right(self):
        return self._inner_move(_MOVE.Right, 1)

    def cmd_select_up(self):
        return self._inner_move(_MOVE.Up, -1)

    def cmd_select_down(self):
        return self._inner_move(_MOVE.Down, 1)

    def cmd_select_line_start(self):
        return self._inner_move(_MOVE.StartOfLine)

    def cmd_select_line_end(self):
        return self._inner_move(_MOVE.EndOfLine)

    def cmd_select_word_left(self):
        return self._inner_move(_MOVE.PreviousWord, -1)

    def cmd_select_word_right(self):
        return self._inner_move(_MOVE.NextWord, 1)

    def cmd_select_output_start(self):
        return self._inner_jump(lambda parts: (0, 0))

    def cmd_select_output_end(self):
        return self._inner_jump(lambda parts: (len(parts) - 1, parts[-1][0].characterCount() - 1))

    def _inner_jump(self, where) -> bool:
        block = self._caret_block()
        if block is None:
            return False
        at = where(_parts(block))
        self._inner.focus, self._inner.x = at, -1.0
        self._control.viewport().update()
        self._reveal(block, at)
        if self._inner.anchor != at:
            self._to_selection_clipboard()
        return True

    def _extend_context_menu(self, menu: QtWidgets.QMenu) -> None:
        super()._extend_context_menu(menu)
        if self._live_inner() is None:
            return
        for action in menu.actions():
            if action.objectName() == "edit-copy":
                try:
                    action.triggered.disconnect()
                except (TypeError, RuntimeError):
                    pass
                action.triggered.connect(lambda _checked=False: self._copy_inner())
                action.setEnabled(True)

    def clear(self, keep_input: bool = True) -> None:
        self.clear_rich_selection()
        super().clear(keep_input)
