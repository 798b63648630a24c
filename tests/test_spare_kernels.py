"""The library's ``spare_kernels`` setting: a host's console restarts from a warm spare.

Driven through the public API an embedding host uses: a RichJupyterWidget in a
host window, its kernel started by the host with an environment and a working
directory of its own; Ctrl+. restarts.  Kernel processes are counted from
/proc: the spare ends with the console, with the host's quit and at exit.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time

import pytest
from qtpy import QtCore, QtWidgets

from conftest import Console, kernel_children

Key = QtCore.Qt.Key
Mod = QtCore.Qt.KeyboardModifier


def test_off_by_default_in_the_library(qapp):
    from embedcon.widgets import RichJupyterWidget

    w = RichJupyterWidget()
    assert w.spare_kernels is False and w.spare_pool is None
    w.deleteLater()


@pytest.mark.slow
def test_host_console_restarts_from_a_spare_of_the_same_environment(qapp, qtbot, tmp_path):
    from embedcon.widgets import RichJupyterWidget
    from embedcon.manager import QtKernelManager

    before = kernel_children()
    host = QtWidgets.QMainWindow()
    qtbot.addWidget(host)
    km = QtKernelManager(kernel_name="python3")
    env = dict(os.environ, EMBEDCON_HOST_MARK="from-the-host")
    km.start_kernel(env=env, cwd=str(tmp_path))
    kc = km.client()
    kc.start_channels()
    w = RichJupyterWidget(kernel_manager=km, kernel_client=kc, spare_kernels=True)
    host.setCentralWidget(w)
    host.resize(800, 500)
    host.show()
    c = Console(qtbot, w, km, kc)
    c.wait_prompt()
    c.wait_ready()
    qtbot.waitUntil(lambda: w.spare_pool is not None and w.spare_pool.has("python3"),
                    timeout=20000)
    spare = w.spare_pool.managers[0]
    assert spare.launch_kwargs["cwd"] == str(tmp_path)
    spare_pid = spare.provisioner.pid
    assert len(kernel_children() - before) == 2  # the console's kernel and its spare
    qtbot.wait(2000)  # let the spare's kernel finish importing (as an idle app would)
    c.run("x = 41")
    replaced = []
    w.kernel_replaced.connect(lambda m, k: replaced.append(m))
    t0 = time.perf_counter()
    c.key(Key.Key_Period, Mod.ControlModifier)  # restart, the console's key
    c.wait_text("Kernel restarted (a fresh kernel)")
    c.wait_prompt(1)
    c.wait_ready()
    took = time.perf_counter() - t0
    assert replaced == [spare] and w.kernel_manager is spare
    assert took < 5.0  # generous under load; the figure is benchmarks/run.py's
    c.run("import os; print(os.getcwd(), os.environ.get('EMBEDCON_HOST_MARK'), "
          "'x' in globals())")
    assert f"{tmp_path} from-the-host False" in c.text()
    # the old kernel is gone, a new spare follows, still two kernels in all
    qtbot.waitUntil(lambda: not km.has_kernel, timeout=10000)
    qtbot.waitUntil(lambda: w.spare_pool.has("python3"), timeout=20000)
    qtbot.waitUntil(lambda: len(kernel_children() - before) == 2, timeout=10000)
    # the spare never received user code: its first execution count is 1
    c.run("print('after')")
    assert "In [2]: " in c.text().rsplit("Kernel restarted", 1)[1]
    # the host closes: its console shuts its kernel down, and the spare goes too
    host.close()
    w.shutdown_kernel()
    qtbot.waitUntil(lambda: kernel_children() - before == set(), timeout=10000)
    assert not os.path.exists(f"/proc/{spare_pid}") or spare_pid not in kernel_children()


@pytest.mark.slow
def test_spare_goes_when_the_console_is_destroyed(qapp, qtbot):
    from embedcon.widgets import RichJupyterWidget
    from embedcon.manager import QtKernelManager

    before = kernel_children()
    km = QtKernelManager(kernel_name="python3")
    km.start_kernel()
    kc = km.client()
    kc.start_channels()
    w = RichJupyterWidget(kernel_manager=km, kernel_client=kc)
    c = Console(qtbot, w, km, kc)
    c.wait_ready()
    w.spare_kernels = True  # turned on later: the spare follows
    qtbot.waitUntil(lambda: w.spare_pool is not None and w.spare_pool.has("python3"),
                    timeout=20000)
    pool = w.spare_pool
    w.spare_kernels = False  # turned off: the spare stops
    assert pool.closed and not pool.managers and w.spare_pool is None
    w.spare_kernels = True
    qtbot.waitUntil(lambda: w.spare_pool is not None and w.spare_pool.has("python3"),
                    timeout=20000)
    pool = w.spare_pool
    kc.stop_channels()
    km.shutdown_kernel(now=True)
    w.deleteLater()  # the host drops its console without shutdown_kernel()
    del w, c
    qtbot.waitUntil(lambda: pool.closed, timeout=5000)
    qtbot.waitUntil(lambda: kernel_children() - before == set(), timeout=10000)


@pytest.mark.slow
def test_host_opens_consoles_one_after_another_from_a_shared_pool(qapp, qtbot):
    """A host shares one pool between its consoles: each new console is the
    pool's waiting spare (the same process), the pool refills in the
    background, a spare has run no code, and nothing is left when the host
    closes its consoles and the pool."""
    import embedcon
    from embedcon.kernels.local.spare import SpareKernels

    before = kernel_children()
    pool = SpareKernels()
    host = QtWidgets.QTabWidget()
    qtbot.addWidget(host)
    host.resize(800, 500)
    host.show()
    consoles = []

    def open_console():
        w = embedcon.subprocess_console(spare_pool=pool)
        host.addTab(w, f"console {len(consoles) + 1}")
        host.setCurrentWidget(w)
        c = Console(qtbot, w, w.kernel_manager, w.kernel_client)
        consoles.append(c)
        c.wait_prompt()
        c.wait_ready(30000)
        return c

    def waiting_spare():
        """The pool's spare once it is started: (manager, pid)."""
        qtbot.waitUntil(lambda: pool.has("python3"), timeout=30000)
        km = pool.managers[0]
        return km, km.provisioner.pid

    one = open_console()  # the pool is empty: a kernel of its own
    # (which may be a head start launched before the test: count it as ours)
    before.discard(one.w.kernel_manager.provisioner.pid)
    assert one.w.spare_pool is pool and one.w.spare_kernels
    one.run("secret = 41")
    spare_km, spare_pid = waiting_spare()  # started for the pool by console 1
    assert spare_km is not one.w.kernel_manager
    assert len(kernel_children() - before) == 2

    two = open_console()
    assert two.w.kernel_manager is spare_km  # the warm spare, not a new kernel
    assert two.w.kernel_manager.provisioner.pid == spare_pid
    assert not pool.has("python3") or pool.managers[0] is not spare_km
    two.run("print('secret' in globals(), get_ipython().execution_count)")
    assert "False 1" in two.text()  # its first cell: the spare ran no code before
    assert "In [1]: " in two.text()
    one.run("print(secret + 1)")  # console 1 goes on with its own kernel
    assert "42" in one.text()

    next_km, next_pid = waiting_spare()  # refilled in the background
    assert next_km is not spare_km and next_pid != spare_pid
    three = open_console()
    assert three.w.kernel_manager is next_km
    three.run("print('secret' in globals(), get_ipython().execution_count)")
    assert "False 1" in three.text()
    # three kernels of the consoles and a fresh spare behind them
    last_km, last_pid = waiting_spare()
    assert len(kernel_children() - before) == 4
    # a console restarts from the shared pool too
    old_km = three.w.kernel_manager
    three.key(Key.Key_Period, Mod.ControlModifier)
    three.wait_text("Kernel restarted (a fresh kernel)")
    three.wait_ready()
    assert three.w.kernel_manager is last_km and last_km.provisioner.pid == last_pid
    qtbot.waitUntil(lambda: not old_km.has_kernel, timeout=10000)
    waiting_spare()

    # closing one console stops its kernel and leaves the shared pool running
    one.w.shutdown_kernel()
    host.removeTab(host.indexOf(one.w))
    assert not pool.closed and pool.has("python3")
    # the host closes everything: no kernel process is left
    for c in (two, three):
        c.w.shutdown_kernel()
    pool.shutdown()
    host.close()
    qtbot.waitUntil(lambda: kernel_children() - before == set(), timeout=15000)


