"""The Qt event-loop fix for subprocess ipykernel kernels (embedcon/_kernel_entry.py).

Stock ipykernel stalls on a share of execute requests once ``%gui qt`` is on;
kernels started by QtKernelManager get a replacement integration.  These tests
start real kernels and talk to them with a plain BlockingKernelClient.
"""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import importlib.util
import queue
import statistics
import sys
import time
from contextlib import contextmanager

import pytest
from jupyter_client import BlockingKernelClient

from embedcon import kernel_launcher
from embedcon.kernel_launcher import KERNEL_ENTRY, patch_kernel_cmd
from embedcon.manager import QtKernelManager

REPLY_TIMEOUT = 2.0  # a reply later than this counts as a stall
PY = sys.executable


# -- patch_kernel_cmd ------------------------------------------------------

@pytest.fixture
def fix_enabled(monkeypatch):
    monkeypatch.delenv(kernel_launcher.DISABLE_ENV, raising=False)


@pytest.mark.usefixtures("fix_enabled")
class TestPatchKernelCmd:
    def test_rewrites_ipykernel_launcher(self):
        cmd = [PY, "-m", "ipykernel_launcher", "-f", "/tmp/k.json"]
        assert patch_kernel_cmd(cmd) == [PY, KERNEL_ENTRY, "-f", "/tmp/k.json"]
        assert os.path.isabs(KERNEL_ENTRY) and os.path.isfile(KERNEL_ENTRY)

    def test_rewrites_ipykernel_module(self):
        cmd = ["python3", "-m", "ipykernel", "-f", "{connection_file}", "--debug"]
        assert patch_kernel_cmd(cmd) == ["python3", KERNEL_ENTRY, "-f", "{connection_file}", "--debug"]

    def test_keeps_python_options(self):
        cmd = [PY, "-Xfrozen_modules=off", "-X", "dev", "-u", "-mipykernel_launcher", "-f", "c.json"]
        assert patch_kernel_cmd(cmd) == [PY, "-Xfrozen_modules=off", "-X", "dev", "-u", KERNEL_ENTRY, "-f", "c.json"]

    def test_behind_wrapper(self):
        cmd = ["conda", "run", "-n", "env", "python", "-m", "ipykernel_launcher", "-f", "c.json"]
        assert patch_kernel_cmd(cmd) == ["conda", "run", "-n", "env", "python", KERNEL_ENTRY, "-f", "c.json"]

    @pytest.mark.parametrize("cmd", [
        [],
        ["R", "--slave", "-e", "IRkernel::main()", "--args", "c.json"],
        [PY, "-m", "other_kernel", "-f", "c.json"],
        [PY, "-m", "ipykernel_launcher_extra", "-f", "c.json"],
        [PY, "-c", "import x", "-m", "ipykernel_launcher"],
        [PY, "my_kernel.py", "-m", "ipykernel_launcher"],
        [PY, "-m"],
        ["julia", "-i", "--startup-file=yes", "kernel.jl", "c.json"],
    ])
    def test_leaves_other_commands_alone(self, cmd):
        out = patch_kernel_cmd(cmd)
        assert out == cmd
        assert out is not cmd

    @pytest.mark.parametrize("value", ["1", "true", "YES"])
    def test_env_var_disables(self, monkeypatch, value):
        monkeypatch.setenv(kernel_launcher.DISABLE_ENV, value)
        cmd = [PY, "-m", "ipykernel_launcher", "-f", "c.json"]
        assert patch_kernel_cmd(cmd) == cmd

    def test_env_var_zero_keeps_fix(self, monkeypatch):
        monkeypatch.setenv(kernel_launcher.DISABLE_ENV, "0")
        assert patch_kernel_cmd([PY, "-m", "ipykernel_launcher"]) == [PY, KERNEL_ENTRY]

    def test_manager_trait(self, qapp):
        on = QtKernelManager()
        off = QtKernelManager(fix_qt_event_loop=False)
        assert KERNEL_ENTRY in on.format_kernel_cmd()
        cmd_off = off.format_kernel_cmd()
        assert KERNEL_ENTRY not in cmd_off and "ipykernel_launcher" in cmd_off

    def test_entry_script_is_standalone(self):
        with open(KERNEL_ENTRY, encoding="utf-8") as f:
            src = f.read()
        assert "import embedcon" not in src and "from embedcon" not in src
        assert "from ." not in src


