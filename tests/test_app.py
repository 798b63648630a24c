"""The standalone console: options, start-up, attach, closing."""

import os
import subprocess
import sys

import pytest
from jupyter_client import BlockingKernelClient, KernelManager
from qtpy import QtWidgets



def _run(*args, env=None, timeout=60):
    return subprocess.run([sys.executable, "-m", "embedcon", *args], capture_output=True,
                          text=True, timeout=timeout, env={**os.environ, **(env or {})})


def test_help_lists_options_in_jupyter_style():
    out = _run("--help")
    assert out.returncode == 0, out.stderr
    for opt in ("--existing", "--kernel", "--style", "--generate-config", "--ssh", "--help-all"):
        assert opt in out.stdout
    full = _run("--help-all")
    assert "--RichJupyterWidget.buffer_size" in full.stdout
    assert "--QtKernelManager.fix_qt_event_loop" in full.stdout


def test_generate_config(tmp_path):
    out = _run("--generate-config", "-y", env={"JUPYTER_CONFIG_DIR": str(tmp_path)})
    assert out.returncode == 0, out.stderr
    text = (tmp_path / "embedcon_config.py").read_text()
    assert "c.RichJupyterWidget.syntax_style" in text


def test_missing_existing_file_is_a_clear_error(tmp_path):
    out = _run("--existing", str(tmp_path / "nope.json"),
               env={"JUPYTER_RUNTIME_DIR": str(tmp_path), "QT_QPA_PLATFORM": "offscreen"})
    assert out.returncode != 0
    assert "nope.json" in out.stderr and "Traceback" not in out.stderr


@pytest.fixture
def app_factory(embedcon_app, qtbot):
    """embedcon_app, then wait for the first prompt."""
    def make(*argv):
        app = embedcon_app(*argv)
        qtbot.waitUntil(lambda: "In [1]: " in app.widget.export_text(), timeout=20000)
        return app
    return make


def test_app_starts_a_kernel_and_stops_it_on_close(app_factory, qtbot):
    app = app_factory("--no-confirm-exit", "--style", "monokai")
    assert app.widget.syntax_style == "monokai"
    status = app.window.status.state_label
    qtbot.waitUntil(lambda: status.text() == "idle", timeout=20000)  # kernel state shown
    app.widget.execute("import time; time.sleep(0.5)")
    qtbot.waitUntil(lambda: status.text().startswith("busy"), timeout=10000)
    qtbot.waitUntil(lambda: status.text() == "idle", timeout=10000)
    km = app.kernel_manager
    assert km.is_alive()
    assert oct(os.stat(km.connection_file).st_mode & 0o777) == "0o600"
    app.window.close()
    qtbot.waitUntil(lambda: not km.has_kernel or not km.is_alive(), timeout=10000)


def test_closing_asks_and_can_keep_the_kernel(app_factory, qtbot):
    app = app_factory()  # confirm_exit is on by default
    km = app.kernel_manager

    def answer():
        box = QtWidgets.QApplication.activeModalWidget()
        if not isinstance(box, QtWidgets.QMessageBox):
            return False
        keep = [b for b in box.buttons() if "keep" in b.text().lower()][0]
        keep.click()
        return True

    from qtpy import QtCore
    timer = QtCore.QTimer()
    timer.timeout.connect(lambda: answer() and timer.stop())
    timer.start(50)
    app.window.close()
    assert not app.window.isVisible()
    assert km.is_alive()  # the user chose to keep it


def _type_exit(app, qtbot, text="exit"):
    from qtpy import QtCore
    qtbot.keyClicks(app.widget.focusProxy(), text)
    qtbot.keyClick(app.widget.focusProxy(), QtCore.Qt.Key.Key_Return)


def test_exit_typed_in_the_console_closes_the_window(app_factory, qtbot):
    app = app_factory("--no-confirm-exit")  # no question: the kernel goes too
    km = app.kernel_manager
    _type_exit(app, qtbot)
    qtbot.waitUntil(lambda: not app.window.isVisible(), timeout=10000)
    qtbot.waitUntil(lambda: not km.has_kernel or not km.is_alive(), timeout=10000)


@pytest.mark.parametrize("button, alive", [("shut down", False), ("keep", True),
                                           ("cancel", None)])
def test_exit_on_a_kernel_started_here_asks_first(app_factory, qtbot, button, alive):
    """The guide: `exit` in a console that started its kernel asks (confirm_exit
    is on by default); Cancel keeps the console open."""
    from qtpy import QtCore
    app = app_factory()
    km = app.kernel_manager
    seen = []

    def answer():
        box = QtWidgets.QApplication.activeModalWidget()
        if isinstance(box, QtWidgets.QMessageBox):
            timer.stop()
            seen.append(box.text())
            [b for b in box.buttons() if button in b.text().lower()][0].click()
    timer = QtCore.QTimer()
    timer.timeout.connect(answer)
    timer.start(30)
    _type_exit(app, qtbot)
    qtbot.waitUntil(lambda: bool(seen), timeout=10000)
    assert "kernel" in seen[0].lower()
    if alive is None:
        qtbot.wait(300)
        # still open, and the kernel was not shut down (has_kernel goes with a shutdown)
        assert app.window.isVisible() and app.window.tabs.count() == 1 and km.has_kernel
        app.window.confirm_exit = False
        return
    qtbot.waitUntil(lambda: not app.window.isVisible(), timeout=10000)
    if alive:
        assert km.is_alive()
    else:
        qtbot.waitUntil(lambda: not km.has_kernel or not km.is_alive(), timeout=10000)


