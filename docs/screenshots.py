"""Take the user guide's screenshots from the real console.

    python docs/screenshots.py [OUTPUT_DIR]     (default: docs/images)

Each picture is ``RichJupyterWidget.grab()`` of a console on a real
subprocess kernel (``embedcon.subprocess_console``), driven with keys as a
user would, in the light and the dark theme:

- ``session-<theme>.png``: coloured output, a traceback, and a call tip
  shown while typing a call;
- ``rich-<theme>.png``: a matplotlib figure (``%matplotlib inline``,
  ``retina``) and a pandas DataFrame drawn as a table;
- ``style-<theme>.png``: the guide's style sheet (``console.css``: prompts,
  stderr, the selected completion) and the ncurses completion columns.

Runs headless (``QT_QPA_PLATFORM=offscreen`` unless set).  matplotlib and
pandas must be importable by the kernel (the project's ``test`` extra).
Prints the files written; exits non-zero if a scene did not come up.
"""

from __future__ import annotations

import os
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from qtpy import QtCore, QtWidgets  # noqa: E402
from qtpy.QtTest import QTest  # noqa: E402

SIZE = (860, 560)
THEMES = ("light", "dark")

SESSION_CELLS = [
    "import sys\nsys.version_info[:3]",
    "for level, colour in [('info', 32), ('warning', 33), ('error', 31)]:\n"
    "    print(f'\\x1b[1;{colour}m{level:>8}\\x1b[0m  the console draws ANSI colours')",
    "{'answer': 42, 'primes': [2, 3, 5, 7, 11]}",
    "1 / 0",
]
SESSION_TYPED = "sorted("  # left in the input: the call tip shows

RICH_CELLS = [
    "%matplotlib inline\n"
    "%config InlineBackend.figure_format = 'retina'\n"
    "import numpy as np, matplotlib.pyplot as plt\n"
    "x = np.linspace(0, 4 * np.pi, 400)\n"
    "fig, ax = plt.subplots(figsize=(4.2, 2.2))\n"
    "ax.plot(x, np.sin(x), label='sin'); ax.plot(x, np.cos(x) * np.exp(-x / 8), label='damped cos')\n"
    "ax.legend(loc='upper right'); plt.show()",
    "import pandas as pd\n"
    "pd.DataFrame({'planet': ['Mercury', 'Venus', 'Earth', 'Mars'],\n"
    "              'moons': [0, 0, 1, 2], 'au': [0.39, 0.72, 1.0, 1.52]})",
]


# the guide's console.css (docs/guide.md, "Colours, prompts and style sheets")
STYLE_SHEET = """
.in-prompt { color: #0a7d00; }
.in-prompt-number { font-weight: bold; }
.out-prompt { color: #b00020; }
.error { color: #d03030; }
.inverted { background-color: #264f78; color: white; }
"""
STYLE_CELLS = [
    "import os, sys\nos.sep",
    "print('written to stderr', file=sys.stderr)",
]
STYLE_TYPED = "os.pa"  # then Tab, Tab: the columns, the first name selected


class SceneError(RuntimeError):
    pass


def wait_until(pred, timeout: float = 60.0, what: str = "") -> None:
    end = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > end:
            raise SceneError(f"timed out waiting for {what or pred}")
        QtWidgets.QApplication.processEvents(QtCore.QEventLoop.ProcessEventsFlag.AllEvents, 20)
        time.sleep(0.005)


def settle(seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        QtWidgets.QApplication.processEvents()
        time.sleep(0.005)


class Driver:
    """Types into a console as a user would."""

    def __init__(self, console):
        self.w = console
        self.executed = []
        console.executed.connect(self.executed.append)

    @property
    def editor(self):
        return self.w.focusProxy()

    def ready(self) -> None:
        wait_until(lambda: self.w._prompt_kind == "input" and self.w._handshake_done and
                   "prompt" not in self.w._requests.values(), what="the first prompt")

    def run(self, code: str) -> None:
        """Put ``code`` in the input (as a paste would) and Shift+Enter it."""
        before = len(self.executed)
        self.w.input_buffer = code
        QTest.keyClick(self.editor, QtCore.Qt.Key.Key_Return,
                       QtCore.Qt.KeyboardModifier.ShiftModifier)
        wait_until(lambda: len(self.executed) > before, what=f"the cell {code[:30]!r}")
        wait_until(lambda: self.w._prompt_kind == "input", what="the next prompt")

    def type(self, text: str) -> None:
        QTest.keyClicks(self.editor, text)

    def rich_done(self) -> bool:
        return self.w._builder.pending == 0 and all(
            b.kind != "pending" and not b.building for b in self.w.rich_blocks())


def _console(theme: str, **traits):
    import embedcon

    w = embedcon.subprocess_console(theme=theme, **traits)
    w.resize(*SIZE)
    w.show()
    return w


def session_scene(theme: str, out_dir: str) -> str:
    w = _console(theme)
    try:
        d = Driver(w)
        d.ready()
        for cell in SESSION_CELLS:
            d.run(cell)
        d.type(SESSION_TYPED)
        wait_until(w.call_tip.isVisible, 30, "the call tip")
        settle(0.2)
        return _save(w, out_dir, f"session-{theme}.png")
    finally:
        _close(w)


def rich_scene(theme: str, out_dir: str) -> str:
    w = _console(theme)
    try:
        d = Driver(w)
        d.ready()
        for cell in RICH_CELLS:
            d.run(cell)
        wait_until(lambda: len(w.rich_blocks()) >= 2 and d.rich_done(), 60, "the figure and table")
        settle(0.2)
        return _save(w, out_dir, f"rich-{theme}.png")
    finally:
        _close(w)


def style_scene(theme: str, out_dir: str) -> str:
    w = _console(theme, style_sheet=STYLE_SHEET, gui_completion="ncurses")
    try:
        d = Driver(w)
        d.ready()
        for cell in STYLE_CELLS:
            d.run(cell)
        d.type(STYLE_TYPED)
        QTest.keyClick(d.editor, QtCore.Qt.Key.Key_Tab)
        wait_until(w.completer.isVisible, 30, "the completion columns")
        QTest.keyClick(d.editor, QtCore.Qt.Key.Key_Tab)
        settle(0.2)
        return _save(w, out_dir, f"style-{theme}.png")
    finally:
        _close(w)


def _save(w, out_dir: str, name: str) -> str:
    path = os.path.join(out_dir, name)
    if not w.grab().save(path):
        raise SceneError(f"could not write {path}")
    return path


def _close(w) -> None:
    w.shutdown_kernel()
    w.close()
    w.deleteLater()


def main(argv=None) -> int:
    args = sys.argv[1:] if argv is None else list(argv)
    out_dir = args[0] if args else os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                "images")
    os.makedirs(out_dir, exist_ok=True)
    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(["embedcon-screenshots"])
    written = []
    for theme in THEMES:
        written.append(session_scene(theme, out_dir))
        written.append(rich_scene(theme, out_dir))
        written.append(style_scene(theme, out_dir))
    for path in written:
        print(path)
    app.processEvents()
    return 0


if __name__ == "__main__":
    sys.exit(main())
