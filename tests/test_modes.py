"""The real widget on the in-process kernel and on the kernel hosted in the app."""

import os
import subprocess
import sys
import textwrap

import pytest
from conftest import Console, Key
from qtpy import QtWidgets

import embedcon


@pytest.fixture
def inprocess(qapp, qtbot):
    holder = {"made": []}

    def make(namespace=None, **traits):
        w = embedcon.inprocess_console(namespace, show_banner=False, **traits)
        qtbot.addWidget(w)
        w.show()
        c = Console(qtbot, w, w.kernel_manager, w.kernel_client)
        c.wait_prompt(1)
        holder["made"].append(w)
        return c

    yield make
    for w in holder["made"]:
        w.shutdown_kernel()


def test_inprocess_console_shares_host_objects(inprocess):
    label = QtWidgets.QLabel("before")
    c = inprocess({"label": label})
    c.run("label.setText('after'); print('stdout works')")
    assert label.text() == "after"
    assert "stdout works\n" in c.text()
    c.run("6 * 7")
    assert "Out[2]: 42" in c.text()
    c.w.kernel_manager.push({"pushed": 5})
    c.run("pushed + 1")
    assert "Out[3]: 6" in c.text()
    assert c.w.kernel_manager.get("pushed") == 5


def test_inprocess_input_and_exit_never_close_the_host(inprocess):
    from qtpy import QtCore, QtTest

    c = inprocess()

    def answer(msg):
        # the kernel waits for input in a nested event loop on this very thread,
        # so the "user" types from a timer inside that loop
        if msg["header"]["msg_type"] == "input_request":
            def type_answer():
                QtTest.QTest.keyClicks(c.editor, "typed")
                QtTest.QTest.keyClick(c.editor, Key.Key_Return)
            QtCore.QTimer.singleShot(50, type_answer)

    c.w.kernel_client.stdin_channel.message_received.connect(answer)
    c.type("v = input('? ')")
    c.key(Key.Key_Return)
    c.qtbot.waitUntil(lambda: len(c.executed) == 1, timeout=10000)
    c.run("v")
    assert "Out[2]: 'typed'" in c.text()
    for code in ("exit", "import sys; sys.exit()", "raise SystemExit(3)"):
        with c.qtbot.waitSignal(c.w.exit_requested, timeout=10000):
            c.type(code)
            c.key(Key.Key_Return)
        c.wait_prompt()
    c.run("'still alive'")
    assert "'still alive'" in c.text()


def test_inprocess_restart_from_the_console(inprocess):
    c = inprocess({"host_obj": 1})
    c.run("scratch = 2")
    c.w.restart_kernel()
    c.wait_prompt(1)
    c.run("('scratch' in dir(), host_obj)")
    assert "Out[1]: (False, 1)" in c.text()


_IN_APP_SCRIPT = textwrap.dedent("""
    import os, sys
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from qtpy import QtWidgets, QtCore
    app = QtWidgets.QApplication([])
    import embedcon
    label = QtWidgets.QLabel("start")
    ns = {"label": label}
    console = embedcon.in_app_console(ns)
    console.show()
    steps = iter([
        "label.setText('from console')",
        "name = input('who? ')",
        "print('hello', name, label.text())",
    ])

    def on_stdin(msg):
        if msg["header"]["msg_type"] == "input_request":
            from qtpy import QtTest
            QtCore.QTimer.singleShot(50, lambda: (
                QtTest.QTest.keyClicks(console.focusProxy(), "world"),
                QtTest.QTest.keyClick(console.focusProxy(), QtCore.Qt.Key.Key_Return)))

    console.kernel_client.stdin_channel.message_received.connect(on_stdin)

    def next_step():
        step = next(steps, None)
        if step is None:
            text = console.export_text()
            # close the console; the kernel and its namespace stay
            console.kernel_client.stop_channels()
            console.close()
            again = embedcon.in_app_console()
            again.show()
            def check():
                again.execute("print('reopened', name)")
                again.executed.connect(lambda _r: finish(again, text))
            QtCore.QTimer.singleShot(1500, check)
            return
        console.execute(step)

    def finish(again, text):
        print("TRANSCRIPT1", repr(text))
        print("TRANSCRIPT2", repr(again.export_text()))
        print("LABEL", label.text())
        again.in_app_kernel.stop()
        app.quit()

    console.executed.connect(lambda _r: QtCore.QTimer.singleShot(0, next_step))
    QtCore.QTimer.singleShot(1500, next_step)
    QtCore.QTimer.singleShot(60000, lambda: app.exit(3))
    sys.exit(app.exec())
""")


@pytest.mark.slow
def test_in_app_console_input_and_reopen_keeps_namespace(tmp_path):
    script = tmp_path / "in_app.py"
    script.write_text(_IN_APP_SCRIPT)
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          timeout=120, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "LABEL from console" in proc.stdout
    assert "hello world from console" in proc.stdout
    assert "reopened world" in proc.stdout


def test_subprocess_console_builds_its_lexer_while_the_kernel_starts(qapp, qtbot):
    # pygments compiles the Python lexer's regexes on first use (~70 ms on the
    # GUI thread): the first keystroke or cell used to pay for it.  The console
    # now builds it in the time it waits for the kernel it started.
    w = embedcon.subprocess_console()
    qtbot.addWidget(w)
    w.show()
    try:
        c = Console(qtbot, w, w.kernel_manager, w.kernel_client)
        assert w._highlighter._lexer is None  # nothing built yet in this event-loop turn
        c.wait_prompt(1)
        c.wait_ready()
        assert w._highlighter._lexer is not None
        c.type("x = 1")  # and typing is coloured with it
        qtbot.waitUntil(lambda: any(r.format.foreground().color().name() != "#000000"
                                    for r in w._control.document().lastBlock().layout().formats()),
                        timeout=2000)
    finally:
        w.shutdown_kernel()
