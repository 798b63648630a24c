"""The standalone console: ``embedcon`` / ``python -m embedcon``.

Command-line handling, connection files, ``--existing``, ``--ssh`` and
``--kernel`` come from jupyter_client's :class:`JupyterConsoleApp` and
jupyter_core's :class:`JupyterApp`, so the options and ``--help`` read like
the other Jupyter applications (``--generate-config`` included).
"""

from __future__ import annotations

import os
import signal
import sys

from jupyter_client.consoleapp import JupyterConsoleApp
from jupyter_client.consoleapp import aliases as console_aliases
from jupyter_client.consoleapp import flags as console_flags
from jupyter_core.application import JupyterApp, base_aliases, base_flags
from traitlets import Any, Bool, Dict, List, Type, Unicode, default, observe

from . import __version__
from .app_server import ServerOptions, server_aliases, server_examples, server_flags

__all__ = ["EmbedconApp", "MainWindow", "main"]

_examples = """
embedcon                              # a console on a new python3 kernel
embedcon --kernel ir                  # another kernelspec
embedcon --existing                   # attach to the most recent running kernel
embedcon --existing kernel-1234.json  # attach to a given kernel
embedcon --style monokai              # pygments style for the input
embedcon --theme dark                 # light, dark, or auto (follow the desktop)
embedcon --generate-config            # write a config file to edit
embedcon --help-keys                  # every key binding, in both key profiles
""" + server_examples

aliases = dict(base_aliases)
aliases.update(console_aliases)
aliases.update({
    "style": "RichJupyterWidget.syntax_style",
    "theme": "RichJupyterWidget.theme",
    "colors": "RichJupyterWidget.colors",
    "stylesheet": "EmbedconApp.stylesheet",
    "paging": "RichJupyterWidget.paging",
    "gui-completion": "RichJupyterWidget.gui_completion",
    "font-size": "RichJupyterWidget.font_size",
    "font-family": "RichJupyterWidget.font_family",
    "buffer-size": "RichJupyterWidget.buffer_size",
    "key-profile": "RichJupyterWidget.key_profile",
})
aliases.update(server_aliases)
flags = dict(base_flags)
flags.update(console_flags)
flags.update({
    "plain": ({"EmbedconApp": {"plain": True}}, "Text-only output (no pictures or HTML)."),
    "allow-remote-access": ({"QtKernelManager": {"allow_remote_access": True}},
                            "Let a new kernel listen on a non-loopback --ip (unencrypted: "
                            "prefer loopback and an SSH tunnel)."),
    "allow-insecure-key": ({"EmbedconApp": {"allow_insecure_key": True}},
                           "Attach (--existing) even when the connection file has an empty key."),
})
flags.update(server_flags)


def add_connection_actions(menu, console, owns_kernel: bool) -> None:
    """Kernel-menu actions to connect again: Reconnect (after a wrong key, or
    a kernel restarted elsewhere) and, for a kernel this window did not start,
    Connect to another connection file."""
    from qtpy import QtWidgets

    menu.addAction("Re&connect", lambda: console.reconnect())
    if owns_kernel:
        return

    def hint(state: str) -> None:
        if state == "wrong key":
            console.write_notice("Try again with Kernel \u25b8 Reconnect, or choose another "
                                 "connection file with Kernel \u25b8 Connect to file\u2026")

    console.kernel_state_changed.connect(hint)

    def choose_file() -> None:
        from jupyter_core.paths import jupyter_runtime_dir

        path, _ = QtWidgets.QFileDialog.getOpenFileName(
            console, "Connect to a kernel", jupyter_runtime_dir(),
            "Connection files (*.json);;All files (*)")
        if path:
            console.reconnect(path)

    menu.addAction("Connect to &file\u2026", choose_file)


