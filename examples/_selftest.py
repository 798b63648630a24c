"""Headless self-test hook for the examples (used by tests/test_examples.py).

With EMBEDCON_EXAMPLE_SELFTEST set to some Python code, the example executes it
in its console as soon as the kernel is ready, prints the console transcript
between markers, and quits.
"""

import os

from qtpy import QtCore, QtWidgets


def install(console, timeout_ms: int = 30000) -> None:
    code = os.environ.get("EMBEDCON_EXAMPLE_SELFTEST")
    if not code:
        return
    app = QtWidgets.QApplication.instance()

    def done(_reply):
        print("=== transcript ===")
        print(console.export_text())
        print("=== end ===", flush=True)
        app.quit()

    console.executed.connect(done)
    # execute() waits for the kernel to be ready, as typing Enter would
    QtCore.QTimer.singleShot(0, lambda: console.execute(code))
    QtCore.QTimer.singleShot(timeout_ms, lambda: (print("selftest timed out", flush=True),
                                                  app.exit(3)))
