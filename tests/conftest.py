"""Shared fixtures: real kernels, real widgets, keys typed into the editor."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# qtpy picks PyQt5 first when QT_API is unset and PyQt5 is installed (a smoke
# test installs it); the suite runs on PyQt6 unless QT_API says otherwise, and
# pytest-qt uses the same binding (QT_API=pyside6 runs the suite on PySide6)
os.environ.setdefault("QT_API", "pyqt6")
os.environ.setdefault("PYTEST_QT_API", os.environ["QT_API"])
os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")

import pytest  # noqa: E402
from qtpy import QtCore  # noqa: E402

from embedcon.manager import QtKernelManager  # noqa: E402

Key = QtCore.Qt.Key
Mod = QtCore.Qt.KeyboardModifier


class Console:
    """A RichJupyterWidget on a kernel, with helpers that act like a user."""

    def __init__(self, qtbot, widget, km=None, kc=None):
        self.qtbot = qtbot
        self.w = widget
        self.km = km
        self.kc = kc
        self.executed = []
        self.states = []
        widget.executed.connect(self.executed.append)
        widget.kernel_state_changed.connect(self.states.append)
        self.iopub = []  # (msg_type, parent msg_id) of everything the kernel published
        if kc is not None:
            def record(msgs):
                self.iopub.extend((m["header"]["msg_type"], m["parent_header"].get("msg_id", "")[-6:])
                                  for m in msgs)
            batch = getattr(kc.iopub_channel, "messages_received", None)
            if batch is not None:
                batch.connect(record)
            else:
                kc.iopub_channel.message_received.connect(lambda m: record([m]))

    @property
    def editor(self):
        return self.w.focusProxy()

    def text(self):
        return self.w.export_text()

    def type(self, text):
        self.qtbot.keyClicks(self.editor, text)

    def key(self, key, mods=Mod.NoModifier):
        self.qtbot.keyClick(self.editor, key, mods)

    def wait_prompt(self, n=None, timeout=20000):
        want = f"In [{n}]: " if n is not None else "In ["

        def ok():
            return self.w._prompt_kind == "input" and want in self.w._prompt_text()
        self.qtbot.waitUntil(ok, timeout=timeout)

    def wait_ready(self, timeout=20000):
        """Until the kernel answered the connect handshake and the prompt request."""
        self.qtbot.waitUntil(lambda: self.w._handshake_done and
                             "prompt" not in self.w._requests.values(), timeout=timeout)

    def wait_text(self, needle, timeout=20000):
        self.qtbot.waitUntil(lambda: needle in self.text(), timeout=timeout)

    def run(self, code, timeout=20000):
        """Type a (single-line) cell, press Enter, wait until it finished."""
        before = len(self.executed)
        self.type(code)
        self.key(Key.Key_Return)
        self.qtbot.waitUntil(lambda: len(self.executed) > before, timeout=timeout)
        self.wait_prompt()
        return self.executed[-1]

    def run_source(self, code, timeout=20000):
        """Put multi-line code in the input (as a paste would) and Shift+Enter it."""
        before = len(self.executed)
        self.w.input_buffer = code
        self.key(Key.Key_Return, Mod.ShiftModifier)
        self.qtbot.waitUntil(lambda: len(self.executed) > before, timeout=timeout)
        self.wait_prompt()
        return self.executed[-1]

    def start_cell(self, code, settle_ms=300):
        """Type a cell and press Enter; return once the kernel is running it."""
        started = []
        seen = len(self.states)
        self.w.executing.connect(started.append)
        self.type(code)
        self.key(Key.Key_Return)
        self.qtbot.waitUntil(lambda: bool(started), timeout=10000)
        # from the recorded signal, not the current state: a short cell may
        # already be idle again when the poll looks
        self.qtbot.waitUntil(lambda: "busy" in self.states[seen:], timeout=10000)
        self.qtbot.wait(settle_ms)

    def output_of_last_cell(self):
        text = self.text()
        head, _, _ = text.rpartition("In [")
        return head.rsplit("In [", 1)[-1]


def kernel_children() -> set[int]:
    """Kernel processes that are children of this process (read from /proc)."""
    me, out = os.getpid(), set()
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            if ppid != me:
                continue
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmd = f.read()
        except (OSError, ValueError, IndexError):
            continue
        if b"_kernel_entry" in cmd or b"ipykernel" in cmd:
            out.add(int(pid))
    return out


def start_kernel(**kw):
    km = QtKernelManager(kernel_name="python3", **kw)
    km.start_kernel()
    kc = km.client()
    kc.start_channels()
    return km, kc


def stop_kernel(km, kc):
    try:
        kc.stop_channels()
    finally:
        if km.has_kernel:
            km.shutdown_kernel(now=True)


@pytest.fixture
def kernel(qapp):
    km, kc = start_kernel()
    yield km, kc
    stop_kernel(km, kc)


@pytest.fixture(scope="module")
def shared_kernel(qapp):
    """One kernel for a module's tests: (km, kc); each test's console attaches to
    it (``shared_console``), so a module pays for one kernel start."""
    km, kc = start_kernel()
    yield km, kc
    stop_kernel(km, kc)


@pytest.fixture
def shared_console(shared_kernel, make_console):
    """A console on the module's kernel, at its prompt and ready; detached at the
    end, so that the next test's console alone hears the kernel."""
    km, kc = shared_kernel
    c = make_console(km, kc, wait=False)
    c.wait_prompt()
    c.wait_ready()
    yield c
    c.w.kernel_client = None