# -- live kernels ----------------------------------------------------------

@contextmanager
def running_kernel(fix, env=None):
    km = QtKernelManager(fix_qt_event_loop=fix)
    km.start_kernel(**({"env": {**os.environ, **env}} if env else {}))
    # parent=km: liveness is asked of the manager (the process), not the
    # heartbeat, which can miss its first beat on a loaded machine.
    kc = BlockingKernelClient(parent=km)
    kc.load_connection_info(km.get_connection_info())
    kc.start_channels(hb=False)
    try:
        kc.wait_for_ready(timeout=60)
        yield km, kc
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def _drain_iopub(kc):
    while kc.iopub_channel.msg_ready():
        kc.iopub_channel.get_msg()


def _wait_reply(kc, msg_id, timeout):
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return None
        try:
            msg = kc.get_shell_msg(timeout=remaining)
        except queue.Empty:
            return None
        if msg["parent_header"].get("msg_id") == msg_id:
            return msg


def execute(kc, code, timeout=30, **kw):
    """Execute and return the reply content (fails the test on timeout).

    ipykernel replies to a failed request *before* it starts aborting queued
    ones, so a request sent right after an error reply can come back
    "aborted" (an upstream race, with or without Qt); such a request is sent
    again.
    """
    for _attempt in range(5):
        msg_id = kc.execute(code, **kw)
        reply = _wait_reply(kc, msg_id, timeout)
        _drain_iopub(kc)
        assert reply is not None, f"no reply to {code!r} within {timeout} s"
        if reply["content"]["status"] != "aborted":
            break
        time.sleep(0.2)
    return reply["content"]


def evaluate(kc, expr, timeout=30):
    content = execute(kc, "", user_expressions={"r": expr}, timeout=timeout)
    result = content["user_expressions"]["r"]
    assert result["status"] == "ok", result
    return result["data"]["text/plain"]


def hammer(kc, n, error_every=10, stop_after_stalls=None):
    """Send ``n`` execute requests one by one; every ``error_every``-th raises.

    A request without its reply within REPLY_TIMEOUT is a stall; the kernel is
    then prodded with a kernel_info request (which stock ipykernel needs to
    wake up) and both replies are awaited.  Returns a stats dict.
    """
    stalls = 0
    aborted = 0  # replied, but "aborted" (ipykernel's stop-on-error race)
    latencies = []
    sent = 0
    stuck = False
    for i in range(n):
        code = "1/0" if error_every and i % error_every == error_every - 1 else f"x = {i}"
        t0 = time.perf_counter()
        msg_id = kc.execute(code)
        sent += 1
        reply = _wait_reply(kc, msg_id, REPLY_TIMEOUT)
        if reply is not None:
            latencies.append(time.perf_counter() - t0)
            aborted += reply["content"]["status"] == "aborted"
        else:
            stalls += 1
            prod_id = kc.kernel_info()
            seen = set()
            deadline = time.monotonic() + 15
            while {msg_id, prod_id} - seen and time.monotonic() < deadline:
                try:
                    msg = kc.get_shell_msg(timeout=max(0.01, deadline - time.monotonic()))
                except queue.Empty:
                    break
                seen.add(msg["parent_header"].get("msg_id"))
            if {msg_id, prod_id} - seen:
                stuck = True
                break
            if stop_after_stalls and stalls >= stop_after_stalls:
                break
        _drain_iopub(kc)
    return {
        "sent": sent,
        "stalls": stalls,
        "stuck": stuck,
        "aborted": aborted,
        "median_ms": 1000 * statistics.median(latencies) if latencies else None,
    }


def _assert_fixed_loop_active(kc):
    assert evaluate(kc, "getattr(get_ipython().kernel.eventloop, 'embedcon_fix', False)") == "True"


@pytest.mark.slow
def test_gui_qt_no_stalls(qapp):
    with running_kernel(fix=True) as (km, kc):
        assert execute(kc, "%gui qt")["status"] == "ok"
        _assert_fixed_loop_active(kc)
        stats = hammer(kc, 300)
        print("fix on, %gui qt:", stats)
        assert stats["sent"] == 300 and stats["stalls"] == 0, stats
        # the kernel still answers other requests and still runs code normally
        assert evaluate(kc, "x") == "298"
        assert execute(kc, "import time; time.sleep(0.3); y = 5")["status"] == "ok"
        assert evaluate(kc, "y") == "5"


