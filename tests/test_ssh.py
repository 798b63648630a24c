"""SSH tunnels to a kernel, through a real OpenSSH server on loopback.

The server (tests/sshd.py) runs on a non-default port with a host key and a
user key made for the test.  The kernel runs on this machine; as seen from
the SSH server it is "remote".
"""

import json
import os
import socket
import subprocess
import sys
import time

import pytest
from conftest import start_kernel, stop_kernel
from jupyter_client import BlockingKernelClient
from sshd import SSHServer, non_loopback_ip

from embedcon.ssh_tunnel import KernelTunnel, SSHTunnelError, split_server, \
    tunnelled_connection_file

pytestmark = pytest.mark.skipif(os.name != "posix", reason="OpenSSH tests are POSIX only")


@pytest.fixture(scope="module")
def sshd(tmp_path_factory):
    server = SSHServer(tmp_path_factory.mktemp("sshd"))
    yield server
    server.stop()


def _ssh_processes(port: int) -> list[int]:
    """pids of ssh clients whose command line names the test server's port."""
    pids = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                argv = f.read().split(b"\0")
            with open(f"/proc/{pid}/stat") as f:
                state = f.read().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if argv and os.path.basename(argv[0]) == b"ssh" and str(port).encode() in argv \
                and state != "Z":
            pids.append(int(pid))
    return pids


def _answers(path: str, timeout: float = 20.0) -> bool:
    """Whether the kernel answers kernel_info within ``timeout`` s.

    wait_for_ready gives up at the first missed heartbeat ("Kernel died before
    replying"), which a kernel still starting on a loaded machine misses: ask
    again with a fresh client until the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        kc = BlockingKernelClient(connection_file=path)
        kc.load_connection_file()
        kc.start_channels()
        try:
            kc.wait_for_ready(timeout=max(1.0, deadline - time.monotonic()))
            return True
        except RuntimeError:
            if time.monotonic() >= deadline:
                return False
        finally:
            kc.stop_channels()
        time.sleep(0.2)


def test_split_server():
    assert split_server("me@host:2222") == ("me@host", 2222)
    assert split_server("host") == ("host", None)
    assert split_server("me@[::1]:22") == ("me@::1", 22)
    assert split_server("me@host") == ("me@host", None)


@pytest.mark.slow
def test_ten_tunnels_in_a_row_all_reach_the_kernel_and_end_when_closed(qapp, sshd):
    km, kc = start_kernel()
    try:
        assert _answers(km.connection_file, timeout=60)  # started (a loaded machine is slow)
        for run in range(10):
            path, tunnel = tunnelled_connection_file(km.connection_file, sshd.server,
                                                     str(sshd.user_key),
                                                     ssh_options=sshd.options)
            try:
                assert path.endswith("-ssh.json") and os.path.dirname(path) == \
                    os.path.dirname(km.connection_file)
                assert os.stat(path).st_mode & 0o777 == 0o600
                assert _answers(path), f"run {run + 1}: no kernel_info reply through the tunnel"
            finally:
                tunnel.close()
            assert not tunnel.alive()
            assert not os.path.exists(path)  # the file of a tunnel goes with it
        assert _ssh_processes(sshd.port) == []
    finally:
        stop_kernel(km, kc)


@pytest.mark.slow
def test_a_kernel_listening_on_a_non_loopback_address_of_the_remote_host(qapp, sshd):
    ip = non_loopback_ip()
    assert ip, "this machine has no non-loopback IPv4 address to test with"
    km, kc = start_kernel(ip=ip, allow_remote_access=True)
    try:
        assert _answers(km.connection_file, timeout=60)  # started
        path, tunnel = tunnelled_connection_file(km.connection_file, sshd.server,
                                                 str(sshd.user_key), ssh_options=sshd.options)
        with tunnel:
            with open(path) as f:
                assert json.load(f)["ip"] == "127.0.0.1"
            assert _answers(path)
    finally:
        stop_kernel(km, kc)


@pytest.mark.slow
def test_the_console_through_a_tunnel_executes_completes_interrupts_restarts(
        qapp, qtbot, sshd, make_console):
    """A console on the tunnelled file (a client that did not start the kernel);
    the kernel's owner restarts it on the same ports when asked."""
    from embedcon.client import QtKernelClient

    km, kc0 = start_kernel()
    closed = []
    path, tunnel = tunnelled_connection_file(km.connection_file, sshd.server,
                                             str(sshd.user_key), ssh_options=sshd.options,
                                             on_closed=closed.append)
    try:
        kc = QtKernelClient(connection_file=path)
        kc.load_connection_file()
        kc.start_channels()
        c = make_console(None, kc)
        c.run("x_through_ssh = 6 * 7; print(x_through_ssh)")
        assert "42" in c.output_of_last_cell()
        # completion (a reply on the shell channel, through the tunnel)
        c.type("x_through_s")
        c.key(c.w and __import__("qtpy").QtCore.Qt.Key.Key_Tab)
        qtbot.waitUntil(lambda: "x_through_ssh" in c.w.input_buffer, timeout=10000)
        c.w.input_buffer = ""
        # interrupt through the control channel
        c.start_cell("import time; time.sleep(30)")
        c.w.interrupt_kernel()
        c.wait_text("KeyboardInterrupt", timeout=15000)
        c.wait_prompt()
        # restart: the owner restarts the kernel on the same ports
        km.restart_kernel(now=True)
        qtbot.waitUntil(lambda: c.w.kernel_state == "idle", timeout=30000)
        c.run("print('after restart', 'x_through_ssh' in dir())", timeout=30000)
        assert "after restart False" in c.output_of_last_cell()
        # the tunnel dies: a one-line message within 10 s
        t0 = time.monotonic()
        os.kill(tunnel.process.pid, 9)
        qtbot.waitUntil(lambda: bool(closed), timeout=10000)
        assert time.monotonic() - t0 < 10
        assert closed[0].startswith(f"the SSH tunnel to {sshd.server} closed")
        assert "\n" not in closed[0]
        kc.stop_channels()
    finally:
        tunnel.close()
        stop_kernel(km, kc0)