@pytest.fixture
def make_console(qtbot):
    """make_console(km, kc, **traits) -> Console waiting at its first prompt."""
    from embedcon.widgets import RichJupyterWidget

    made = []

    def make(km=None, kc=None, wait=True, **traits):
        w = RichJupyterWidget(**traits)
        qtbot.addWidget(w)
        w.resize(900, 700)
        w.show()
        if km is not None:
            w.kernel_manager = km
        if kc is not None:
            w.kernel_client = kc
        c = Console(qtbot, w, km, kc)
        if wait:
            c.wait_prompt(1 if kc is not None else None)
            if kc is not None:
                c.wait_ready()
        made.append(c)
        return c

    yield make


@pytest.fixture
def console(kernel, make_console):
    km, kc = kernel
    return make_console(km, kc)


@pytest.fixture
def embedcon_app(qapp, qtbot, tmp_path):
    """embedcon_app(*argv) -> an initialised EmbedconApp with its window shown;
    its kernels, spares and channels are stopped afterwards.  The session file
    is in tmp_path and spare kernels are off unless the argv turns them on."""
    import signal

    from embedcon.app import EmbedconApp

    made = []
    old = signal.getsignal(signal.SIGINT)

    def make(*argv):
        EmbedconApp.clear_instance()
        app = EmbedconApp()
        defaults = [f"--EmbedconApp.session_file={tmp_path / 'session.json'}"]
        if not any("spare" in a for a in argv):
            defaults.append("--EmbedconApp.spare_kernels=False")
        app.initialize([*defaults, *argv])
        app.window.quit_on_close = False
        app.window.show()
        made.append(app)
        return app

    yield make
    for app in made:
        stop_app(app)
    EmbedconApp.clear_instance()
    signal.signal(signal.SIGINT, old)


def stop_app(app):
    """Stop everything an EmbedconApp started (its window may be open or closed)."""
    win = app.window
    win.confirm_exit = False  # no question at teardown
    if win.isVisible():
        win.close()
    for c in win.consoles():
        kc = c.kernel_client
        if kc is not None:
            kc.stop_channels()
    for h in list(win.handles):
        if h.owned:
            h.shutdown()
    if win.spares is not None:
        win.spares.shutdown()
    if app.kernel_client is not None:
        app.kernel_client.stop_channels()
    km = app.kernel_manager
    if km is not None and km.has_kernel:
        km.shutdown_kernel(now=True)
