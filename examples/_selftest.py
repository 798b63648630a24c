"""Headless self-test hook for the examples (used by tests/test_examples.py).

With EMBEDCON_EXAMPLE_SELFTEST set to some Python code, the example executes it
in its console once the first prompt is shown, prints the console transcript
between markers, and quits.
"""

import os

from qtpy import QtCore, QtWidgets


def install(console, timeout_ms: int = 30000) -> None:
    code = os.environ.get("EMBEDCON_EXAMPLE_SELFTEST")
    if not code:
        return
    app = QtWidgets.QApplication.instance()
    state = {"sent": False}

    def on_prompt():
        if not state["sent"]:
            state["sent"] = True
            console.execute(code)
        else:
            print("=== transcript ===")
            print(console.export_text())
            print("=== end ===", flush=True)
            app.quit()

    console.prompt_ready.connect(on_prompt)
    QtCore.QTimer.singleShot(timeout_ms, lambda: (print("selftest timed out", flush=True),
                                                  app.exit(3)))
