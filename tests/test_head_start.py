"""The kernel's head start: its process launched before jupyter_client is imported.

subprocess_console() starts ``_kernel_entry.py --embedcon-head-start`` at once;
the manager hands that process the real arguments when they match what it
was started with, and launches the usual way when they do not.
"""

import os
import subprocess
import sys
import time

import pytest
from conftest import Console
from jupyter_client import BlockingKernelClient

import embedcon
from embedcon.head_start import FLAG, HeadStart
from embedcon.manager import QtKernelManager

pytestmark = pytest.mark.skipif(os.name != "posix", reason="head starts are POSIX only")


def _running(pid: int) -> bool:
    """Alive and not a zombie (an orphan may wait a while to be reaped)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def _is_head_start(km) -> bool:
    return km.provisioner.process.args[-1] == FLAG


@pytest.fixture
def subprocess_console(qapp, qtbot):
    made = []

    def make():
        w = embedcon.subprocess_console()
        qtbot.addWidget(w)
        w.show()
        c = Console(qtbot, w, w.kernel_manager, w.kernel_client)
        c.wait_prompt(1)
        c.wait_ready()
        made.append(w)
        return c

    yield make
    for w in made:
        w.shutdown_kernel()


def test_the_console_kernel_is_the_head_start_and_behaves_like_any_kernel(subprocess_console):
    from embedcon import head_start

    # as after an earlier kernel of this process took the early head start
    taken = head_start.claim_early()
    if taken is not None:
        taken.discard()
    c = subprocess_console()
    km = c.km
    assert _is_head_start(km)
    head_pid = km.provisioner.pid
    # the kernel got the manager's connection file (ports, key) and runs code
    c.run("import os, sys; print(os.getpid(), sys.argv[1:])")
    out = c.output_of_last_cell()
    assert str(head_pid) in out and km.connection_file in out
    # its stderr goes to the manager's capture file, as a launched kernel's does
    c.run("os.write(2, b'written to fd 2\\n')")
    c.qtbot.waitUntil(lambda: "written to fd 2" in km.kernel_stderr(), timeout=5000)
    # interrupt: SIGINT to its own process group, like jupyter_client's launches
    assert os.getpgid(head_pid) == head_pid == km.provisioner.pgid
    c.start_cell("import time; time.sleep(30)")
    km.interrupt_kernel()
    c.wait_text("KeyboardInterrupt", timeout=10000)
    c.wait_prompt()
    # restart launches a fresh kernel the usual way
    restarted = []
    km.kernel_restarted.connect(lambda: restarted.append(1))
    c.w.restart_kernel()
    c.qtbot.waitUntil(lambda: km.provisioner is not None and km.provisioner.pid != head_pid
                      and km.is_alive(), timeout=20000)
    assert not _is_head_start(km)
    c.wait_ready()
    c.run("print('after restart', 6 * 7)")
    assert "after restart 42" in c.text()


def test_a_head_start_that_does_not_match_is_stopped_and_the_kernel_launched_normally(
        qapp, monkeypatch, caplog):
    caplog.set_level("INFO", logger="embedcon.head_start")
    head = HeadStart()
    waiting = head.process
    monkeypatch.setenv("PYTHONEMBEDCON_TEST", "1")  # the interpreter's environment changed since
    km = QtKernelManager(kernel_name="python3", head_start=head)
    try:
        km.start_kernel()
        assert waiting.wait(timeout=10) is not None  # stopped
        assert not _is_head_start(km)
        kc = BlockingKernelClient(parent=km)  # alive = its process (the heartbeat may lag)
        kc.load_connection_info(km.get_connection_info())
        kc.start_channels()
        try:
            kc.wait_for_ready(timeout=30)
        except RuntimeError as exc:
            raise AssertionError(f"{exc}; kernel stderr: {km.kernel_stderr()!r}") from None
        finally:
            kc.stop_channels()
    finally:
        km.shutdown_kernel(now=True)
    assert "not used: a different environment (PYTHONEMBEDCON_TEST)" in caplog.text


def test_why_a_head_start_does_not_match(qapp):
    head = HeadStart()
    try:
        cmd = [sys.executable, head.prefix[1], "-f", "/tmp/x.json"]
        ok = dict(env=dict(head.env), stderr=head.stderr)
        assert head.matches(cmd, ok) is None
        assert "different command" in head.matches(["/other/python", *cmd[1:]], ok)
        assert "environment (PYTHONX_NEW)" in head.matches(
            cmd, dict(ok, env=dict(head.env, PYTHONX_NEW="1")))
        assert "working directory" in head.matches(cmd, dict(ok, cwd="/"))
        assert "standard streams" in head.matches(cmd, dict(ok, stderr=None))
        assert "not started with" in head.matches(cmd, dict(ok, preexec_fn=print))
    finally:
        head.discard()
    assert "has exited" in head.matches(cmd, ok)


def test_the_waiting_process_exits_when_the_console_goes_away(qapp):
    # the console quit (or never launched a kernel): its end of the pipe closes
    head = HeadStart()
    proc = head.process
    proc.stdin.close()
    assert proc.wait(timeout=30) == 0
    head.process = None


def test_the_waiting_process_refuses_garbage_arguments_with_a_message(qapp):
    from embedcon import _kernel_entry

    assert _kernel_entry._HEAD_START == FLAG  # the entry script cannot import embedcon
    head = HeadStart()
    proc = head.process
    proc.stdin.write(b"not json\n")
    proc.stdin.flush()
    assert proc.wait(timeout=30) == 0
    head.process = None
    head.stderr.seek(0)
    assert b"embedcon: bad head-start arguments" in head.stderr.read()


def test_the_waiting_process_dies_with_a_console_process_that_is_killed(tmp_path):
    # a console process killed before it launched its kernel leaves nothing behind
    code = (
        "import os, sys, time\n"
        "from embedcon.head_start import HeadStart\n"
        "h = HeadStart()\n"
        "print(h.process.pid, flush=True)\n"
        "time.sleep(60)\n")
    console = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    pid = int(console.stdout.readline())
    console.kill()
    console.wait()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and _running(pid):
        time.sleep(0.1)
    if _running(pid):
        os.kill(pid, 9)
        pytest.fail("the waiting kernel process outlived its console")


def test_no_head_start_where_it_would_not_be_used(monkeypatch):
    assert HeadStart.maybe("some-other-kernel") is None
    monkeypatch.setattr(sys, "frozen", True, raising=False)  # sys.executable is the app
    assert HeadStart.maybe("python3") is None
    monkeypatch.delattr(sys, "frozen")
    monkeypatch.setenv("EMBEDCON_NO_QT_LOOP_FIX", "1")  # the kernel is then launched as is
    assert HeadStart.maybe("python3") is None


# -- the documented (Jupyter Qt Console) API gets the head start too --------------------------
_README_EXAMPLE = r'''
import json, os, sys, time
from qtpy import QtWidgets
from embedcon.manager import QtKernelManager
from embedcon.widgets import RichJupyterWidget
from embedcon.head_start import FLAG

app = QtWidgets.QApplication([])
km = QtKernelManager(kernel_name="python3"); km.start_kernel()
kc = km.client(); kc.start_channels()
console = RichJupyterWidget(); console.kernel_manager = km; console.kernel_client = kc
console.show()
console.execute("import os; print('QT_API=' + os.environ.get('QT_API', '-') + '=')")
deadline = time.monotonic() + 60
while "QT_API=" + os.environ["QT_API"] + "=" not in console.export_text() \
        and time.monotonic() < deadline:
    app.processEvents(); time.sleep(0.01)
print(json.dumps({"head_start": km.provisioner.process.args[-1] == FLAG,
                  "qt_api": os.environ["QT_API"], "text": console.export_text()}))
km.shutdown_kernel(now=True)
'''


def _run_script(code: str, **env) -> subprocess.CompletedProcess:
    full = dict(os.environ, QT_QPA_PLATFORM="offscreen", **env)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=90, env=full)


def test_the_readme_embedding_example_gets_the_head_start():
    """QtKernelManager(...).start_kernel() as the Jupyter Qt Console's users write it
    takes the process that `import embedcon.manager` launched, and the kernel sees
    what changed in the environment since (qtpy sets QT_API on import)."""
    import json

    proc = _run_script(_README_EXAMPLE)
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["head_start"] is True
    assert f"QT_API={result['qt_api']}=" in result["text"]


def test_no_head_start_when_disabled_or_for_inprocess_and_in_app_imports():
    code = ("import embedcon.inprocess, embedcon.kernel_in_app, embedcon.head_start as h; "
            "print(h._early is None)")
    assert _run_script(code).stdout.strip() == "True"
    code = "import embedcon.manager, embedcon.head_start as h; print(h._early is None)"
    assert _run_script(code).stdout.strip() == "False"
    assert _run_script(code, EMBEDCON_NO_HEAD_START="1").stdout.strip() == "True"


def test_a_changed_interpreter_variable_is_not_papered_over():
    """PYTHON* variables were read when the waiting process started: a kernel
    asked for with different ones is launched the usual way."""
    head = HeadStart()
    try:
        env = dict(head.env, PYTHONHASHSEED="123")
        why = head.matches([*head.prefix, "-f", "x.json"], {"env": env, "stderr": head.stderr})
        assert why is not None and "PYTHONHASHSEED" in why
        env = dict(head.env, QT_API="pyqt6", SOMETHING_ELSE="1")
        assert head.matches([*head.prefix, "-f", "x.json"],
                            {"env": env, "stderr": head.stderr}) is None
        assert head.env_delta == {"QT_API": "pyqt6", "SOMETHING_ELSE": "1"} or \
            head.env_delta.get("SOMETHING_ELSE") == "1"
    finally:
        head.discard()
