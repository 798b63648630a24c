"""A wrong connection key is known at once, said at once, and not pestered.

Attaching with a connection file whose key differs from the kernel's:

* a kernel that publishes on its own (ipykernel's ``iopub_welcome``): the first
  message that fails authentication becomes the error;
* a kernel that publishes nothing until asked (the fake kernel): its heartbeat,
  which is not signed, answers while nothing else does;

both within 5 s on default settings, as an error line naming the file and the
``wrong key`` state; afterwards only a bounded number of requests reach the
kernel, and ``reconnect()`` (the Kernel menu's Reconnect) tries again, with
the same file or another one.  The application (``embedcon --existing``)
shows the same.
"""

import json
import os
import time

import pytest
from fake_kernel import FakeKernel

from embedcon.client import QtKernelClient

DEFINITE = "messages from the kernel fail authentication: the connection file's key is wrong"
INFERRED = "the connection file's key is most likely wrong"


@pytest.fixture(autouse=True)
def runtime_dir(tmp_path, monkeypatch):
    d = tmp_path / "runtime"
    d.mkdir(mode=0o700)
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(d))
    return d


def _wrong_copy(path, dest):
    info = json.loads(open(path).read())
    info["key"] = "not-the-right-key"
    dest.write_text(json.dumps(info))
    os.chmod(dest, 0o600)
    return str(dest)


def _attach(path):
    kc = QtKernelClient(connection_file=path)
    kc.load_connection_file()
    kc.start_channels()
    return kc


def test_wrong_key_to_a_real_kernel_is_said_at_once(kernel, make_console, tmp_path):
    # another client (the fixture's) is subscribed to the kernel's IOPub: the
    # kernel welcomes ours only for the topic of its own it subscribes to
    km, kc0 = kernel
    kc0.iopub_channel.flush()
    wrong = _wrong_copy(km.connection_file, tmp_path / "kernel-stale.json")
    kc = _attach(wrong)
    try:
        t0 = time.monotonic()
        c = make_console(None, kc, wait=False)
        c.qtbot.waitUntil(lambda: c.w.kernel_state == "wrong key", timeout=5000)
        said = time.monotonic() - t0
        c.wait_text(DEFINITE, timeout=1000)
        line = next(ln for ln in c.text().splitlines() if DEFINITE in ln)
        assert wrong in line  # names the file
        assert c.states[-1] == "wrong key"  # the signal carried it
        assert c.w.kernel_error and DEFINITE in c.w.kernel_error
        assert c.w._prompt_kind is None  # nothing to type into
        assert said < 5
        print(f"[wrong key] real kernel: said after {said:.2f} s")
    finally:
        kc.stop_channels()


@pytest.mark.slow
def test_wrong_key_to_a_silent_kernel_is_said_and_the_kernel_left_alone(qapp, make_console,
                                                                         tmp_path):
    fk = FakeKernel(tmp_path)  # publishes nothing until an authentic request comes
    try:
        wrong = _wrong_copy(fk.connection_file, tmp_path / "kernel-wrong.json")
        kc = _attach(wrong)
        try:
            t0 = time.monotonic()
            c = make_console(None, kc, wait=False)
            c.qtbot.waitUntil(lambda: c.w.kernel_state == "wrong key", timeout=5000)
            said = time.monotonic() - t0
            c.wait_text(INFERRED, timeout=1000)
            assert wrong in c.text()
            assert not fk.requests  # nothing authentic ever reached it
            # back off, then stop: the count settles and stays bounded
            c.qtbot.wait(9000)
            settled = fk.bad_requests
            c.qtbot.wait(2500)
            assert fk.bad_requests == settled
            assert 1 <= settled <= 40, settled
            print(f"[wrong key] silent kernel: said after {said:.2f} s; "
                  f"{settled} requests reached the kernel in all")
        finally:
            kc.stop_channels()
    finally:
        fk.close()


