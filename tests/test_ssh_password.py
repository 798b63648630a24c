"""SSH passwords and key passphrases: asked through a callback (the library)
or a dialog (the application), never on a terminal, never in argv or the
environment.  A real OpenSSH server on loopback (tests/sshd.py) and a user key
protected by a passphrase: ssh asks for it through SSH_ASKPASS, which
embedcon points at its own helper (embedcon/ssh_askpass.py).
"""

import json
import os
import subprocess
import sys
import tempfile
import threading
import time

import pytest
from conftest import start_kernel, stop_kernel
from jupyter_client import BlockingKernelClient
from sshd import SSHServer
from test_ssh import _answers, _ssh_processes

from embedcon.ssh_tunnel import KernelTunnel, SSHTunnelError, key_needs_passphrase, \
    tunnelled_connection_file

pytestmark = pytest.mark.skipif(os.name != "posix", reason="OpenSSH tests are POSIX only")

PASSPHRASE = "correct horse \u00e9 battery"
FAKE_INFO = {"ip": "127.0.0.1", "transport": "tcp", "shell_port": 1, "iopub_port": 2,
             "stdin_port": 3, "control_port": 4, "hb_port": 5}


@pytest.fixture(scope="module")
def sshd(tmp_path_factory):
    server = SSHServer(tmp_path_factory.mktemp("sshd"))
    server.locked_key = server.add_user_key("locked_ed25519", PASSPHRASE)
    yield server
    server.stop()


class Answers:
    """A password callback that gives the answers in turn and records the prompts
    (and when the last answer was given)."""

    def __init__(self, *answers):
        self.answers = list(answers)
        self.prompts = []
        self.last_answer_at = None
        self.thread = None

    def __call__(self, prompt):
        self.prompts.append(prompt)
        self.thread = threading.current_thread()
        self.last_answer_at = time.monotonic()
        return self.answers.pop(0)


def _environ_of(pid: int) -> bytes:
    with open(f"/proc/{pid}/environ", "rb") as f:
        return f.read()


def _cmdline_of(pid: int) -> bytes:
    with open(f"/proc/{pid}/cmdline", "rb") as f:
        return f.read()


def test_key_needs_passphrase(sshd):
    assert key_needs_passphrase(str(sshd.locked_key))
    assert not key_needs_passphrase(str(sshd.user_key))
    assert not key_needs_passphrase(None)
    assert not key_needs_passphrase(str(sshd.root / "no-such-key"))


@pytest.mark.slow
def test_the_right_passphrase_opens_the_tunnel_and_a_cell_runs_through_it(qapp, sshd):
    km, kc0 = start_kernel()
    tmp = tempfile.gettempdir()

    def private_dirs():
        return {d for d in os.listdir(tmp) if d.startswith("embedcon-askpass-")}

    before = private_dirs()
    answers = Answers(PASSPHRASE)
    during, modes = set(), set()

    def answers_call(prompt):
        during.update(private_dirs() - before)
        modes.update(os.stat(os.path.join(tmp, d)).st_mode & 0o777 for d in during)
        return answers(prompt)
    outputs = []
    try:
        path, tunnel = tunnelled_connection_file(km.connection_file, sshd.server,
                                                 str(sshd.locked_key), ssh_options=sshd.options,
                                                 password_callback=answers_call)
        with tunnel:
            # ssh's own prompt, asked once, on the thread that started the tunnel
            assert answers.prompts == [f"Enter passphrase for key '{sshd.locked_key}':"]
            assert answers.thread is threading.current_thread()
            # the secret is in neither the argv nor the environment of ssh
            secret = PASSPHRASE.encode()
            assert secret not in _cmdline_of(tunnel.process.pid)
            assert secret not in _environ_of(tunnel.process.pid)
            assert _answers(path, timeout=60)  # (a kernel still starting on a loaded machine)
            kc = BlockingKernelClient(connection_file=path)
            kc.load_connection_file()
            kc.start_channels()
            try:
                kc.wait_for_ready(timeout=30)
                reply = kc.execute_interactive("print(6 * 7)", timeout=30,
                                               output_hook=lambda m: outputs.append(m))
            finally:
                kc.stop_channels()
            assert reply["content"]["status"] == "ok"
            assert any(m["content"].get("text") == "42\n" for m in outputs)
            # the private directory of the askpass socket (0700) is gone with the start
            assert len(during) == 1 and modes == {0o700} and not private_dirs() & during
        assert not tunnel.alive()
    finally:
        stop_kernel(km, kc0)


def test_a_wrong_passphrase_three_times_is_one_line_within_10_s(sshd):
    answers = Answers("wrong 1", "wrong 2", "wrong 3")
    with pytest.raises(SSHTunnelError) as err:
        KernelTunnel(FAKE_INFO, sshd.server, str(sshd.locked_key), ssh_options=sshd.options,
                     password_callback=answers).start()
    assert time.monotonic() - answers.last_answer_at < 10
    assert len(answers.prompts) == 3 and not answers.answers
    message = str(err.value)
    assert "wrong passphrase (3 tries)" in message and "\n" not in message, message
    assert _ssh_processes(sshd.port) == []


