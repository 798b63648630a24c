"""A host window whose objects are pushed into an in-process console.

The console runs in the same process and thread as the window, so it sees and
changes the window's live objects. Run:  python examples/inprocess_qtconsole.py
"""

import sys

from qtpy import QtWidgets

import embedcon


class DataModel:
    """Some application state for the console user to poke at."""

    def __init__(self):
        self.samples = [1.0, 2.5, 4.0]

    def mean(self):
        return sum(self.samples) / len(self.samples)


def main():
    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(sys.argv)
    window = QtWidgets.QMainWindow()
    window.setWindowTitle("In-process console")
    central = QtWidgets.QWidget()
    layout = QtWidgets.QVBoxLayout(central)
    label = QtWidgets.QLabel("Type label.setText('hi') in the console below")
    layout.addWidget(label)
    model = DataModel()
    console = embedcon.inprocess_console({"window": window, "label": label, "model": model},
                                         show_banner=False)
    layout.addWidget(console)
    window.setCentralWidget(central)
    console.exit_requested.connect(window.close)
    window.resize(800, 600)
    window.show()
    console.setFocus()
    try:
        from _selftest import install  # headless self-test (tests/test_examples.py)
        install(console)
    except ImportError:
        pass
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
