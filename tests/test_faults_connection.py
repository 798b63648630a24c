"""Connection files, keys and addresses: clear errors, secure defaults.

* ``embedcon.connect``: ``check_connection_file`` (never blocks),
  ``connect_to_kernel`` (blocking, for scripts) and ``KernelProbe`` (the
  GUI's non-blocking check), against fake kernels on real sockets.
* ``embedcon --existing BAD``: a one-line error, no traceback, non-zero exit.
* ``QtKernelManager``: connection file 0600 in the runtime directory, loopback
  only unless allowed, no empty key unless allowed; ``--ssh`` writes its
  ``-ssh.json`` 0600 (tunnels mocked: no SSH host here).
"""

import json
import logging
import os
import stat
import subprocess
import sys
import time

import pytest
from conftest import Key
from fake_kernel import FakeKernel
from jupyter_client.session import Session
from traitlets.config import Config

from embedcon.connect import (ConnectionFileError, InsecureConnectionError, KernelNotReachable,
                              check_connection_file, connect_to_kernel, find_connection_file)
from embedcon.manager import QtKernelManager

NOT_REACHABLE = ("no reply within 5 s: the kernel is not running or the key is wrong "
                 "(authentication failed)")
GOOD = {"shell_port": 50001, "iopub_port": 50002, "stdin_port": 50003, "control_port": 50004,
        "hb_port": 50005, "ip": "127.0.0.1", "key": "abc", "transport": "tcp",
        "signature_scheme": "hmac-sha256", "kernel_name": "python3"}


@pytest.fixture(autouse=True)
def runtime_dir(tmp_path, monkeypatch):
    d = tmp_path / "runtime"
    d.mkdir(mode=0o700)
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(d))
    return d


def _write(path, data):
    if isinstance(data, (dict, list)):
        data = json.dumps(data)
    if isinstance(data, str):
        data = data.encode()
    path.write_bytes(data)
    os.chmod(path, 0o600)
    return str(path)


def _bad_file(tmp_path, case):
    """Create the bad connection file for ``case``; return (path, expected words)."""
    p = tmp_path / f"kernel-{case}.json"
    if case == "missing":
        return str(p), "not found"
    if case == "directory":
        p.mkdir()
        return str(p), "is a directory"
    if case == "fifo":
        os.mkfifo(p)
        return str(p), "not a regular file"
    if case == "unreadable":
        _write(p, GOOD)
        os.chmod(p, 0)
        return str(p), "cannot read"
    table = {
        "empty": (b"", "is empty"),
        "blank": (b"  \n\t", "is empty"),
        "bad JSON": (b'{"shell_port": 1,', "not valid JSON"),
        "not UTF-8": (b"\xff\xfe{}", "not UTF-8"),
        "a list": ([1, 2], "does not hold a JSON object"),
        "missing keys": ({k: v for k, v in GOOD.items() if k not in ("key", "hb_port")},
                         "lacks hb_port, key"),
        "port is a string": ({**GOOD, "shell_port": "50001"}, "shell_port must be an integer"),
        "port is a bool": ({**GOOD, "hb_port": True}, "hb_port must be an integer"),
        "port out of range": ({**GOOD, "iopub_port": 70000}, "not a TCP port"),
        "key is a number": ({**GOOD, "key": 5}, "key must be a string"),
        "ip is null": ({**GOOD, "ip": None}, "ip must be a string"),
        "bad scheme": ({**GOOD, "signature_scheme": "rot13"}, "not supported"),
        "bad transport": ({**GOOD, "transport": "udp"}, "neither 'tcp' nor 'ipc'"),
        "huge": (b" " * (2 << 20), "too large"),
    }
    data, words = table[case]
    return _write(p, data), words


BAD_CASES = ["missing", "directory", "fifo", "unreadable", "empty", "blank", "bad JSON",
             "not UTF-8", "a list", "missing keys", "port is a string", "port is a bool",
             "port out of range", "key is a number", "ip is null", "bad scheme", "bad transport",
             "huge"]


def _skip_unreadable_as_root(case):
    if case == "unreadable" and hasattr(os, "geteuid") and os.geteuid() == 0:
        pytest.skip("root reads any file")


# -- check_connection_file ---------------------------------------------------------


