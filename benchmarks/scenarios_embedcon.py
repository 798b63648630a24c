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
        from qtpy import QtWidgets  # noqa: F401

        from embedcon.widgets import RichJupyterWidget  # noqa: F401

        if inprocess:
            try:
                from embedcon.inprocess import QtInProcessKernelManager  # noqa: F401
            except ImportError as exc:
                raise NotAvailable(f"embedcon.inprocess not importable: {exc}") from exc
        else:
            from embedcon.manager import QtKernelManager  # noqa: F401

    def create(self, buffer_size, inprocess: bool) -> None:
        from embedcon.widgets import RichJupyterWidget

        if inprocess:
            from embedcon.inprocess import QtInProcessKernelManager

            self.km = QtInProcessKernelManager()
            self.km.start_kernel(show_banner=False)
        else:
            from embedcon.manager import QtKernelManager

            self.km = QtKernelManager(kernel_name="python3")
            self.km.start_kernel()
        self.kc = self.km.client()
        self.kc.start_channels()
        traits = {} if buffer_size is None else {"buffer_size": buffer_size}
        self.w = RichJupyterWidget(**traits)
        self.default_buffer_size = self.w.buffer_size
        self.w.kernel_manager = self.km
        self.w.kernel_client = self.kc

    def ready(self) -> bool:
        w = self.w
        return w._handshake_done and "prompt" not in w._requests.values()

    def done_signals(self):
        return [self.w.prompt_ready]

    @property
    def doc(self):
        return self.w.control.document()

    @property
    def editor(self):
        return self.w.focusProxy()


if __name__ == "__main__":
    main(EmbedconAdapter)
