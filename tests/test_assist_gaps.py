"""The assistance features' later additions, against a real ipykernel: the call
tip hides when the focus leaves the input, completion types and signatures in
every style, and pager pages sent as text/html shown as rich text."""

import os

import pytest
from conftest import Key, Mod
from qtpy import QtWidgets
# one kernel per module with its own history database, a console on it per test
from test_assist import con, history_kernel  # noqa: F401 (fixtures)

pytestmark = pytest.mark.slow


# -- call tip and focus -------------------------------------------------------------
def test_call_tip_hides_when_the_focus_leaves_the_input(con, qtbot):
    c = con()
    tip = c.w.call_tip
    host = QtWidgets.QWidget()  # the host application's window: console + a line edit
    qtbot.addWidget(host)
    layout = QtWidgets.QVBoxLayout(host)
    layout.addWidget(c.w)
    other = QtWidgets.QLineEdit(host)
    layout.addWidget(other)
    host.resize(900, 700)
    host.show()
    host.activateWindow()
    qtbot.waitUntil(host.isActiveWindow, timeout=5000)
    c.editor.setFocus()
    qtbot.waitUntil(c.editor.hasFocus, timeout=5000)
    c.type("print(")
    qtbot.waitUntil(tip.isVisible, timeout=10000)
    other.setFocus()  # the user clicks into another widget of the host
    qtbot.waitUntil(other.hasFocus, timeout=5000)
    assert not tip.isVisible()
    c.editor.setFocus()  # back in the input: Shift+Tab shows it again
    qtbot.waitUntil(c.editor.hasFocus, timeout=5000)
    c.key(Key.Key_Backtab, Mod.ShiftModifier)
    qtbot.waitUntil(tip.isVisible, timeout=10000)
    # a reply that arrives after the focus left is dropped
    c.key(Key.Key_Escape)
    c.key(Key.Key_Backtab, Mod.ShiftModifier)
    other.setFocus()
    qtbot.waitUntil(other.hasFocus, timeout=5000)
    qtbot.wait(500)
    assert not tip.isVisible()
    # another window of the application takes the focus
    c.editor.setFocus()
    qtbot.waitUntil(c.editor.hasFocus, timeout=5000)
    c.key(Key.Key_Backtab, Mod.ShiftModifier)
    qtbot.waitUntil(tip.isVisible, timeout=10000)
    window = QtWidgets.QLineEdit()
    qtbot.addWidget(window)
    window.show()
    window.activateWindow()
    window.setFocus()
    qtbot.waitUntil(window.hasFocus, timeout=5000)
    assert not tip.isVisible()
    window.close()
    host.activateWindow()
    qtbot.waitUntil(host.isActiveWindow, timeout=5000)
    # the window hidden: the tip goes with the focus
    c.editor.setFocus()
    c.key(Key.Key_Backtab, Mod.ShiftModifier)
    qtbot.waitUntil(tip.isVisible, timeout=10000)
    host.hide()
    host.show()
    qtbot.wait(50)
    assert not tip.isVisible()
    c.w.setParent(None)


# -- text/html pages -------------------------------------------------------------------
HTML_PAGE = ("<h2>Help title</h2><p>A <b>bold</b> word</p><script>alert(1)</script>"
             "<img src='http://example.invalid/x.png' alt='remote'>"
             + "".join(f"<p>html line <i>{i}</i></p>" for i in range(120)))
PLAIN_PAGE = "Help title\nA bold word\n" + "".join(f"html line {i}\n" for i in range(120))
KERNEL_PAGE = ("from IPython.core.page import page; "
               f"page({{'text/html': {HTML_PAGE!r}, 'text/plain': {PLAIN_PAGE!r}}})")


def _bold_fragments(doc):
    out = []
    block = doc.begin()
    while block.isValid():
        it = block.begin()
        while not it.atEnd():
            frag = it.fragment()
            if frag.charFormat().fontWeight() >= 600:
                out.append(frag.text())
            it += 1
        block = block.next()
    return out


