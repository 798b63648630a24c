"""The console as a user drives it: keys into the editor, text read back.

Every test runs the real RichJupyterWidget on a real ipykernel subprocess.
"""

import pytest
from conftest import Key, Mod
from qtpy import QtGui, QtWidgets


def test_banner_and_prompts(console):
    text = console.text()
    assert "IPython" in text  # the kernel's banner
    assert text.rstrip().endswith("In [1]:")
    console.run("1+1")
    assert "In [1]: 1+1\nOut[1]: 2\n" in console.text()
    assert console.text().endswith("In [2]: ")


def test_enter_on_incomplete_input_opens_indented_line(console):
    console.type("for i in range(3):")
    console.key(Key.Key_Return)
    console.qtbot.waitUntil(lambda: "\n" in console.w.input_buffer)
    assert console.w.input_buffer == "for i in range(3):\n    "
    assert not console.executed
    console.type("print(i * 10)")
    console.key(Key.Key_Return)  # still incomplete: a new indented line
    console.qtbot.waitUntil(lambda: console.w.input_buffer.count("\n") == 2)
    console.key(Key.Key_Return)  # blank line closes the block: executes
    console.qtbot.waitUntil(lambda: bool(console.executed))
    console.wait_prompt(2)
    assert "0\n10\n20\n" in console.text()
    assert "   ...:     print(i * 10)" in console.text()


def test_keys_typed_while_waiting_for_is_complete_are_not_lost(console):
    console.type("1+2")
    console.key(Key.Key_Return)
    console.type("abc")  # before the is_complete reply arrives
    console.qtbot.waitUntil(lambda: bool(console.executed))
    console.wait_prompt(2)
    assert "Out[1]: 3" in console.text()
    assert console.w.input_buffer == "abc"


def test_ctrl_enter_inserts_newline_and_shift_enter_executes(console):
    console.type("a = 5")
    console.key(Key.Key_Return, Mod.ControlModifier)
    assert console.w.input_buffer == "a = 5\n"
    console.type("a * 2")
    console.key(Key.Key_Home)
    console.key(Key.Key_Return, Mod.ShiftModifier)  # executes though the cursor is mid-input
    console.qtbot.waitUntil(lambda: bool(console.executed))
    console.wait_prompt(2)
    assert "Out[1]: 10" in console.text()


def _colour_of(widget, needle):
    doc = widget._doc
    found = doc.find(needle, doc.characterCount(), QtGui.QTextDocument.FindFlag.FindBackward)
    assert not found.isNull(), needle
    c = QtGui.QTextCursor(doc)
    c.setPosition(found.selectionStart() + 1)
    return c.charFormat().foreground().color().name()


def test_stdout_and_stderr_are_shown_and_distinct(console):
    console.run("import sys; print('to-out'); print('to-err', file=sys.stderr)")
    text = console.text()
    assert "to-out\n" in text and "to-err\n" in text
    assert _colour_of(console.w, "to-err") != _colour_of(console.w, "to-out")


def test_error_traceback_keeps_ansi_colours(console):
    reply = console.run("1/0")
    assert reply["content"]["status"] == "error"
    text = console.text()
    assert "ZeroDivisionError" in text and "\x1b" not in text
    colours = {_colour_of(console.w, "ZeroDivisionError: division by zero"),
               _colour_of(console.w, "Traceback")}
    assert len(colours) >= 1 and colours != {"#000000"}


def test_input_through_stdin_channel(console):
    console.type("name = input('Your name? ')")
    console.key(Key.Key_Return)
    try:
        console.qtbot.waitUntil(lambda: console.w._prompt_kind == "stdin", timeout=10000)
    except Exception:
        w = console.w
        raise AssertionError((console.text()[-300:], w._prompt_kind, w._executing_id, w._queued_keys,
                              w._is_complete, w._handshake_done, console.iopub[-8:], w._requests))
    assert console.text().endswith("Your name? ")
    console.type("Ada")
    console.key(Key.Key_Return)
    console.qtbot.waitUntil(lambda: bool(console.executed))
    console.wait_prompt(2)
    console.run("name.upper()")
    assert "Out[2]: 'ADA'" in console.text()


def test_getpass_is_masked(console):
    console.type("import getpass; pw = getpass.getpass('Password: ')")
    console.key(Key.Key_Return)
    console.qtbot.waitUntil(lambda: console.w._prompt_kind == "stdin", timeout=10000)
    console.type("hunter2")
    assert "hunter2" not in console.text()
    assert "\u2022" * 7 in console.text()
    console.key(Key.Key_Return)
    console.qtbot.waitUntil(lambda: bool(console.executed))
    console.wait_prompt(2)
    console.run("len(pw), pw[0]")
    assert "Out[2]: (7, 'h')" in console.text()
    assert "hunter2" not in console.text()


