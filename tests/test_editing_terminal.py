"""Editing and terminal behaviour that used to lose text or show the wrong thing
(issue 17): block indent/dedent of selected lines, copy from inside a prompt,
erase display (``ESC [2J``) and erase to start of line (``ESC [1K``).

One kernel for the module: each test gets a fresh widget on it.
"""

import pytest
from qtpy import QtGui, QtWidgets

from conftest import Key, Mod


@pytest.fixture
def con(shared_console):
    return shared_console


def _select(w, start, end):
    c = QtGui.QTextCursor(w._doc)
    c.setPosition(start)
    c.setPosition(end, QtGui.QTextCursor.MoveMode.KeepAnchor)
    w._control.setTextCursor(c)


def _copy(con):
    QtWidgets.QApplication.clipboard().clear()
    con.key(Key.Key_C, Mod.ControlModifier)
    return QtWidgets.QApplication.clipboard().text()


CODE = "for i in range(3):\n    x = i\nprint(x)"


def test_tab_indents_the_selected_lines_and_shift_tab_dedents_them(con):
    w = con.w
    w.input_buffer = CODE
    text = con.text()
    # from the middle of the first line to the middle of the last
    _select(w, text.index("range"), text.index("print(") + 3)
    con.key(Key.Key_Tab)
    assert w.input_buffer == "    for i in range(3):\n        x = i\n    print(x)"
    assert w._cursor().hasSelection()  # the lines stay selected: Tab again indents again
    con.key(Key.Key_Tab)
    assert w.input_buffer == "        for i in range(3):\n            x = i\n        print(x)"
    con.key(Key.Key_Backtab, Mod.ShiftModifier)
    con.key(Key.Key_Backtab, Mod.ShiftModifier)
    assert w.input_buffer == CODE
    con.key(Key.Key_Backtab, Mod.ShiftModifier)  # nothing left to remove on two lines
    assert w.input_buffer == "for i in range(3):\nx = i\nprint(x)"
    # the continuation prompts are untouched
    assert con.text().endswith("In [%d]: for i in range(3):\n   ...: x = i\n   ...: print(x)"
                               % w._next_count)


def test_tab_on_a_selection_that_starts_in_the_transcript_indents_only_input(con):
    w = con.w
    con.run("print('above')")
    w.input_buffer = "a = 1\nb = 2"
    _select(w, con.text().index("above"), len(con.text()))
    con.key(Key.Key_Tab)
    assert w.input_buffer == "    a = 1\n    b = 2"
    assert "above" in con.text()


def test_undo_brings_back_the_lines_before_a_block_indent(con):
    w = con.w
    w.input_buffer = CODE
    _select(w, w._input_cursor.position(), len(con.text()))
    con.key(Key.Key_Tab)
    con.key(Key.Key_Z, Mod.ControlModifier)
    assert w.input_buffer == CODE


def test_copy_from_inside_a_prompt_strips_the_whole_prompt(con):
    w = con.w
    con.run_source("if True:\n    y = 1")
    text = con.text()
    cell = text.rindex("if True:")
    start = text.rindex("]", 0, cell)  # inside "In [n]: "
    _select(w, start, text.index("y = 1", cell) + 5)
    assert _copy(con) == "if True:\n    y = 1"
    # from inside a continuation prompt
    cont = text.index("...:", cell)
    _select(w, cont + 2, text.index("y = 1", cell) + 5)
    assert _copy(con) == "    y = 1"
    # the live prompt, and a selection that starts before its input
    w.input_buffer = "z = 2\nz += 1"
    text = con.text()
    live = text.rindex("In [")
    _select(w, live + 3, len(text))
    assert _copy(con) == "z = 2\nz += 1"
    # a selection inside the prompt alone copies nothing of it
    _select(w, live + 1, live + 4)
    assert _copy(con) == ""


def test_erase_display_clears_the_transcript_and_keeps_the_input(con):
    w = con.w
    con.run("print('old output')")
    assert "old output" in con.text()
    con.run("%clear")  # IPython's magic sends what `clear` does: ESC [H ESC [2J
    assert "old output" not in con.text() and "%clear" not in con.text()
    con.run("print('before'); print('\\x1b[H\\x1b[2J', end=''); print('after')")
    text = con.text()
    assert "old output" not in text and "print(" not in text
    assert text.startswith("after\n") and text.rstrip().endswith("]:")
    # output that arrives while the user types: the draft stays, the rest goes
    con.run("import threading; threading.Timer(0.3, print, ('\\x1b[2Jlate',)).start()")
    con.type("draft")
    con.qtbot.waitUntil(lambda: "threading" not in con.text(), timeout=10000)
    assert w.input_buffer == "draft"
    assert con.text().startswith("late\n")
    assert con.text().endswith("]: draft")
    con.key(Key.Key_Return)
    con.wait_text("NameError")


def test_erase_display_then_carriage_returns_still_overwrite_their_line(con):
    con.run("print('x\\x1b[2J' + '10%\\r20%\\r30%')")
    assert con.text().startswith("30%\n")


def test_erase_to_start_of_line_blanks_the_columns(con):
    con.run("print('Hello\\x1b[1KBye'); print('abc\\rx\\x1b[1Ky'); print('abcdef\\x1b[3D\\x1b[2Kz')")
    out = con.output_of_last_cell().split("\n")
    assert "     Bye" in out           # five blanks, then Bye: a terminal shows the same
    assert " yc" in out               # column 1 blanked (under the cursor too), rest kept
    assert "      z" in out            # erase whole line: blanks to the cursor, which stays put