def _enable_matplotlib_qt(kc):
    """Turn on matplotlib's Qt backend; returns the magic(s) that worked.

    ``%matplotlib qt`` alone is what users type (it works on a display:
    test_bare_matplotlib_qt_on_a_display).  Without a display matplotlib
    refuses a Qt backend until a QApplication exists, so fall back to
    ``%gui qt`` followed by ``%matplotlib qt`` / ``qt6`` (the same integration
    runs).
    """
    errors = []
    for magic in ("%matplotlib qt", "%gui qt\n%matplotlib qt", "%matplotlib qt6"):
        content = execute(kc, magic, timeout=120)
        if content["status"] == "ok":
            return magic
        errors.append(f"{magic!r}: {content.get('ename')}: {content.get('evalue')}")
        time.sleep(0.3)  # let ipykernel leave its stop-on-error state
    if all("ImportError" in e for e in errors):
        pytest.skip("matplotlib's Qt backend is unusable here: " + " | ".join(errors))
    pytest.fail("could not enable matplotlib's Qt backend: " + " | ".join(errors))


@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("matplotlib") is None, reason="matplotlib not installed")
def test_matplotlib_qt_no_stalls(qapp):
    with running_kernel(fix=True) as (km, kc):
        magic = _enable_matplotlib_qt(kc)
        _assert_fixed_loop_active(kc)
        content = execute(kc, "import matplotlib.pyplot as plt\n"
                              "fig = plt.figure(); plt.plot([1, 2, 3]); plt.pause(0.05)\n"
                              "backend = plt.get_backend()")
        assert content["status"] == "ok", content
        assert "qt" in evaluate(kc, "backend").lower()
        stats = hammer(kc, 300)
        print(f"fix on, {magic!r}:", stats)
        assert stats["sent"] == 300 and stats["stalls"] == 0, stats


def _load_kernel_entry():
    import importlib.util as iu

    spec = iu.spec_from_file_location("_embedcon_kernel_entry_under_test", KERNEL_ENTRY)
    module = iu.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.skipif(importlib.util.find_spec("matplotlib") is None, reason="matplotlib not installed")
def test_matplotlib_qt_name_is_mapped_to_qtagg_as_newer_ipython_does():
    """IPython before 8.24 maps ``qt`` to Qt5Agg (PyQt5/PySide2 only); the
    kernel entry maps it to QtAgg (any binding), lazily, on first use."""
    import IPython
    from IPython.core import pylabtools

    entry = _load_kernel_entry()
    assert entry._version_tuple("8.12.3") == (8, 12)
    assert entry._version_tuple("8.24.0rc1") == (8, 24)
    assert entry._version_tuple("3.11.2.post1") == (3, 11)
    original, backends = pylabtools.find_gui_and_backend, dict(pylabtools.backends)
    try:
        installed = entry.install_matplotlib_qt_name()
        assert installed == (entry._version_tuple(IPython.__version__) < (8, 24))
        assert pylabtools.find_gui_and_backend("qt") == ("qt", "QtAgg")
        assert pylabtools.find_gui_and_backend("qt5") == ("qt5", "Qt5Agg")  # asked for Qt5
        assert pylabtools.find_gui_and_backend(None, "qt")[1] == "QtAgg"  # after %gui qt
        assert pylabtools.find_gui_and_backend("inline")[1].endswith("backend_inline")
        assert entry.install_matplotlib_qt_name() == installed  # twice: one wrapper
    finally:
        pylabtools.find_gui_and_backend = original
        pylabtools.backends.clear()
        pylabtools.backends.update(backends)


@pytest.fixture(scope="module")
def display():
    from xvfb import VirtualDisplay

    d = VirtualDisplay()
    yield d
    d.stop()


