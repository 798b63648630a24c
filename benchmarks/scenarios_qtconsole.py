"""Benchmark driver for the peer, qtconsole (runs in benchmarks/.peer-env).

    benchmarks/.peer-env/bin/python benchmarks/scenarios_qtconsole.py SCENARIO START_TS

prints JSON lines (see _harness.py).  Normally started by run.py.  Only the
peer's public-ish embedding calls are used; nothing of it is copied.
"""

import _harness  # noqa: E402  (first: records the process start)
from _harness import Adapter, main


class QtconsoleAdapter(Adapter):
    name = "qtconsole"
    default_buffer_size = 500

    def import_qt_and_console(self, inprocess: bool) -> None:
        from qtpy import QtWidgets  # noqa: F401

        from qtconsole.rich_jupyter_widget import RichJupyterWidget  # noqa: F401

        if inprocess:
            from qtconsole.inprocess import QtInProcessKernelManager  # noqa: F401
        else:
            from qtconsole.manager import QtKernelManager  # noqa: F401

    def create(self, buffer_size, inprocess: bool) -> None:
        from qtconsole.rich_jupyter_widget import RichJupyterWidget

        if inprocess:
            from qtconsole.inprocess import QtInProcessKernelManager

            self.km = QtInProcessKernelManager()
            self.km.start_kernel(show_banner=False)
        else:
            from qtconsole.manager import QtKernelManager

            self.km = QtKernelManager(kernel_name="python3")
            self.km.start_kernel()
        self.kc = self.km.client()
        self.kc.start_channels()
        traits = {} if buffer_size is None else {"buffer_size": buffer_size}
        self.w = RichJupyterWidget(**traits)
        self.default_buffer_size = self.w.buffer_size
        self.w.kernel_manager = self.km
        self.w.kernel_client = self.kc
        self._iopub_seen = False
        self.kc.iopub_channel.message_received.connect(self._saw_iopub)

    def _saw_iopub(self, _msg) -> None:
        self._iopub_seen = True

    def ensure_iopub(self, timeout: float) -> bool:
        # qtconsole shows its first prompt on the kernel_info reply, which
        # says nothing of the IOPub subscription (ZMQ's "slow joiner"): in the
        # 2026-11-22 07:59 run, 3 of 5 cells200 runs had their first output
        # published before it was live, lost it and timed out.  Wait until
        # IOPub has delivered a message, asking the kernel for something
        # harmless (its status goes to IOPub) while none has.  Not timed;
        # embedcon's connect handshake does the same for itself.
        import time

        deadline = time.monotonic() + timeout
        while not self._iopub_seen and time.monotonic() < deadline:
            if not self.wait_until(lambda: self._iopub_seen, 0.1):
                self.kc.comm_info()  # no reply handler in qtconsole: nothing shown
        return self._iopub_seen

    def set_completion_style(self, style: str) -> None:
        self.w._set_completion_widget(style)

    def completion_count(self) -> int:
        cw = self.w._completion_widget
        return cw.count() if cw.isVisible() else 0

    def set_history(self, entries) -> None:
        self.w._set_history(entries)

    def call_tip_visible(self) -> bool:
        return self.w._call_tip_widget.isVisible()
    def needs_update_display(self) -> None:
        from _harness import NotAvailable

        raise NotAvailable("qtconsole ignores update_display_data (no in-place updates)")

    def done_signals(self):
        return [self.w.executed]

    def export_html(self, path: str) -> None:
        # what its Save dialog does after the file is chosen (HtmlExporter.export):
        # Qt's HTML of the document, pictures inlined by the widget's image tag
        from qtconsole.rich_text import export_html

        export_html(self.w._control.document().toHtml(), path, self.w._get_image_tag,
                    inline=True)

    @property
    def doc(self):
        return self.w._control.document()

    @property
    def editor(self):
        return self.w._control


    # the standalone application (app-* scenarios, see _app_harness.py) ----------
    def app_start(self) -> None:
        from qtconsole.qtconsoleapp import JupyterQtConsoleApp

        self.qapp_obj = JupyterQtConsoleApp()
        self.qapp_obj.initialize(["--no-confirm-exit", "--JupyterWidget.confirm_restart=False"])
        self.app = self.qapp_obj.app
        self.win = self.qapp_obj.window
        self.win.show()

    def app_new_tab(self) -> None:
        self.win.create_tab_with_new_frontend()

    def app_same_kernel_tab(self) -> None:
        self.win.create_tab_with_current_kernel()

    def app_restart(self) -> None:
        self.win.active_frontend.request_restart_kernel()  # what its Kernel menu does

    def app_current_doc(self):
        return self._current()._control.document()

    def _current(self):
        win = getattr(self, "win", None)
        return win.active_frontend if win is not None else self.w

    # an embedding host's console (app-widget-restart): the documented calls
    def lib_start(self) -> None:
        from qtpy import QtWidgets

        self.app = QtWidgets.QApplication.instance() or QtWidgets.QApplication([])
        self.create(None, False)
        self.w.confirm_restart = False
        self.w.resize(900, 600)
        self.w.show()

    def lib_restart(self) -> None:
        self.w.request_restart_kernel()  # what its Ctrl+. does

    def app_execute(self, code: str) -> None:
        # qtconsole sends at once; output published before its IOPub
        # subscription is live is lost (see ensure_iopub), so first wait until
        # IOPub delivers (part of the timed readiness, as for embedcon's handshake)
        import time

        w = self._current()
        kc = w.kernel_client
        probes, seen = set(), []

        def on_msg(msg):  # the status of one of our probes: this kernel's IOPub is live
            if msg.get("parent_header", {}).get("msg_id") in probes:
                seen.append(msg)
        kc.iopub_channel.message_received.connect(on_msg)
        deadline = time.monotonic() + 60
        while not seen and time.monotonic() < deadline:
            probes.add(kc.comm_info())
            self.wait_until(lambda: bool(seen), 0.05)
        kc.iopub_channel.message_received.disconnect(on_msg)
        w.execute(code)

    def shutdown(self) -> None:
        win = getattr(self, "win", None)
        if win is not None:
            for i in range(win.tab_widget.count()):
                fw = win.tab_widget.widget(i)
                try:
                    fw.kernel_client.stop_channels()
                    if fw.kernel_manager is not None:
                        fw.kernel_manager.shutdown_kernel(now=True)
                except Exception:
                    pass
        super().shutdown()


if __name__ == "__main__":
    main(QtconsoleAdapter)