@pytest.mark.parametrize("mode", ["inside", "hsplit", "vsplit", "inline", "custom"])
def test_pager_shows_a_kernel_html_page_as_rich_text(con, mode):
    c = con(paging=mode)
    custom, data = [], []
    c.w.custom_page_requested.connect(custom.append)
    c.w.custom_page_data_requested.connect(data.append)
    c.run_source(KERNEL_PAGE)
    pager = c.w.pager
    if mode == "custom":  # the host gets the text and the (sanitized) bundle
        assert custom == [PLAIN_PAGE] and len(data) == 1
        assert data[0]["text/plain"] == PLAIN_PAGE
        assert "<b>bold</b>" in data[0]["text/html"] and "script" not in data[0]["text/html"]
        assert not pager.isVisible()
        return
    if mode == "inline":  # a rich output in the transcript
        assert not pager.isVisible()
        c.qtbot.waitUntil(lambda: bool(c.w.rich_blocks()), timeout=10000)
        block = c.w.rich_blocks()[-1]
        assert block.mime == "text/html"
        assert "bold" in "".join(_bold_fragments(block.all_docs()[0]))
        return
    assert pager.isVisible() and pager.view is pager.html_view
    assert pager.view.hasFocus() and not pager.text_view.isVisible()
    assert pager.view.verticalScrollBar().value() == 0  # the page from its top
    doc = pager.view.document()
    assert "bold" in _bold_fragments(doc)  # rich text, not markup shown as text
    assert "<b>" not in doc.toPlainText() and "alert" not in doc.toPlainText()
    assert "html line 119" in doc.toPlainText() and "<script" not in pager.html
    assert doc.refused == [] or all("example.invalid" in u for u in doc.refused)
    assert pager.text == PLAIN_PAGE
    # searchable as a text page is
    c.qtbot.keyClick(pager.view, "/")
    c.qtbot.keyClicks(pager.search_line, "line 11")
    assert pager.hits() == 11  # "html line 11", "html line 110".."119"
    first = pager.view.textCursor().position()
    c.qtbot.keyClick(pager.search_line, Key.Key_Return)
    assert pager.view.textCursor().position() > first
    c.qtbot.keyClick(pager.search_line, Key.Key_Escape)
    assert pager.view.hasFocus()
    c.qtbot.keyClick(pager.view, "q")
    assert not pager.isVisible() and c.w.control.hasFocus()
    # a page without HTML is ANSI text again, in the text view
    c.run("page('\\x1b[31mred\\x1b[0m\\n' + 'x\\n' * 200)")
    assert pager.isVisible() and pager.view is pager.text_view
    assert not pager.html_view.isVisible() and pager.html == ""
    c.qtbot.keyClick(pager.view, "q")


def test_html_page_moves_between_modes(qtbot):
    from embedcon.widgets import RichJupyterWidget

    w = RichJupyterWidget(paging="vsplit")
    qtbot.addWidget(w)
    w.resize(800, 600)
    w.show()
    w.page_data({"text/html": HTML_PAGE})  # no text/plain: its text comes from the HTML
    assert w.pager.view is w.pager.html_view and "html line 3" in w.pager.text
    w.paging = "hsplit"
    assert w.pager.isVisible() and "bold" in _bold_fragments(w.pager.view.document())
    w.paging = "inline"
    assert not w.pager.isVisible()
    qtbot.waitUntil(lambda: bool(w.rich_blocks()), timeout=10000)
    assert w.rich_blocks()[-1].mime == "text/html"
    w.clear()


# -- completion types and signatures in every style ---------------------------------------
def test_completion_types_in_the_ncurses_columns(con):
    c = con(gui_completion="ncurses")
    comp = c.w.completer
    c.run("import os")
    c.type("os.pa")
    c.key(Key.Key_Tab)
    c.qtbot.waitUntil(comp.isVisible, timeout=20000)
    cols = c.w.completion_widget
    line = cols.info_line
    assert cols is comp.columns and line.isVisible()
    assert "Tab" in line.text()  # before a match is chosen: how to choose
    # each cell has room for its type tag after the longest name
    fm = cols.fontMetrics()
    longest = max(len(n) for n in cols.texts())
    assert cols.gridSize().width() >= fm.horizontalAdvance("M") * (longest + 6)
    names = cols.texts()
    c.key(Key.Key_Tab)  # walking: the line shows the selected match's signature and type
    while cols.current_text() != "pathconf":
        c.key(Key.Key_Tab)
        assert cols.current_text() != names[0], "pathconf not in the list"
    assert line.text() == "pathconf(path, name)    function"
    c.key(Key.Key_Backtab, Mod.ShiftModifier)
    assert line.text().startswith(cols.current_text())
    c.key(Key.Key_Escape)
    assert not comp.isVisible() and not line.isVisible()
    # a list without metadata (not IPython's) has no line
    comp.columns.show_rows(_untyped(), [0, 1])
    assert not line.isVisibleTo(c.w)
    comp.hide()


