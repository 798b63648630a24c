"""Working while a cell runs: type ahead, queue cells, take them back, cancel on error."""

import pytest
from qtpy import QtCore

from embedcon.models.cell_queue import CellQueue

Key = QtCore.Qt.Key
Mod = QtCore.Qt.KeyboardModifier


def test_cell_queue_model_order_take_back_cancel():
    seen = []
    q = CellQueue(seen.append)
    q.append("a")
    q.append("b")
    q.append("c")
    assert q.cells == ("a", "b", "c") and len(q) == 3
    assert q.take_back() == "c"
    assert q.pop_next() == "a"
    assert q.cancel() == ["b"]
    assert not q and q.take_back() is None and q.cancel() == []
    assert seen[-1] == () and seen[0] == ("a",)


@pytest.fixture
def console(kernel, make_console):
    return make_console(*kernel)


def _queue(console, code):
    console.type(code)
    console.key(Key.Key_Return)
    console.qtbot.waitUntil(lambda: code in console.w.queued_cells, timeout=5000)


def test_enter_while_busy_queues_and_escape_takes_back(console, qtbot):
    w = console.w
    changes = []
    w.queue_changed.connect(changes.append)
    console.start_cell("import time; time.sleep(2)")
    _queue(console, "a = 41")
    _queue(console, "b = 2")
    assert w.queued_cells == ("a = 41", "b = 2"), console.text()[-400:]
    panel = w._queue_panel
    assert panel.isVisible() and panel.count() == 2
    assert panel.item(0).text().startswith("queued") and "a = 41" in panel.item(0).text()
    assert w.input_buffer == ""
    console.key(Key.Key_Escape)  # takes back the last queued cell into the input
    assert w.queued_cells == ("a = 41",)
    assert w.input_buffer == "b = 2"
    w.focusProxy().grab().save("/tmp/embedcon-queue.png")
    # the sleep ends, the queued cell runs, the taken-back text stays in the input
    console.wait_text("In [2]: a = 41", timeout=20000)
    qtbot.waitUntil(lambda: w._executing_id is None and w._prompt_kind == "input", timeout=10000)
    assert w.input_buffer == "b = 2"
    assert not panel.isVisible() and changes[-1] == ()
    w.input_buffer = "a + 1"
    console.key(Key.Key_Return)
    console.wait_text("42")


def test_ctrl_z_takes_back_and_error_cancels_the_rest(console, qtbot):
    w = console.w
    console.start_cell("import time; time.sleep(1.5); 1/0")
    _queue(console, "x = 1")
    _queue(console, "y = 2")
    _queue(console, "z = 3")
    console.key(Key.Key_Z, Mod.ControlModifier)
    assert w.queued_cells == ("x = 1", "y = 2") and w.input_buffer == "z = 3"
    console.wait_text("ZeroDivisionError", timeout=20000)
    console.wait_text("2 queued cells not run: the cell ended with an error")
    assert w.queued_cells == ()
    assert {"x = 1", "y = 2"} <= set(w.history.items)  # nothing lost
    qtbot.waitUntil(lambda: w._executing_id is None and w._prompt_kind == "input", timeout=10000)
    w.input_buffer = "print('x' in dir(), 'y' in dir())"
    console.key(Key.Key_Return)
    console.wait_text("False False")


def test_interrupt_cancels_the_queue(console, qtbot):
    w = console.w
    console.start_cell("import time; time.sleep(30)")
    _queue(console, "q = 1")
    w.interrupt_kernel()
    console.wait_text("1 queued cell not run: interrupted")
    assert w.queued_cells == ()
    console.wait_text("KeyboardInterrupt", timeout=20000)
    qtbot.waitUntil(lambda: w._executing_id is None, timeout=10000)


def test_input_request_while_typing_ahead_keeps_the_typed_text(console, qtbot):
    w = console.w
    console.start_cell("import time; time.sleep(0.5); name = input('who? ')")
    console.type("print(name)")  # typed ahead while the cell runs
    qtbot.waitUntil(lambda: w._prompt_kind == "stdin", timeout=10000)
    console.type("ann")
    console.key(Key.Key_Return)
    qtbot.waitUntil(lambda: w._executing_id is None and w._prompt_kind == "input", timeout=10000)
    assert w.input_buffer == "print(name)"
    console.key(Key.Key_Return)
    console.wait_text("ann\n")


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_queued_cells_are_greyed_in_the_consoles_theme(kernel, make_console, qtbot, theme):
    """The queue panel's cells are drawn in a grey between the console's text and
    background colours, not in the text colour (the console's palette has no
    distinct disabled text colour), and follow a theme switch."""
    console = make_console(*kernel, theme=theme)
    w = console.w
    console.start_cell("import time; time.sleep(2)")
    _queue(console, "a = 1")
    panel = w._queue_panel

    def distances():
        pal = panel.palette()
        text = pal.color(pal.ColorGroup.Active, pal.ColorRole.Text)
        base = pal.color(pal.ColorGroup.Active, pal.ColorRole.Base)
        item = panel.item(0).foreground().color()
        return abs(item.lightness() - text.lightness()), abs(item.lightness() - base.lightness())

    to_text, to_base = distances()
    assert to_text >= 40 and to_base >= 40, (to_text, to_base)
    w.settings.theme = "dark" if theme == "light" else "light"
    to_text, to_base = distances()
    assert to_text >= 40 and to_base >= 40, (to_text, to_base)
