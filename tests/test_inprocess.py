"""The in-process kernel driven through its real manager and client (no widget)."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import gc
import importlib.util
import re
import signal
import sys
import threading
import time
import warnings
import weakref

import pytest
from qtpy import QtCore, QtWidgets
from traitlets.config import Config

from embedcon.inprocess import QtInProcessKernelClient, QtInProcessKernelManager
from embedcon.references import keep

HAVE_MPL = importlib.util.find_spec("matplotlib") is not None
CHANNELS = ("shell", "iopub", "stdin", "control")


class Recorder:
    """Collects every message a client's signals deliver, with its channel."""

    def __init__(self, kc):
        self.msgs = []
        for name in CHANNELS:
            channel = getattr(kc, f"{name}_channel", None)
            if channel is not None:
                channel.message_received.connect(
                    lambda msg, name=name: self.msgs.append((name, msg)))

    def for_parent(self, msg_id):
        return [(ch, m) for ch, m in self.msgs if m["parent_header"].get("msg_id") == msg_id]

    def reply(self, msg_id, channel="shell"):
        for ch, m in self.for_parent(msg_id):
            if ch == channel and m["msg_type"].endswith("_reply"):
                return m
        return None

    def idle(self, msg_id):
        return any(m["msg_type"] == "status" and m["content"]["execution_state"] == "idle"
                   for _ch, m in self.for_parent(msg_id))


@pytest.fixture
def history_config(tmp_path):
    config = Config()
    config.HistoryManager.hist_file = str(tmp_path / "history.sqlite")
    return config


@pytest.fixture
def kernel(qapp, history_config):
    km = QtInProcessKernelManager(config=history_config)
    km.start_kernel(show_banner=False)
    kc = km.client()
    kc.start_channels()
    rec = Recorder(kc)
    yield km, kc, rec
    kc.stop_channels()
    km.shutdown_kernel()


def wait_reply(qtbot, rec, msg_id, channel="shell", timeout=10000):
    qtbot.waitUntil(lambda: rec.reply(msg_id, channel) is not None, timeout=timeout)
    return rec.reply(msg_id, channel)


def run(qtbot, kernel, code, **kw):
    """Execute ``code``; return (reply, [iopub messages of that request])."""
    _km, kc, rec = kernel
    msg_id = kc.execute(code, **kw)
    reply = wait_reply(qtbot, rec, msg_id)
    iopub = [m for ch, m in rec.for_parent(msg_id) if ch == "iopub"]
    return reply, iopub


def of_type(msgs, msg_type):
    return [m for m in msgs if m["msg_type"] == msg_type]


def host_state():
    return {
        "stdout": sys.stdout,
        "stderr": sys.stderr,
        "excepthook": sys.excepthook,
        "displayhook": sys.displayhook,
        "environ": dict(os.environ),
        "sigint": signal.getsignal(signal.SIGINT),
        "main": sys.modules["__main__"],
        "ps1": getattr(sys, "ps1", None),
    }


def thread_names():
    return sorted(t.name for t in threading.enumerate())


# -- output -------------------------------------------------------------------


def test_streams_carry_the_cells_parent(qtbot, kernel):
    reply, iopub = run(qtbot, kernel, "import sys\nprint('out')\nprint('err', file=sys.stderr)")
    assert reply["content"]["status"] == "ok"
    streams = of_type(iopub, "stream")  # run() kept only messages whose parent is the cell
    assert {(m["content"]["name"], m["content"]["text"]) for m in streams} == {
        ("stdout", "out\n"), ("stderr", "err\n")}
    for m in streams:
        assert m["parent_header"]["msg_id"] == reply["parent_header"]["msg_id"]
        assert m["parent_header"]["msg_type"] == "execute_request"


def test_execute_result(qtbot, kernel):
    reply, iopub = run(qtbot, kernel, "6 * 7")
    (result,) = of_type(iopub, "execute_result")
    assert result["content"]["data"]["text/plain"] == "42"
    assert result["content"]["execution_count"] == reply["content"]["execution_count"]


