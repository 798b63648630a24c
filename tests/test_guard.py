"""A bug in a message handler must never take the host process down."""

import os
import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent("""
    import logging, os, sys
    logging.basicConfig()  # the host's logging set-up
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from qtpy import QtWidgets, QtCore
    app = QtWidgets.QApplication([])
    from embedcon.widgets import jupyter_widget
    real = jupyter_widget.JupyterWidget._iopub_stream

    def buggy(self, content, here):  # stands in for any bug in a handler
        if "BOOM" in str(content.get("text")):
            raise RuntimeError("handler bug")
        return real(self, content, here)

    jupyter_widget.JupyterWidget._iopub_stream = buggy
    import embedcon
    console = embedcon.subprocess_console()
    cells = iter(["print('BOOM')", "print('after the bug')"])

    def next_cell(*_):
        code = next(cells, None)
        if code is None:
            print("TRANSCRIPT", repr(console.export_text()), flush=True)
            console.shutdown_kernel()
            app.quit()
        else:
            console.execute(code)

    console.executed.connect(lambda _r: QtCore.QTimer.singleShot(0, next_cell))
    QtCore.QTimer.singleShot(0, next_cell)
    QtCore.QTimer.singleShot(60000, lambda: app.exit(3))
    sys.exit(app.exec())
""")


def _survives(tmp_path, script_text: str, timeout: float = 120):
    """Run a host script in a fresh process; it must exit 0 (PyQt6 aborts the
    process when an exception escapes a slot).  Returns (stdout, stderr)."""
    script = tmp_path / "host.py"
    script.write_text(script_text)
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert proc.returncode == 0, proc.stdout + proc.stderr[-2000:]
    return proc.stdout, proc.stderr


def test_exception_in_a_handler_is_logged_not_fatal(tmp_path):
    out, err = _survives(tmp_path, SCRIPT)
    assert "after the bug" in out
    assert "handler bug" in err  # logged with its traceback


WRITER_SCRIPT = textwrap.dedent("""
    import logging, os, sys
    logging.basicConfig()
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from qtpy import QtWidgets, QtCore
    app = QtWidgets.QApplication([])
    from embedcon.widgets.console_widget import ConsoleWidget
    w = ConsoleWidget()
    real = w.writer.write

    def buggy(cursor, text, *args, **kw):  # stands in for a bug in the output writer
        if "BOOM" in text:
            raise RuntimeError("writer bug")
        return real(cursor, text, *args, **kw)

    w.writer.write = buggy
    w.append_stream("BOOM\\n")  # written by the queue's timer, a Qt slot
    QtCore.QTimer.singleShot(200, lambda: w.append_stream("after the bug\\n"))
    QtCore.QTimer.singleShot(600, app.quit)
    app.exec()
    print("TRANSCRIPT", repr(w.export_text()), flush=True)
""")


def test_exception_while_writing_output_is_logged_not_fatal(tmp_path):
    out, err = _survives(tmp_path, WRITER_SCRIPT, timeout=60)
    assert "after the bug" in out
    assert "writer bug" in err
