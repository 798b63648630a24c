"""Tests for embedcon.kernel_in_app: a real ipykernel inside the test's QApplication.

The in-app kernel is a per-process singleton, so every test that needs one
starts it and stops it again (the ``kernel`` fixture); stop() must leave the
process as it found it.  External clients run as separate processes and the
test keeps the Qt event loop turning (``qtbot.waitUntil``) while they run,
exactly as a host application would.
"""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import json
import signal
import subprocess
import sys
import textwrap
import threading
import time

import pytest
from qtpy import QtCore, QtWidgets

from embedcon.kernel_in_app import InAppKernel, current_in_app_kernel, start_in_app_kernel

ENV_KEYS = ("TERM", "CLICOLOR", "FORCE_COLOR", "CLICOLOR_FORCE", "PAGER", "GIT_PAGER", "MPLBACKEND")


def report(**figures):
    """Measured figures: shown with ``pytest -s``."""
    print("[kernel-in-app] " + ", ".join(f"{k}={v}" for k, v in figures.items()))


@pytest.fixture(scope="session")
def ipy_config(tmp_path_factory):
    """Keep IPython's profile and history out of the user's home directory."""
    d = tmp_path_factory.mktemp("ipython")
    return {"IPKernelApp": {"ipython_dir": str(d)}}


@pytest.fixture
def kernel(qapp, ipy_config):
    k = InAppKernel({}, config=ipy_config)
    k.start()
    try:
        yield k
    finally:
        k.stop()
    assert current_in_app_kernel() is None


@pytest.fixture
def client(kernel, qtbot):
    kc = kernel.client()
    kc.start_channels()
    yield kc
    kc.stop_channels()


def execute(qtbot, kc, code, timeout=10000, **kw):
    """Execute through a same-process QtKernelClient; wait (pumping Qt) for the reply."""
    box = {}

    def on_shell(msg):
        if msg["parent_header"].get("msg_id") == box.get("id"):
            box["reply"] = msg

    kc.shell_channel.message_received.connect(on_shell)
    try:
        box["id"] = kc.execute(code, **kw)
        qtbot.waitUntil(lambda: "reply" in box, timeout=timeout)
    finally:
        kc.shell_channel.message_received.disconnect(on_shell)
    return box["reply"]


CLIENT_PRELUDE = """
import json, sys, time
from jupyter_client import BlockingKernelClient
kc = BlockingKernelClient(connection_file=sys.argv[1])
kc.load_connection_file()
kc.start_channels()
kc.wait_for_ready(timeout=30)

def reply_to(msg_id, timeout=10):
    deadline = time.monotonic() + timeout
    while True:
        m = kc.get_shell_msg(timeout=max(0.01, deadline - time.monotonic()))
        if m["parent_header"].get("msg_id") == msg_id:
            return m
"""


