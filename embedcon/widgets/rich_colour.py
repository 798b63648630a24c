"""``colors = NoColor`` for rich outputs: their documents without colour, and back.

An HTML or Markdown output is drawn from small ``QTextDocument``\\ s
(:mod:`.rich_build`) whose formats carry the kernel's colours: the text and
background of spans (``<span style="color">``, ``<font color>``), of
paragraphs and code blocks, of table cells, rows and tables (``bgcolor``,
``background``), borders, and the link colour Qt gives anchors.
:func:`set_no_color` takes them out with Qt's own means: every format's
text, background and underline colours are cleared, so the document draws
in the palette's text colour on the console's background, borders turn grey
(of the same lightness), and each colour is kept in a user property of the
same format (``SAVED + k``), from which switching back restores it exactly.
Links stay recognisable: an anchor is underlined while its colour is gone.
A cut table's ruling (``TableGrid``) turns grey too.

The theme's restyle pass over the blocks already shown (``ThemeMixin``) and
the layout of each new piece (``rich_build.lay_out_piece``) call it; plain
text kept for updates never gets here.
"""

from __future__ import annotations

from qtpy import QtGui

__all__ = ["set_no_color", "neutral"]


def _int(value) -> int:
    return value.value if hasattr(value, "value") else int(value)


_P = QtGui.QTextFormat.Property
# the colour properties a rich document's formats may carry: text, background
# and underline colours are cleared (the palette's text on the console's
# background); borders turn grey (a table keeps its ruling; the cell border
# brushes are Qt 5.14+)
_CLEARED = [_int(getattr(_P, name)) for name in (
    "ForegroundBrush", "BackgroundBrush", "TextUnderlineColor")]
_GREYED = [_int(getattr(_P, name)) for name in (
    "FrameBorderBrush", "TableCellTopBorderBrush", "TableCellBottomBorderBrush",
    "TableCellLeftBorderBrush", "TableCellRightBorderBrush") if hasattr(_P, name)]
# where a colour taken out is kept (one user property per colour property)
SAVED = _int(_P.UserProperty) + 81
_PAIRS = [(prop, SAVED + k, prop in _GREYED) for k, prop in enumerate(_CLEARED + _GREYED)]
# an anchor underlined for NoColor (it was not underlined before)
UNDERLINED = SAVED + len(_PAIRS)


def neutral(colour: QtGui.QColor) -> QtGui.QColor:
    """``colour`` as a grey of the same lightness."""
    return QtGui.QColor.fromHslF(0.0, 0.0, QtGui.QColor(colour).lightnessF())


def _drop(fmt: QtGui.QTextFormat) -> bool:
    """Clear the colours of ``fmt`` (kept in its SAVED properties); True if it changed."""
    changed = False
    for prop, saved, grey in _PAIRS:
        if fmt.hasProperty(prop) and not fmt.hasProperty(saved):
            fmt.setProperty(saved, fmt.property(prop))
            if grey:
                brush = QtGui.QBrush(fmt.brushProperty(prop))
                brush.setColor(neutral(brush.color()))
                fmt.setProperty(prop, brush)
            else:
                fmt.clearProperty(prop)
            changed = True
    if isinstance(fmt, QtGui.QTextCharFormat) and fmt.isAnchor() and fmt.anchorHref() \
            and not fmt.fontUnderline():
        fmt.setFontUnderline(True)  # a link without its colour: still a link
        fmt.setProperty(UNDERLINED, True)
        changed = True
    return changed


def _restore(fmt: QtGui.QTextFormat) -> bool:
    """Give ``fmt`` back the colours :func:`_drop` kept; True if it changed."""
    changed = False
    for prop, saved, _ in _PAIRS:
        if fmt.hasProperty(saved):
            fmt.setProperty(prop, fmt.property(saved))
            fmt.clearProperty(saved)
            changed = True
    if fmt.hasProperty(UNDERLINED):
        fmt.clearProperty(UNDERLINED)
        if isinstance(fmt, QtGui.QTextCharFormat):
            fmt.setFontUnderline(False)
        changed = True
    return changed


def set_no_color(doc: QtGui.QTextDocument, on: bool) -> bool:
    """Take every colour out of ``doc`` (``on``) or give it back; nothing to
    do when the document is already so (``doc.no_color``).  True if it
    changed.  One pass over the document's fragments, blocks, tables and
    frames, in one edit."""
    if bool(getattr(doc, "no_color", False)) == on:
        return False
    doc.no_color = on
    change = _drop if on else _restore
    chars, blocks, block_chars = [], [], []
    block = doc.begin()
    while block.isValid():
        fmt = block.blockFormat()
        if change(fmt):
            blocks.append((block.position(), fmt))
        fmt = block.charFormat()
        if change(fmt):
            block_chars.append((block.position(), fmt))
        it = block.begin()
        while not it.atEnd():
            frag = it.fragment()
            fmt = frag.charFormat()
            if change(fmt):
                chars.append((frag.position(), frag.length(), fmt))
            it += 1
        block = block.next()
    c = QtGui.QTextCursor(doc)
    c.beginEditBlock()
    for pos, length, fmt in chars:
        c.setPosition(pos)
        c.setPosition(pos + length, QtGui.QTextCursor.MoveMode.KeepAnchor)
        c.setCharFormat(fmt)
    c.clearSelection()
    for pos, fmt in blocks:
        c.setPosition(pos)
        c.setBlockFormat(fmt)
    for pos, fmt in block_chars:
        c.setPosition(pos)
        c.setBlockCharFormat(fmt)
    _frames(doc.rootFrame(), change)
    c.endEditBlock()
    grid = getattr(doc, "grid", None)
    if grid is not None:  # a cut table's ruling, drawn by TableGrid
        grid.colour = neutral(grid.original) if on else QtGui.QColor(grid.original)
    return True


def _frames(frame: QtGui.QTextFrame, change) -> None:
    """The colours of ``frame`` and the frames in it: tables (their own and
    their cells' backgrounds and borders) and other frames."""
    if isinstance(frame, QtGui.QTextTable):
        for r in range(frame.rows()):
            for col in range(frame.columns()):
                cell = frame.cellAt(r, col)
                if cell.row() != r or cell.column() != col:
                    continue  # a spanning cell, done where it starts
                fmt = cell.format()
                if change(fmt):
                    cell.setFormat(fmt)
        fmt = frame.format()
        if change(fmt):
            frame.setFormat(fmt)
    else:
        fmt = frame.frameFormat()
        if change(fmt):
            frame.setFrameFormat(fmt)
    for child in frame.childFrames():
        _frames(child, change)
