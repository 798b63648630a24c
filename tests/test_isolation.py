"""Hosted and in-process kernels: hostile user code vs. the host's own state.

The in-process kernel (``embedcon.inprocess``) and the in-app kernel
(``embedcon.kernel_in_app.InAppKernel``) run user code in the host's process,
through a real ``RichJupyterWidget``.  User code that deletes a builtin,
replaces ``sys.stdout``, raises ``SystemExit`` or calls ``sys.exit()`` must
leave the host's state as it found it, except for what the code itself did to
objects the two share (``builtins``, ``os.environ``): that change, and only
that one, is visible.  The console keeps working afterwards.

Not testable in-process on purpose: deleting a builtin that all Python code
uses (``del __builtins__.len``) breaks the host as a whole, because builtins
are shared (see docs/robustness.md).
"""

import builtins
import gc
import os
import signal
import sys

import pytest
from qtpy import QtWidgets
from traitlets.config import Config


def host_state():
    return {
        "stdout": sys.stdout, "stderr": sys.stderr, "excepthook": sys.excepthook,
        "displayhook": sys.displayhook, "sigint": signal.getsignal(signal.SIGINT),
        "environ": dict(os.environ), "main": sys.modules["__main__"], "cwd": os.getcwd(),
        "builtins": {k: id(v) for k, v in vars(builtins).items()},
        "recursionlimit": sys.getrecursionlimit(),
    }


def changes(before, after):
    """{what: set of changed keys or True} between two host_state() snapshots."""
    out = {}
    for key, old in before.items():
        new = after[key]
        if isinstance(old, dict):
            changed = {k for k in set(old) | set(new) if old.get(k) != new.get(k)}
            if changed:
                out[key] = changed
        elif old is not new and old != new:
            out[key] = True
    return out


@pytest.fixture
def restore_host():
    """Whatever a test's user code does to the process, put it back."""
    saved_builtins = dict(vars(builtins))
    saved = (sys.stdout, sys.stderr, sys.excepthook, sys.displayhook,
             signal.getsignal(signal.SIGINT), dict(os.environ), os.getcwd())
    yield
    for name in set(vars(builtins)) - set(saved_builtins):
        delattr(builtins, name)
    for name, value in saved_builtins.items():
        if getattr(builtins, name, None) is not value:
            setattr(builtins, name, value)
    sys.stdout, sys.stderr, sys.excepthook, sys.displayhook = saved[:4]
    signal.signal(signal.SIGINT, saved[4])
    os.environ.clear()
    os.environ.update(saved[5])
    os.chdir(saved[6])


class Hosted:
    """A console on a kernel running in this process."""

    def __init__(self, mode, console, new_console, stop):
        # new_console(): another console on the same kernel, at its prompt
        self.mode, self.c, self.new_console, self.stop = mode, console, new_console, stop


@pytest.fixture(params=["in-process", "in-app"])
def hosted(request, qapp, tmp_path, make_console, restore_host):
    if request.param == "in-process":
        from embedcon.inprocess import QtInProcessKernelManager

        config = Config()
        config.HistoryManager.hist_file = str(tmp_path / "history.sqlite")
        km = QtInProcessKernelManager(config=config)
        km.start_kernel(show_banner=False)
        clients = []

        def new_console():
            kc = km.client()
            kc.start_channels()
            clients.append(kc)
            c = make_console(km, kc, wait=False)
            c.wait_prompt()
            return c

        def stop():
            for kc in clients:
                kc.stop_channels()
            if km.has_kernel:
                km.shutdown_kernel()
    else:
        from embedcon.kernel_in_app import InAppKernel

        kernel = InAppKernel({}, config={"IPKernelApp": {"ipython_dir": str(tmp_path)}})
        kernel.start()
        clients = []

        def new_console():
            kc = kernel.client()
            kc.start_channels()
            clients.append(kc)
            c = make_console(None, kc, wait=False)
            c.wait_prompt()
            return c

        def stop():
            for kc in clients:
                kc.stop_channels()
            if kernel.running:
                kernel.stop()
    try:
        yield Hosted(request.param, new_console(), new_console, stop)
    finally:
        stop()