def test_cancel_is_one_line_at_once_and_ends_ssh(sshd):
    answers = Answers(None)
    with pytest.raises(SSHTunnelError) as err:
        KernelTunnel(FAKE_INFO, sshd.server, str(sshd.locked_key), ssh_options=sshd.options,
                     password_callback=answers).start()
    assert time.monotonic() - answers.last_answer_at < 5
    message = str(err.value)
    assert "cancelled" in message and "\n" not in message, message
    time.sleep(0.2)
    assert _ssh_processes(sshd.port) == []


@pytest.mark.slow
def test_time_spent_answering_does_not_count_against_the_timeout(sshd):
    """A user who takes longer than the tunnel's timeout to type still gets in."""
    def slow(prompt):
        time.sleep(6)
        return PASSPHRASE

    tunnel = KernelTunnel(FAKE_INFO, sshd.server, str(sshd.locked_key), timeout=5,
                          ssh_options=sshd.options, password_callback=slow)
    with tunnel:
        tunnel.start()
        assert tunnel.alive()


def test_without_a_callback_a_locked_key_fails_and_says_why(sshd):
    t0 = time.monotonic()
    with pytest.raises(SSHTunnelError) as err:
        KernelTunnel(FAKE_INFO, sshd.server, str(sshd.locked_key),
                     ssh_options=sshd.options).start()
    assert time.monotonic() - t0 < 10
    message = str(err.value)
    assert "needs its passphrase" in message and "\n" not in message, message


def test_an_unknown_host_key_is_never_asked_through_the_callback(sshd, tmp_path):
    answers = Answers("yes", "yes")
    with pytest.raises(SSHTunnelError) as err:
        KernelTunnel(FAKE_INFO, sshd.server, str(sshd.locked_key),
                     ssh_options=[f"UserKnownHostsFile={tmp_path / 'empty'}",
                                  "GlobalKnownHostsFile=/dev/null"],
                     password_callback=answers).start()
    assert answers.prompts == []
    assert "host key" in str(err.value)


# -- the dialog ------------------------------------------------------------------

def _find_dialog():
    from qtpy import QtWidgets

    for w in QtWidgets.QApplication.topLevelWidgets():
        if w.objectName() == "ssh_password_dialog" and w.isVisible():
            return w
    return None


@pytest.mark.parametrize("button", ["ok", "cancel"])
def test_the_dialog_asks_with_masked_input_from_another_thread(qtbot, button):
    from qtpy import QtCore, QtWidgets
    from qtpy.QtTest import QTest

    from embedcon.application.ssh_password import DialogPasswordAsker, run_while_responsive

    asker = DialogPasswordAsker("me@example.org")
    seen = {}

    def answer():
        dialog = _find_dialog()
        if dialog is None:
            QtCore.QTimer.singleShot(20, answer)
            return
        field = dialog.findChild(QtWidgets.QLineEdit, "ssh_password")
        seen["echo"] = field.echoMode()
        seen["prompt"] = dialog.findChild(QtWidgets.QLabel, "ssh_password_prompt").text()
        seen["title"] = dialog.windowTitle()
        QTest.keyClicks(field, "s3cret")
        if button == "ok":
            QTest.keyClick(field, QtCore.Qt.Key.Key_Return)
        else:
            QTest.keyClick(dialog, QtCore.Qt.Key.Key_Escape)

    QtCore.QTimer.singleShot(0, answer)
    got = run_while_responsive(lambda: asker("Enter passphrase for key '/k':"))
    assert got == ("s3cret" if button == "ok" else None)
    assert seen["echo"] == QtWidgets.QLineEdit.EchoMode.Password
    assert seen["prompt"] == "Enter passphrase for key '/k':"
    assert "me@example.org" in seen["title"]


def test_the_dialog_picture(qtbot, tmp_path):
    from embedcon.application.ssh_password import PasswordDialog

    dialog = PasswordDialog("Enter passphrase for key '/home/me/.ssh/id_ed25519':",
                            "me@server.example.org")
    qtbot.addWidget(dialog)
    dialog.field.setText("hunter2")
    dialog.show()
    qtbot.waitExposed(dialog)
    picture = dialog.grab()
    picture.save(str(tmp_path / "ssh_password_dialog.png"))
    assert picture.width() >= 420 and picture.height() > 60
    assert "hunter2" not in dialog.field.displayText()


# -- the application -----------------------------------------------------------

