"""SSH password login (no key: the server asks for the user's password), as
users of a cluster often have it.

A system user made for the test with a random password (tests/sshd.py,
``PasswordUser``: ``useradd``/``chpasswd``, so root only) and a real OpenSSH
server on loopback that allows password login for that user alone.  The
password is answered through the library's ``password_callback`` (ssh asks
through SSH_ASKPASS, embedcon/ssh_askpass.py) or typed into the
application's dialog; it is never logged, never written to a file, and no
``ssh`` outlives the tunnel.
"""

import json
import logging
import os
import select
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from conftest import start_kernel, stop_kernel
from jupyter_client import BlockingKernelClient
from sshd import PasswordUser, SSHServer
from test_ssh import _answers, _ssh_processes
from test_ssh_password import FAKE_INFO, Answers, _app_command, _cmdline_of, _environ_of, \
    _run_app

from embedcon.ssh_tunnel import KernelTunnel, SSHTunnelError, prompt_kind, \
    tunnelled_connection_file

pytestmark = [
    pytest.mark.skipif(os.name != "posix", reason="OpenSSH tests are POSIX only"),
    pytest.mark.skipif(os.name == "posix" and os.geteuid() != 0,
                       reason="password login needs a system user made for the test "
                              "(useradd/chpasswd), which needs root; CI runs as root"),
]


def _password_server(tmp_path_factory, method):
    user = PasswordUser()
    try:
        server = SSHServer(tmp_path_factory.mktemp("sshd-pw"), password_users=[user.name],
                           pam=method == "keyboard-interactive")
    except BaseException:
        user.remove()
        raise
    server.user_pw = user
    server.login = f"{user.name}@127.0.0.1:{server.port}"
    # ssh's prompt for each login method
    server.prompt = (f"{user.name}@127.0.0.1's password:" if method == "password"
                     else f"({user.name}@127.0.0.1) Password:")
    return server, user


@pytest.fixture(scope="module")
def pw(tmp_path_factory):
    """The test server, with ``pw.user_pw`` (a :class:`PasswordUser`), ``pw.login``
    (``user@127.0.0.1:port``) and ``pw.prompt`` (ssh's password prompt)."""
    server, user = _password_server(tmp_path_factory, "password")
    yield server
    server.stop()
    user.remove()


@pytest.fixture(scope="module", params=["password", "keyboard-interactive"])
def any_pw(request, tmp_path_factory):
    """As ``pw``, with each of the two ways a server asks for a password: the
    ``password`` method, and ``keyboard-interactive`` through PAM (as many
    clusters do; PAM waits about 2 s after a wrong password)."""
    server, user = _password_server(tmp_path_factory, request.param)
    server.method = request.param
    yield server
    server.stop()
    user.remove()


def _files_containing(secret: str, roots, since: float) -> list[str]:
    """Files under ``roots`` changed since ``since`` whose bytes contain ``secret``."""
    needle = secret.encode()
    found = []
    for root in roots:
        for dirpath, _dirs, files in os.walk(root):
            for name in files:
                path = os.path.join(dirpath, name)
                try:
                    st = os.lstat(path)
                    if not os.path.isfile(path) or os.path.islink(path) or \
                            st.st_mtime < since or st.st_size > (4 << 20):
                        continue
                    with open(path, "rb") as f:
                        if needle in f.read():
                            found.append(path)
                except OSError:
                    continue
    return found


def test_prompt_kind():
    assert prompt_kind("me@host's password:") == "password"
    assert prompt_kind("(me@host) Password: ") == "password"
    assert prompt_kind("Enter passphrase for key '/k':") == "passphrase"
    assert prompt_kind("Enter PIN for ED25519-SK key /k:") == "answer"


