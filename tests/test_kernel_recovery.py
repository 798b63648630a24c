"""Restart policy and hangs at start.

* A kernel that proved ready (answered ``kernel_info``) and then died is
  restarted every time; only deaths before that count toward giving up.
* When it gives up, the message shows the error output of the failed starts
  only, or says that they wrote nothing.
* A kernel whose heartbeat was seen beating and then stops while it starts or
  restarts is "not responding" (no restart), and recovers when it resumes.
"""

import json
import os
import signal
import sys
import textwrap
import time

import pytest
from conftest import Key, stop_kernel


def _pid(km):
    return km.provisioner.process.pid


@pytest.mark.slow
def test_five_kills_of_a_ready_kernel_all_recover(console):
    km = console.km
    took = []
    for i in range(5):
        t0 = time.monotonic()
        before = len(console.executed)
        console.type("import os; os._exit(1)")
        console.key(Key.Key_Return)
        console.qtbot.waitUntil(lambda: len(console.executed) > before, timeout=10000)
        assert console.executed[-1]["content"]["status"] == "aborted"
        console.qtbot.waitUntil(lambda: console.text().count("Kernel restarted.") == i + 1,
                                timeout=15000)
        reply = console.run(f"{i} * 7")
        assert reply["content"]["status"] == "ok"
        assert f"Out[1]: {i * 7}" in console.text().rsplit("Kernel restarted.", 1)[-1]
        took.append(time.monotonic() - t0)
    assert not km.given_up
    assert "giving up" not in console.text()
    assert console.text().count("[cell aborted: the kernel died]") == 5
    print("[recovery] kill -> working cell: " + ", ".join(f"{t:.1f}" for t in took) + " s")


@pytest.fixture
def fails_after_first_start(tmp_path, monkeypatch):
    """A kernel spec whose first start is a real ipykernel that writes an
    unrelated warning to stderr; every later start fails, writing
    ``FAIL_TEXT`` (maybe nothing) to stderr."""
    script = tmp_path / "kernel_once.py"
    script.write_text(textwrap.dedent("""
        import os, sys
        marker, fail_text = sys.argv[1], os.environ.get("FAIL_TEXT", "")
        if os.path.exists(marker):
            sys.stderr.write(fail_text)
            sys.exit(3)
        open(marker, "w").close()
        sys.stderr.write("unrelated TCP warning: keepalive is not supported here\\n")
        sys.stderr.flush()
        sys.argv = [sys.argv[0]] + sys.argv[2:]
        from ipykernel.kernelapp import launch_new_instance
        launch_new_instance()
    """))
    spec = tmp_path / "kernels" / "once"
    spec.mkdir(parents=True)
    spec.joinpath("kernel.json").write_text(json.dumps({
        "argv": [sys.executable, str(script), str(tmp_path / "started"), "-f",
                 "{connection_file}"],
        "display_name": "once", "language": "python"}))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path))
    return "once"


@pytest.mark.slow
@pytest.mark.parametrize("fail_text", ["", "kernel boom: no module named xyz\n"])
def test_give_up_shows_the_failed_starts_stderr_only(qapp, make_console, fails_after_first_start,
                                                     monkeypatch, fail_text):
    from embedcon.manager import QtKernelManager

    monkeypatch.setenv("FAIL_TEXT", fail_text)
    km = QtKernelManager(kernel_name=fails_after_first_start)
    km.start_kernel()
    kc = km.client()
    kc.start_channels()
    try:
        c = make_console(km, kc)  # the first start answers: a ready kernel
        c.run("1")
        os.kill(_pid(km), signal.SIGKILL)
        c.wait_text("giving up", timeout=30000)
        text = c.text()
        after = text[text.index("giving up"):]
        assert "unrelated TCP warning" not in text
        if fail_text:
            assert after.count("kernel boom: no module named xyz") == 1  # said once, not 4 times
        else:
            assert "wrote nothing" in after
        # the ready kernel's death did not count: restart_limit + 1 failed starts after it
        deaths = 1 + km.restart_limit + 1
        assert text.count("Kernel died") == deaths
        assert km.given_up and c.w.kernel_state == "dead"
        # the user's restart gets the full number of retries again, then gives up again
        c.w.restart_kernel()
        c.qtbot.waitUntil(lambda: c.text().count("giving up") == 2, timeout=30000)
        assert c.text().count("Kernel died") == deaths + km.restart_limit + 1
    finally:
        stop_kernel(km, kc)


