"""A host window with a console on a subprocess kernel.

Run:  python examples/embed_qtconsole.py
"""

import sys

from qtpy import QtWidgets

from embedcon.manager import QtKernelManager
from embedcon.widgets import RichJupyterWidget


class HostWindow(QtWidgets.QMainWindow):
    def __init__(self):
        super().__init__()
        self.setWindowTitle("Host application with a Jupyter console")
        self.km = QtKernelManager(kernel_name="python3")
        self.km.start_kernel()
        self.kc = self.km.client()
        self.kc.start_channels()
        self.console = RichJupyterWidget()
        self.console.kernel_manager = self.km
        self.console.kernel_client = self.kc
        self.console.exit_requested.connect(self.close)
        self.setCentralWidget(self.console)
        self.status = self.statusBar()
        self.console.kernel_state_changed.connect(self.status.showMessage)
        self.resize(900, 600)

    def closeEvent(self, event):
        self.kc.stop_channels()
        self.km.shutdown_kernel(now=True)
        super().closeEvent(event)


def main():
    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(sys.argv)
    window = HostWindow()
    window.show()
    window.console.setFocus()
    try:
        from _selftest import install  # headless self-test (tests/test_examples.py)
        install(window.console)
    except ImportError:
        pass
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