def _main_window_class():
    from qtpy import QtCore, QtWidgets

    class MainWindow(QtWidgets.QMainWindow):
        """A window around one console; asks before stopping a kernel it owns."""

        def __init__(self, console, owns_kernel: bool, confirm_exit: bool = True):
            super().__init__()
            self.console = console
            self.owns_kernel = owns_kernel
            self.confirm_exit = confirm_exit
            self._closing_by_exit = False
            self.quit_on_close = True
            self.setCentralWidget(console)
            self.resize(900, 700)
            self.setWindowTitle("embedcon")
            self._state = QtWidgets.QLabel("starting")
            self.statusBar().addPermanentWidget(self._state)
            console.kernel_state_changed.connect(self._state.setText)
            console.exit_requested.connect(self._exit_requested)
            kernel = self.menuBar().addMenu("&Kernel")
            kernel.addAction("&Interrupt", console.interrupt_kernel)
            if owns_kernel:
                kernel.addAction("&Restart", console.restart_kernel)
            kernel.addAction("&Shut down kernel", self._shutdown_kernel)
            add_connection_actions(kernel, console, owns_kernel)
            view = self.menuBar().addMenu("&View")
            view.addAction("Clear", console.clear)
            view.addAction("Bigger font", lambda: console.change_font_size(1))
            view.addAction("Smaller font", lambda: console.change_font_size(-1))
            console.setFocus()

        def _shutdown_kernel(self) -> None:
            kc = self.console.kernel_client
            if kc is not None:
                kc.shutdown()
            self.console.write_notice("Shutdown request sent to the kernel.")

        def _exit_requested(self, _console=None) -> None:
            self._closing_by_exit = True
            self.close()

        def closeEvent(self, ev) -> None:
            stop_kernel = self.owns_kernel
            if self._closing_by_exit:
                stop_kernel = stop_kernel and not self.console.keep_kernel_on_exit
            elif self.owns_kernel and self.confirm_exit:
                box = QtWidgets.QMessageBox(self)
                box.setWindowTitle("Close console")
                box.setText("Stop the kernel too?")
                stop = box.addButton("Close and stop kernel", QtWidgets.QMessageBox.ButtonRole.YesRole)
                keep = box.addButton("Close, keep kernel running",
                                     QtWidgets.QMessageBox.ButtonRole.NoRole)
                box.addButton(QtWidgets.QMessageBox.StandardButton.Cancel)
                box.setDefaultButton(stop)
                box.exec()
                clicked = box.clickedButton()
                if clicked not in (stop, keep):
                    ev.ignore()
                    return
                stop_kernel = clicked is stop
            kc = self.console.kernel_client
            if kc is not None:
                kc.stop_channels()
            km = self.console.kernel_manager
            if stop_kernel and km is not None:
                km.shutdown_kernel(now=True)
            ev.accept()
            if self.quit_on_close:
                QtCore.QTimer.singleShot(0, QtWidgets.QApplication.instance().quit)

    return MainWindow


