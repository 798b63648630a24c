"""The standalone console: ``embedcon`` / ``python -m embedcon``.

Command-line handling, connection files, ``--existing``, ``--ssh`` and
``--kernel`` come from jupyter_client's :class:`JupyterConsoleApp` and
jupyter_core's :class:`JupyterApp`, so the options and ``--help`` read like
the other Jupyter applications (``--generate-config`` included).  The window,
its tabs, menus, status bar, sessions and spare kernels live in
:mod:`embedcon.application`.
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


def __getattr__(name):
    if name == "MainWindow":  # imported with Qt, on first use
        from .application.window import MainWindow

        return MainWindow
    raise AttributeError(name)

_examples = """
embedcon                              # a console on a new python3 kernel
embedcon --kernel ir                  # another kernelspec
embedcon --existing                   # attach to the most recent running kernel
embedcon --existing kernel-1234.json  # attach to a given kernel
embedcon --style monokai              # pygments style for the input
embedcon --restore                    # reopen the last session's tabs (fresh kernels)
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
    "restore": ({"EmbedconApp": {"restore_session": True}},
                "Reopen the last session's tabs on fresh kernels of the same kernelspecs, "
                "with their input history (nothing is run)."),
    "no-spare-kernels": ({"EmbedconApp": {"spare_kernels": False}},
                         "Keep no warm spare kernel for new tabs and restarts."),
})
flags.update(server_flags)


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

    spare_kernels = Bool(
        True, config=True,
        help="Keep one warm spare kernel of each kernelspec in use, so that a new tab or a "
             "restart is ready at once. A spare runs no code until it is taken and is shut "
             "down when the application quits (see the README for what it costs).")
    restore_session = Bool(
        False, config=True,
        help="Reopen the last session's tabs on fresh kernels of the same kernelspecs, with "
             "their input history (nothing is run).")
    session_file = Unicode(
        config=True, help="Where the session (tabs, geometry, remembered answers) is saved.")

    @default("session_file")
    def _session_file_default(self) -> str:
        from jupyter_core.paths import jupyter_data_dir

        return os.path.join(jupyter_data_dir(), "embedcon", "session.json")

    show_other_clients = Bool(
        True, config=True,
        help="Show what other clients of a tab's kernel run (other tabs on the same kernel, "
             "other consoles), marked as theirs.")

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
        (embedcon.ssh_tunnel), which ends with the application; passwords and
        key passphrases are asked in a dialog (application/ssh_password.py)."""
        if not self.sshserver and not self.sshkey:
            return
        if not self.existing:  # not ignored: a local kernel is not what was asked for
            self._fail("--ssh tunnels to the kernel of a connection file: give it with "
                       "--existing FILE (copied from the remote host)")
            return
        from .connect import ConnectionFileError
        from .ssh_tunnel import SSHTunnelError, tunnelled_connection_file

        server = self.sshserver
        if not server:  # a key alone: log in to the kernel's own host
            self.load_connection_file()
            server = self.ip
        # a password or passphrase is asked in a dialog: the tunnel starts on a
        # worker thread while this one runs Qt's event loop
        self.init_qt_app()
        from .application.ssh_password import DialogPasswordAsker, run_while_responsive

        asker = DialogPasswordAsker(server)
        try:
            path, self.tunnel = run_while_responsive(lambda: tunnelled_connection_file(
                self.connection_file, server, self.sshkey or None,
                ssh_options=self.ssh_options, on_closed=self._tunnel_closed,
                password_callback=asker))
        except (SSHTunnelError, ConnectionFileError) as exc:
            self._fail(str(exc))
            return
        import atexit

        atexit.register(self.tunnel.close)
        self.connection_file = path
        self.load_connection_file(path)
        from .application.kernels import existing_argument

        self.log.info("To connect another client through this tunnel: --existing %s",
                      existing_argument(path))

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

    # -- what the window asks of the application ---------------------------
    @property
    def default_kernel_name(self) -> str:
        km = self.kernel_manager
        return (km.kernel_name if km is not None else "") or self.kernel_name or "python3"

    def make_console(self):
        """A console widget configured from the application's config."""
        from .widgets import JupyterWidget, RichJupyterWidget

        cls = JupyterWidget if self.plain else RichJupyterWidget
        return cls(config=self.config)

    def make_manager(self, kernel_name: str):
        """A (not yet started) kernel manager of ``kernel_name`` for a new tab or a spare."""
        km = self.kernel_manager_class(parent=self, kernel_name=kernel_name,
                                       data_dir=self.data_dir)
        km.client_factory = self.kernel_client_class
        return km

    def make_client(self):
        """A kernel client (its own session) for another tab on a kernel."""
        return self.kernel_client_class(parent=self)

    def init_window(self) -> None:
        from .application.kernels import KernelHandle, kernel_name_of_file
        from .kernels.local.spare import SpareKernels
        from .application.window import MainWindow
        from .models.session_store import SessionStore

        spares = SpareKernels(self.make_manager) if self.spare_kernels else None
        store = SessionStore(self.session_file) if self.session_file else None
        self.window = MainWindow(self, confirm_exit=self.confirm_exit, spares=spares,
                                 store=store)
        km = self.kernel_manager
        if self.server_url:  # a kernel on a Jupyter Server: its tabs' clients come from it
            handle = self.window.server_handle(km)  # the picker lists km.server's kernels too
            spares = self.window.spares = None  # spares are local kernels
        elif km is not None:
            handle = KernelHandle.for_manager(km, client_factory=self.make_client)
        else:
            handle = KernelHandle(connection_info=self.kernel_client.get_connection_info(),
                                  connection_file=self.connection_file,
                                  kernel_name=kernel_name_of_file(self.connection_file),
                                  owned=False, client_factory=self.make_client)
        self.window.restore_geometry()
        saved = self.window.state.tabs if (self.restore_session and km is not None and
                                           self.window.state is not None) else []
        self.widget = None
        opened = {}  # saved kernel number -> its tab (restore_tabs)
        if saved and saved[0].kernel_name == km.kernel_name:
            self.widget = self.window.add_tab(handle, self.kernel_client, title=saved[0].title)
            self.widget.history.load(saved[0].history)
            opened[saved[0].kernel] = self.widget
            saved = saved[1:]
        elif not saved:
            self.widget = self.window.add_tab(handle, self.kernel_client)
        if saved:
            first = self.window.restore_tabs(saved, opened)
            if self.widget is None and first is None:
                # no saved tab could open (kernelspecs uninstalled since): this
                # kernel's tab takes their input history
                self.widget = self.window.add_tab(handle, self.kernel_client)
                self.widget.history.load([h for t in saved for h in t.history])
            elif self.widget is None:
                # the session starts with another kernelspec: this kernel is not needed
                self.kernel_client.stop_channels()
                km.shutdown_kernel(now=True)
            self.widget = self.widget or first
        self.window._current_changed(self.window.tabs.currentIndex())
        if spares is not None and km is not None:
            spares.ensure(km.kernel_name, delay=2000)  # after the first tab is up
        if self.server_url:
            self.window.setWindowTitle(f"{self.window_title} \u2014 {km.kernel_name or 'kernel'} "
                                       f"on {km.server.base_url}")
        if self.tunnel is not None:
            from qtpy import QtCore

            class _Relay(QtCore.QObject):
                closed = QtCore.Signal(str)

            self._tunnel_relay = _Relay(self.window)
            self._tunnel_relay.closed.connect(
                lambda msg, h=handle: [w.write_notice(msg) for w in h.widgets])

    def start(self) -> None:
        super().start()
        self.window.show()
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        try:
            self.app.exec()
        finally:
            if self.tunnel is not None:
                self.tunnel.close()


def main(argv=None) -> None:
    EmbedconApp.launch_instance(argv)


if __name__ == "__main__":
    main()