@pytest.mark.slow
def test_kernel_stopped_while_starting_is_not_responding_then_recovers(qapp, make_console,
                                                                       tmp_path):
    from embedcon.manager import QtKernelManager

    go = tmp_path / "go"
    block = (f"import os, time; [time.sleep(0.05) for _ in iter(lambda: os.path.exists("
             f"{str(go)!r}), True)]")
    km = QtKernelManager(kernel_name="python3")
    # a startup that blocks: the heartbeat beats, kernel_info is not answered
    km.start_kernel(extra_arguments=[f"--IPKernelApp.exec_lines={block}"])
    kc = km.client()
    kc.start_channels()
    try:
        c = make_console(km, kc, wait=False)
        for n, phase in enumerate(("starting", "restarting"), 1):
            epoch = getattr(c.w, "_hb_epoch", 0.0)
            c.qtbot.waitUntil(lambda: (getattr(kc.hb_channel, "last_beat", None) or 0) > epoch,
                              timeout=20000)
            assert c.w.kernel_state == phase and not c.w._kernel_info_seen
            pid = _pid(km)
            n_before = c.text().count("not responding")
            os.kill(pid, signal.SIGSTOP)
            t0 = time.monotonic()
            try:
                c.qtbot.waitUntil(lambda: c.w.kernel_state == "not responding", timeout=8000)
                print(f"[recovery] stopped while {phase}: not responding after "
                      f"{time.monotonic() - t0:.2f} s")
                c.qtbot.wait(1500)
                assert c.text().count("not responding") == n_before + 1
            finally:
                os.kill(pid, signal.SIGCONT)
            c.qtbot.waitUntil(lambda: c.w.kernel_state == phase, timeout=8000)
            c.qtbot.waitUntil(lambda: c.text().count("responding again") == n, timeout=5000)
            assert _pid(km) == pid and km.is_alive()  # no false restart
            assert "dead" not in c.states
            go.touch()  # the startup finishes: the session goes on
            c.qtbot.waitUntil(lambda: c.w.kernel_state == "idle", timeout=20000)
            c.wait_ready()
            reply = c.run("6 * 7")
            assert reply["content"]["status"] == "ok" and "Out[1]: 42" in c.text()
            if phase == "starting":
                go.unlink()
                assert c.w.restart_kernel()  # the new kernel blocks the same way
    finally:
        stop_kernel(km, kc)


@pytest.mark.parametrize("port", ["shell_port", "iopub_port", "hb_port"])
def test_kernel_whose_port_was_taken_at_start_gets_new_ports(qapp, make_console, monkeypatch,
                                                             port):
    """Another process takes one of the ports between their choice and the
    kernel's bind (seen on a busy machine: a new tab stuck "starting" with a
    zmq ``Address already in use`` traceback).  ipykernel exits when it loses
    its shell port and hangs when it loses IOPub or heartbeat.  Either way the
    watchdog restarts it on new ports, the console follows them, and its first
    cell runs."""
    import socket

    from embedcon.manager import QtKernelManager

    km = QtKernelManager(kernel_name="python3")
    thief = []
    write = km.write_connection_file

    def write_then_take_a_port(**kw):
        write(**kw)
        if not thief:  # the first start only
            s = socket.socket()
            s.bind((km.ip, getattr(km, port)))
            s.listen(1)
            thief.append(s)

    monkeypatch.setattr(km, "write_connection_file", write_then_take_a_port)
    km.start_kernel()
    taken = thief[0].getsockname()[1]
    kc = km.client()
    kc.start_channels()
    try:
        c = make_console(km, kc, wait=False)
        c.wait_text("Kernel restarted.", timeout=30000)
        c.wait_ready(timeout=30000)
        reply = c.run("6 * 7")
        assert reply["content"]["status"] == "ok"
        assert "Out[1]: 42" in c.text()
        assert getattr(km, port) != taken and kc.shell_port == km.shell_port
        assert not km.given_up and "giving up" not in c.text()
        with open(km.connection_file) as f:  # the file tells other clients the new ports
            assert json.load(f)["shell_port"] == km.shell_port
    finally:
        thief[0].close()
        stop_kernel(km, kc)