@pytest.mark.parametrize("case", ["unknown host", "refused key", "closed port",
                                  "unknown host key"])
def test_a_tunnel_that_cannot_be_made_fails_with_one_line_within_10_s(
        qapp, sshd, tmp_path, case):
    info = {"ip": "127.0.0.1", "transport": "tcp", "shell_port": 1, "iopub_port": 2,
            "stdin_port": 3, "control_port": 4, "hb_port": 5}
    server, key, options, expect = sshd.server, str(sshd.user_key), sshd.options, ""
    if case == "unknown host":
        server, expect = "nobody@no-such-host.invalid", "unknown host"
    elif case == "refused key":
        key = str(tmp_path / "other")
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key], check=True)
        expect = "refused the login"
    elif case == "closed port":
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        server, expect = f"{sshd.user}@127.0.0.1:{port}", "refused the SSH connection"
    else:
        options, expect = [f"UserKnownHostsFile={tmp_path / 'empty'}",
                           "GlobalKnownHostsFile=/dev/null"], "host key"
    t0 = time.monotonic()
    with pytest.raises(SSHTunnelError) as err:
        KernelTunnel(info, server, key, ssh_options=options).start()
    assert time.monotonic() - t0 < 10
    message = str(err.value)
    assert expect in message and "\n" not in message, message


@pytest.mark.slow
def test_the_manual_recipe_one_ssh_L_per_port_then_existing(qapp, sshd, tmp_path):
    km, kc = start_kernel()
    procs = []
    try:
        with open(km.connection_file) as f:
            info = json.load(f)
        local = {}
        for name in ("shell_port", "iopub_port", "stdin_port", "control_port", "hb_port"):
            with socket.socket() as s:
                s.bind(("127.0.0.1", 0))
                local[name] = s.getsockname()[1]
            _, port = split_server(sshd.server)
            cmd = ["ssh", "-N", "-o", "BatchMode=yes", "-o", "ExitOnForwardFailure=yes",
                   "-p", str(port), "-i", str(sshd.user_key)]
            for opt in sshd.options:
                cmd += ["-o", opt]
            cmd += ["-L", f"{local[name]}:127.0.0.1:{info[name]}", f"{sshd.user}@127.0.0.1"]
            procs.append(subprocess.Popen(cmd, stdin=subprocess.DEVNULL))
        deadline = time.monotonic() + 10
        for port in local.values():
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                    break
                except OSError:
                    assert time.monotonic() < deadline, "manual tunnels did not come up"
                    time.sleep(0.05)
        path = tmp_path / "kernel-manual.json"
        path.write_text(json.dumps(dict(info, ip="127.0.0.1", **local)))
        os.chmod(path, 0o600)
        from embedcon.connect import connect_to_kernel

        client = connect_to_kernel(str(path), timeout=10)
        client.stop_channels()
    finally:
        for p in procs:
            p.kill()
            p.wait()
        stop_kernel(km, kc)


_APP_PROBE = r"""
import json, os, sys, time
from qtpy import QtCore, QtWidgets
qapp = QtWidgets.QApplication(["embedcon"])
from embedcon import __main__ as entry
from embedcon.app import EmbedconApp

def check():
    app = EmbedconApp.instance()
    w = getattr(app, "widget", None)
    if w is None or not w._handshake_done:
        return
    if not getattr(check, "sent", False):
        check.sent = True
        w.execute("print('via', 'ssh')")
    if "via ssh" in w.export_text():
        print(json.dumps({"connection_file": app.connection_file,
                          "exists": os.path.exists(app.connection_file)}), flush=True)
        timer.stop()  # the widget goes with the window (PyQt6 aborts on a deleted one)
        app.window.owns_kernel = False
        app.window.close()

timer = QtCore.QTimer()
timer.timeout.connect(check)
timer.start(20)
entry.main(sys.argv[1:])
"""