@pytest.mark.parametrize("case", BAD_CASES)
def test_bad_connection_file_is_a_one_line_error(tmp_path, case):
    _skip_unreadable_as_root(case)
    path, words = _bad_file(tmp_path, case)
    t0 = time.monotonic()
    with pytest.raises(ConnectionFileError) as err:
        check_connection_file(path)
    assert time.monotonic() - t0 < 1  # a FIFO is refused, not opened
    msg = str(err.value)
    assert isinstance(err.value, ValueError)
    assert words in msg and os.path.basename(path) in msg
    assert "\n" not in msg


def test_good_file_is_accepted_and_an_empty_key_refused(tmp_path, caplog):
    good = _write(tmp_path / "kernel-good.json", GOOD)
    assert check_connection_file(good)["shell_port"] == 50001
    empty = _write(tmp_path / "kernel-empty-key.json", {**GOOD, "key": ""})
    with pytest.raises(InsecureConnectionError, match="empty key"):
        check_connection_file(empty)
    assert check_connection_file(empty, allow_insecure_key=True)["key"] == ""
    os.chmod(good, 0o644)
    with caplog.at_level(logging.WARNING):
        check_connection_file(good)
    assert "readable by other users" in caplog.text


def test_find_connection_file_takes_the_most_recent(runtime_dir):
    with pytest.raises(ConnectionFileError, match="no kernel connection file in"):
        find_connection_file(None)
    old = _write(runtime_dir / "kernel-old.json", GOOD)
    new = _write(runtime_dir / "kernel-new.json", GOOD)
    now = time.time()
    os.utime(old, (now - 100, now - 100))
    os.utime(new, (now, now))
    assert find_connection_file(None) == new
    assert find_connection_file("kernel-old.json") == old
    with pytest.raises(ConnectionFileError, match="not found"):
        find_connection_file("nope.json")


# -- embedcon --existing BAD ----------------------------------------------------------


def _run_app(*args, runtime_dir):
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(runtime_dir), "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run([sys.executable, "-m", "embedcon", *args], capture_output=True,
                          text=True, timeout=60, env=env)


@pytest.mark.parametrize("case", ["missing", "directory", "unreadable", "empty", "bad JSON",
                                  "a list", "missing keys", "port is a string", "bad scheme"])
def test_app_existing_bad_file_prints_one_line(tmp_path, runtime_dir, case):
    _skip_unreadable_as_root(case)
    path, words = _bad_file(tmp_path, case)
    out = _run_app("--existing", path, runtime_dir=runtime_dir)
    assert out.returncode != 0
    assert "Traceback" not in out.stderr
    lines = [ln for ln in out.stderr.splitlines() if ln.startswith("embedcon: error:")]
    assert len(lines) == 1, out.stderr
    assert words in lines[0]


def test_app_existing_with_empty_key_is_refused(tmp_path, runtime_dir):
    path = _write(tmp_path / "kernel-k.json", {**GOOD, "key": ""})
    out = _run_app("--existing", path, runtime_dir=runtime_dir)
    assert out.returncode != 0 and "Traceback" not in out.stderr
    assert "empty key" in out.stderr


def test_app_existing_without_any_kernel(runtime_dir):
    out = _run_app("--existing", runtime_dir=runtime_dir)
    assert out.returncode != 0 and "Traceback" not in out.stderr
    assert "no connection file matching" in out.stderr


def test_app_refuses_a_public_ip_without_the_option(runtime_dir):
    out = _run_app("--ip=0.0.0.0", runtime_dir=runtime_dir)
    assert out.returncode != 0 and "Traceback" not in out.stderr
    assert "allow_remote_access" in out.stderr


# -- connect_to_kernel (blocking, for scripts) -------------------------------------------


def test_connect_to_a_live_kernel(qapp, tmp_path):
    fk = FakeKernel(tmp_path)
    try:
        t0 = time.monotonic()
        kc = connect_to_kernel(fk.connection_file, timeout=5)
        elapsed = time.monotonic() - t0
        try:
            assert kc.channels_running
            assert kc.session.key == fk.key
            assert type(kc).__name__ == "QtKernelClient"
        finally:
            kc.stop_channels()
        print(f"[faults] connect_to_kernel to a live kernel: {elapsed * 1000:.0f} ms")
    finally:
        fk.close()


def test_connect_to_a_dead_kernel_says_so_after_the_timeout(qapp, tmp_path):
    fk = FakeKernel(tmp_path)
    path = fk.connection_file
    info = json.loads(open(path).read())
    fk.close()  # nothing listens any more
    _write(tmp_path / "kernel-dead.json", info)
    t0 = time.monotonic()
    with pytest.raises(KernelNotReachable) as err:
        connect_to_kernel(str(tmp_path / "kernel-dead.json"))
    elapsed = time.monotonic() - t0
    assert str(err.value) == NOT_REACHABLE
    assert 4.9 < elapsed < 8
    print(f"[faults] dead kernel reported after {elapsed:.2f} s (timeout 5 s)")