def test_error_traceback(qtbot, kernel):
    reply, iopub = run(qtbot, kernel, "def f():\n    1/0\nf()")
    assert reply["content"]["status"] == "error"
    assert reply["content"]["ename"] == "ZeroDivisionError"
    (error,) = of_type(iopub, "error")
    assert error["content"]["ename"] == "ZeroDivisionError"
    text = re.sub(r"\x1b\[[0-9;]*m", "", "\n".join(error["content"]["traceback"]))
    assert "1/0" in text and "f()" in text
    # the kernel stays usable
    reply, _ = run(qtbot, kernel, "1")
    assert reply["content"]["status"] == "ok"


def test_display_data(qtbot, kernel):
    _reply, iopub = run(
        qtbot, kernel, "from IPython.display import HTML, display\ndisplay(HTML('<b>hi</b>'))")
    (shown,) = of_type(iopub, "display_data")
    assert shown["content"]["data"]["text/html"] == "<b>hi</b>"


def test_messages_arrive_after_execute_returns_in_protocol_order(qtbot, kernel):
    km, kc, rec = kernel
    msg_id = kc.execute("print('x')\n1 + 1")
    assert rec.msgs == []  # nothing is delivered inside the call
    wait_reply(qtbot, rec, msg_id)
    qtbot.wait(20)  # anything straggling would show up now
    seq = [(ch, m["msg_type"], m["content"].get("execution_state"))
           for ch, m in rec.for_parent(msg_id)]
    assert seq == [
        ("iopub", "status", "busy"),
        ("iopub", "execute_input", None),
        ("iopub", "stream", None),
        ("iopub", "execute_result", None),
        ("iopub", "status", "idle"),
        ("shell", "execute_reply", None),
    ]


def test_requests_run_in_order(qtbot, kernel):
    km, kc, rec = kernel
    ids = [kc.execute(f"order = globals().get('order', []) + [{i}]") for i in range(5)]
    wait_reply(qtbot, rec, ids[-1])
    assert km.get("order") == [0, 1, 2, 3, 4]
    replies = [m for ch, m in rec.msgs if ch == "shell"]
    assert [m["parent_header"]["msg_id"] for m in replies] == ids


def test_synchronous_client_runs_inside_the_call(qtbot, kernel):
    km, _kc, _rec = kernel
    kc = km.client(synchronous=True)
    kc.start_channels()
    try:
        rec = Recorder(kc)
        msg_id = kc.execute("ran_now = True")
        assert km.get("ran_now") is True
        assert rec.msgs == []  # but messages still arrive through the event loop
        wait_reply(qtbot, rec, msg_id)
    finally:
        kc.stop_channels()


# -- stdin --------------------------------------------------------------------


def test_input_round_trip(qtbot, kernel):
    km, kc, rec = kernel
    prompts = []

    def answer(msg):
        prompts.append(msg)
        QtCore.QTimer.singleShot(10, lambda: kc.input("Alice"))

    kc.stdin_channel.message_received.connect(answer)
    reply, iopub = run(qtbot, kernel, "print('before')\nname = input('Name? ')\nprint('hi', name)")
    assert reply["content"]["status"] == "ok"
    assert [m["content"]["prompt"] for m in prompts] == ["Name? "]
    assert prompts[0]["parent_header"]["msg_id"] == reply["parent_header"]["msg_id"]
    assert km.get("name") == "Alice"
    texts = [m["content"]["text"] for m in of_type(iopub, "stream")]
    assert "".join(texts) == "before\nhi Alice\n"
    # "before" was delivered before the input request
    order = [(ch, m["msg_type"]) for ch, m in rec.for_parent(reply["parent_header"]["msg_id"])]
    assert order.index(("iopub", "stream")) < order.index(("stdin", "input_request"))


def test_interrupt_cancels_a_pending_input(qtbot, kernel):
    km, kc, _rec = kernel
    kc.stdin_channel.message_received.connect(
        lambda msg: QtCore.QTimer.singleShot(10, km.interrupt_kernel))
    reply, _ = run(qtbot, kernel, "input()")
    assert reply["content"]["status"] == "error"
    assert reply["content"]["ename"] == "KeyboardInterrupt"
    reply, _ = run(qtbot, kernel, "'still alive'")
    assert reply["content"]["status"] == "ok"