@pytest.mark.slow
def test_a_password_login_tunnels_the_kernel_and_the_password_is_never_kept(
        qapp, any_pw, caplog):
    """Test 1: the library, the password given through its callback."""
    pw = any_pw
    caplog.set_level(logging.DEBUG)
    password = pw.user_pw.password
    t0 = time.time() - 1
    km, kc0 = start_kernel()
    answers = Answers(password)
    outputs = []
    try:
        path, tunnel = tunnelled_connection_file(km.connection_file, pw.login,
                                                 ssh_options=pw.options,
                                                 password_callback=answers)
        with tunnel:
            # ssh's password prompt (not a passphrase's), asked once
            assert answers.prompts == [pw.prompt]
            assert prompt_kind(answers.prompts[0]) == "password"
            secret = password.encode()
            assert secret not in _cmdline_of(tunnel.process.pid)
            assert secret not in _environ_of(tunnel.process.pid)
            assert _answers(path, timeout=60)
            kc = BlockingKernelClient(connection_file=path)
            kc.load_connection_file()
            kc.start_channels()
            try:
                kc.wait_for_ready(timeout=30)
                reply = kc.execute_interactive(
                    "import getpass; print('via password', 6 * 7)", timeout=30,
                    output_hook=outputs.append)
            finally:
                kc.stop_channels()
            assert reply["content"]["status"] == "ok"
            assert any(m["content"].get("text") == "via password 42\n" for m in outputs)
            # the login really was the password user's (sshd says so)
            assert f"Accepted {pw.method}" in pw.log.read_text()
        assert not tunnel.alive()
        time.sleep(0.2)
        assert _ssh_processes(pw.port) == []
        # never logged, never written to a file (ours, the kernel's, sshd's, the temp dir)
        assert caplog.records and password not in caplog.text
        from jupyter_core.paths import jupyter_runtime_dir

        assert _files_containing(password, [tempfile.gettempdir(), jupyter_runtime_dir(),
                                            str(pw.root)], t0) == []
    finally:
        stop_kernel(km, kc0)


@pytest.mark.slow  # (PAM waits ~2 s after each wrong password)
def test_a_wrong_password_is_one_line_within_10_s_and_says_so_when_asking_again(
        any_pw, caplog):
    """Test 3: the library; ssh asks three times, each retry says the last was wrong."""
    pw = any_pw
    caplog.set_level(logging.DEBUG)
    answers = Answers("wrong 1", "wrong 2", pw.user_pw.password + "x")
    t0 = time.monotonic()
    with pytest.raises(SSHTunnelError) as err:
        KernelTunnel(FAKE_INFO, pw.login, ssh_options=pw.options,
                     password_callback=answers).start()
    # within 10 s of the last answer; with PAM the server's own waits after the
    # first two wrong answers come on top (its policy, ~2 s each)
    assert time.monotonic() - answers.last_answer_at < 10
    if pw.method == "password":
        assert time.monotonic() - t0 < 10
    message = str(err.value)
    assert "refused the login: wrong password (3 tries)" in message, message
    assert "\n" not in message
    assert answers.prompts == [pw.prompt] + [f"Wrong password, try again.\n{pw.prompt}"] * 2
    assert pw.user_pw.password not in caplog.text
    assert _ssh_processes(pw.port) == []


@pytest.mark.slow
def test_the_servers_wait_after_each_wrong_password_is_not_a_timeout(any_pw):
    """The timeout is for an answer from the server after each password: PAM's
    wait of about 2 s after each wrong one adds up over three tries, and the
    error is still the wrong password, not "no connection"."""
    pw = any_pw
    answers = Answers("wrong 1", "wrong 2", "wrong 3")
    with pytest.raises(SSHTunnelError) as err:
        KernelTunnel(FAKE_INFO, pw.login, ssh_options=pw.options, timeout=3,
                     password_callback=answers).start()
    assert "wrong password (3 tries)" in str(err.value), str(err.value)


def test_without_a_callback_a_password_login_fails_and_says_a_password_is_needed(pw):
    t0 = time.monotonic()
    with pytest.raises(SSHTunnelError) as err:
        KernelTunnel(FAKE_INFO, pw.login, ssh_options=pw.options).start()
    assert time.monotonic() - t0 < 10
    message = str(err.value)
    assert "asks for a password, which cannot be asked here" in message, message
    assert "\n" not in message
    assert _ssh_processes(pw.port) == []


_TTY_PROBE = r"""
import fcntl, json, os, sys, termios
os.setsid()  # the pty on stdin becomes this program's terminal, as in a shell
fcntl.ioctl(0, termios.TIOCSCTTY, 0)
assert os.ttyname(0) and open("/dev/tty", "rb")  # (it has one)
from embedcon.ssh_tunnel import KernelTunnel, SSHTunnelError
info, login, options = json.loads(sys.argv[1])
out = []
for callback in (lambda prompt: "wrong", None):
    try:
        KernelTunnel(info, login, ssh_options=options, password_callback=callback).start()
        out.append("up")
    except SSHTunnelError as exc:
        out.append(str(exc))
print("RESULT " + json.dumps(out), flush=True)
"""


