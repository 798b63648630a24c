"""The plain text of a selection inside a rich output's document.

As the document shows it: paragraphs on lines, table cells separated by tabs
and rows by newlines (a spreadsheet takes them as cells), a Markdown formula
as its TeX (kept in its picture's ``title``), other pictures as nothing.
Used by :mod:`.rich_select` for copy.
"""

from __future__ import annotations

from qtpy import QtGui

__all__ = ["selection_text"]


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