def test_interrupt_kernel_does_not_raise(qtbot, kernel):
    km, kc, rec = kernel
    km.interrupt_kernel()
    km.signal_kernel(signal.SIGINT)
    msg_id = kc.interrupt_via_control()
    assert wait_reply(qtbot, rec, msg_id, channel="control")["content"]["status"] == "ok"
    reply, _ = run(qtbot, kernel, "1")
    assert reply["content"]["status"] == "ok"


# -- other shell requests -------------------------------------------------------


def test_is_complete(qtbot, kernel):
    _km, kc, rec = kernel
    cases = {"x = 1": "complete", "for i in range(3):": "incomplete", "x = )": "invalid"}
    ids = {code: kc.is_complete(code) for code in cases}
    for code, status in cases.items():
        assert wait_reply(qtbot, rec, ids[code])["content"]["status"] == status


def test_complete_sees_pushed_names(qtbot, kernel):
    km, kc, rec = kernel
    km.push({"very_special_name": 1})
    reply = wait_reply(qtbot, rec, kc.complete("very_spe"))
    assert reply["msg_type"] == "complete_reply"
    assert "very_special_name" in reply["content"]["matches"]


def test_inspect(qtbot, kernel):
    _km, kc, rec = kernel
    reply = wait_reply(qtbot, rec, kc.inspect("len", 3))
    assert reply["content"]["found"] is True
    assert "len" in reply["content"]["data"]["text/plain"]


def test_history(qtbot, kernel):
    _km, kc, rec = kernel
    run(qtbot, kernel, "history_marker = 1")
    reply = wait_reply(qtbot, rec, kc.history(hist_access_type="tail", n=10))
    assert reply["content"]["status"] == "ok"
    assert any(entry[2] == "history_marker = 1" for entry in reply["content"]["history"])


def test_kernel_info_and_banner(qtbot, qapp, history_config, kernel):
    _km, kc, rec = kernel
    reply = wait_reply(qtbot, rec, kc.kernel_info())
    assert reply["content"]["language_info"]["name"] == "python"
    assert reply["content"]["banner"] == ""  # show_banner=False

    km2 = QtInProcessKernelManager(config=history_config)
    km2.start_kernel(show_banner=True)
    kc2 = km2.client()
    kc2.start_channels()
    try:
        rec2 = Recorder(kc2)
        assert "Python" in wait_reply(qtbot, rec2, kc2.kernel_info())["content"]["banner"]
    finally:
        kc2.stop_channels()
        km2.shutdown_kernel()


def test_no_pending_deprecation_warnings(qtbot, kernel):
    _km, kc, rec = kernel
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ids = [kc.complete("pri"), kc.inspect("print"), kc.is_complete("x"),
               kc.history(hist_access_type="tail", n=2), kc.kernel_info(), kc.execute("1")]
        for msg_id in ids:
            wait_reply(qtbot, rec, msg_id)
    assert [w for w in caught if issubclass(w.category, PendingDeprecationWarning)] == []


def test_top_level_await_and_asyncio_run(qtbot, kernel):
    reply, iopub = run(qtbot, kernel, "import asyncio\nawait asyncio.sleep(0)\nprint('awaited')")
    assert reply["content"]["status"] == "ok"
    assert of_type(iopub, "stream")[0]["content"]["text"] == "awaited\n"
    reply, _ = run(qtbot, kernel, "asyncio.run(asyncio.sleep(0))")
    assert reply["content"]["status"] == "ok"
    reply, _ = run(qtbot, kernel, "await asyncio.sleep(0)")
    assert reply["content"]["status"] == "ok"


# -- exit ---------------------------------------------------------------------


@pytest.mark.parametrize("code", ["exit", "quit()", "import sys; sys.exit()", "import sys; sys.exit(3)",
                                  "raise SystemExit"])
def test_exit_asks_the_frontend_and_never_ends_the_host(qtbot, kernel, code):
    km, _kc, _rec = kernel
    reply, iopub = run(qtbot, kernel, code)
    assert reply["content"]["status"] == "ok"
    assert {"source": "ask_exit", "keepkernel": False} in reply["content"]["payload"]
    assert of_type(iopub, "error") == []
    assert not km.kernel.shell.exit_now  # nothing else acts on it
    reply, _ = run(qtbot, kernel, "'host alive'")
    assert reply["content"]["status"] == "ok"
    assert km.has_kernel


