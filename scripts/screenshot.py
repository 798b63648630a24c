"""Take the README's screenshot of the real console, offscreen.

    QT_QPA_PLATFORM=offscreen python scripts/screenshot.py [OUT.png]

Starts a console on a new kernel, runs a few cells a user would (a banner, a
traceback, colours, a table rendered as HTML, a typed input with syntax
highlighting), grabs the widget and writes ``docs/screenshot.png`` (or OUT).
The test suite runs it (tests/test_screenshot.py) so that it keeps working.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

CELLS = [
    "import sys; print(f'Python {sys.version.split()[0]}'); 6 * 7",
    "for n, colour in enumerate(['31', '32', '34']): "
    "print(f'\\x1b[{colour}mcolour {n}\\x1b[0m', end='  ')",
    "from IPython.display import HTML\n"
    "HTML('rich output: <b>bold</b>, <i>italic</i>, <span style=\"color:#1a7f37\">green</span>')",
    "{'a': 1}['b']",
]
TYPED = "def greet(name):\n    return f'hello {name}'"


def take(out: Path, timeout: float = 60.0) -> Path:
    from qtpy import QtCore, QtWidgets

    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(["embedcon"])
    import embedcon

    w = embedcon.subprocess_console(font_size=10)
    w.resize(760, 520)
    w.show()
    deadline = time.monotonic() + timeout

    def spin(cond):
        while not cond():
            if time.monotonic() > deadline:
                raise TimeoutError("the console did not get there in time")
            app.processEvents(QtCore.QEventLoop.ProcessEventsFlag.AllEvents, 20)

    try:
        spin(lambda: w._handshake_done and w._prompt_kind == "input")
        for code in CELLS:
            done = []
            w.executed.connect(done.append)
            w.execute(code)
            spin(lambda: bool(done) and w._prompt_kind == "input")
            w.executed.disconnect(done.append)
        w.input_buffer = TYPED
        spin(lambda: True)
        for _ in range(20):  # let highlighting and pictures settle
            app.processEvents()
            time.sleep(0.02)
        out.parent.mkdir(parents=True, exist_ok=True)
        if not w.grab().save(str(out)):
            raise OSError(f"could not write {out}")
        return out
    finally:
        w.shutdown_kernel()


if __name__ == "__main__":
    root = Path(__file__).resolve().parent.parent
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else root / "docs" / "screenshot.png"
    print(take(target))