def test_connect_with_the_wrong_key_says_so(qapp, tmp_path):
    fk = FakeKernel(tmp_path)
    try:
        info = json.loads(open(fk.connection_file).read())
        wrong = _write(tmp_path / "kernel-wrongkey.json", {**info, "key": "not-the-key"})
        t0 = time.monotonic()
        with pytest.raises(KernelNotReachable) as err:
            connect_to_kernel(wrong, timeout=1.5)
        elapsed = time.monotonic() - t0
        msg = str(err.value)
        assert msg.startswith("no reply within 1.5 s: the kernel is not running or the key is "
                              "wrong (authentication failed)")
        assert "key is most likely wrong" in msg  # the (unsigned) heartbeat answered
        assert fk.bad_requests >= 1 and not fk.requests  # it saw our requests, unauthenticated
        assert elapsed < 4
    finally:
        fk.close()


def test_connect_refuses_an_empty_key_unless_allowed(qapp, tmp_path):
    fk = FakeKernel(tmp_path, key=b"")
    try:
        with pytest.raises(InsecureConnectionError):
            connect_to_kernel(fk.connection_file, timeout=2)
        kc = connect_to_kernel(fk.connection_file, timeout=5, allow_insecure_key=True)
        kc.stop_channels()
    finally:
        fk.close()


def test_connect_to_the_most_recent_kernel(qapp, runtime_dir):
    fk = FakeKernel(runtime_dir, name="kernel-recent.json")
    try:
        kc = connect_to_kernel(timeout=5, start_channels=False)
        assert os.path.samefile(kc.connection_file, fk.connection_file)
        assert not kc.channels_running
    finally:
        fk.close()


# -- KernelProbe and the app: the GUI never waits -------------------------------------------


def _max_gap_while(qtbot, until, timeout_ms):
    """Run the event loop until ``until()``; return the longest gap (s) between
    ticks of a 10 ms timer on the GUI thread."""
    from qtpy import QtCore

    ticks = [time.perf_counter()]
    timer = QtCore.QTimer()
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start(10)
    try:
        qtbot.waitUntil(until, timeout=timeout_ms)
    finally:
        timer.stop()
    ticks.append(time.perf_counter())
    return max(b - a for a, b in zip(ticks, ticks[1:]))


def test_probe_reports_a_wrong_key_without_blocking(qapp, qtbot, tmp_path):
    from embedcon.client import QtKernelClient
    from embedcon.connect import KernelProbe

    fk = FakeKernel(tmp_path)
    try:
        info = json.loads(open(fk.connection_file).read())
        wrong = _write(tmp_path / "kernel-wrong.json", {**info, "key": "nope"})
        kc = QtKernelClient(connection_file=wrong)
        kc.load_connection_file()
        kc.start_channels()
        try:
            t0 = time.perf_counter()
            probe = KernelProbe(kc, timeout=1.5)
            assert time.perf_counter() - t0 < 0.1  # returns at once
            failures = []
            probe.failed.connect(failures.append)
            gap = _max_gap_while(qtbot, lambda: bool(failures), 5000)
            assert "no reply within 1.5 s" in failures[0]
            assert "key is most likely wrong" in failures[0]
            assert gap < 0.5
            print(f"[faults] probe of a wrong key: longest GUI gap {gap * 1000:.0f} ms")
        finally:
            kc.stop_channels()
    finally:
        fk.close()


def test_probe_of_a_live_kernel_is_ready(qapp, qtbot, tmp_path):
    from embedcon.connect import KernelProbe

    fk = FakeKernel(tmp_path)
    kc = fk.client()
    try:
        probe = KernelProbe(kc, timeout=5)
        with qtbot.waitSignal(probe.ready, timeout=5000) as blocker:
            pass
        assert blocker.args[0]["implementation"] == "fake"
    finally:
        kc.stop_channels()
        fk.close()


