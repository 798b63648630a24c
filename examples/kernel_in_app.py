"""A host app that hosts its own kernel.

The window has a few widgets and a data object; the button opens a console on
the app's kernel, and the `--existing` line printed at start lets any other
Jupyter client attach (`embedcon --existing FILE`, `jupyter console --existing FILE`).
Run:  python examples/kernel_in_app.py
"""

import os
import sys

from qtpy import QtWidgets

import embedcon
from embedcon.kernel_in_app import InAppKernel


class Measurements:
    def __init__(self):
        self.values = [0.1, 0.4, 0.9]

    def add(self, v):
        self.values.append(v)
        return len(self.values)


class HostWindow(QtWidgets.QMainWindow):
    def __init__(self):
        super().__init__()
        self.setWindowTitle("App with an in-app kernel")
        central = QtWidgets.QWidget()
        layout = QtWidgets.QVBoxLayout(central)
        self.label = QtWidgets.QLabel("Change me from a console: label.setText('...')")
        self.slider = QtWidgets.QSlider()
        self.button = QtWidgets.QPushButton("Open console")
        for w in (self.label, self.slider, self.button):
            layout.addWidget(w)
        self.setCentralWidget(central)
        self.data = Measurements()
        self.namespace = {"window": self, "label": self.label, "slider": self.slider,
                          "data": self.data}
        self.kernel = InAppKernel(self.namespace)
        self.kernel.start()
        self.kernel.shutdown_requested.connect(lambda _restart: self.close())
        print(f"To attach another client: embedcon --existing {self.kernel.connection_file}",
              flush=True)
        self.console = None
        self.button.clicked.connect(self.open_console)

    def open_console(self):
        if self.console is None:
            self.console = embedcon.in_app_console()
            self.console.setWindowTitle("In-app console")
            self.console.resize(800, 500)
            self.console.exit_requested.connect(self.console.close)
        self.console.show()
        self.console.raise_()
        return self.console

    def closeEvent(self, event):
        if self.console is not None:
            self.console.kernel_client.stop_channels()
            self.console.close()
        self.kernel.stop()
        super().closeEvent(event)


def main():
    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(sys.argv)
    window = HostWindow()
    window.show()
    if os.environ.get("EMBEDCON_EXAMPLE_SELFTEST"):  # headless self-test (tests/test_examples.py)
        from _selftest import install
        window.button.click()
        install(window.console)
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