def test_system_exit_inside_run_is_not_an_exit_request(qtbot, kernel, tmp_path):
    script = tmp_path / "script.py"
    script.write_text("import sys\nsys.exit(2)\n")
    reply, _ = run(qtbot, kernel, f"%run {str(script)!r}")
    assert all(p.get("source") != "ask_exit" for p in reply["content"]["payload"])


def test_gui_qt_starts_no_nested_loop(qtbot, kernel):
    km, _kc, _rec = kernel
    start = time.perf_counter()
    reply, _ = run(qtbot, kernel, "%gui qt")
    assert reply["content"]["status"] == "ok"
    assert km.kernel.shell.active_eventloop == "qt"
    assert km.kernel.eventloop is None
    assert time.perf_counter() - start < 5
    reply, _ = run(qtbot, kernel, "2")
    assert reply["content"]["status"] == "ok"


# -- host process state ---------------------------------------------------------


def test_host_state_is_untouched(qtbot, qapp, history_config):
    before = host_state()
    km = QtInProcessKernelManager(config=history_config)
    km.start_kernel()
    assert host_state() == before
    kc = km.client()
    kc.start_channels()
    rec = Recorder(kc)
    msg_id = kc.execute("import os\nprint(os.environ.get('PAGER'))\n1/0")
    wait_reply(qtbot, rec, msg_id)
    # the kernel's environment applies inside cells only
    texts = [m["content"]["text"] for ch, m in rec.for_parent(msg_id) if m["msg_type"] == "stream"]
    assert texts == ["cat\n"]
    assert host_state() == before
    kc.stop_channels()
    km.shutdown_kernel()
    assert host_state() == before
    from IPython import get_ipython

    assert get_ipython() is None


def open_fds():
    try:
        return len(os.listdir("/proc/self/fd"))
    except OSError:  # not Linux
        return None


def test_start_stop_start_leaks_no_threads(qtbot, qapp, history_config):
    names = thread_names()
    km = QtInProcessKernelManager(config=history_config)
    fds = None
    for cycle in range(3):
        km.start_kernel()
        assert "IOPub" in thread_names()
        shell = weakref.ref(km.kernel.shell)
        kc = km.client()
        kc.start_channels()
        rec = Recorder(kc)
        wait_reply(qtbot, rec, kc.execute("x = 1"))
        kc.stop_channels()
        km.shutdown_kernel()
        assert not km.has_kernel
        assert thread_names() == names
        del kc, rec
        gc.collect()
        assert shell() is None  # nothing (atexit hooks, singletons) keeps the old shell
        if cycle == 0:
            fds = open_fds()
    assert open_fds() == fds


def test_restart_gives_a_fresh_namespace_and_keeps_the_client(qtbot, kernel):
    km, kc, rec = kernel
    started = []
    km.started_kernel.connect(lambda: started.append(True))
    km.push({"from_host": 41})
    run(qtbot, kernel, "from_cell = from_host + 1")
    assert km.get("from_cell") == 42
    old = km.kernel
    km.restart_kernel()
    assert km.kernel is not old and km.has_kernel and started == [True]
    assert old.closed
    assert km.get("from_cell") is None
    assert km.get("from_host") == 41  # the host's names come back
    reply, iopub = run(qtbot, kernel, "print(from_host)")
    assert of_type(iopub, "stream")[0]["content"]["text"] == "41\n"
    assert reply["content"]["execution_count"] == 1


def test_shutdown_from_the_client(qtbot, kernel):
    km, kc, rec = kernel
    msg_id = kc.shutdown()
    assert wait_reply(qtbot, rec, msg_id, channel="control")["content"]["status"] == "ok"
    qtbot.waitUntil(lambda: not km.has_kernel, timeout=5000)
    # a request without a kernel gets a clear error reply, not silence or an exception
    reply = wait_reply(qtbot, rec, kc.execute("1"))
    assert reply["content"]["status"] == "error"
    assert reply["content"]["ename"] == "KernelNotRunning"