def test_app_existing_with_wrong_key_says_so_in_the_console(embedcon_app, qtbot, tmp_path):
    # the fake kernel publishes nothing until asked: the heartbeat tells (default settings)
    fk = FakeKernel(tmp_path)
    try:
        info = json.loads(open(fk.connection_file).read())
        wrong = _write(tmp_path / "kernel-wrong.json", {**info, "key": "nope"})
        t0 = time.monotonic()
        app = embedcon_app("--existing", wrong)
        assert time.monotonic() - t0 < 5  # the window is there at once
        gap = _max_gap_while(qtbot, lambda: app.widget.kernel_state == "wrong key", 6000)
        said = time.monotonic() - t0
        text = app.widget.export_text()
        assert "the connection file's key is most likely wrong" in text and wrong in text
        assert said < 5
        assert gap < 0.5
        print(f"[faults] wrong key in the app: said after {said:.2f} s, "
              f"longest GUI gap {gap * 1000:.0f} ms")
    finally:
        fk.close()


def test_ssh_tunnel_connection_file_is_private(embedcon_app, qtbot, tmp_path, monkeypatch):
    """--ssh writes the tunnelled connection file next to the original, 0600;
    the tunnel itself is faked here (a real sshd drives it in test_ssh.py)."""
    from embedcon import ssh_tunnel

    fk = FakeKernel(tmp_path, name="kernel-remote.json")
    calls = []

    def fake_start(self):
        calls.append((dict(self.info), self.server))
        return dict(self.info, ip="127.0.0.1", **fk.ports)  # the kernel's own ports

    monkeypatch.setattr(ssh_tunnel.KernelTunnel, "start", fake_start)
    ssh_file = tmp_path / "kernel-remote-ssh.json"
    try:
        app = embedcon_app("--existing", fk.connection_file, "--ssh", "user@gateway.example")
        assert calls and calls[0][1] == "user@gateway.example"
        assert app.connection_file == str(ssh_file)
        assert stat.S_IMODE(os.stat(ssh_file).st_mode) == 0o600
        written = json.loads(ssh_file.read_text())
        assert written["ip"] == "127.0.0.1" and written["key"] == fk.key.decode()
        qtbot.waitUntil(lambda: "In [1]: " in app.widget.export_text(), timeout=10000)
    finally:
        fk.close()
        if ssh_file.exists():
            ssh_file.unlink()


# -- QtKernelManager security defaults -------------------------------------------------------


def test_manager_writes_a_private_connection_file_in_the_runtime_dir(qapp, runtime_dir):
    km = QtKernelManager(kernel_name="python3")
    km.start_kernel()
    try:
        path = km.connection_file
        assert os.path.dirname(path) == str(runtime_dir)
        assert os.path.basename(path) == f"kernel-{km.kernel_id}.json"
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    finally:
        km.shutdown_kernel(now=True)
    assert not os.path.exists(path)


@pytest.mark.parametrize("ip", ["0.0.0.0", "192.0.2.7", "10.1.2.3", "example.org", "::"])
def test_manager_refuses_non_loopback_without_the_option(qapp, ip):
    with pytest.raises(ValueError, match="allow_remote_access"):
        QtKernelManager(ip=ip)


@pytest.mark.parametrize("ip", ["127.0.0.1", "127.0.0.2", "::1", "localhost"])
def test_manager_accepts_loopback(qapp, ip):
    QtKernelManager(ip=ip)


def test_manager_remote_access_when_asked_logs_a_warning(qapp, caplog):
    with caplog.at_level(logging.WARNING, logger="embedcon.manager"):
        QtKernelManager(ip="0.0.0.0", allow_remote=True)
    assert "not encrypted" in caplog.text
    caplog.clear()
    config = Config()
    config.QtKernelManager.allow_remote_access = True
    with caplog.at_level(logging.WARNING, logger="embedcon.manager"):
        QtKernelManager(ip="0.0.0.0", config=config)
    assert "not encrypted" in caplog.text


def test_manager_checks_again_at_start(qapp):
    km = QtKernelManager(kernel_name="python3")
    km.ip = "0.0.0.0"
    with pytest.raises(ValueError, match="allow_remote_access"):
        km.start_kernel()
    assert not km.has_kernel


def test_manager_refuses_an_empty_key_unless_allowed(qapp):
    with pytest.raises(ValueError, match="empty Session.key"):
        QtKernelManager(session=Session(key=b""))
    config = Config()
    config.Session.key = b""
    with pytest.raises(ValueError, match="empty Session.key"):
        QtKernelManager(config=config)
    km = QtKernelManager(session=Session(key=b""), allow_insecure_key=True)
    assert km.session.key == b""


# -- a kernel that never becomes ready ----------------------------------------------------

# Faults already covered in test_kernel_control.py (kill -9, SIGSTOP, a kernel
# dying at start, restart mid-cell, interrupts) are not repeated here.