def test_search_line_and_completion_info_line_are_one_line_high(con):
    """The Ctrl+R line and the ncurses columns' info line take one line of text:
    the transcript keeps the rest of the console's height (they used to take a
    share of it as large as the editor's)."""
    c = con(gui_completion="ncurses")
    w = c.w
    c.run_source("if True:\n    import os")
    most = w.control.fontMetrics().height() * 2 + 8
    c.key(Key.Key_R, Mod.ControlModifier)
    c.type("import")
    bar = w.reverse_search
    c.qtbot.wait(50)  # the layout settles
    assert bar.isVisible() and bar.height() <= most, (bar.height(), most)
    # the line of the cell that matched, not the cell's first line
    assert bar.text().endswith("`import': \u2026 import os"), bar.text()
    assert w.control.height() >= w.height() - most - 10
    c.key(Key.Key_Escape)
    c.key(Key.Key_Escape)
    c.type("os.pa")
    c.key(Key.Key_Tab)
    c.qtbot.waitUntil(c.w.completer.isVisible, timeout=20000)
    c.qtbot.wait(50)
    cols = w.completion_widget
    info = cols.info_line
    assert info.isVisible() and info.height() <= most, (info.height(), most)
    assert w.control.height() >= w.height() - cols.height() - most - 10
    c.key(Key.Key_Escape)


def test_help_goes_to_the_pager_and_interactive_help_still_answers(con):
    """help(obj) pages, as obj? does (it used to write hundreds of lines into
    the transcript); the interactive help> loop still answers as it goes."""
    c = con(paging="hsplit")
    c.run("help(str)")
    c.qtbot.waitUntil(c.w.pager.isVisible, timeout=10000)
    paged = c.w.pager.view.toPlainText()
    assert "class str(object)" in paged and "\b" not in paged  # pydoc's bold overstrikes gone
    assert "class str(object)" not in c.text()
    c.w.pager.close_page()
    c.w.execute("help()")
    c.wait_text("help> ")
    c.type("len")
    c.key(Key.Key_Return)
    c.wait_text("Return the number of items")  # before help() returns
    c.type("quit")
    c.key(Key.Key_Return)
    c.wait_prompt()
    assert not c.w.pager.isVisible()


def _untyped():
    from embedcon.models.completion import Completions

    return Completions(["alpha", "beta"], 0, 0)


def test_completion_types_in_the_plain_style(con):
    c = con(gui_completion="plain")
    c.run("import os")
    c.type("os.pa")
    c.key(Key.Key_Tab)
    c.wait_text("pathsep")
    text = c.text()
    assert "pathconf fn" in text and "path mod" in text and "pardir inst" in text
    assert c.w.input_buffer == "os.pa"
    # the tags are muted (ANSI bright black), the names are not
    block = c.w._doc.find("pardir inst").block()
    at = block.position() + block.text().index("inst") + 1
    tag_colour = _colour_at(c.w, at)
    assert tag_colour != _colour_at(c.w, block.position() + 1)
    # written above an input the highlighter coloured ("import" at the prompt's
    # columns): the output line does not take the input's colours
    c.w.input_buffer = ""
    c.type("import os; os.pa")
    c.qtbot.wait(300)  # highlighted
    c.key(Key.Key_Tab)
    c.qtbot.waitUntil(lambda: c.text().count("pathsep") == 2, timeout=20000)
    block = c.w._doc.find("pathsep", at + 5).block()
    assert block.layout().formats() == []  # IPython's types here vary: not checked


def _colour_at(w, pos):
    from qtpy import QtGui

    c = QtGui.QTextCursor(w._doc)
    c.setPosition(pos)
    return c.charFormat().foreground().color().name()


def test_grab_pictures_light_and_dark(con, tmp_path):
    """The column types, the plain tags and an HTML page in both themes (the
    files can be looked at: EMBEDCON_KEEP_PICTURES=dir keeps them)."""
    for theme in ("light", "dark"):
        c = con(gui_completion="ncurses", paging="vsplit", theme=theme)
        c.run("import os")
        c.type("os.pa")
        c.key(Key.Key_Tab)
        c.qtbot.waitUntil(c.w.completer.isVisible, timeout=20000)
        for _ in range(3):
            c.key(Key.Key_Tab)
        c.qtbot.wait(50)
        img = c.w.grab()
        assert not img.isNull()
        img.save(str(tmp_path / f"ncurses-types-{theme}.png"))
        c.key(Key.Key_Escape)
        c.key(Key.Key_Escape)
        c.w.gui_completion = "plain"
        c.type("os.pa")
        c.key(Key.Key_Tab)
        c.wait_text("pathsep")
        c.w.grab().save(str(tmp_path / f"plain-types-{theme}.png"))
        c.key(Key.Key_Escape)
        c.run_source(KERNEL_PAGE)
        c.qtbot.waitUntil(c.w.pager.isVisible, timeout=10000)
        c.qtbot.wait(50)
        c.w.grab().save(str(tmp_path / f"html-pager-{theme}.png"))
        c.w.pager.close_page()
    if os.environ.get("EMBEDCON_KEEP_PICTURES"):
        import shutil

        for p in tmp_path.glob("*.png"):
            shutil.copy(p, os.environ["EMBEDCON_KEEP_PICTURES"])
