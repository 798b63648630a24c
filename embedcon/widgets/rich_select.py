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
  Shift+click extends it;
* it is painted by the block's own documents (``PaintContext.selections``),
  in the palette's highlight colours; Qt's text engine does the hit testing
  (``QAbstractTextDocumentLayout.hitTest``) and the selection rules
  (``QTextCursor``: a drag across table cells selects a rectangle of cells);
* copy (Ctrl+C, Ctrl+Shift+C, the context menu's Copy, the ``copy``
  command) gives its plain text (table cells separated by tabs, rows by
  newlines) and its HTML as a second format;
* a left press anywhere else, any transcript selection (select all, find,
  a drag over transcript text), a key press other than copy, an update of the
  output or clearing the console ends it.

A selection that starts on transcript text is the transcript's own and takes
rich outputs whole, as before.  Nothing here runs on the plain-text path: the
mouse events it reads already pass through the viewport's event filter.
"""

from __future__ import annotations

import time

from qtpy import QtCore, QtGui, QtWidgets

from .editor import key_chord

__all__ = ["RichSelection", "selection_text"]

_KEEP = QtGui.QTextCursor.MoveMode.KeepAnchor
_LEFT = QtCore.Qt.MouseButton.LeftButton
_EV = QtCore.QEvent.Type
# commands that leave an inner selection alone (everything else typed ends it)
_KEEPS_SELECTION = frozenset({"copy", "copy_raw", "interrupt_or_copy", "scroll_top",
                              "scroll_bottom", "zoom_in", "zoom_out", "zoom_reset"})
_MODIFIER_KEYS = frozenset({QtCore.Qt.Key.Key_Shift, QtCore.Qt.Key.Key_Control,
                            QtCore.Qt.Key.Key_Alt, QtCore.Qt.Key.Key_Meta,
                            QtCore.Qt.Key.Key_AltGr})


# -- text of a selection ---------------------------------------------------------
def _outer_table(cursor: QtGui.QTextCursor, container):
    """The table holding ``cursor`` that lies directly in ``container`` (a
    table whose cell holds it; None: the document), or None."""
    doc = cursor.document()
    table = cursor.currentTable()
    stop = None if container is None else container.firstPosition()
    while table is not None:
        around = QtGui.QTextCursor(doc)
        around.setPosition(max(table.firstPosition() - 1, 0))
        up = around.currentTable()
        if up is None or up.firstPosition() == stop:
            return table if (up is not None or stop is None) else None
        if up.firstPosition() == table.firstPosition():
            return table  # no way up (never loop)
        table = up
    return None


def _range_text(doc: QtGui.QTextDocument, start: int, end: int, container=None) -> str:
    """Plain text of ``[start, end)``: paragraphs on lines, tables as rows of
    tab-separated cells."""
    lines: list[str] = []
    block = doc.findBlock(start)
    first = True
    while block.isValid() and (block.position() < end or first):
        first = False
        table = _outer_table(QtGui.QTextCursor(block), container)
        if table is not None:
            a, b = table.cellAt(max(start, table.firstPosition())), \
                table.cellAt(min(end, table.lastPosition()))
            if a.isValid() and a == b:  # inside one cell: its text, no tabs
                lines.append(_range_text(doc, start, end, table))
            else:
                lines.append(_table_text(doc, table, start, end))
            block = doc.findBlock(table.lastPosition() + 1)
            if block.isValid() and block.length() == 1:
                block = block.next()  # the empty paragraph that closes the table
            continue
        b0 = block.position()
        a = max(start, b0) - b0
        b = min(end, b0 + block.length() - 1) - b0
        lines.append(_block_text(block, a, max(a, b)))
        block = block.next()
    return "\n".join(lines)


def _block_text(block: QtGui.QTextBlock, a: int, b: int) -> str:
    """Characters ``[a, b)`` of a paragraph; a formula gives its TeX source
    (the ``title`` of its picture), other pictures nothing."""
    text = block.text()[a:b]
    if "\ufffc" not in text:
        return text
    out = []
    it = block.begin()
    while not it.atEnd():
        frag = it.fragment()
        f0 = frag.position() - block.position()
        lo, hi = max(a, f0), min(b, f0 + frag.length())
        if lo < hi:
            fmt = frag.charFormat()
            if fmt.isImageFormat() and fmt.toImageFormat().name().startswith("embedcon-math:"):
                out.append(fmt.toolTip() * (hi - lo))
            else:
                out.append(frag.text()[lo - f0:hi - f0])
        it += 1
    return "".join(out)


def _table_text(doc, table: QtGui.QTextTable, start: int, end: int,
                rows=None, cols=None) -> str:
    rows = rows or (0, table.rows())
    cols = cols or (0, table.columns())
    out = []
    for r in range(rows[0], rows[0] + rows[1]):
        cells, hit = [], False
        for k in range(cols[0], cols[0] + cols[1]):
            cell = table.cellAt(r, k)
            if not cell.isValid() or cell.row() != r or cell.column() != k:
                cells.append("")  # covered by a spanning cell
                continue
            first, last = cell.firstCursorPosition().position(), cell.lastCursorPosition().position()
            if last < start or first > end:
                cells.append("")
                continue
            hit = True
            text = _range_text(doc, max(start, first), min(end, last), table)
            cells.append(" ".join(text.split("\n")).strip())
        if hit:
            out.append("\t".join(cells))
    return "\n".join(out)


def selection_text(cursor: QtGui.QTextCursor) -> str:
    """The plain text of a selection in a rich output's document: as the
    document shows it, table cells separated by tabs and rows by newlines
    (a spreadsheet takes it as cells); formulas and pictures leave nothing."""
    if not cursor.hasSelection():
        return ""
    doc = cursor.document()
    if cursor.hasComplexSelection():  # a rectangle of table cells
        table = cursor.currentTable()
        r, nr, k, nk = cursor.selectedTableCells()
        text = _table_text(doc, table, 0, doc.characterCount(), (r, nr), (k, nk))
    else:
        text = _range_text(doc, cursor.selectionStart(), cursor.selectionEnd())
    return text.replace("\u2028", "\n").replace("\ufffc", "").replace("\u00a0", " ")


# -- the inner selection -----------------------------------------------------------
class InnerSelection:
    """Where an inner selection is: a block, its content generation, and two
    ends as (index of the block's document, position in it)."""

    __slots__ = ("block", "generation", "anchor", "focus")

    def __init__(self, block, at: tuple[int, int]):
        self.block = block
        self.generation = block.generation
        self.anchor = self.focus = at

    def ordered(self):
        return (self.anchor, self.focus) if self.anchor <= self.focus else (self.focus, self.anchor)

    def cursors(self) -> list[tuple[int, QtGui.QTextCursor]]:
        """(document index, selection cursor) for each document it touches."""
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


def _parts(block) -> list:
    """(document, top) of each document of a block, top to bottom."""
    return block.docs if block.docs else [(block.doc, 0.0)]


class RichSelection:
    """Press, drag, double and triple click inside a rich output; copy of it."""

    _inner: InnerSelection | None = None

    def _init_selection(self) -> None:
        self._inner = None
        self._inner_drag = False
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
        block = inner.block
        if block.generation != inner.generation or block.kind != "doc" or \
                self._rich_blocks.get(block.id) is not block or not block.valid_in(self._doc):
            self._inner = None
            return None
        return inner if inner.anchor != inner.focus else None

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
            if kind == _EV.MouseButtonRelease and self._inner_drag:
                self._inner_release()
                return True
            if kind == _EV.MouseButtonDblClick and ev.button() == _LEFT:
                return self._inner_word(ev.position().toPoint()) or eaten
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
        c = self._control.textCursor()
        if c.hasSelection():  # the transcript's selection gives way
            c.clearSelection()
            self._control.setTextCursor(c)
        self._inner_drag = True
        self._inner_last_pos = pos
        self._grab_focus()
        self._control.viewport().update()
        return True

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
        if self._live_inner() is None:
            self._inner = None  # a click: nothing selected
        else:
            self._to_selection_clipboard()

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
        mime = QtCore.QMimeData()
        mime.setText(text)
        mime.setHtml(self.rich_selection_html())
        QtWidgets.QApplication.clipboard().setMimeData(mime)
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
            if (self.keymap.lookup(chord) if chord else None) not in _KEEPS_SELECTION:
                self.clear_rich_selection()
        return super()._handle_key(ev)

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