_APP_PROBE = r"""
import atexit, json, os, sys
from qtpy import QtCore, QtGui, QtWidgets
from qtpy.QtTest import QTest
qapp = QtWidgets.QApplication(["embedcon"])
from embedcon import __main__ as entry
from embedcon.app import EmbedconApp

ACTION = os.environ["PROBE_ACTION"]
state = {"asked": 0, "prompts": []}
# what was asked, also when the application exits with an error
atexit.register(lambda: state.get("done") or print(json.dumps(state), flush=True))

def dialog():
    for w in QtWidgets.QApplication.topLevelWidgets():
        if w.objectName() == "ssh_password_dialog" and w.isVisible():
            return w

def tick():
    d = dialog()
    if d is not None and not d.property("probe_seen"):
        d.setProperty("probe_seen", True)
        state["asked"] += 1
        state["prompts"].append(d.findChild(QtWidgets.QLabel, "ssh_password_prompt").text())
        if os.environ.get("PROBE_PICTURE"):
            d.grab().save(os.environ["PROBE_PICTURE"])
        field = d.findChild(QtWidgets.QLineEdit, "ssh_password")
        if ACTION == "cancel":
            QTest.keyClick(d, QtCore.Qt.Key.Key_Escape)
        else:
            for ch in os.environ["PROBE_SECRET"]:  # typed, one key at a time
                if ch.isascii():
                    QTest.keyClicks(field, ch)
                else:  # a key of a non-US keyboard: no Qt key code, its text
                    for kind in (QtCore.QEvent.Type.KeyPress, QtCore.QEvent.Type.KeyRelease):
                        QtWidgets.QApplication.sendEvent(field, QtGui.QKeyEvent(
                            kind, 0, QtCore.Qt.KeyboardModifier.NoModifier, ch))
            QTest.keyClick(field, QtCore.Qt.Key.Key_Return)
        return
    app = EmbedconApp.initialized() and EmbedconApp.instance()
    w = getattr(app, "widget", None) if app else None
    if w is None or not w._handshake_done:
        return
    if not state.get("sent"):
        state["sent"] = True
        w.execute("print('via', 'ssh', 6 * 7)")
    if "via ssh 42" in w.export_text():
        state["done"] = True
        with open(app.connection_file) as f:  # the tunnelled file, while the tunnel runs
            text = f.read()
        print(json.dumps({"connection_file": app.connection_file, "asked": state["asked"],
                          "prompts": state["prompts"], "file_text": text}), flush=True)
        timer.stop()  # the widget goes with the window
        if ACTION != "stay":  # "stay": left running (for the test to kill)
            app.window.owns_kernel = False
            app.window.close()

timer = QtCore.QTimer()
timer.timeout.connect(tick)
timer.start(20)
entry.main(sys.argv[1:])
"""


def _app_command(sshd, connection_file, action, picture=None, *, server=None, key="locked",
                 secret=PASSPHRASE, extra=()):
    """The command line and environment of :func:`_run_app`."""
    argv = ["--existing", connection_file, "--ssh", server or sshd.server]
    if key == "locked":
        key = str(sshd.locked_key)
    if key:
        argv += ["--sshkey", key]
    for opt in sshd.options:
        argv.append(f"--EmbedconApp.ssh_options={opt}")
    argv += list(extra)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PROBE_ACTION": action,
           "PROBE_SECRET": secret}
    if picture:
        env["PROBE_PICTURE"] = picture
    return [sys.executable, "-c", _APP_PROBE, *argv], env


def _run_app(sshd, connection_file, action, picture=None, **kw):
    """The application on ``connection_file`` through ``--ssh server`` (the test
    server's user by default) with ``--sshkey key`` (the locked key by default;
    None: no key), the probe typing ``secret`` into each dialog (``action`` "ok";
    "stay": and the application is left running) or cancelling it.  The last
    line of stdout is the probe's JSON."""
    cmd, env = _app_command(sshd, connection_file, action, picture, **kw)
    return subprocess.run(cmd, capture_output=True, text=True, timeout=90, env=env,
                          stdin=subprocess.DEVNULL)


@pytest.mark.slow
def test_the_app_asks_the_passphrase_in_a_dialog_and_the_tab_connects(qapp, sshd, tmp_path):
    km, kc = start_kernel()
    try:
        picture = tmp_path / "app_dialog.png"
        out = _run_app(sshd, km.connection_file, "ok", str(picture))
        lines = out.stdout.strip().splitlines()
        assert lines, out.stderr[-2000:]
        result = json.loads(lines[-1])
        assert result["asked"] == 1
        assert result["connection_file"].endswith("-ssh.json")
        assert picture.exists()
        assert PASSPHRASE not in out.stdout + out.stderr  # never logged
        time.sleep(0.5)
        assert _ssh_processes(sshd.port) == []
    finally:
        stop_kernel(km, kc)


def test_the_app_cancelled_is_one_line_and_exit_status_1(qapp, sshd, tmp_path):
    path = tmp_path / "kernel-remote.json"
    path.write_text(json.dumps(dict(FAKE_INFO, key="k" * 32, signature_scheme="hmac-sha256")))
    os.chmod(path, 0o600)
    out = _run_app(sshd, str(path), "cancel")
    assert out.returncode == 1, out.stderr[-1500:]
    errors = [ln for ln in out.stderr.splitlines() if ln.startswith("embedcon: error:")]
    assert errors and "cancelled" in errors[0], out.stderr[-1500:]