def test_no_password_prompt_on_the_terminal_even_when_there_is_one(pw):
    """A program run from a terminal: ssh never asks there (nor waits for it)."""
    import pty

    master, slave = pty.openpty()
    t0 = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-c", _TTY_PROBE, json.dumps([FAKE_INFO, pw.login, pw.options])],
        stdin=slave, stdout=slave, stderr=slave,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(
            [os.getcwd(), os.environ.get("PYTHONPATH", "")])})
    os.close(slave)
    chunks, deadline = [], time.monotonic() + 30
    try:
        while time.monotonic() < deadline:  # (a prompt on the terminal would wait forever)
            ready, _, _ = select.select([master], [], [], 0.2)
            if not ready:
                continue
            try:
                data = os.read(master, 4096)
            except OSError:  # the child closed the terminal
                break
            if not data:
                break
            chunks.append(data)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=10)
        os.close(master)
    assert time.monotonic() - t0 < 20, b"".join(chunks).decode("utf-8", "replace")
    text = b"".join(chunks).decode("utf-8", "replace")
    result = [ln for ln in text.splitlines() if ln.startswith("RESULT ")]
    assert result, text
    first, second = json.loads(result[0][len("RESULT "):])
    assert "wrong password (3 tries)" in first
    assert "asks for a password" in second
    # nothing but the result reached the terminal: no prompt, no "Permission denied"
    assert "password:" not in text.replace(result[0], "").lower(), text


# -- the application -------------------------------------------------------------

@pytest.mark.slow
def test_the_app_asks_the_password_in_its_dialog_and_the_console_works(qapp, pw, tmp_path):
    """Test 2: ``embedcon --existing … --ssh user@127.0.0.1:PORT`` with no key."""
    password = pw.user_pw.password
    km, kc = start_kernel()
    try:
        picture = tmp_path / "app_password_dialog.png"
        out = _run_app(pw, km.connection_file, "ok", str(picture), server=pw.login,
                       key=None, secret=password, extra=["--debug"])
        lines = out.stdout.strip().splitlines()
        assert lines, out.stderr[-2000:]
        result = json.loads(lines[-1])
        assert result.get("connection_file", "").endswith("-ssh.json"), \
            (result, out.stderr[-2000:])
        assert result["prompts"] == [pw.prompt]
        assert picture.exists()
        assert out.returncode == 0, out.stderr[-2000:]
        assert "[EmbedconApp] Loading connection file" in out.stderr  # (--debug: all of the log)
        assert password not in out.stdout + out.stderr  # never logged
        assert '"shell_port"' in result["file_text"] and password not in result["file_text"]
        time.sleep(0.5)
        assert _ssh_processes(pw.port) == []
        assert not os.path.exists(result["connection_file"])  # it went with the tunnel
    finally:
        stop_kernel(km, kc)


@pytest.mark.slow
def test_the_app_with_a_wrong_password_asks_three_times_then_one_line(qapp, pw, tmp_path):
    path = tmp_path / "kernel-remote.json"
    path.write_text(json.dumps(dict(FAKE_INFO, key="k" * 32, signature_scheme="hmac-sha256")))
    os.chmod(path, 0o600)
    t0 = time.monotonic()
    out = _run_app(pw, str(path), "ok", server=pw.login, key=None, secret="not it")
    assert time.monotonic() - t0 < 60
    assert out.returncode == 1, out.stderr[-1500:]
    errors = [ln for ln in out.stderr.splitlines() if ln.startswith("embedcon: error:")]
    assert errors and "wrong password (3 tries)" in errors[0], out.stderr[-1500:]
    state = json.loads(out.stdout.strip().splitlines()[-1])
    assert state["prompts"] == [pw.prompt] + [f"Wrong password, try again.\n{pw.prompt}"] * 2
    assert _ssh_processes(pw.port) == []


@pytest.mark.slow
def test_no_ssh_outlives_a_console_that_is_killed(qapp, pw):
    """The console dies without closing anything (SIGKILL): its tunnel ends too."""
    km, kc = start_kernel()
    cmd, env = _app_command(pw, km.connection_file, "stay", server=pw.login, key=None,
                            secret=pw.user_pw.password)
    app = subprocess.Popen(cmd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL, text=True)
    tunnelled = None
    try:
        line = app.stdout.readline()  # the probe's line once a cell ran through the tunnel
        tunnelled = json.loads(line).get("connection_file", "")
        assert tunnelled.endswith("-ssh.json"), line
        assert len(_ssh_processes(pw.port)) == 1
        app.kill()
        app.wait(timeout=10)
        deadline = time.monotonic() + 10
        while _ssh_processes(pw.port) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _ssh_processes(pw.port) == []
    finally:
        if app.poll() is None:
            app.kill()
            app.wait()
        if tunnelled:  # a killed console cannot remove it: not left in the runtime dir
            Path(tunnelled).unlink(missing_ok=True)
        stop_kernel(km, kc)