class EmbedconApp(JupyterApp, JupyterConsoleApp, ServerOptions):
    name = "embedcon"
    version = __version__
    description = ("A fast Jupyter console. Starts a kernel (or attaches to one with "
                   "--existing) and opens a console window on it.")
    examples = _examples
    aliases = Dict(aliases)
    flags = Dict(flags)
    classes = List()

    @default("classes")
    def _classes_default(self):
        from jupyter_client.session import Session

        from .manager import QtKernelManager
        from .widgets.rich_widget import RichSettings

        return [JupyterConsoleApp, QtKernelManager, Session, RichSettings]

    kernel_manager_class = Type("embedcon.manager.QtKernelManager", config=True,
                                help="The kernel manager class.")
    kernel_client_class = Type("embedcon.client.QtKernelClient", config=True,
                               help="The kernel client class.")
    plain = Bool(False, config=True, help="Text-only console (no pictures, HTML or Markdown).")
    window_title = Unicode("embedcon", config=True, help="Title of the main window.")
    allow_insecure_key = Bool(
        False, config=True,
        help="With --existing, accept a connection file with an empty key (unsigned messages).")
    stylesheet = Unicode(
        "", config=True,
        help="A file with a Qt style sheet for the console (read into "
             "RichJupyterWidget.style_sheet; it may style .in-prompt, .error and the guide's "
             "other classes).")

    @observe("stylesheet")
    def _read_stylesheet(self, change) -> None:
        path = os.path.expanduser(change["new"])
        try:
            with open(path, encoding="utf-8") as f:
                self.config.RichJupyterWidget.style_sheet = f.read()
        except (OSError, UnicodeDecodeError) as exc:
            self._fail(f"cannot read the style sheet {path}: {getattr(exc, 'strerror', exc)}")
    ssh_options = List(
        Unicode(), config=True,
        help="Extra OpenSSH options for --ssh tunnels, as for `ssh -o` "
             "(e.g. 'UserKnownHostsFile=/path').")
    kernel_head_start = Any(
        None, allow_none=True,
        help="A HeadStart (embedcon.head_start) for the kernel this app starts; the kernel "
             "manager takes it.")

    subcommands = Dict()

    def parse_command_line(self, argv=None):
        super().parse_command_line(argv)
        self.build_kernel_argv(self.extra_args)

    def initialize(self, argv=None):
        super().initialize(argv)
        if self._dispatching:
            return
        if self.server_url:  # a kernel on a Jupyter Server (app_server.py)
            self.init_server_kernel()
        else:
            # no kernel-side argv is forwarded except what the user gave after the options
            JupyterConsoleApp.initialize(self, argv)
        head, self.kernel_head_start = self.kernel_head_start, None
        if head is not None:
            head.discard()  # the kernel manager did not take it (e.g. --existing in a config)
        self.init_qt_app()
        self.init_window()

    def _fail(self, message: str) -> None:
        """A one-line error on stderr (no traceback), then exit status 1."""
        print(f"{self.name}: error: {message}", file=sys.stderr)
        self.exit(1)

    def init_connection_file(self) -> None:
        if self.existing:
            from .connect import ConnectionFileError, check_connection_file, find_connection_file

            try:
                path = find_connection_file(self.existing, [".", self.runtime_dir])
                check_connection_file(path, allow_insecure_key=self.allow_insecure_key)
            except ConnectionFileError as exc:
                self._fail(str(exc))
        super().init_connection_file()

    def init_ssh(self) -> None:
        """--ssh / --sshkey: all five channels through one SSH connection
        (embedcon.ssh_tunnel), which ends with the application."""
        if not self.existing or (not self.sshserver and not self.sshkey):
            return
        from .connect import ConnectionFileError
        from .ssh_tunnel import SSHTunnelError, tunnelled_connection_file

        server = self.sshserver
        if not server:  # a key alone: log in to the kernel's own host
            self.load_connection_file()
            server = self.ip
        try:
            path, self.tunnel = tunnelled_connection_file(
                self.connection_file, server, self.sshkey or None,
                ssh_options=self.ssh_options, on_closed=self._tunnel_closed)
        except (SSHTunnelError, ConnectionFileError) as exc:
            self._fail(str(exc))
            return
        import atexit

        atexit.register(self.tunnel.close)
        self.connection_file = path
        self.load_connection_file(path)
        self.log.info("To connect another client through this tunnel: --existing %s",
                      os.path.basename(path))

    tunnel = None

    def _tunnel_closed(self, message: str) -> None:
        # called on the tunnel's watcher thread: hand over to the GUI thread
        from qtpy import QtCore

        relay = getattr(self, "_tunnel_relay", None)
        if relay is not None:
            relay.closed.emit(message)
        else:
            print(f"{self.name}: error: {message}", file=sys.stderr)

    def init_kernel_manager(self) -> None:
        try:
            super().init_kernel_manager()
        except ValueError as exc:  # refused by QtKernelManager.check_security
            self._fail(str(exc))

    def init_qt_app(self) -> None:
        from qtpy import QtWidgets

        self.app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(
            [sys.argv[0] if sys.argv else "embedcon"])
        self.app.setApplicationName("embedcon")

    def init_window(self) -> None:
        from .widgets import JupyterWidget, RichJupyterWidget

        cls = JupyterWidget if self.plain else RichJupyterWidget
        self.widget = cls(config=self.config)
        self.widget.kernel_manager = self.kernel_manager
        self.widget.kernel_client = self.kernel_client
        km = self.kernel_manager
        self.window = _main_window_class()(self.widget, owns_kernel=km is not None and
                                           getattr(km, "owns_kernel", True),
                                           confirm_exit=self.confirm_exit)
        title = self.window_title
        if self.existing:
            title += f" \u2014 {os.path.basename(self.connection_file)}"
        elif self.server_url:
            title += f" \u2014 {km.kernel_name or 'kernel'} on {km.server.base_url}"
        self.window.setWindowTitle(title)
        if self.tunnel is not None:
            from qtpy import QtCore

            class _Relay(QtCore.QObject):
                closed = QtCore.Signal(str)

            self._tunnel_relay = _Relay(self.window)
            self._tunnel_relay.closed.connect(self.widget.write_notice)

    def start(self) -> None:
        super().start()
        self.window.show()
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        try:
            self.app.exec()
        finally:
            if self.tunnel is not None:
                self.tunnel.close()


MainWindow = None  # created lazily with Qt; see _main_window_class


def main(argv=None) -> None:
    EmbedconApp.launch_instance(argv)


if __name__ == "__main__":
    main()