@pytest.fixture
def sleeper_kernelspec(tmp_path, monkeypatch):
    """A kernel whose process starts, says something on stderr, and then sleeps
    forever without binding a single socket."""
    spec = tmp_path / "kernels" / "sleeper"
    spec.mkdir(parents=True)
    code = ("import sys, time; sys.stderr.write('sleeper: waiting for a licence server\\n'); "
            "sys.stderr.flush(); time.sleep(3600)")
    spec.joinpath("kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-c", code, "{connection_file}"],
        "display_name": "sleeper", "language": "python"}))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path))
    return "sleeper"


def _sleeper_console(make_console, kernelspec, **traits):
    km = QtKernelManager(kernel_name=kernelspec)
    km.start_kernel()
    kc = km.client()
    kc.start_channels()
    return km, kc, make_console(km, kc, wait=False, **traits)


def test_widget_says_when_a_kernel_never_becomes_ready(qapp, make_console, sleeper_kernelspec):
    t0 = time.monotonic()
    km, kc, c = _sleeper_console(make_console, sleeper_kernelspec, kernel_timeout=2)
    try:
        gap = _max_gap_while(c.qtbot, lambda: "No reply from the kernel" in c.text(), 10000)
        detected = time.monotonic() - t0
        assert "within 2 s" in c.text()
        assert km.is_alive()  # nothing was killed behind the user's back
        assert gap < 0.5
        print(f"[faults] kernel never ready: said {detected:.2f} s after start "
              f"(kernel_timeout 2 s), longest GUI gap {gap * 1000:.0f} ms")
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def test_widget_shows_the_stderr_of_a_kernel_that_never_becomes_ready(
        qapp, make_console, sleeper_kernelspec):
    km, kc, c = _sleeper_console(make_console, sleeper_kernelspec, kernel_timeout=1)
    try:
        c.wait_text("No reply from the kernel", timeout=6000)
        c.qtbot.wait(300)
        assert "sleeper: waiting for a licence server" in c.text()
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


# -- the stdin channel connects later than the shell ------------------------------------


def test_input_prompt_is_not_lost_when_stdin_connects_late(qapp, make_console, tmp_path):
    # The kernel's stdin ROUTER silently drops an input_request for a client
    # whose stdin socket has not finished connecting; input() then waited for
    # ever.  It happened in about 1 of 5 full test runs against ipykernel (the
    # client's first stdin connect came before the kernel listened).  Here the
    # fake kernel listens on stdin 1.5 s after the other channels.
    fk = FakeKernel(tmp_path, stdin_late=1.5)
    kc = fk.client()
    try:
        c = make_console(None, kc, wait=False)
        c.type("input")
        c.key(Key.Key_Return)  # queued until the console is connected
        c.qtbot.waitUntil(lambda: c.w._prompt_kind == "stdin", timeout=8000)
        assert c.text().endswith("value? ")
        c.type("42")
        c.key(Key.Key_Return)
        c.qtbot.waitUntil(lambda: (fk.last_request("input_reply") or {}).get(
            "content", {}).get("value") == "42", timeout=5000)
        c.wait_prompt(2)
    finally:
        kc.stop_channels()
        fk.close()


# -- how soon a client reaches a kernel that starts listening after it ------------------


def test_loopback_channels_retry_fast_remote_ones_keep_zmq_default(qapp, tmp_path):
    # A console connects before the kernel it launched is listening.  With
    # ZMQ's default retry (100 ms plus up to 100 ms of jitter) the first reply
    # came ~75 ms per channel after the kernel was ready; on loopback a refused
    # connect costs nothing, so there the sockets retry every 10 ms.
    import zmq

    from embedcon.client import QtKernelClient

    fk = FakeKernel(tmp_path)
    kc = fk.client()
    try:
        for channel in (kc.shell_channel, kc.iopub_channel, kc.stdin_channel,
                        kc.control_channel):
            assert channel.socket.getsockopt(zmq.RECONNECT_IVL) == \
                QtKernelClient.LOOPBACK_RECONNECT_MS == 10
    finally:
        kc.stop_channels()
        fk.close()
    # a remote kernel (TEST-NET address, nothing is sent there but a TCP SYN)
    remote = QtKernelClient(ip="192.0.2.1", transport="tcp", shell_port=9, iopub_port=9,
                            stdin_port=9, control_port=9, hb_port=9, key=b"k")
    sock = remote._create_connected_socket("shell")
    try:
        assert sock.getsockopt(zmq.RECONNECT_IVL) == 100  # ZMQ's default
    finally:
        sock.close(linger=0)