def run_client(qtbot, connection_file, body, timeout=60):
    """Run ``body`` in a separate Python process holding a BlockingKernelClient
    ``kc``; the host keeps processing Qt events meanwhile.  The last line the
    script prints must be JSON; it is returned."""
    script = CLIENT_PRELUDE + textwrap.dedent(body)
    proc = subprocess.Popen(
        [sys.executable, "-c", script, connection_file],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        qtbot.waitUntil(lambda: proc.poll() is not None, timeout=timeout * 1000)
    finally:
        if proc.poll() is None:
            proc.kill()
    out, err = proc.communicate()
    assert proc.returncode == 0, f"client failed ({proc.returncode}):\n{err}\n{out}"
    return json.loads(out.strip().splitlines()[-1])


# ---------------------------------------------------------------------------
# external clients
# ---------------------------------------------------------------------------


def test_external_client_changes_host_widget(kernel, qtbot):
    label = QtWidgets.QLabel("before")
    kernel.push({"label": label})
    result = run_client(qtbot, kernel.connection_file, """
        out = []
        def hook(m):
            if m["msg_type"] == "stream":
                out.append(m["content"]["text"])
        r1 = kc.execute_interactive("label.setText('changed'); print('from the cell')",
                                    timeout=10, output_hook=hook)
        r2 = kc.execute_interactive("", timeout=10, user_expressions={
            "text": "label.text()",
            "main": "__import__('threading').current_thread() is __import__('threading').main_thread()",
        })
        ue = r2["content"]["user_expressions"]
        print(json.dumps({"status": r1["content"]["status"], "out": "".join(out),
                          "text": ue["text"]["data"]["text/plain"],
                          "main": ue["main"]["data"]["text/plain"]}))
    """)
    assert result["status"] == "ok"
    assert label.text() == "changed"
    assert result["text"] == "'changed'"
    assert result["main"] == "True"  # user code ran on the GUI (main) thread
    # stream output arrived with the request as parent, before idle (P4 fixes)
    assert result["out"] == "from the cell\n"


INTERRUPTIBLE_CELL = """
import time as _t
try:
    while True:
        pass
except KeyboardInterrupt:
    stopped_at = _t.time()
    raise
"""


def test_interrupt_from_external_client(kernel, qtbot):
    result = run_client(qtbot, kernel.connection_file, """
        cold = None
        runs = []
        for i in range(3):
            msg_id = kc.execute(kc_cell, stop_on_error=False)  # no abort window for the next request
            while True:
                m = kc.get_iopub_msg(timeout=10)
                if m["parent_header"].get("msg_id") == msg_id and m["msg_type"] == "execute_input":
                    break
            time.sleep(0.3)  # well inside the busy loop
            sent = time.time()
            kc.control_channel.send(kc.session.msg("interrupt_request", {}))
            r = reply_to(msg_id, timeout=10)
            replied = time.time() - sent
            ue = kc.execute_interactive("", timeout=10, user_expressions={"s": "stopped_at"})
            stopped = float(ue["content"]["user_expressions"]["s"]["data"]["text/plain"]) - sent
            runs.append({"status": r["content"]["status"], "ename": r["content"].get("ename"),
                         "stopped": stopped, "replied": replied})
        after = kc.execute_interactive("y = 41 + 1", timeout=10)
        print(json.dumps({"runs": runs, "after": after["content"]["status"]}))
    """.replace("kc_cell", repr(INTERRUPTIBLE_CELL)))
    runs = result["runs"]
    report(
        interrupt_cell_stopped_ms=[round(r["stopped"] * 1000, 1) for r in runs],
        interrupt_reply_ms=[round(r["replied"] * 1000, 1) for r in runs],
    )
    for r in runs:
        assert r["status"] == "error"
        assert r["ename"] == "KeyboardInterrupt"
        assert r["stopped"] < 1.0  # the cell stops at once (tens of ms at most)
        assert r["replied"] < 2.0  # the first reply includes IPython's traceback warm-up
    assert result["after"] == "ok"
    assert kernel.namespace["y"] == 42
    # idle again: the idle SIGINT policy is back (pytest has Python's default
    # handler, which the kernel replaces with SIG_IGN while idle)
    assert signal.getsignal(signal.SIGINT) == signal.SIG_IGN


def test_idle_interrupt_sends_no_signal(kernel, monkeypatch):
    sent = []
    monkeypatch.setattr(os, "kill", lambda *a: sent.append(a))
    kernel._app.kernel._send_interrupt_children()
    assert sent == []


def test_shutdown_request_is_reported_not_obeyed(kernel, qtbot):
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        with qtbot.waitSignal(kernel.shutdown_requested, timeout=30000) as blocker:
            result = run_client(qtbot, kernel.connection_file, """
                msg_id = kc.shutdown()
                while True:
                    m = kc.control_channel.get_msg(timeout=10)
                    if m["parent_header"].get("msg_id") == msg_id:
                        break
                print(json.dumps({"type": m["msg_type"], "status": m["content"]["status"]}))
            """)
        assert result == {"type": "shutdown_reply", "status": "ok"}
        assert blocker.args == [False]
        # the host, its child process and the kernel are all still there
        assert child.poll() is None
        assert kernel.running
        again = run_client(qtbot, kernel.connection_file, """
            r = kc.execute_interactive("z = 7", timeout=10)
            print(json.dumps({"status": r["content"]["status"]}))
        """)
        assert again["status"] == "ok"
        assert kernel.namespace["z"] == 7
    finally:
        child.kill()
        child.wait()


def test_exit_in_client_is_reported_not_obeyed(kernel, qtbot):
    with qtbot.waitSignal(kernel.exit_requested, timeout=30000):
        result = run_client(qtbot, kernel.connection_file, """
            r1 = kc.execute_interactive("exit", timeout=10)
            r2 = kc.execute_interactive("after_exit = 1", timeout=10)
            print(json.dumps({"s1": r1["content"]["status"], "s2": r2["content"]["status"]}))
        """)
    assert result == {"s1": "ok", "s2": "ok"}
    assert kernel.shell.exit_now is False
    assert kernel.namespace["after_exit"] == 1


MIXED_REQUESTS = """
import collections
N = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
kinds = ["execute", "error", "complete", "inspect", "kernel_info"]
stalls = 0
replies = collections.Counter()
worst = 0.0
for i in range(N):
    kind = kinds[i % len(kinds)]
    if kind == "execute":
        mid = kc.execute(f"v = {i}")
    elif kind == "error":
        mid = kc.execute("1/0")
    elif kind == "complete":
        mid = kc.complete("label.setTe", 11)
    elif kind == "inspect":
        mid = kc.inspect("label", 5)
    else:
        mid = kc.kernel_info()
    t0 = time.perf_counter()
    r = reply_to(mid, timeout=30)
    dt = time.perf_counter() - t0
    worst = max(worst, dt)
    if dt > 1.0:
        stalls += 1
    replies[r["msg_type"] + ":" + r["content"].get("status", "")] += 1
print(json.dumps({"n": N, "stalls": stalls, "worst": worst, "replies": replies}))
"""


@pytest.mark.slow
def test_mixed_requests_without_stalls(kernel, qtbot):
    kernel.push({"label": QtWidgets.QLabel("x")})
    t0 = time.perf_counter()
    result = run_client(qtbot, kernel.connection_file, MIXED_REQUESTS, timeout=300)
    elapsed = time.perf_counter() - t0
    report(mixed_requests=result["n"], stalls=result["stalls"], worst_ms=round(result["worst"] * 1000),
           elapsed_s=round(elapsed, 1))
    assert result["n"] == 1000
    assert result["stalls"] == 0
    assert sum(result["replies"].values()) == 1000
    assert result["replies"].get("execute_reply:error") == 200


# ---------------------------------------------------------------------------
# host responsiveness and host state
# ---------------------------------------------------------------------------


def test_host_timer_keeps_ticking_while_idle(kernel, qtbot):
    stamps = []
    timer = QtCore.QTimer()
    timer.setTimerType(QtCore.Qt.TimerType.PreciseTimer)
    timer.timeout.connect(lambda: stamps.append(time.perf_counter()))
    timer.start(5)
    qtbot.wait(1000)
    timer.stop()
    gaps = [b - a for a, b in zip(stamps, stamps[1:])]
    report(timer_ticks_in_1s=len(stamps), ideal=200, worst_gap_ms=round(max(gaps) * 1000, 1))
    assert len(stamps) > 100


def _host_snapshot():
    return {
        "excepthook": sys.excepthook,
        "displayhook": sys.displayhook,
        "sigint": signal.getsignal(signal.SIGINT),
        "env": {k: os.environ.get(k) for k in ENV_KEYS},
        "stdout": sys.stdout,
        "stderr": sys.stderr,
        "main": sys.modules.get("__main__"),
        "ipython": __import__("builtins").__dict__.get("__IPYTHON__"),
    }


def test_host_state_identical_before_start_and_after_stop(qapp, ipy_config, monkeypatch):
    monkeypatch.delenv("MPLBACKEND", raising=False)
    monkeypatch.setenv("PAGER", "less")

    def host_hook(*exc):
        sys.__excepthook__(*exc)

    monkeypatch.setattr(sys, "excepthook", host_hook)
    before = _host_snapshot()
    k = InAppKernel(config=ipy_config).start()
    try:
        during = _host_snapshot()
        # while running the host keeps its hook, streams and environment
        assert during["excepthook"] is host_hook
        assert during["stdout"] is before["stdout"]
        assert during["stderr"] is before["stderr"]
        assert during["env"] == before["env"]
        assert "MPLBACKEND" not in os.environ
        from IPython import get_ipython

        assert get_ipython() is k.shell
    finally:
        k.stop()
    after = _host_snapshot()
    assert after == before
    from IPython import get_ipython

    assert get_ipython() is None


def test_custom_host_sigint_handler_kept_while_idle(qapp, ipy_config):
    def handler(signum, frame):
        pass

    old = signal.signal(signal.SIGINT, handler)
    try:
        k = InAppKernel(config=ipy_config).start()
        try:
            assert signal.getsignal(signal.SIGINT) is handler
        finally:
            k.stop()
        assert signal.getsignal(signal.SIGINT) is handler
    finally:
        signal.signal(signal.SIGINT, old)


def test_keep_host_streams_false_swaps_streams_for_the_session(qapp, ipy_config):
    out_before, err_before = sys.stdout, sys.stderr
    k = InAppKernel(config=ipy_config, keep_host_streams=False).start()
    try:
        assert sys.stdout is not out_before
        assert type(sys.stdout).__name__ == "OutStream"
    finally:
        k.stop()
    assert sys.stdout is out_before and sys.stderr is err_before


def test_stop_start_stop_leaves_no_threads_and_removes_file(qapp, ipy_config, qtbot, monkeypatch):
    import atexit

    registered = []  # exit handlers registered during the cycles and still registered
    real_register, real_unregister = atexit.register, atexit.unregister

    def register(fn, *a, **kw):
        registered.append(fn)
        return real_register(fn, *a, **kw)

    def unregister(fn):
        registered[:] = [f for f in registered if f != fn]
        return real_unregister(fn)

    monkeypatch.setattr(atexit, "register", register)
    monkeypatch.setattr(atexit, "unregister", unregister)
    threads_before = set(threading.enumerate())
    for _ in range(2):
        k = InAppKernel(config=ipy_config).start()
        cf = k.connection_file
        assert os.path.exists(cf)
        kc = k.client()
        kc.start_channels()
        reply = execute(qtbot, kc, "q = 3")
        kc.stop_channels()
        assert reply["content"]["status"] == "ok"
        k.stop()
        assert not os.path.exists(cf)
        assert k.connection_file is None
        assert not k.running

    def no_extra_threads():
        return set(threading.enumerate()) - threads_before == set()

    qtbot.waitUntil(no_extra_threads, timeout=5000)
    # no exit handler bound to a kernel, shell, app or thread object is left
    # behind (plain module-level functions are one-time import registrations)
    assert [f for f in registered if hasattr(f, "__self__")] == []


def test_same_object_restarts(qapp, ipy_config, qtbot):
    ns = {}
    k = InAppKernel(ns, config=ipy_config)
    k.start()
    k.stop()
    k.start()
    try:
        kc = k.client()
        kc.start_channels()
        assert execute(qtbot, kc, "r = 5")["content"]["status"] == "ok"
        kc.stop_channels()
        assert ns["r"] == 5
    finally:
        k.stop()


def test_connection_file_secure_and_in_runtime_dir(kernel):
    from jupyter_core.paths import jupyter_runtime_dir

    cf = kernel.connection_file
    assert os.path.dirname(cf) == os.path.abspath(jupyter_runtime_dir())
    assert os.stat(cf).st_mode & 0o777 == 0o600
    with open(cf) as f:
        info = json.load(f)
    assert info["transport"] == "tcp"
    assert info["ip"] == "127.0.0.1"
    assert info["key"]  # messages are always signed
    assert info["signature_scheme"].startswith("hmac-")


def test_explicit_connection_file_name(qapp, ipy_config, tmp_path):
    path = tmp_path / "mine.json"
    k = InAppKernel(connection_file=str(path), config=ipy_config).start()
    try:
        assert k.connection_file == str(path)
        assert path.exists()
    finally:
        k.stop()
    assert not path.exists()


def test_non_loopback_ip_warns(qapp, ipy_config, caplog):
    caplog.set_level("WARNING", logger="embedcon.kernel_in_app")
    k = InAppKernel(ip="0.0.0.0", config=ipy_config).start()
    k.stop()
    assert any("NOT encrypted" in r.getMessage() for r in caplog.records)


def test_loopback_logs_no_warning(qapp, ipy_config, caplog):
    caplog.set_level("WARNING")
    k = InAppKernel(config=ipy_config).start()
    k.stop()
    assert not [r for r in caplog.records if "encrypt" in r.getMessage()]


def test_one_kernel_per_process(kernel, ipy_config):
    with pytest.raises(RuntimeError):
        InAppKernel(config=ipy_config).start()
    assert current_in_app_kernel() is kernel


STRAY_SIGINT_HOST = """
import os, signal, sys, time
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
from qtpy import QtCore, QtWidgets
app = QtWidgets.QApplication([])
from embedcon.kernel_in_app import InAppKernel
k = InAppKernel(config={"IPKernelApp": {"ipython_dir": sys.argv[1]}}).start()
kc = k.client()
kc.start_channels()
ticks = []
t = QtCore.QTimer()
t.timeout.connect(lambda: ticks.append(1))
t.start(5)
QtCore.QTimer.singleShot(200, lambda: os.kill(os.getpid(), signal.SIGINT))   # Ctrl-C while idle
QtCore.QTimer.singleShot(300, kc.interrupt_via_control)                       # idle interrupt_request
QtCore.QTimer.singleShot(800, app.quit)
app.exec()                      # aboutToQuit stops the kernel
kc.stop_channels()
assert not k.running
assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
print("alive", len(ticks))
"""


def test_stray_sigint_while_idle_does_not_abort_host(ipy_config):
    proc = subprocess.run(
        [sys.executable, "-c", STRAY_SIGINT_HOST, ipy_config["IPKernelApp"]["ipython_dir"]],
        capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("alive")
    assert int(proc.stdout.split()[1]) > 50


# ---------------------------------------------------------------------------
# same-process client
# ---------------------------------------------------------------------------


def test_input_from_same_process_console(kernel, client, qtbot):
    prompts = []

    def on_stdin(msg):
        if msg["msg_type"] == "input_request":
            prompts.append(msg["content"]["prompt"])
            client.input("hello")

    client.stdin_channel.message_received.connect(on_stdin)
    reply = execute(qtbot, client, "answer = input('name? ')", allow_stdin=True)
    assert reply["content"]["status"] == "ok"
    assert prompts == ["name? "]
    assert kernel.namespace["answer"] == "hello"


def test_namespace_is_the_host_dict_live(kernel, client, qtbot):
    ns = kernel.namespace
    from embedcon.references import keep, release

    assert ns["keep"] is keep and ns["release"] is release
    ns["from_host"] = 11
    kernel.push({"pushed": 12})
    reply = execute(qtbot, client, "total = from_host + pushed",
                    user_expressions={"t": "total"})
    assert reply["content"]["user_expressions"]["t"]["data"]["text/plain"] == "23"
    assert ns["total"] == 23


def test_keep_from_console_code(kernel, client, qtbot):
    from embedcon.references import holder

    code = (
        "from qtpy import QtWidgets\n"
        "def make():\n"
        "    w = QtWidgets.QLabel('made in console')\n"
        "    keep(w)\n"
        "make()\n"
    )
    assert execute(qtbot, client, code)["content"]["status"] == "ok"
    kept = [o for o in holder() if isinstance(o, QtWidgets.QLabel) and o.text() == "made in console"]
    assert len(kept) == 1
    kept[0].deleteLater()
    qtbot.waitUntil(lambda: kept[0] not in holder(), timeout=2000)


def test_gui_qt_magic_does_not_start_nested_loop(kernel, client, qtbot):
    assert execute(qtbot, client, "%gui qt")["content"]["status"] == "ok"
    assert kernel.shell.active_eventloop == "qt"
    assert kernel._app.kernel.eventloop is None
    for i in range(5):
        assert execute(qtbot, client, f"g = {i}", timeout=3000)["content"]["status"] == "ok"
    execute(qtbot, client, "%gui tk")  # refused with a usage error, nothing started
    assert kernel.shell.active_eventloop == "qt"
    assert kernel._app.kernel.eventloop is None


def test_timer_pump(qapp, ipy_config, qtbot):
    k = InAppKernel(config=ipy_config, pump="timer").start()
    try:
        assert k.pump_mode == "timer"
        kc = k.client()
        kc.start_channels()
        for i in range(5):
            assert execute(qtbot, kc, f"t = {i}")["content"]["status"] == "ok"
        kc.stop_channels()
    finally:
        k.stop()


def test_pump_is_reentrancy_safe(kernel, client, qtbot):
    # a cell that spins a nested Qt event loop (like QDialog.exec) must not
    # re-enter the kernel's asyncio loop
    code = (
        "from qtpy import QtCore\n"
        "loop = QtCore.QEventLoop()\n"
        "QtCore.QTimer.singleShot(100, loop.quit)\n"
        "loop.exec()\n"
        "nested = 'done'\n"
    )
    assert execute(qtbot, client, code)["content"]["status"] == "ok"
    assert kernel.namespace["nested"] == "done"
    assert execute(qtbot, client, "after = 1")["content"]["status"] == "ok"


def test_stop_cleans_namespace_but_keeps_user_variables(qapp, ipy_config, qtbot):
    ns = {"host_obj": 1}
    k = start_in_app_kernel(ns, config=ipy_config)
    kc = k.client()
    kc.start_channels()
    assert execute(qtbot, kc, "made = 2\nmade")["content"]["status"] == "ok"
    kc.stop_channels()
    assert {"In", "Out", "get_ipython", "keep", "release"} <= set(ns)
    k.stop()
    assert ns["host_obj"] == 1 and ns["made"] == 2
    for name in ("In", "Out", "_", "_1", "_i1", "get_ipython", "exit", "keep", "release"):
        assert name not in ns


def test_requires_qapplication_and_dict():
    with pytest.raises(TypeError):
        InAppKernel(namespace=[1, 2])
    with pytest.raises(ValueError):
        InAppKernel(pump="bogus")


def test_stop_called_from_a_cell_happens_after_the_cell(qapp, ipy_config, qtbot):
    ns = {}
    k = InAppKernel(ns, config=ipy_config).start()
    ns["kernel"] = k
    cf = k.connection_file
    kc = k.client()
    kc.start_channels()
    try:
        reply = execute(qtbot, kc, "kernel.stop(); still_here = kernel.running")
        assert reply["content"]["status"] == "ok"
        assert ns["still_here"] is True
        qtbot.waitUntil(lambda: not k.running, timeout=5000)
        assert not os.path.exists(cf)
    finally:
        kc.stop_channels()
        k.stop()