@pytest.mark.parametrize("word", ["exit", "quit()"])
def test_exit_then_keep_leaves_the_same_kernel_with_its_variables(app_factory, qtbot, word):
    """"Keep" must keep: ipykernel stops itself on a bare ``exit`` before the
    frontend's question is answered (its ``ask_exit`` sets ``exit_now``), so the
    window's watchdog restarted a fresh kernel and the user's variables were gone."""
    from qtpy import QtCore
    app = app_factory()
    km, w = app.kernel_manager, app.widget
    pid = km.provisioner.process.pid
    w.execute("kept_value = 6 * 7")
    qtbot.waitUntil(lambda: w._prompt_kind == "input" and "In [2]" in w._prompt_text(),
                    timeout=20000)
    seen = []

    def answer():
        box = QtWidgets.QApplication.activeModalWidget()
        if isinstance(box, QtWidgets.QMessageBox):
            timer.stop()
            seen.append(box.text())
            [b for b in box.buttons() if "keep" in b.text().lower()][0].click()
    timer = QtCore.QTimer()
    timer.timeout.connect(answer)
    timer.start(30)
    _type_exit(app, qtbot, word)
    qtbot.waitUntil(lambda: bool(seen) and not app.window.isVisible(), timeout=10000)
    qtbot.wait(1000)  # ipykernel stopped its loop 0.1 s after a bare exit
    assert km.is_alive() and km.provisioner.process.pid == pid
    kc = BlockingKernelClient(connection_file=km.connection_file)
    kc.load_connection_file()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=20)
        got = []
        kc.execute_interactive("print(kept_value)", timeout=20,
                               output_hook=lambda m: got.append(m["content"].get("text", "")))
        assert "42" in "".join(got)
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def test_exit_keep_kernel_never_asks_and_leaves_the_kernel(app_factory, qtbot):
    app = app_factory()  # confirm_exit on: still no question for keep_kernel=True
    km = app.kernel_manager
    _type_exit(app, qtbot, "exit(keep_kernel=True)")
    qtbot.waitUntil(lambda: not app.window.isVisible(), timeout=10000)
    assert QtWidgets.QApplication.activeModalWidget() is None
    assert km.is_alive()


@pytest.fixture
def external_kernel(tmp_path, monkeypatch):
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path))
    km = KernelManager(kernel_name="python3", connection_file=str(tmp_path / "kernel-ext1.json"))
    km.start_kernel()
    yield km
    km.shutdown_kernel(now=True)


def test_existing_attaches_and_never_stops_the_kernel(app_factory, external_kernel, qtbot):
    app = app_factory("--existing", external_kernel.connection_file)
    assert app.kernel_manager is None
    assert "kernel-ext1.json" in app.window.windowTitle()
    app.window.close()  # no question asked: the kernel is not ours
    qtbot.wait(500)
    assert external_kernel.is_alive()


def test_existing_without_a_file_takes_the_most_recent(app_factory, external_kernel):
    app = app_factory("--existing")
    assert os.path.samefile(app.connection_file, external_kernel.connection_file)


_READY_PROBE = r"""
import json, os, sys
from qtpy import QtCore, QtWidgets
qapp = QtWidgets.QApplication(["embedcon"])
import embedcon.__main__ as entry
from embedcon.app import EmbedconApp

def check():
    app = EmbedconApp.instance()
    w = getattr(app, "widget", None)
    if w is None or not (w._handshake_done and "prompt" not in w._requests.values()):
        return
    km = app.kernel_manager
    print(json.dumps({"args": km.provisioner.process.args[-1:]}), flush=True)
    km.shutdown_kernel(now=True)
    os._exit(0)

timer = QtCore.QTimer()
timer.timeout.connect(check)
timer.start(5)
entry.main(sys.argv[1:])
"""


@pytest.mark.skipif(os.name != "posix", reason="head starts are POSIX only")
@pytest.mark.parametrize("argv, env, head_start", [
    ([], {}, True), (["--kernel", "python3"], {}, True),
    ([], {"EMBEDCON_NO_HEAD_START": "1"}, False)])
def test_the_embedcon_command_gives_a_new_kernel_a_head_start(argv, env, head_start):
    # `embedcon` with no arguments launches its kernel's process before it
    # imports jupyter_client and Qt; with options, when the app imports the
    # kernel manager (head_start.start_early); never when turned off
    out = subprocess.run([sys.executable, "-c", _READY_PROBE, *argv], capture_output=True,
                         text=True, timeout=60,
                         env={**os.environ, "QT_QPA_PLATFORM": "offscreen", **env})
    last = out.stdout.strip().splitlines()[-1:]
    assert last, out.stderr[-2000:]
    args = __import__("json").loads(last[0])["args"]
    assert (args == ["--embedcon-head-start"]) is head_start, args
