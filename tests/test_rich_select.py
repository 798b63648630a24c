"""Selecting text inside rich outputs (a DataFrame table, Markdown) with the
mouse, as in a browser: drag, double and triple click, copy, the highlight
painted, a click elsewhere clearing it; Shift+arrows extending it; the find
bar finding text inside outputs.  A real kernel sends the outputs;
the mouse and keys go through QTest into the console's viewport and
focusProxy().

One kernel serves the module (each test has its own console on it)."""

import pytest
from qtpy import QtCore, QtGui, QtWidgets

from conftest import Console

pytestmark = pytest.mark.slow

Left = QtCore.Qt.MouseButton.LeftButton
Key = QtCore.Qt.Key
Ctrl = QtCore.Qt.KeyboardModifier.ControlModifier

SHOW = (
    "from IPython.display import display, Markdown\n"
    "import pandas as pd\n"
    "display(pd.DataFrame({'alpha': [1, 2], 'beta': ['apple pie', 'cherry tart']}))\n"
    "display(Markdown('The quick brown fox jumps over the **lazy** dog.'))\n")


def _show_outputs(c):
    """Run SHOW in console ``c`` and scroll its two outputs into view."""
    c.wait_prompt()
    c.wait_ready()
    c.run_source(SHOW)
    c.qtbot.waitUntil(lambda: len(_blocks(c)) == 2, timeout=20000)
    c.w._control.verticalScrollBar().setValue(0)
    c.qtbot.wait(30)
    return c


@pytest.fixture
def rich(shared_kernel, make_console):
    km, kc = shared_kernel
    c = _show_outputs(make_console(km, kc, wait=False))
    yield c
    c.w.kernel_client = None


def _blocks(c):
    return [b for b in c.w.rich_blocks() if b.kind == "doc" and b.mime != "text/plain"]


def _block(c, mime):
    return next(b for b in _blocks(c) if b.mime == mime)


def _point(c, block, needle, end=False, nth=0):
    """The viewport point just inside the start (or the end) of ``needle``
    in ``block``'s document, computed from Qt's layout of that document."""
    doc = block.doc
    found = QtGui.QTextCursor(doc)
    for _ in range(nth + 1):
        found = doc.find(needle, found)
    assert not found.isNull(), needle
    pos = found.selectionEnd() if end else found.selectionStart()
    tb = doc.findBlock(pos)
    rect = doc.documentLayout().blockBoundingRect(tb)
    line = tb.layout().lineForTextPosition(pos - tb.position())
    at = pos - tb.position()
    x, beside = line.cursorToX(at)[0], line.cursorToX(at - 1 if end else at + 1)[0]
    x = rect.left() + x + (beside - x) / 4  # a quarter into the character: nearer this edge
    y = rect.top() + line.y() + line.height() / 2
    edit = c.w._control
    slice0 = c.w._doc.findBlock(block.cursor.position())
    geo = edit.blockBoundingGeometry(slice0).translated(edit.contentOffset())
    x0 = slice0.layout().lineForTextPosition(0).cursorToX(0)[0]  # the object's left edge
    return QtCore.QPoint(round(geo.left() + x0 + x), round(geo.top() + y))