def test_history_up_down_with_prefix(console):
    console.run("alpha = 1")
    console.run("beta = 2")
    console.run("alpha + beta")
    console.key(Key.Key_Up)
    assert console.w.input_buffer == "alpha + beta"
    console.key(Key.Key_Up)
    assert console.w.input_buffer == "beta = 2"
    console.key(Key.Key_Down)
    assert console.w.input_buffer == "alpha + beta"
    console.key(Key.Key_Down)
    assert console.w.input_buffer == ""
    console.type("be")
    console.key(Key.Key_Up)  # prefix search: only entries starting with "be"
    assert console.w.input_buffer == "beta = 2"
    console.key(Key.Key_Escape)
    console.type("a + b")
    console.key(Key.Key_Up, Mod.ShiftModifier)  # substring search
    assert console.w.input_buffer == "alpha + beta"


def test_history_is_loaded_from_the_kernel(kernel, make_console):
    km, kc = kernel
    first = make_console(km, kc)
    first.run("marker_for_history = 42")
    from embedcon.client import QtKernelClient

    kc2 = QtKernelClient()
    kc2.load_connection_info(km.get_connection_info())
    kc2.start_channels()
    try:
        second = make_console(None, kc2, wait=False)
        second.wait_prompt()
        second.qtbot.waitUntil(lambda: "marker_for_history = 42" in second.w.history.items)
        second.key(Key.Key_Up)
        assert second.w.input_buffer == "marker_for_history = 42"
    finally:
        kc2.stop_channels()


def test_ctrl_l_clears_but_keeps_the_input(console):
    console.run("print('old output')")
    console.type("draft")
    console.key(Key.Key_L, Mod.ControlModifier)
    assert "old output" not in console.text()
    assert console.text() == "In [2]: draft"
    console.key(Key.Key_Return)
    console.qtbot.waitUntil(lambda: len(console.executed) == 2)


@pytest.mark.parametrize("word", ["exit", "quit"])
def test_exit_and_quit_emit_exit_requested(console, word):
    with console.qtbot.waitSignal(console.w.exit_requested, timeout=10000):
        console.type(word)
        console.key(Key.Key_Return)


@pytest.mark.parametrize("how", ["exit", "ctrl-d"])
def test_exit_with_no_host_listening_closes_a_console_window_and_its_kernel(console, how):
    """A console that is a window of its own (the one-call API's) and whose
    exit_requested nobody handles closes on exit / Ctrl+D, and stops its kernel
    (before, the window stayed and the kernel lived on, or ended and restarted)."""
    km = console.km
    assert console.w.isWindow() and console.w.isVisible()
    if how == "exit":
        console.type("exit")
        console.key(Key.Key_Return)
    else:
        console.key(Key.Key_D, Mod.ControlModifier)
    console.qtbot.waitUntil(lambda: not console.w.isVisible(), timeout=10000)
    console.qtbot.waitUntil(lambda: not km.is_alive(), timeout=10000)


def test_exit_keep_kernel_with_no_host_listening_leaves_the_kernel(console):
    km = console.km
    console.type("exit(keep_kernel=True)")
    console.key(Key.Key_Return)
    console.qtbot.waitUntil(lambda: not console.w.isVisible(), timeout=10000)
    console.qtbot.wait(500)
    assert km.is_alive()


def test_exit_in_a_console_inside_a_host_window_says_the_host_decides(console):
    host = QtWidgets.QWidget()
    console.qtbot.addWidget(host)
    QtWidgets.QVBoxLayout(host).addWidget(console.w)
    host.show()
    console.type("exit")
    console.key(Key.Key_Return)
    console.qtbot.waitUntil(lambda: "the kernel keeps running" in console.text(), timeout=10000)
    assert console.w.isVisible() and console.km.is_alive()
    console.run("'still here'")
    assert "'still here'" in console.text()
    console.w.setParent(None)  # the fixture closes it; the host goes with this test


def test_ctrl_d_on_empty_input_requests_exit(console):
    with console.qtbot.waitSignal(console.w.exit_requested, timeout=2000):
        console.key(Key.Key_D, Mod.ControlModifier)


def test_kernel_state_signal(console):
    console.run("import time; time.sleep(0.2)")
    assert "busy" in console.states and console.states[-1] == "idle"
    assert console.w.kernel_state == "idle"