@pytest.mark.slow
def test_embedcon_existing_ssh_runs_through_one_tunnel_that_ends_with_the_app(qapp, sshd):
    km, kc = start_kernel()
    try:
        argv = ["--existing", km.connection_file, "--ssh", sshd.server,
                "--sshkey", str(sshd.user_key)]
        for opt in sshd.options:
            argv.append(f"--EmbedconApp.ssh_options={opt}")
        out = subprocess.run([sys.executable, "-c", _APP_PROBE, *argv], capture_output=True,
                             text=True, timeout=90,
                             env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
        lines = out.stdout.strip().splitlines()
        assert lines, out.stderr[-2000:]
        assert out.returncode == 0, out.stderr[-2000:]  # quit, not killed
        report = json.loads(lines[-1])
        used = report["connection_file"]
        assert used.endswith("-ssh.json"), used
        assert report["exists"]  # a second console can reuse it while the tunnel runs
        # the tunnel ended with the application, and so did the file that named its
        # ports: left behind, it was "the most recent kernel" of a later
        # `embedcon --existing`, which then waited on ports nobody listens on
        time.sleep(0.5)
        assert _ssh_processes(sshd.port) == []
        assert not os.path.exists(used)
        assert os.path.exists(km.connection_file)
    finally:
        stop_kernel(km, kc)


def test_ssh_without_existing_is_one_line_not_a_local_kernel(qapp, tmp_path):
    """``--ssh`` tunnels to the kernel of a connection file (``--existing``):
    without one, it was ignored, and a local kernel started as if nothing was
    asked."""
    for argv in (["--ssh", "me@server.example.org"], ["--sshkey", "~/.ssh/id_ed25519"]):
        t0 = time.monotonic()
        out = subprocess.run([sys.executable, "-m", "embedcon", *argv], capture_output=True,
                             text=True, timeout=60, cwd=tmp_path,
                             env={**os.environ, "QT_QPA_PLATFORM": "offscreen",
                                  "JUPYTER_RUNTIME_DIR": str(tmp_path)})
        assert out.returncode == 1, (argv, out.stderr[-1500:])
        errors = [ln for ln in out.stderr.splitlines() if ln.startswith("embedcon: error:")]
        assert errors and "--existing" in errors[0], out.stderr[-1500:]
        assert time.monotonic() - t0 < 10
        assert not list(tmp_path.glob("kernel-*.json"))  # no kernel was started


def test_embedcon_existing_ssh_to_a_wrong_host_is_one_line_within_10_s(qapp, tmp_path):
    path = tmp_path / "kernel-remote.json"
    path.write_text(json.dumps({"ip": "127.0.0.1", "transport": "tcp", "shell_port": 5001,
                                "iopub_port": 5002, "stdin_port": 5003, "control_port": 5004,
                                "hb_port": 5005, "key": "k" * 32,
                                "signature_scheme": "hmac-sha256"}))
    os.chmod(path, 0o600)
    t0 = time.monotonic()
    out = subprocess.run([sys.executable, "-m", "embedcon", "--existing", str(path),
                          "--ssh", "nobody@no-such-host.invalid"], capture_output=True,
                         text=True, timeout=30, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert time.monotonic() - t0 < 10
    assert out.returncode == 1
    errors = [ln for ln in out.stderr.splitlines() if ln.startswith("embedcon: error:")]
    assert errors and "unknown host" in errors[0], out.stderr[-1500:]


@pytest.mark.slow
def test_the_app_says_in_its_tab_when_its_tunnel_drops(embedcon_app, qtbot, sshd):
    """``embedcon --existing FILE --ssh HOST``: the tunnel dies (ssh killed) and the
    tab says so in one line within 10 s."""
    km, kc = start_kernel()
    try:
        argv = ["--existing", km.connection_file, "--ssh", sshd.server,
                "--sshkey", str(sshd.user_key)]
        argv += [f"--EmbedconApp.ssh_options={opt}" for opt in sshd.options]
        app = embedcon_app(*argv)
        w = app.widget
        qtbot.waitUntil(lambda: w._handshake_done, timeout=20000)
        assert app.tunnel.alive()
        t0 = time.monotonic()
        os.kill(app.tunnel.process.pid, 9)
        qtbot.waitUntil(lambda: "SSH tunnel" in w.export_text(), timeout=10000)
        assert time.monotonic() - t0 < 10
        lines = [ln for ln in w.export_text().splitlines() if "SSH tunnel" in ln]
        assert len(lines) == 1 and f"the SSH tunnel to {sshd.server} closed" in lines[0], lines
    finally:
        stop_kernel(km, kc)
