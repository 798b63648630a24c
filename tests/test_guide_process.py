"""The Jupyter Qt Console guide's "process management" section, in embedcon.

Each form of ``--existing`` the guide shows, ``%connect_info``, and the
security warning for a kernel on a non-loopback address.
"""

import json
import os
import subprocess
import sys

import pytest
from jupyter_client import KernelManager
from sshd import non_loopback_ip


@pytest.fixture
def runtime_kernel(tmp_path, monkeypatch):
    """A kernel started by someone else, its file kernel-12345.json in the runtime dir."""
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path))
    km = KernelManager(kernel_name="python3", connection_file=str(tmp_path / "kernel-12345.json"))
    km.start_kernel()
    yield km
    km.shutdown_kernel(now=True)


@pytest.mark.parametrize("form", ["none", "full path", "file name", "partial name", "number"])
def test_every_existing_form_of_the_guide_attaches(embedcon_app, runtime_kernel, qtbot, form):
    arg = {"none": [], "full path": [runtime_kernel.connection_file],
           "file name": ["kernel-12345.json"], "partial name": ["kernel-123"],
           "number": ["12345"]}[form]
    app = embedcon_app("--existing", *arg)
    assert os.path.samefile(app.connection_file, runtime_kernel.connection_file)
    assert app.kernel_manager is None  # attached, not owned
    qtbot.waitUntil(lambda: app.widget._handshake_done, timeout=20000)
    app.widget.execute("print('attached', 6 * 7)")
    qtbot.waitUntil(lambda: "attached 42" in app.widget.export_text(), timeout=20000)


def test_connect_info_shows_what_a_second_console_needs(console):
    console.run("%connect_info")
    out = console.output_of_last_cell()
    name = os.path.basename(console.km.connection_file)
    assert name in out and "--existing" in out
    assert '"key"' in out  # the guide: the file's content, for copying by hand