def test_ctrl_c_interrupts_a_running_cell(console):
    console.start_cell("while True: pass")
    console.key(Key.Key_C, Mod.ControlModifier)
    console.qtbot.waitUntil(lambda: bool(console.executed), timeout=10000)
    console.wait_prompt(2)
    assert "KeyboardInterrupt" in console.text()
    console.run("40 + 2")
    assert "Out[2]: 42" in console.text()


def test_ctrl_dot_restarts_the_kernel(console):
    console.run("secret = 123")
    pid = console.km.provisioner.process.pid
    console.key(Key.Key_Period, Mod.ControlModifier)
    console.wait_text("Kernel restarted.")
    console.wait_prompt(1)
    assert console.km.provisioner.process.pid != pid
    console.run("'secret' in dir()")
    assert "Out[1]: False" in console.text()


def test_custom_key_binding_from_config(kernel, make_console):
    from traitlets.config import Config

    cfg = Config()
    cfg.RichJupyterWidget.key_bindings = {"Ctrl+Return": "execute", "Shift+Return": "newline"}
    km, kc = kernel
    c = make_console(km, kc, config=cfg)
    c.type("6 * 7")
    c.key(Key.Key_Return, Mod.ShiftModifier)
    assert c.w.input_buffer == "6 * 7\n"
    c.key(Key.Key_Return, Mod.ControlModifier)
    c.qtbot.waitUntil(lambda: bool(c.executed))
    c.wait_prompt(2)
    assert "Out[1]: 42" in c.text()


def test_unknown_command_in_key_bindings_is_a_clear_error(qapp):
    from embedcon.widgets import RichJupyterWidget

    with pytest.raises(ValueError, match="unknown console command"):
        RichJupyterWidget(key_bindings={"Ctrl+J": "fly_to_the_moon"})


def test_execute_api_and_signals(console):
    seen = []
    console.w.executing.connect(seen.append)
    console.w.execute("3 * 3")
    console.qtbot.waitUntil(lambda: bool(console.executed))
    assert seen == ["3 * 3"]
    assert "Out[1]: 9" in console.text()
    # hidden executions change nothing visible
    before = console.text()
    console.w.execute("hidden_var = 7", hidden=True)
    console.qtbot.wait(300)
    assert console.text() == before
    console.run("hidden_var")
    assert "Out[2]: 7" in console.text()


def test_messages_reach_the_gui_thread_as_they_were_received(console):
    """The I/O thread's message objects are what the widget and every other
    listener get: Signal(list) or Signal(dict) made PyQt copy each message
    through QVariant for each receiver (88 us for 4 small messages, a 5 MB
    stream text twice)."""
    kc = console.w.kernel_client
    first, second, shell = [], [], []
    kc.iopub_channel.messages_received.connect(first.extend)
    kc.iopub_channel.messages_received.connect(second.extend)
    kc.shell_channel.messages_received.connect(shell.extend)
    reply = console.run("print('to stdout'); 6 * 7")
    assert "to stdout\nOut[1]: 42" in console.text()
    assert [m["msg_type"] for m in first] == [m["msg_type"] for m in second]
    assert "execute_result" in [m["msg_type"] for m in first]
    assert all(a is b for a, b in zip(first, second))
    # the executed signal carries the execute_reply that came off the shell channel
    assert reply["content"]["status"] == "ok"
    assert any(reply is m for m in shell)


def test_input_buffer_property(console):
    console.w.input_buffer = "x = 1\ny = 2"
    assert console.w.input_buffer == "x = 1\ny = 2"
    assert "   ...: y = 2" in console.text()
    console.key(Key.Key_Return, Mod.ShiftModifier)
    console.qtbot.waitUntil(lambda: bool(console.executed))


def test_backspace_joins_lines_and_prompt_is_protected(console):
    console.type("ab")
    console.key(Key.Key_Return, Mod.ControlModifier)
    console.type("cd")
    console.key(Key.Key_Home)
    console.key(Key.Key_Backspace)  # at line start: joins with the line above
    assert console.w.input_buffer == "abcd"
    console.key(Key.Key_End)
    for _ in range(10):
        console.key(Key.Key_Backspace)
    assert console.w.input_buffer == ""
    assert console.text().endswith("In [1]: ")


def test_kill_and_yank(console):
    console.type("foo bar baz")
    console.key(Key.Key_Backspace, Mod.ControlModifier)
    assert console.w.input_buffer == "foo bar "
    console.key(Key.Key_Home)
    console.key(Key.Key_K, Mod.ControlModifier)
    assert console.w.input_buffer == ""
    console.key(Key.Key_Y, Mod.ControlModifier)
    assert console.w.input_buffer == "foo bar "


