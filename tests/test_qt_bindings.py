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