def test_a_non_loopback_ip_needs_an_explicit_flag_and_warns(embedcon_app, qtbot, caplog):
    ip = non_loopback_ip()
    assert ip, "this machine has no non-loopback IPv4 address to test with"
    out = subprocess.run([sys.executable, "-m", "embedcon", "--ip", ip], capture_output=True,
                         text=True, timeout=60, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert out.returncode == 1
    assert "embedcon: error: refusing to let the kernel listen on" in out.stderr
    assert "--allow-remote-access" in out.stderr
    caplog.set_level("WARNING", logger="embedcon.manager")
    app = embedcon_app("--ip", ip, "--allow-remote-access", "--no-confirm-exit")
    assert app.kernel_manager.ip == ip
    assert "the traffic is not encrypted" in caplog.text
    assert oct(os.stat(app.kernel_manager.connection_file).st_mode & 0o777) == "0o600"


_SECOND_CONSOLE = r"""
import json, os, sys
from qtpy import QtCore, QtWidgets
qapp = QtWidgets.QApplication(["embedcon"])
import embedcon.__main__ as entry
from embedcon.app import EmbedconApp
state = {}

def tick():
    app = EmbedconApp.initialized() and EmbedconApp.instance()
    w = getattr(app, "widget", None) if app else None
    if w is None or not w._handshake_done or "prompt" in w._requests.values():
        return
    if not state:
        state["ready"] = True
        print("READY", flush=True)
    text = w.export_text()
    if "from the first" in text and "sent" not in state:
        state["sent"] = True  # typed, as a user would
        w.input_buffer = "print(shared.upper(), 'AND THE SECOND')"
        w.execute(interactive=True)
    if "FROM THE FIRST AND THE SECOND" in text:
        print(json.dumps({"text": text, "owned": app.kernel_manager is not None}), flush=True)
        timer.stop()
        app.window.close()  # an --existing console: no question, the kernel stays

timer = QtCore.QTimer()
timer.timeout.connect(tick)
timer.start(20)
QtCore.QTimer.singleShot(60000, lambda: os._exit(3))
entry.main(sys.argv[1:])
"""


@pytest.mark.slow
def test_a_second_console_process_and_the_first_see_each_other(kernel, make_console, qtbot):
    """The guide's "Two consoles on one kernel" with a real second process:
    ``embedcon --existing FILE --RichJupyterWidget.include_other_output=True``
    started as a subprocess; each shows the other's input, marked, and its output;
    closing the second leaves the kernel running."""
    km, kc = kernel
    first = make_console(km, kc, include_other_output=True)
    second = subprocess.Popen(
        [sys.executable, "-c", _SECOND_CONSOLE, "--existing", km.connection_file,
         "--RichJupyterWidget.include_other_output=True"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    try:
        assert second.stdout.readline().strip() == "READY", second.stderr.read()[-2000:]
        first.run("shared = 'from the first'; print(shared)")
        qtbot.waitUntil(lambda: "FROM THE FIRST AND THE SECOND" in first.text(), timeout=30000)
        assert "[other client] In [" in first.text()
        out, err = second.communicate(timeout=30)
        assert second.returncode == 0, err[-2000:]
        report = json.loads(out.strip().splitlines()[-1])
        assert not report["owned"]
        text = report["text"]
        assert "[other client] In [" in text and "shared = 'from the first'" in text
        assert "from the first" in text
    finally:
        if second.poll() is None:
            second.kill()
            second.wait()
    assert km.is_alive()
    first.run("print(shared, 'still here')")
    assert "from the first still here" in first.output_of_last_cell()


@pytest.mark.slow
def test_exit_in_an_existing_console_closes_it_and_leaves_the_kernel(embedcon_app,
                                                                      runtime_kernel, qtbot):
    """The guide: a console attached with --existing closes on ``exit`` without
    a question (confirm_exit is on) and leaves its kernel alone."""
    from qtpy import QtCore, QtWidgets

    app = embedcon_app("--existing", "kernel-12345.json")
    w = app.widget
    qtbot.waitUntil(lambda: w._handshake_done and "prompt" not in w._requests.values(),
                    timeout=20000)
    w.execute("kept_value = 6 * 7")
    qtbot.waitUntil(lambda: w._prompt_kind == "input" and "kept_value" in w.export_text(),
                    timeout=20000)
    qtbot.keyClicks(w.focusProxy(), "exit")
    qtbot.keyClick(w.focusProxy(), QtCore.Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not app.window.isVisible(), timeout=10000)
    assert QtWidgets.QApplication.activeModalWidget() is None
    qtbot.wait(1000)  # ipykernel stops itself 0.1 s after a bare exit it is sent
    assert runtime_kernel.is_alive()  # the kernel of someone else: still there
    kc = runtime_kernel.client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=20)
        got = []
        kc.execute_interactive("print(kept_value)", timeout=20,
                               output_hook=lambda m: got.append(m["content"].get("text", "")))
        assert "42" in "".join(got)
    finally:
        kc.stop_channels()


def test_the_copied_existing_line_attaches_from_any_directory(embedcon_app, qtbot, tmp_path,
                                                               monkeypatch):
    """Kernel ▸ Copy connection info and the status bar copy ``embedcon --existing
    …``: for a file outside the runtime directory (a copied remote file, its
    ``-ssh.json``) the bare file name found nothing when pasted elsewhere."""
    import shlex

    from qtpy import QtWidgets

    from embedcon.connect import find_connection_file

    runtime, elsewhere, other_cwd = tmp_path / "rt", tmp_path / "downloads", tmp_path / "cwd"
    for d in (runtime, elsewhere, other_cwd):
        d.mkdir()
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(runtime))
    km = KernelManager(kernel_name="python3", connection_file=str(elsewhere / "kernel-1.json"))
    km.start_kernel()
    try:
        app = embedcon_app("--existing", km.connection_file)
        app.window.status.file_label.linkActivated.emit("copy")
        line = QtWidgets.QApplication.clipboard().text().strip()
        argv = shlex.split(line)
        assert argv[:2] == ["embedcon", "--existing"], line
        monkeypatch.chdir(other_cwd)
        found = find_connection_file(argv[2], [".", str(runtime)])
        assert os.path.samefile(found, km.connection_file)
    finally:
        km.shutdown_kernel(now=True)
    # a file in the runtime directory keeps its short form
    km = KernelManager(kernel_name="python3", connection_file=str(runtime / "kernel-2.json"))
    km.write_connection_file()
    from embedcon.application.kernels import KernelHandle

    handle = KernelHandle(connection_info={}, connection_file=km.connection_file,
                          kernel_name="python3", owned=False, client_factory=None)
    assert handle.existing_line() == "embedcon --existing kernel-2.json"