def test_reconnect_with_the_right_file_reaches_the_prompt(qapp, make_console, tmp_path):
    fk = FakeKernel(tmp_path)
    try:
        info = json.loads(open(fk.connection_file).read())
        wrong = _wrong_copy(fk.connection_file, tmp_path / "kernel-wrong.json")
        kc = _attach(wrong)
        try:
            c = make_console(None, kc, wait=False)
            c.qtbot.waitUntil(lambda: c.w.kernel_state == "wrong key", timeout=5000)
            # the same file again: the same verdict, no crash
            assert c.w.reconnect()
            c.qtbot.waitUntil(lambda: c.text().count("key is") >= 2, timeout=5000)
            assert c.w.kernel_state == "wrong key"
            # a bad file is refused with a one-line notice and changes nothing
            assert not c.w.reconnect(str(tmp_path / "nope.json"))
            c.wait_text("connection file not found")
            # the right file: a normal session
            right = tmp_path / "kernel-right.json"
            right.write_text(json.dumps(info))
            os.chmod(right, 0o600)
            assert c.w.reconnect(str(right))
            c.qtbot.waitUntil(lambda: c.w.kernel_state == "idle", timeout=5000)
            assert kc.connection_file == str(right)
            assert c.w.kernel_error is None
            c.w.execute("1+1")  # queued until the prompt is there
            c.qtbot.waitUntil(lambda: bool(c.executed), timeout=5000)
            assert c.executed[-1]["content"]["status"] == "ok"
        finally:
            kc.stop_channels()
    finally:
        fk.close()


def test_reconnect_to_a_kernel_on_other_ports_reaches_it(qapp, make_console, tmp_path):
    """Reconnect with another kernel's file: the client takes that file's
    ports too (jupyter_client's loader keeps ports that are already set, and
    the client stayed on the first kernel's)."""
    first = FakeKernel(tmp_path, name="kernel-a.json")
    second = FakeKernel(tmp_path, name="kernel-b.json")
    try:
        kc = _attach(first.connection_file)
        try:
            c = make_console(None, kc)
            assert c.w.reconnect(str(second.connection_file))
            c.qtbot.waitUntil(lambda: c.w.kernel_state == "idle", timeout=5000)
            assert kc.shell_port == json.loads(open(second.connection_file).read())["shell_port"]
            c.w.execute("1+1")
            c.qtbot.waitUntil(lambda: "1+1" in [r["content"]["code"] for r in second.requests
                                                if r["header"]["msg_type"] == "execute_request"],
                              timeout=5000)
            assert "1+1" not in [r["content"]["code"] for r in first.requests
                                 if r["header"]["msg_type"] == "execute_request"]
        finally:
            kc.stop_channels()
    finally:
        first.close()
        second.close()


def test_app_existing_with_a_wrong_key_says_so_and_offers_reconnect(embedcon_app, qtbot,
                                                                    tmp_path, kernel,
                                                                    monkeypatch):
    km, _ = kernel
    wrong = _wrong_copy(km.connection_file, tmp_path / "kernel-stale.json")
    t0 = time.monotonic()
    app = embedcon_app("--existing", wrong)
    w = app.widget
    qtbot.waitUntil(lambda: DEFINITE in w.export_text(), timeout=5000)
    said = time.monotonic() - t0
    assert w.kernel_state == "wrong key"
    assert wrong in w.export_text()
    actions = {a.text().replace("&", ""): a for top in app.window.menuBar().actions()
               if top.menu() is not None for a in top.menu().actions()}
    assert "Reconnect" in actions
    assert "Kernel \u25b8 Reconnect" in w.export_text()  # the app says how to retry
    actions["Reconnect"].trigger()
    qtbot.waitUntil(lambda: w.export_text().count(DEFINITE) == 2, timeout=5000)
    assert "Connecting to the kernel" in w.export_text()
    assert w.kernel_state == "wrong key"
    # point it at the right file: a working console
    from qtpy import QtWidgets

    monkeypatch.setattr(QtWidgets.QFileDialog, "getOpenFileName",
                        staticmethod(lambda *a, **k: (km.connection_file, "")))
    actions["Connect to file\u2026"].trigger()
    qtbot.waitUntil(lambda: w.kernel_state == "idle", timeout=10000)
    done = []
    w.executed.connect(done.append)
    w.execute("6 * 7")
    qtbot.waitUntil(lambda: bool(done), timeout=10000)
    assert "Out[1]: 42" in w.export_text()
    print(f"[wrong key] embedcon --existing: said after {said:.2f} s")


def test_probe_fails_at_once_on_a_wrong_key(kernel, qtbot, tmp_path):
    from embedcon.connect import KernelProbe

    km, _ = kernel
    wrong = _wrong_copy(km.connection_file, tmp_path / "kernel-stale.json")
    kc = _attach(wrong)
    try:
        t0 = time.monotonic()
        probe = KernelProbe(kc, timeout=30)
        with qtbot.waitSignal(probe.failed, timeout=5000) as blocker:
            pass
        assert DEFINITE in blocker.args[0] and wrong in blocker.args[0]
        assert time.monotonic() - t0 < 5  # not the 30 s timeout
    finally:
        kc.stop_channels()
