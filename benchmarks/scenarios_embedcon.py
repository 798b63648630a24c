"""Benchmark driver for embedcon (runs in the project's environment).

    python benchmarks/scenarios_embedcon.py SCENARIO START_TS

prints JSON lines (see _harness.py).  Normally started by run.py.
"""

import _harness  # noqa: E402  (first: records the process start)
from _harness import Adapter, NotAvailable, main


class EmbedconAdapter(Adapter):
    name = "embedcon"
    default_buffer_size = None  # read from the widget after creation

    def import_qt_and_console(self, inprocess: bool) -> None:
        # What a user of the one-call API imports: the widget and kernel modules
        # are imported by subprocess_console()/inprocess_console() (the first
        # one starts the kernel process before importing the widgets).
        from qtpy import QtWidgets  # noqa: F401

        if self.api == "compat":
            # the README's first example, as code ported from the Jupyter Qt
            # Console imports it
            from embedcon.manager import QtKernelManager  # noqa: F401
            from embedcon.widgets import RichJupyterWidget  # noqa: F401
            return
        import embedcon  # noqa: F401

    def create(self, buffer_size, inprocess: bool) -> None:
        import embedcon

        traits = {} if buffer_size is None else {"buffer_size": buffer_size}
        if self.api == "compat" and not inprocess:
            from embedcon.manager import QtKernelManager
            from embedcon.widgets import RichJupyterWidget

            self.km = QtKernelManager(kernel_name="python3")
            self.km.start_kernel()
            self.kc = self.km.client()
            self.kc.start_channels()
            self.w = RichJupyterWidget(**traits)
            self.w.kernel_manager = self.km
            self.w.kernel_client = self.kc
            self.default_buffer_size = self.w.buffer_size
            return
        if inprocess:
            try:
                self.w = embedcon.inprocess_console(show_banner=False, **traits)
            except ImportError as exc:
                raise NotAvailable(f"embedcon.inprocess not importable: {exc}") from exc
        else:
            self.w = embedcon.subprocess_console(**traits)
        self.km, self.kc = self.w.kernel_manager, self.w.kernel_client
        self.default_buffer_size = self.w.buffer_size

    def create_on_server(self, buffer_size, url: str, token: str) -> None:
        import embedcon

        traits = {} if buffer_size is None else {"buffer_size": buffer_size}
        self.w = embedcon.server_console(url, token=token, **traits)
        self.km, self.kc = self.w.kernel_manager, self.w.kernel_client
        self.default_buffer_size = self.w.buffer_size

    def ready(self) -> bool:
        w = self.w
        return w._handshake_done and "prompt" not in w._requests.values()

    def done_signals(self):
        return [self.w.prompt_ready]

    def export_html(self, path: str) -> None:
        self.w.export_html(path)
    def set_completion_style(self, style: str) -> None:
        self.w.gui_completion = style

    def completion_count(self) -> int:
        comp = self.w.completer
        return self.w.completion_widget.count() if comp.isVisible() else 0

    def set_history(self, entries) -> None:
        self.w.history.load(entries)

    def reverse_search_available(self) -> bool:
        return True

    def call_tip_visible(self) -> bool:
        return self.w.call_tip.isVisible()
    def rich_done(self) -> bool:
        w = self.w
        if w._builder.pending or any(b.kind == "pending" or b.building
                                     for b in w._rich_blocks.values()):
            return False
        w.control.viewport().repaint()  # paint (SVG is drawn from its vectors when painted)
        return True

    def text_or_rich_shown(self, needle: str) -> bool:
        if super().text_or_rich_shown(needle):
            return True
        return any(needle in d.toPlainText() for b in list(self.w._rich_blocks.values())[-3:]
                   if b.kind == "doc" for d in b.all_docs())

    @property
    def doc(self):
        return self.w.control.document()

    @property
    def editor(self):
        return self.w.focusProxy()


    # the standalone application (app-* scenarios, see _app_harness.py) ----------
    def app_start(self) -> None:
        import tempfile

        from qtpy import QtWidgets

        from embedcon.app import EmbedconApp

        self._tmp = tempfile.mkdtemp(prefix="embedcon-bench-")
        self.eapp = EmbedconApp()
        self.eapp.initialize(["--no-confirm-exit",
                              f"--EmbedconApp.session_file={self._tmp}/session.json"])
        self.app = QtWidgets.QApplication.instance()
        self.win = self.eapp.window
        self.win.quit_on_close = False
        self.win.show()

    def app_new_tab(self) -> None:
        self.win.new_tab()

    def app_same_kernel_tab(self) -> None:
        self.win.new_tab_same_kernel()

    def app_restart(self) -> None:
        self.win.actions["restart"].trigger()

    def app_current_doc(self):
        return self._current().control.document()

    def app_execute(self, code: str) -> None:
        self._current().execute(code)  # runs once the kernel answered

    def _current(self):
        win = getattr(self, "win", None)
        return win.current_console if win is not None else self.w

    # an embedding host's console with the library's spare_kernels on (app-widget-restart)
    def lib_start(self) -> None:
        from qtpy import QtWidgets

        self.app = QtWidgets.QApplication.instance() or QtWidgets.QApplication([])
        self.api = "compat"
        self.create(None, False)
        self.w.spare_kernels = True
        self.w.resize(900, 600)
        self.w.show()

    def lib_restart(self) -> None:
        self.w.restart_kernel()
        self.km, self.kc = self.w.kernel_manager, self.w.kernel_client  # the spare's now

    def app_diagnose(self) -> str:
        c = self._current()
        return (f"handshake {c._handshake_done} iopub {c._iopub_live} info {c._kernel_info_seen} "
                f"state {c.kernel_state} queued {c.queued_cells} requests "
                f"{sorted(set(c._requests.values()))} prompt {c._prompt_kind} "
                f"text {c.export_text()[-200:]!r}")

    def shutdown(self) -> None:
        win = getattr(self, "win", None)
        if win is not None:
            win.confirm_exit = False
            win.close()
        elif self.w is not None:
            self.w.shutdown_kernel()  # and its spare
        super().shutdown()


if __name__ == "__main__":
    main(EmbedconAdapter)
