"""A long table cut into pieces (rich_build): the ruling drawn by TableGrid.

Qt's collapsed table borders cost five times the drawing of the cells, so
the pieces of a cut table are laid out without borders and ruled by
:class:`~embedcon.widgets.rich_build.TableGrid`: lines on the cells' edges,
none across a cell spanning rows, one line where two pieces meet.
"""

from qtpy import QtCore, QtGui, QtWidgets

from embedcon.models.sanitize import sanitize_html
from embedcon.widgets import rich_build as rb


def _pieces(html: str, rows: int = 10):
    font = QtGui.QFont(QtWidgets.QApplication.font())
    pieces = rb.split_tables(sanitize_html(html), rows)
    widths = rb.column_widths(rb.lay_out_piece(rb.sample_table(pieces, 0), font, 600, {}, [],
                                               "#0000ff"))
    return [rb.lay_out_piece(h, font, 600, {}, widths, "#0000ff") for h, cut in pieces if cut]


def _draw(docs) -> QtGui.QImage:
    height = int(sum(d.size().height() for d in docs)) + 1
    img = QtGui.QImage(600, height, QtGui.QImage.Format.Format_RGB32)
    img.fill(QtGui.QColor("white"))
    p = QtGui.QPainter(img)
    y = 0.0
    for k, doc in enumerate(docs):
        p.save()
        p.translate(0, y)
        doc.documentLayout().draw(p, QtGui.QAbstractTextDocumentLayout.PaintContext())
        doc.grid.draw(p, bottom=k == len(docs) - 1)
        p.restore()
        y += doc.size().height()
    p.end()
    return img


def _cells(doc):
    table = rb._first_table(doc)
    layout = doc.documentLayout()
    return table, layout


def test_cut_table_is_ruled_on_its_cells_edges(qapp):
    rows = "".join(f"<tr><th>{i}</th><td>{i * 1.5}</td><td>value {i}</td></tr>" for i in range(25))
    docs = _pieces(f'<table border="1"><thead><tr><th></th><th>a</th><th>b</th></tr></thead>'
                   f"<tbody>{rows}</tbody></table>")
    assert len(docs) == 3
    for doc in docs:
        table, layout = _cells(doc)
        assert table.format().border() == 0  # Qt draws no border: the grid does
        assert doc.grid is not None
        # the fast path (no spans) and the general one agree
        fast = rb.TableGrid(doc, table, doc.grid.colour, spans=False)
        assert [r.getRect() for r in fast.horizontal] == [r.getRect() for r in doc.grid.horizontal]
        assert [r.getRect() for r in fast.vertical] == [r.getRect() for r in doc.grid.vertical]
        # one line above each row, at the cell's edge (its padding above its text)
        pad = table.cellAt(0, 0).format().toTableCellFormat().topPadding()
        tops = [layout.blockBoundingRect(table.cellAt(r, 0).firstCursorPosition().block()).top()
                - pad for r in range(table.rows())]
        assert [r.top() for r in doc.grid.horizontal] == tops
        assert len(doc.grid.vertical) == table.columns() + 1
    img = _draw(docs)
    line = docs[0].grid.colour.rgb()
    x = int(docs[0].grid.vertical[2].left() + 20)  # inside the third column
    column = [img.pixel(x, y) == line for y in range(img.height())]
    # 1 header + 25 rows: 26 lines above rows and the bottom line, each 1 px (pieces
    # meet on one line, not two)
    runs = sum(1 for y in range(len(column)) if column[y] and (y == 0 or not column[y - 1]))
    assert runs == 27
    assert not any(a and b for a, b in zip(column, column[1:]))


def test_a_cell_spanning_rows_is_not_crossed(qapp):
    rows = ['<tr><th rowspan="2">span</th><td>a</td></tr><tr><td>b</td></tr>']
    rows += [f"<tr><th>{i}</th><td>{i}</td></tr>" for i in range(20)]
    docs = _pieces(f'<table border="1"><tbody>{"".join(rows)}</tbody></table>')
    grid = docs[0].grid
    table, layout = _cells(docs[0])
    second = layout.blockBoundingRect(table.cellAt(1, 1).firstCursorPosition().block())
    crossing = [r for r in grid.horizontal if abs(r.top() - (second.top() - 1)) < 0.5]
    assert len(crossing) == 1  # the line above row 2 starts at column 1, not column 0
    assert crossing[0].left() > grid.vertical[0].left() + 5
    img = _draw(docs)
    line = grid.colour.rgb()
    y = int(crossing[0].top())
    assert img.pixel(int(grid.vertical[0].left()) + 8, y) != line  # inside the spanning cell
    assert img.pixel(int(grid.vertical[1].left()) + 8, y) == line  # the next column's cells