def test_shutdown_while_a_cell_waits_for_input(qtbot, kernel):
    km, kc, rec = kernel
    closing = []

    def on_input(_msg):
        closing.append(km.kernel)
        km.shutdown_kernel()

    kc.stdin_channel.message_received.connect(on_input)
    kc.execute("input()")
    qtbot.waitUntil(lambda: bool(closing), timeout=5000)
    assert not km.has_kernel
    qtbot.waitUntil(lambda: closing[0].closed, timeout=5000)
    assert "IOPub" not in thread_names()


def test_restart_while_a_cell_waits_for_input(qtbot, kernel):
    km, kc, rec = kernel
    old = km.kernel
    parked = []

    def on_input(_msg):
        km.restart_kernel()
        assert km.restart_pending
        parked.append(kc.execute("parked = 'ran in the new kernel'"))

    kc.stdin_channel.message_received.connect(on_input)
    kc.execute("input()")
    qtbot.waitUntil(lambda: bool(parked) and rec.reply(parked[0]) is not None, timeout=5000)
    assert old.closed and km.kernel is not old and not km.restart_pending
    assert km.get("parked") == "ran in the new kernel"


# -- namespace --------------------------------------------------------------------


def test_namespace_api(qtbot, kernel):
    km, _kc, _rec = kernel
    assert km.namespace is km.kernel.shell.user_ns
    km.push({"answer": 42})
    assert km.namespace["answer"] == 42
    reply, iopub = run(qtbot, kernel, "doubled = answer * 2\ndoubled")
    assert km.get("doubled") == 84
    km.namespace["direct"] = "set"
    _reply, iopub = run(qtbot, kernel, "direct")
    assert of_type(iopub, "execute_result")[0]["content"]["data"]["text/plain"] == "'set'"
    km.forget("answer")
    assert km.get("answer", "gone") == "gone"


def test_keep_is_in_the_namespace(qtbot, kernel):
    km, _kc, _rec = kernel
    assert km.get("keep") is keep
    reply, _ = run(qtbot, kernel,
                   "from qtpy import QtWidgets\nw = keep(QtWidgets.QLabel('kept'))\ndel w\n"
                   "release")
    assert reply["content"]["status"] == "ok"
    app = QtWidgets.QApplication.instance()
    labels = [obj for obj in app.references if isinstance(obj, QtWidgets.QLabel)]
    assert [label.text() for label in labels] == ["kept"]
    for label in labels:
        app.references.release(label)


def test_start_kernel_namespace_argument(qtbot, qapp, history_config):
    km = QtInProcessKernelManager(config=history_config)
    km.start_kernel(show_banner=False, namespace={"app_object": qapp})
    try:
        assert km.get("app_object") is qapp
        assert isinstance(km.client(), QtInProcessKernelClient)
    finally:
        km.shutdown_kernel()


# -- matplotlib (optional) ----------------------------------------------------


@pytest.mark.skipif(not HAVE_MPL, reason="matplotlib is not installed")
def test_inline_matplotlib_figure(qtbot, kernel):
    reply, iopub = run(qtbot, kernel, "%matplotlib inline\nimport matplotlib.pyplot as plt\n"
                                      "plt.plot([1, 2, 3])")
    assert reply["content"]["status"] == "ok", reply["content"]
    images = [m for m in of_type(iopub, "display_data") if "image/png" in m["content"]["data"]]
    assert len(images) == 1


@pytest.mark.skipif(not HAVE_MPL, reason="matplotlib is not installed")
def test_matplotlib_qt_opens_a_window_in_the_host(qtbot, kernel):
    reply, _ = run(qtbot, kernel, "%matplotlib qt\nimport matplotlib.pyplot as plt\n"
                                  "fig = plt.figure()\nplt.plot([1, 2])\nplt.show()\n"
                                  "import matplotlib; backend = matplotlib.get_backend()")
    assert reply["content"]["status"] == "ok", reply["content"]
    km = kernel[0]
    assert km.get("backend").lower().startswith("qt")
    canvas = km.get("fig").canvas
    qtbot.waitUntil(lambda: canvas.window().isVisible(), timeout=5000)
    run(qtbot, kernel, "plt.close('all')")
