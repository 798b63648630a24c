"""The Qt binding: qtpy's choice (QT_API) is the one in use, and the console works on it.

CI runs the whole suite on PyQt6 and on PySide6 (``QT_API=pyside6``), and this
file alone on PyQt5 (``QT_API=pyqt5``, see ``.ci/run``): start, execute,
output, interrupt, an in-process console.
"""

from __future__ import annotations

import os

import qtpy
from qtpy import QtCore

from conftest import Console

Key = QtCore.Qt.Key
Mod = QtCore.Qt.KeyboardModifier


def test_the_binding_is_the_one_qt_api_asks_for():
    from embedcon import qt_compat

    want = os.environ.get("QT_API", "pyqt6").lower()
    assert qtpy.API_NAME.lower() == want
    assert qt_compat.BINDING == want
    # the pytest-qt plugin drives the same binding (two bindings in one process crash)
    import pytestqt.qt_compat

    assert pytestqt.qt_compat.qt_api.pytest_qt_api == want


def test_the_binding_keeps_reference_counts(qapp):
    """PySide6 6.12.0 drops a reference to None in every call of a void method
    (Python < 3.12 aborts after a few thousand lines of output); the
    ``pyside6`` extra excludes it, and this catches such a binding."""
    import sys

    from qtpy import QtGui

    doc = QtGui.QTextDocument()
    cursor = QtGui.QTextCursor(doc)
    fmt = QtGui.QTextCharFormat()
    before = sys.getrefcount(None)
    for _ in range(500):
        cursor.insertText("x", fmt)
        cursor.setPosition(0)
    assert sys.getrefcount(None) > before - 500


def test_subprocess_console_smoke(qapp, qtbot):
    import embedcon

    w = embedcon.subprocess_console()
    qtbot.addWidget(w)
    w.show()
    c = Console(qtbot, w, w.kernel_manager, w.kernel_client)
    try:
        c.wait_prompt(1)
        c.wait_ready()
        c.run("print('hello from', 6 * 7)")
        assert "hello from 42" in c.text()
        c.start_cell("import time; time.sleep(30)")
        c.key(Key.Key_C, Mod.ControlModifier)
        c.wait_text("KeyboardInterrupt", timeout=15000)
        c.wait_prompt()
    finally:
        w.shutdown_kernel()


def test_inprocess_console_smoke(qapp, qtbot):
    import embedcon

    ns = {"shared": [1, 2, 3]}
    w = embedcon.inprocess_console(ns, show_banner=False)
    qtbot.addWidget(w)
    w.show()
    c = Console(qtbot, w, w.kernel_manager, w.kernel_client)
    try:
        c.wait_prompt(1)
        c.run("shared.append(sum(shared)); shared")
        assert "[1, 2, 3, 6]" in c.text()
        assert ns["shared"] == [1, 2, 3, 6]
    finally:
        w.shutdown_kernel()


def test_a_process_that_copied_rich_data_exits_cleanly_on_pyside6(tmp_path):
    """A copy with HTML (a selection inside a rich output) leaves a QMimeData
    made in Python on the clipboard; with PySide6, Qt deleted it after Python
    had shut down and the process died at exit (SIGSEGV, status 139, after
    every test passed: the whole PySide6 suite exited so, twice).  A test process that made
    such a copy must exit with 0."""
    import importlib.util
    import subprocess
    import sys

    import pytest

    if importlib.util.find_spec("PySide6") is None:
        pytest.skip("PySide6 is not installed (the `pyside6` extra)")
    here = os.path.dirname(os.path.abspath(__file__))
    env = dict(os.environ, QT_API="pyside6", PYTEST_QT_API="pyside6", QT_QPA_PLATFORM="offscreen")
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-m", "",
         os.path.join(here, "test_rich_select.py") +
         "::test_context_menu_copy_takes_the_inner_selection"],
        cwd=os.path.dirname(here), env=env, capture_output=True, text=True, timeout=300)
    assert "1 passed" in proc.stdout, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert proc.returncode == 0, f"exit status {proc.returncode}"