@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("matplotlib") is None, reason="matplotlib not installed")
def test_bare_matplotlib_qt_on_a_display(qapp, display):
    """``%matplotlib qt`` alone, as users type it, in a kernel on an X display:
    a Qt figure window, and the kernel keeps answering at once."""
    with running_kernel(fix=True, env=display.env()) as (km, kc):
        content = execute(kc, "%matplotlib qt", timeout=120)
        assert content["status"] == "ok", content
        _assert_fixed_loop_active(kc)
        content = execute(kc, "import matplotlib.pyplot as plt\n"
                              "plt.plot([1, 2])\n"
                              "plt.show(block=False)\n"
                              "manager = type(plt.get_current_fig_manager())\n"
                              "window = plt.get_current_fig_manager().window", timeout=60)
        assert content["status"] == "ok", content
        t0 = time.perf_counter()
        assert evaluate(kc, "1 + 1") == "2"
        assert time.perf_counter() - t0 < 10  # generous: a stalled kernel never answers
        assert evaluate(kc, "plt.get_backend()") == "'QtAgg'"
        assert evaluate(kc, "manager.__module__") == "'matplotlib.backends.backend_qt'"
        assert evaluate(kc, "window.isVisible() and window.windowHandle() is not None") == \
            "True"
        assert evaluate(kc, "window.windowHandle().screen().name() != ''") == "True"
        stats = hammer(kc, 100)
        assert stats["sent"] == 100 and stats["stalls"] == 0, stats


def _cpu_seconds(pid):
    try:
        import psutil
    except ImportError:
        psutil = None
    if psutil is not None:
        t = psutil.Process(pid).cpu_times()
        return t.user + t.system
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        pytest.skip("neither psutil nor /proc available to read CPU time")
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks  # utime, stime


@pytest.mark.slow
def test_idle_cpu_low_and_qt_timer_ticks(qapp):
    with running_kernel(fix=True) as (km, kc):
        pid = km.provisioner.process.pid
        assert execute(kc, "%gui qt")["status"] == "ok"
        _assert_fixed_loop_active(kc)
        time.sleep(0.5)  # let start-up work settle

        before = _cpu_seconds(pid)
        time.sleep(2.0)
        idle_cpu = _cpu_seconds(pid) - before
        print(f"kernel CPU over 2 s idle after %gui qt: {idle_cpu:.3f} s")
        assert idle_cpu < 0.5

        execute(kc, (
            "from IPython.external.qt_for_kernel import QtCore as _QtCore\n"
            "_ticks = [0]\n"
            "_tick_timer = _QtCore.QTimer()\n"
            "_tick_timer.timeout.connect(lambda: _ticks.__setitem__(0, _ticks[0] + 1))\n"
            "_tick_timer.start(10)\n"
        ))
        first = int(evaluate(kc, "_ticks[0]"))
        time.sleep(1.0)
        second = int(evaluate(kc, "_ticks[0]"))
        print(f"Qt timer ticks in ~1 s (10 ms interval): {second - first}")
        # 100 expected; allow a slow, loaded machine
        assert second - first >= 30
        execute(kc, "_tick_timer.stop()")


def test_no_qt_import_without_gui(qapp):
    """The fix costs nothing for kernels that never turn on Qt."""
    with running_kernel(fix=True) as (km, kc):
        cmd = km.format_kernel_cmd()
        assert KERNEL_ENTRY in cmd
        qt_mods = evaluate(kc, "sorted(m for m in __import__('sys').modules "
                               "if m.split('.')[0] in ('PyQt5', 'PyQt6', 'PySide2', 'PySide6', 'qtpy'))")
        assert qt_mods == "[]"
        # embedcon's package directory must not shadow the user's modules
        pkg_dir = os.path.dirname(KERNEL_ENTRY)
        assert evaluate(kc, f"{pkg_dir!r} in __import__('sys').path") == "False"
        # the kernel still knows the Qt integrations by their usual names
        assert evaluate(kc, "sorted(n for n, f in __import__('ipykernel.eventloops', fromlist=['x'])"
                            ".loop_map.items() if getattr(f, 'embedcon_fix', False))") \
            == "['qt', 'qt5', 'qt6']"


@pytest.mark.slow
def test_stock_kernel_stalls_without_fix(qapp):
    """Documents the upstream bug: stock ipykernel stalls after %gui qt."""
    with running_kernel(fix=False) as (km, kc):
        assert KERNEL_ENTRY not in km.format_kernel_cmd()
        # (no extra requests here: they could stall before the count starts)
        assert execute(kc, "%gui qt")["status"] == "ok"
        stats = hammer(kc, 150, stop_after_stalls=2)
        print("fix off, %gui qt:", stats)
    if stats["stalls"] == 0:
        pytest.xfail("stock ipykernel did not stall in %d requests: the upstream bug may be fixed; "
                     "consider making the fix opt-in" % stats["sent"])
    assert stats["stalls"] >= 1