def _drag(c, a, b):
    vp = c.w._control.viewport()
    c.qtbot.mousePress(vp, Left, pos=a)
    mid = QtCore.QPoint((a.x() + b.x()) // 2, (a.y() + b.y()) // 2)
    for p in (mid, b):
        ev = QtGui.QMouseEvent(QtCore.QEvent.Type.MouseMove, QtCore.QPointF(p),
                               QtCore.QPointF(vp.mapToGlobal(p)), QtCore.Qt.MouseButton.NoButton,
                               Left, QtCore.Qt.KeyboardModifier.NoModifier)
        QtWidgets.QApplication.sendEvent(vp, ev)
    c.qtbot.mouseRelease(vp, Left, pos=b)


def _copy(c):
    clip = QtWidgets.QApplication.clipboard()
    clip.setText("-sentinel-")
    c.qtbot.keyClick(c.w.focusProxy(), Key.Key_C, Ctrl)
    return clip.text()


def _highlighted(c, block, colour=None):
    """How many pixels of ``block``'s area are in the highlight colour."""
    colour = colour or c.w._control.palette().color(QtGui.QPalette.ColorRole.Highlight)
    img = c.w._control.viewport().grab().toImage()
    edit = c.w._control
    top, bottom = (edit.blockBoundingGeometry(c.w._doc.findBlock(block.cursor.position() + 2 * i))
                   .translated(edit.contentOffset()) for i in (0, block.slices - 1))
    dpr = img.devicePixelRatio()
    n = 0
    for y in range(max(int(top.top() * dpr), 0), min(int(bottom.bottom() * dpr), img.height()), 2):
        for x in range(0, img.width(), 2):
            p = img.pixelColor(x, y)
            if abs(p.red() - colour.red()) + abs(p.green() - colour.green()) + \
                    abs(p.blue() - colour.blue()) < 12:
                n += 1
    return n


def test_drag_inside_markdown_copies_the_words(rich, tmp_path):
    md = _block(rich, "text/markdown")
    assert _highlighted(rich, md) == 0
    _drag(rich, _point(rich, md, "quick"), _point(rich, md, "fox", end=True))
    assert rich.w.rich_selection_text() == "quick brown fox"
    assert _copy(rich) == "quick brown fox"
    mime = QtWidgets.QApplication.clipboard().mimeData()
    assert mime.hasHtml() and "quick brown fox" in mime.html()
    # the selection is painted by the block's document, in the highlight colour
    painted = _highlighted(rich, md)
    assert painted > 50, painted
    rich.w.grab().save(str(tmp_path / "light.png"))
    # across formatting: from "over" into the bold word
    _drag(rich, _point(rich, md, "over"), _point(rich, md, "lazy", end=True))
    assert _copy(rich) == "over the lazy"


def test_double_and_triple_click_select_a_word_and_a_paragraph(rich):
    md = _block(rich, "text/markdown")
    vp = rich.w._control.viewport()
    p = _point(rich, md, "brown")
    rich.qtbot.mouseDClick(vp, Left, pos=p)
    assert _copy(rich) == "brown"
    rich.qtbot.mouseClick(vp, Left, pos=p)  # the third click, within the interval
    assert _copy(rich) == "The quick brown fox jumps over the lazy dog."


def test_dataframe_cells_and_words_are_selected(rich, tmp_path):
    df = _block(rich, "text/html")
    # inside one cell: a word
    _drag(rich, _point(rich, df, "apple"), _point(rich, df, "apple", end=True))
    assert _copy(rich) == "apple"
    # from one cell to another: the cells, tab-separated rows
    _drag(rich, _point(rich, df, "apple"), _point(rich, df, "tart", end=True))
    assert _copy(rich) == "apple pie\ncherry tart"
    # a rectangle: column alpha of row 0 to column beta of row 1 (the index left out)
    _drag(rich, _point(rich, df, "1"), _point(rich, df, "cherry", end=True))
    assert _copy(rich) == "1\tapple pie\n2\tcherry tart"
    assert _highlighted(rich, df) > 50
    rich.w.grab().save(str(tmp_path / "cells.png"))


def test_click_elsewhere_and_transcript_selection_clear_it(rich):
    md = _block(rich, "text/markdown")
    vp = rich.w._control.viewport()
    _drag(rich, _point(rich, md, "quick"), _point(rich, md, "fox", end=True))
    assert _highlighted(rich, md) > 50
    # a click on the input line (transcript text) clears it
    edit = rich.w._control
    rect = edit.cursorRect(rich.w._cursor())
    rich.qtbot.mouseClick(vp, Left, pos=rect.center())
    assert rich.w.rich_selection_text() == ""
    assert _highlighted(rich, md) == 0
    assert _copy(rich) == "-sentinel-"  # nothing selected: the clipboard stays
    # the find bar goes to its match (a transcript selection): the inner one ends
    _drag(rich, _point(rich, md, "quick"), _point(rich, md, "fox", end=True))
    rich.w.find_bar.open("Markdown(")
    rich.qtbot.waitUntil(lambda: rich.w.find_bar.matches > 0, timeout=5000)
    rich.w.find_bar.step()
    assert rich.w.rich_selection_text() == "" and _copy(rich) == "Markdown("
    rich.w.find_bar.close_bar()
    # typing ends an inner selection (so Ctrl+C interrupts a running cell again)
    _drag(rich, _point(rich, md, "quick"), _point(rich, md, "fox", end=True))
    rich.type("x")
    assert rich.w.rich_selection_text() == ""
    # select all (the transcript's selection) takes the outputs whole: the
    # DataFrame's text/plain form, the Markdown's text
    _drag(rich, _point(rich, md, "quick"), _point(rich, md, "fox", end=True))
    rich.w.run_command("select_all")  # the input
    rich.w.run_command("select_all")  # everything
    assert rich.w.rich_selection_text() == ""
    text = _copy(rich)
    assert "   alpha         beta\n0      1    apple pie\n1      2  cherry tart" in text, text
    assert "The quick brown fox jumps over the lazy dog." in text, text


def test_context_menu_copy_takes_the_inner_selection(rich):
    md = _block(rich, "text/markdown")
    _drag(rich, _point(rich, md, "jumps"), _point(rich, md, "over", end=True))
    rich.w._menu_pos = _point(rich, md, "jumps")
    menu = rich.w._control.createStandardContextMenu(rich.w._menu_pos)
    rich.w._extend_context_menu(menu)
    copy = next(a for a in menu.actions() if a.objectName() == "edit-copy")
    assert copy.isEnabled()
    QtWidgets.QApplication.clipboard().setText("-")
    copy.trigger()
    assert QtWidgets.QApplication.clipboard().text() == "jumps over"
    menu.deleteLater()
    # the console's copy commands too
    for command in ("interrupt_or_copy", "copy_raw"):
        QtWidgets.QApplication.clipboard().setText("-")
        rich.w.run_command(command)
        assert QtWidgets.QApplication.clipboard().text() == "jumps over"


def test_selection_is_painted_on_the_dark_theme(rich, tmp_path):
    rich.w.theme = "dark"
    rich.qtbot.wait(30)
    md = _block(rich, "text/markdown")
    _drag(rich, _point(rich, md, "quick"), _point(rich, md, "dog", end=True))
    assert _highlighted(rich, md) > 100
    rich.w.grab().save(str(tmp_path / "dark.png"))
    assert _copy(rich) == "quick brown fox jumps over the lazy dog"


def test_a_selection_across_the_pieces_of_a_long_table(rich, tmp_path):
    """A long DataFrame is laid out as several documents (pieces of its rows)
    and several slices of the transcript: a drag goes across them."""
    rich.run_source("import pandas as pd\n"
                    "pd.set_option('display.max_rows', None)\n"
                    "display(pd.DataFrame({'key': [f'row{i}x' for i in range(60)]}))\n")
    rich.qtbot.waitUntil(lambda: any(len(b.docs) > 2 for b in _blocks(rich)), timeout=20000)
    block = next(b for b in _blocks(rich) if len(b.docs) > 2)
    rich.qtbot.waitUntil(lambda: not block.building, timeout=20000)
    assert block.slices > 1
    edit = rich.w._control
    edit.verticalScrollBar().setValue(rich.w._doc.findBlock(block.cursor.position()).blockNumber())
    rich.qtbot.wait(30)

    def point(needle, end=False):
        for k, (doc, top) in enumerate(block.docs):
            found = doc.find(needle)
            if not found.isNull():
                break
        pos = found.selectionEnd() if end else found.selectionStart()
        tb = doc.findBlock(pos)
        rect = doc.documentLayout().blockBoundingRect(tb)
        line = tb.layout().lineForTextPosition(pos - tb.position())
        x = rect.left() + line.cursorToX(pos - tb.position())[0] + (-2 if end else 2)
        y = top + rect.top() + line.y() + line.height() / 2
        # content y to the slice paragraph showing it
        whole = block.size(*rich.w._rich_metrics())
        for i in range(block.slices):
            band = block.slice_rect(i, whole)
            if band.top() <= y < band.bottom():
                tbs = rich.w._doc.findBlock(block.cursor.position() + 2 * i)
                geo = edit.blockBoundingGeometry(tbs).translated(edit.contentOffset())
                x0 = tbs.layout().lineForTextPosition(0).cursorToX(0)[0]
                return QtCore.QPoint(round(geo.left() + x0 + x), round(geo.top() + y - band.top()))

    a, b = point("row5x"), point("row27x", end=True)
    assert b.y() < edit.viewport().height()
    _drag(rich, a, b)
    # the cells between, as in one table (the rows are in several documents)
    assert _copy(rich) == "\n".join(f"row{i}x" for i in range(5, 28))
    _drag(rich, point("19"), b)  # from the index column: both columns
    assert _copy(rich) == "\n".join(f"{i}\trow{i}x" for i in range(19, 28))
    assert _highlighted(rich, block) > 100
    rich.w.grab().save(str(tmp_path / "long.png"))
    # held below the viewport, the drag scrolls the view and extends the selection
    vp = edit.viewport()
    bar = edit.verticalScrollBar()
    before = bar.value()
    rich.qtbot.mousePress(vp, Left, pos=a)
    below = QtCore.QPoint(a.x(), vp.height() + 40)
    QtWidgets.QApplication.sendEvent(vp, QtGui.QMouseEvent(
        QtCore.QEvent.Type.MouseMove, QtCore.QPointF(below), QtCore.QPointF(vp.mapToGlobal(below)),
        QtCore.Qt.MouseButton.NoButton, Left, QtCore.Qt.KeyboardModifier.NoModifier))
    rich.qtbot.waitUntil(lambda: bar.value() > before, timeout=5000)
    rich.qtbot.wait(200)
    rich.qtbot.mouseRelease(vp, Left, pos=below)
    # from a cell to past the table's end: whole rows, from the cell's to the last
    assert _copy(rich) == "\n".join(f"{i}\trow{i}x" for i in range(5, 60))
    # a click in a cell, then Shift+Down: down the column, across the pieces
    # (10 rows each), the view scrolling to keep the moving end shown
    bar.setValue(rich.w._doc.findBlock(block.cursor.position()).blockNumber())
    rich.qtbot.wait(30)
    rich.qtbot.mouseClick(vp, Left, pos=point("row5x"))
    _keys(rich, Key.Key_Down, 40)
    assert _copy(rich) == "\n".join(f"row{i}x" for i in range(5, 46))
    assert bar.value() > rich.w._doc.findBlock(block.cursor.position()).blockNumber()
    rich.w.grab().save(str(tmp_path / "long-keys.png"))
    _keys(rich, Key.Key_Up, 38)
    assert _copy(rich) == "row5x\nrow6x\nrow7x"
    # the find bar inside the pieces: "row4" is in rows 4 and 40-49 (11 pieces' cells)
    bar_ = rich.w.find_bar
    rich.w.run_command("find")
    bar_.edit.setText("row4")
    rich.qtbot.waitUntil(lambda: bar_.matches >= 11)
    for _ in range(12):
        if rich.w.rich_selection_text() == "row4" and block.docs[rich.w._inner.focus[0]][0] \
                .toPlainText().count("row45x"):
            break
        rich.qtbot.keyClick(bar_.edit, Key.Key_Return)
    assert rich.w.rich_selection_text() == "row4"
    rich.qtbot.wait(30)
    marks = rich.w.find_bar.hit_format.background().color()
    assert _highlighted(rich, block, marks) > 20  # the other rows' marks, through the band cache
    rich.w.grab().save(str(tmp_path / "long-find.png"))
    rich.w.grab().save("/tmp/i14s/long-find.png")
    bar_.close_bar()


def test_a_formula_in_markdown_copies_as_its_tex(rich):
    rich.run_source("display(Markdown(r'Area is $\\pi r^2$ here.'))\n")
    rich.qtbot.waitUntil(lambda: any("Area" in b.doc.toPlainText() for b in _blocks(rich)
                                     if b.mime == "text/markdown"), timeout=30000)
    md = next(b for b in _blocks(rich) if "Area" in b.doc.toPlainText())
    assert md.doc.math, "the formula was drawn"
    _drag(rich, _point(rich, md, "Area"), _point(rich, md, "here", end=True))
    assert _copy(rich) == "Area is $\\pi r^2$ here"


def test_a_drag_from_transcript_text_takes_outputs_whole(rich):
    """As before: a selection that starts on transcript text is the
    transcript's, and the outputs it crosses copy as their text/plain form."""
    edit = rich.w._control
    found = rich.w._doc.find("display(Markdown")
    start = edit.cursorRect(found).center()
    end = edit.cursorRect(rich.w._cursor()).center()
    _drag(rich, start, end)
    assert rich.w.rich_selection_text() == ""
    text = _copy(rich)
    assert text.startswith("('The quick brown fox")
    assert "   alpha         beta\n0      1    apple pie\n1      2  cherry tart" in text, text
    assert "The quick brown fox jumps over the lazy dog." in text, text


Shift = QtCore.Qt.KeyboardModifier.ShiftModifier


def _keys(c, key, times=1, mods=Shift):
    for _ in range(times):
        c.qtbot.keyClick(c.w.focusProxy(), key, mods)


def test_shift_arrows_extend_and_shrink_a_selection_made_with_the_mouse(rich, tmp_path):
    md = _block(rich, "text/markdown")
    _drag(rich, _point(rich, md, "quick"), _point(rich, md, "fox", end=True))
    assert _copy(rich) == "quick brown fox"
    _keys(rich, Key.Key_Right, 3)  # three characters more: " ju"
    assert _copy(rich) == "quick brown fox ju"
    assert rich.w.rich_selection_text() == "quick brown fox ju"
    rich.w.grab().save(str(tmp_path / "extended.png"))
    _keys(rich, Key.Key_Left, 5)  # shrinks back past its first end
    assert _copy(rich) == "quick brown f"
    _keys(rich, Key.Key_End)  # to the end of the line
    assert _copy(rich) == "quick brown fox jumps over the lazy dog."
    _keys(rich, Key.Key_Home)  # to the start of the line: from the anchor back
    assert _copy(rich) == "The "
    _keys(rich, Key.Key_Right, 2, Shift | Ctrl)  # two words right (Ctrl+Shift+Right)
    assert _copy(rich) == "quick "
    _keys(rich, Key.Key_Down)  # one line: the paragraph's only line, to its end
    assert _copy(rich) == "quick brown fox jumps over the lazy dog."
    _keys(rich, Key.Key_Home, 1, Shift | Ctrl)  # the output's start
    assert _copy(rich) == "The "
    assert rich.w.input_buffer == ""  # nothing went to the input


def test_a_click_places_a_caret_that_shift_arrows_extend(rich):
    md = _block(rich, "text/markdown")
    vp = rich.w._control.viewport()
    rich.qtbot.mouseClick(vp, Left, pos=_point(rich, md, "brown"))
    assert rich.w.rich_selection_text() == ""
    _keys(rich, Key.Key_Right, 5)
    assert _copy(rich) == "brown"


def test_shift_up_and_down_move_between_lines_and_table_rows(rich):
    df = _block(rich, "text/html")
    _drag(rich, _point(rich, df, "apple"), _point(rich, df, "apple", end=True))
    assert _copy(rich) == "apple"
    _keys(rich, Key.Key_Down)  # into the next row: the cells between, Qt's table rules
    text = _copy(rich)
    assert text != "apple" and "apple pie" in text and "cherry" in text, text
    _keys(rich, Key.Key_Up)
    assert _copy(rich) == "apple"


def test_without_an_inner_selection_shift_keys_edit_the_input_as_before(rich):
    rich.type("abcdef")
    _keys(rich, Key.Key_Left, 3)
    assert rich.editor.textCursor().selectedText() == "def"
    # a selection inside an output, then a plain key: it ends, keys go to the input
    md = _block(rich, "text/markdown")
    _drag(rich, _point(rich, md, "quick"), _point(rich, md, "fox", end=True))
    rich.key(Key.Key_End)
    assert rich.w.rich_selection_text() == ""
    _keys(rich, Key.Key_Left, 2)
    assert rich.editor.textCursor().selectedText() == "ef"
    assert rich.w.input_buffer == "abcdef"


Alt = QtCore.Qt.KeyboardModifier.AltModifier


def test_a_config_file_rebinds_and_unbinds_rich_selection_chords(tmp_path, embedcon_app, qtbot):
    """The select_* chords were a fixed table: key_bindings did not reach them."""
    cfg = tmp_path / "embedcon_config.py"
    cfg.write_text('c.RichJupyterWidget.key_bindings = {"Alt+Right": "select_right", '
                   '"Shift+Right": None}\n')
    app = embedcon_app(f"--config={cfg}", "--no-confirm-exit")
    c = _show_outputs(Console(qtbot, app.widget))
    df = _block(c, "text/html")
    _drag(c, _point(c, df, "apple"), _point(c, df, "apple", end=True))
    assert c.w.rich_selection_text() == "apple"
    _keys(c, Key.Key_Right, 4, Alt)  # the new chord extends it
    assert c.w.rich_selection_text() == "apple pie"
    assert _copy(c) == "apple pie"
    _keys(c, Key.Key_Right)  # Shift+Right is unbound: it ends the selection, extends nothing
    assert c.w.rich_selection_text() == ""
    assert c.w.input_buffer == ""


def test_key_map_rebinds_and_unbinds_rich_selection_chords_at_run_time(rich):
    km = rich.w.key_map
    df, md = _block(rich, "text/html"), _block(rich, "text/markdown")
    km.bind("Alt+Right", "select_right")
    _drag(rich, _point(rich, df, "apple"), _point(rich, df, "apple", end=True))
    _keys(rich, Key.Key_Right, 4, Alt)
    assert rich.w.rich_selection_text() == "apple pie"
    # a chord bound in the console too: inside the selection it extends it ...
    km.bind("Ctrl+A", "select_line_start")
    _drag(rich, _point(rich, md, "quick"), _point(rich, md, "fox", end=True))
    _keys(rich, Key.Key_A, 1, Ctrl)
    assert rich.w.rich_selection_text() == "The "
    # ... elsewhere it does what the console's table says (Ctrl+A: home)
    rich.key(Key.Key_End)
    assert rich.w.rich_selection_text() == ""
    rich.type("xy")
    rich.key(Key.Key_A, Ctrl)
    rich.type("z")
    assert rich.w.input_buffer == "zxy"
    rich.w.input_buffer = ""
    # unbound: the chord no longer extends a selection; it ends it
    km.unbind("Shift+Right")
    _drag(rich, _point(rich, md, "quick"), _point(rich, md, "fox", end=True))
    _keys(rich, Key.Key_Right)
    assert rich.w.rich_selection_text() == ""
    # only the selection's binding of Shift+Up: it goes on to the history search
    km.unbind("Shift+Up", "select_up")
    _drag(rich, _point(rich, df, "cherry"), _point(rich, df, "cherry", end=True))
    assert rich.w.rich_selection_text() == "cherry"
    _keys(rich, Key.Key_Up)
    assert rich.w.rich_selection_text() == ""
    assert "display(Markdown(" in rich.w.input_buffer  # SHOW, from the history
    # the other chords are as they were
    rich.w.input_buffer = ""
    rich.w._control.verticalScrollBar().setValue(0)
    _drag(rich, _point(rich, md, "quick"), _point(rich, md, "fox", end=True))
    _keys(rich, Key.Key_End)
    assert rich.w.rich_selection_text() == "quick brown fox jumps over the lazy dog."


FIND_SHOW = (
    "from IPython.display import HTML\n"
    "w = 'nee' + 'dle'  # the input itself has no match\n"
    "display(HTML('<table><tr><th>where</th><th>what</th></tr>'\n"
    "             f'<tr><td>hay</td><td>a {w} here</td></tr>'\n"
    "             f'<tr><td>{w.upper()}</td><td>straw</td></tr></table>'))\n"
    "for i in range(60): print('filler', i)\n"
    "print('plain', w)\n")


def _find_marks(c, block):
    """The find bar's colours painted by ``block``'s document."""
    bar = c.w.find_bar
    out = []
    for sel in c.w._selections_for(block, 0, block.doc):
        bg = sel.format.background().color().name()
        if bg in (bar.hit_format.background().color().name(),
                  bar.current_format.background().color().name()):
            out.append((sel.cursor.selectedText(), bg))
    return out


def _shown(c, block):
    edit = c.w._control
    geo = edit.blockBoundingGeometry(c.w._doc.findBlock(block.cursor.position())) \
        .translated(edit.contentOffset())
    return geo.top() >= 0 and geo.bottom() <= edit.viewport().height()


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_find_bar_finds_text_inside_rich_outputs(rich, tmp_path, theme):
    rich.w.theme = theme
    rich.run_source(FIND_SHOW)
    rich.wait_text("plain needle")
    table = next(b for b in _blocks(rich) if "straw" in b.doc.toPlainText())
    bar = rich.w.find_bar
    rich.key(Key.Key_F, Ctrl | Shift)
    rich.qtbot.keyClicks(bar.edit, "needle")
    # two in the table (its cells), one printed: in document order
    rich.qtbot.waitUntil(lambda: bar.matches == 3)
    assert bar.count.text() == "1 of 3"  # from the input, wrapped to the first: in the table
    assert rich.w.rich_selection_text() == "needle"  # selected inside the output
    assert _shown(rich, table)  # scrolled up to it (60 lines printed after it)
    assert sorted(_find_marks(rich, table)) == [
        ("NEEDLE", bar.hit_format.background().color().name()),
        ("needle", bar.current_format.background().color().name())]
    rich.qtbot.wait(30)
    img = rich.w.grab()
    img.save(str(tmp_path / f"find-{theme}.png"))
    img.save(f"/tmp/i14s/find-{theme}.png")
    assert _highlighted(rich, table, bar.hit_format.background().color()) > 20  # "NEEDLE"
    rich.qtbot.keyClick(bar.edit, Key.Key_Return)  # the second cell
    assert bar.count.text() == "2 of 3" and rich.w.rich_selection_text() == "NEEDLE"
    rich.qtbot.keyClick(bar.edit, Key.Key_Return)  # the printed line: the transcript's
    assert bar.count.text() == "3 of 3" and rich.w.rich_selection_text() == ""
    assert rich.editor.textCursor().selectedText() == "needle"
    assert not _shown(rich, table)
    rich.w.grab().save(str(tmp_path / f"find-text-{theme}.png"))
    rich.w.grab().save(f"/tmp/i14s/find-text-{theme}.png")
    assert [t for t, _ in _find_marks(rich, table)] and all(
        bg == bar.hit_format.background().color().name() for _, bg in _find_marks(rich, table))
    rich.qtbot.keyClick(bar.edit, Key.Key_Return)  # wraps to the table
    assert bar.count.text() == "1 of 3" and _shown(rich, table)
    rich.qtbot.keyClick(bar.edit, Key.Key_Return, Shift)  # back: the printed line
    assert bar.count.text() == "3 of 3"
    rich.qtbot.keyClick(bar.edit, Key.Key_Return, Shift)
    assert bar.count.text() == "2 of 3" and rich.w.rich_selection_text() == "NEEDLE"
    assert _copy(rich) == "NEEDLE"  # Ctrl+C in the console copies the match
    bar.case.setChecked(True)  # case: "NEEDLE" is no longer a match
    rich.qtbot.waitUntil(lambda: bar.matches == 2)
    bar.case.setChecked(False)
    rich.qtbot.waitUntil(lambda: bar.matches == 3)
    # a click inside the output: F3 / Shift+F3 step from there
    vp = rich.w._control.viewport()
    rich.qtbot.mouseClick(vp, Left, pos=_point(rich, table, "straw"))
    rich.key(Key.Key_F3)
    assert bar.count.text() == "3 of 3"  # after the table: the printed line
    rich.key(Key.Key_F3, Shift)
    assert bar.count.text() == "2 of 3" and _shown(rich, table)
    rich.qtbot.mouseClick(vp, Left, pos=_point(rich, table, "hay"))
    rich.key(Key.Key_F3)
    assert bar.count.text() == "1 of 3" and rich.w.rich_selection_text() == "needle"
    rich.qtbot.mouseClick(vp, Left, pos=_point(rich, table, "hay"))
    rich.key(Key.Key_F3, Shift)  # before the table: wraps to the last
    assert bar.count.text() == "3 of 3"
    bar.edit.setFocus()
    rich.qtbot.keyClick(bar.edit, Key.Key_Escape)  # closing takes the marks away
    assert not bar.isVisible() and _find_marks(rich, table) == []
    # Ctrl+Shift+F with a word selected inside an output searches for it
    rich.w._control.verticalScrollBar().setValue(0)
    assert _shown(rich, table)
    rich.qtbot.mouseDClick(vp, Left, pos=_point(rich, table, "straw"))
    assert rich.w.rich_selection_text() == "straw"
    assert not rich.editor.textCursor().hasSelection()  # never both selections
    rich.key(Key.Key_F, Ctrl | Shift)
    assert bar.edit.text() == "straw"
    rich.qtbot.waitUntil(lambda: bar.matches == 2)  # the input's and the table's
    assert rich.w.rich_selection_text() == "straw"  # the match there stays the current one
    assert bar.count.text() == "2 of 2"
    rich.qtbot.keyClick(bar.edit, Key.Key_Escape)
    assert not bar.isVisible() and _find_marks(rich, table) == []