def _usable(c):
    """The console still runs code and shows output."""
    c.run("print('console still works')")
    assert "console still works" in c.output_of_last_cell()
    c.run("6 * 7")
    assert "]: 42" in c.output_of_last_cell()


# -- hostile user code ----------------------------------------------------------------


def test_deleting_a_builtin_changes_that_builtin_only(hosted):
    c = hosted.c
    before = host_state()
    c.run("import builtins; _saved_print = builtins.print; del builtins.print")
    assert changes(before, host_state()) == {"builtins": {"print"}}  # what the code did
    assert not hasattr(builtins, "print")
    c.run("print('x')")
    assert "NameError" in c.output_of_last_cell()
    c.run("builtins.print = _saved_print")
    assert changes(before, host_state()) == {}
    _usable(c)


@pytest.mark.parametrize("code", ["import sys, io; sys.stdout = io.StringIO()",
                                  "import sys; sys.stderr = None",
                                  "import sys; sys.stdout = sys.stderr = None"])
def test_replacing_sys_stdout(hosted, code):
    c = hosted.c
    original = (sys.stdout, sys.stderr)
    c.run(code)
    _usable(c)  # the kernel still captures the next cell's output
    c.run("import sys; sys.stderr.write('err visible\\n')")
    c.wait_text("err visible")
    hosted.stop()
    assert (sys.stdout, sys.stderr) == original  # the host's streams after the kernel


@pytest.mark.parametrize("code", ["raise SystemExit", "raise SystemExit(3)",
                                  "import sys; sys.exit()", "import sys; sys.exit(3)", "exit"])
def test_exit_from_user_code_never_ends_the_host(hosted, code):
    c = hosted.c
    app = QtWidgets.QApplication.instance()
    quits = []
    app.aboutToQuit.connect(lambda: quits.append(1))
    before = host_state()
    c.run(code)
    assert not quits and not app.closingDown()
    assert changes(before, host_state()) == {}
    _usable(c)


@pytest.mark.parametrize("code, changed", [
    ("import sys; sys.excepthook = None", {}),
    ("import sys; sys.displayhook = len", {}),
    ("import signal; signal.signal(signal.SIGINT, signal.SIG_IGN)", {}),
    ("import os; os.environ['EMBEDCON_TEST_VAR'] = '1'", {"environ": {"EMBEDCON_TEST_VAR"}}),
])
def test_host_hooks_survive_user_code(hosted, code, changed):
    c = hosted.c
    before = host_state()
    c.run(code)
    assert changes(before, host_state()) == changed
    _usable(c)


# -- closing and reopening a console -------------------------------------------------------


def test_console_closed_and_reopened_keeps_the_namespace(hosted, qtbot):
    first = hosted.c
    first.run("kept_value = 41")
    first.run("from qtpy import QtWidgets; "
              "win = keep(QtWidgets.QLabel('kept across consoles')); win.show(); del win")
    first.kc.stop_channels()
    first.w.close()
    qtbot.wait(50)
    gc.collect()
    labels = [w for w in QtWidgets.QApplication.topLevelWidgets()
              if isinstance(w, QtWidgets.QLabel) and w.text() == "kept across consoles"]
    assert labels and labels[0].isVisible()  # embedcon.keep outlives the console
    second = hosted.new_console()
    second.run("kept_value + 1")
    assert "Out[" in second.text() and ": 42" in second.text()
    labels[0].close()


def test_embedcon_keep_from_the_package(hosted, qtbot):
    c = hosted.c
    c.run("import embedcon; from qtpy import QtWidgets; "
          "embedcon.keep(QtWidgets.QWidget()).setObjectName('kept-by-package')")
    c.kc.stop_channels()
    c.w.close()
    gc.collect()
    qtbot.wait(50)
    kept = [w for w in QtWidgets.QApplication.topLevelWidgets()
            if w.objectName() == "kept-by-package"]
    assert kept
    kept[0].close()