@pytest.mark.slow
def test_spare_never_outlives_a_host_that_just_exits(tmp_path):
    """A host that exits without closing anything: atexit stops the spare."""
    script = textwrap.dedent("""
        import os, sys
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        from qtpy import QtCore, QtWidgets
        app = QtWidgets.QApplication([])
        from embedcon.widgets import RichJupyterWidget
        from embedcon.manager import QtKernelManager
        km = QtKernelManager(kernel_name="python3")
        km.start_kernel()
        kc = km.client(); kc.start_channels()
        w = RichJupyterWidget(kernel_manager=km, kernel_client=kc, spare_kernels=True)
        w.show()
        def check():
            if w.spare_pool is not None and w.spare_pool.has("python3"):
                print(km.provisioner.pid, w.spare_pool.managers[0].provisioner.pid, flush=True)
                os._exit(0) if "--hard" in sys.argv else sys.exit(0)
        t = QtCore.QTimer(); t.timeout.connect(check); t.start(100)
        QtCore.QTimer.singleShot(60000, lambda: sys.exit(3))
        app.exec()
    """)
    path = tmp_path / "host.py"
    path.write_text(script)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
         os.environ.get("PYTHONPATH", "")]))
    out = subprocess.run([sys.executable, str(path)], capture_output=True, text=True,
                         timeout=90, env=env)
    assert out.returncode == 0, out.stderr
    pids = [int(p) for p in out.stdout.split()]
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(_alive(p) for p in pids):
        time.sleep(0.1)
    assert not any(_alive(p) for p in pids)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False