def test_tab_completion(console):
    console.run("import os, collections")
    console.type("collections.OrderedD")
    console.key(Key.Key_Tab)  # a single match is inserted
    console.qtbot.waitUntil(lambda: console.w.input_buffer == "collections.OrderedDict", timeout=10000)
    console.key(Key.Key_Escape)
    console.type("os.pa")
    console.key(Key.Key_Tab)  # several: a list under the cursor
    console.qtbot.waitUntil(lambda: console.w.completer.isVisible(), timeout=10000)
    console.type("th")  # typing filters the list
    items = console.w.completion_widget.texts()
    assert items and all(i.startswith("path") for i in items)
    console.key(Key.Key_Return)  # accepts the selected match
    assert console.w.input_buffer == "os.path"
    assert not console.w.completer.isVisible()


def test_input_is_highlighted_and_output_is_not(console):
    console.type("import os  # note")
    block = console.w._doc.lastBlock()
    console.qtbot.waitUntil(lambda: len(block.layout().formats()) >= 2, timeout=2000)
    colours = {r.format.foreground().color().name() for r in block.layout().formats()}
    assert len(colours) >= 2  # keyword and comment differ
    console.key(Key.Key_Return)
    console.qtbot.waitUntil(lambda: bool(console.executed))
    console.run("print('import os')")
    out_block = console.w._doc.findBlockByNumber(console.w._doc.blockCount() - 2)
    assert out_block.text() == "import os"
    assert out_block.layout().formats() == []


def test_input_lines_keep_their_glyphs_until_executed_and_only_so_many(console, monkeypatch):
    # Without QTextLayout's cache Qt shaped every coloured input line again
    # at each paint (the paint after a key took 0.19-0.26 ms instead of
    # 0.12-0.15 ms); the cache is released when the input becomes transcript,
    # and a huge paste holds it for CACHE_BLOCKS lines only.
    w = console.w
    monkeypatch.setattr(type(w._highlighter), "CACHE_BLOCKS", 5)
    w.input_buffer = "\n".join(f"x_{i} = {i}  # line {i}" for i in range(12))
    first = w._doc.findBlock(w._input_cursor.position())

    def input_blocks():
        b, out = first, []
        while b.isValid():
            out.append(b)
            b = b.next()
        return out
    console.qtbot.waitUntil(lambda: len(input_blocks()[-1].layout().formats()) >= 2, timeout=3000)
    cached = [b.layout().cacheEnabled() for b in input_blocks()]
    assert sum(cached) == 5 and cached[:5] == [True] * 5
    console.key(Key.Key_Return, Mod.ShiftModifier)
    console.qtbot.waitUntil(lambda: bool(console.executed), timeout=10000)
    console.wait_prompt(2)
    b = first
    for _ in range(12):
        assert not b.layout().cacheEnabled(), b.text()
        b = b.next()
    # the next input starts with a fresh allowance
    console.type("y = 1  # typed")
    last = w._doc.lastBlock()
    console.qtbot.waitUntil(lambda: len(last.layout().formats()) >= 2, timeout=3000)
    assert last.layout().cacheEnabled()


def test_prompt_is_shown_at_once_and_enter_waits_for_the_kernel(qapp, make_console):
    from conftest import start_kernel, stop_kernel

    km, kc = start_kernel()
    try:
        c = make_console(km, kc, wait=False)
        assert c.text() == "In [1]: "  # before the kernel has answered anything
        c.type("40 + 2")
        c.key(Key.Key_Return)
        c.type("draft")  # typed while waiting: kept for the next prompt
        c.qtbot.waitUntil(lambda: bool(c.executed), timeout=20000)
        c.wait_prompt(2)
        assert "In [1]: 40 + 2\nOut[1]: 42" in c.text()
        assert "IPython" in c.text().split("In [1]")[0]  # the banner went above the prompt
        assert c.w.input_buffer == "draft"
    finally:
        stop_kernel(km, kc)


def test_copied_text_is_the_documents_plain_text(console):
    # Copy reads the selection as selectedText() plus the translation
    # toPlainText() applies (a selection().toPlainText() copied the range into
    # a new document first: 0.37 s for 100k lines instead of 0.04 s)
    from qtpy import QtWidgets

    console.run("print('a\\u00a0b \\U0001F600 c\\u2028d'); print('\\n'.join(map(str, range(50))))")
    w = console.w
    w._control.selectAll()
    w.cmd_copy_raw()
    copied = QtWidgets.QApplication.clipboard().text()
    assert copied == w._doc.toPlainText()
    assert "a b \U0001F600 c\nd" in copied and "\n49\n" in copied
