"""Kernels that are not ipykernel: bash_kernel and xeus-python (both from PyPI).

The console is a Jupyter frontend: it highlights in the kernel's language,
shows the kernel's banner, treats is_complete / history / inspection as
optional, and Enter never waits on a kernel that does not answer is_complete.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time

import pytest
from qtpy import QtCore

from conftest import stop_kernel
from fake_kernel import FakeKernel

Key = QtCore.Qt.Key
Mod = QtCore.Qt.KeyboardModifier


def _have(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


@pytest.fixture(scope="module")
def bash_kernelspec(tmp_path_factory):
    """bash_kernel's kernelspec installed into a private prefix (on JUPYTER_PATH)."""
    if not _have("bash_kernel") or shutil.which("bash") is None:
        pytest.skip("bash_kernel is not installed (pip install bash_kernel)")
    prefix = tmp_path_factory.mktemp("bash-kernel")
    subprocess.run([sys.executable, "-m", "bash_kernel.install", "--prefix", str(prefix)],
                   check=True, capture_output=True)
    path = str(prefix / "share" / "jupyter")
    old = os.environ.get("JUPYTER_PATH")
    os.environ["JUPYTER_PATH"] = path + (os.pathsep + old if old else "")
    yield "bash"
    if old is None:
        os.environ.pop("JUPYTER_PATH", None)
    else:
        os.environ["JUPYTER_PATH"] = old


@pytest.fixture
def bash_console(bash_kernelspec, qapp, make_console):
    km, kc = start_kernel_named(bash_kernelspec)
    yield make_console(km, kc)
    stop_kernel(km, kc)


@pytest.fixture
def xeus_console(qapp, make_console):
    from jupyter_client.kernelspec import KernelSpecManager

    if "xpython" not in KernelSpecManager().find_kernel_specs():
        pytest.skip("xeus-python is not installed (pip install xeus-python)")
    km, kc = start_kernel_named("xpython")
    yield make_console(km, kc)
    stop_kernel(km, kc)


def start_kernel_named(name):
    from embedcon.manager import QtKernelManager

    km = QtKernelManager(kernel_name=name)
    km.start_kernel()
    kc = km.client()
    kc.start_channels()
    return km, kc


def _interrupt_running_cell(c, code):
    c.start_cell(code)
    t0 = time.monotonic()
    c.key(Key.Key_C, Mod.ControlModifier)
    c.qtbot.waitUntil(lambda: c.w._executing_id is None, timeout=15000)
    c.wait_prompt()
    return time.monotonic() - t0


# ---------------------------------------------------------------------------
def test_enter_never_waits_twice_on_a_kernel_without_is_complete(qapp, tmp_path, make_console):
    """A kernel that never answers is_complete: the first Enter executes after
    the fallback timeout, later ones at once."""
    info = {"status": "ok", "protocol_version": "5.3", "implementation": "fake",
            "implementation_version": "0", "banner": "a fake kernel of another language\n",
            "language_info": {"name": "fakelang", "version": "1", "mimetype": "text/plain",
                              "file_extension": ".fk"}, "help_links": []}
    fk = FakeKernel(tmp_path, ignore={"is_complete_request"},
                    replies={"kernel_info_request": info})
    kc = fk.client()
    try:
        c = make_console(None, kc, is_complete_timeout=1.0)
        assert "a fake kernel of another language" in c.text()
        assert c.w._language == "fakelang"
        times = []
        for code in ("first", "second", "third"):
            t0 = time.monotonic()
            c.run(code)
            times.append(time.monotonic() - t0)
        assert times[0] >= 0.9  # waited for the answer once
        assert max(times[1:]) < 0.8, times  # then decided at once
        assert sum(r["header"]["msg_type"] == "execute_request" and r["content"]["code"] == code
                   for r in fk.requests for code in ("first", "second", "third")) == 3
    finally:
        kc.stop_channels()
        fk.close()


@pytest.mark.slow
def test_bash_kernel(bash_console, qtbot):
    c = bash_console
    assert "GNU bash" in c.text()  # the kernel's own banner
    assert c.w._language == "bash"
    assert type(c.w._highlighter._get_lexer()).__name__ == "BashLexer"
    c.run("echo hello $((6 * 7))")
    assert "hello 42" in c.output_of_last_cell()
    c.run("ls /no/such/dir")
    assert "No such file or directory" in c.output_of_last_cell()
    c.run("echo still fine")
    assert "still fine" in c.output_of_last_cell()
    # completion (bash_kernel completes commands and file names)
    c.type("ech")
    c.key(Key.Key_Tab)
    qtbot.waitUntil(lambda: c.w.input_buffer.startswith("echo"), timeout=10000)
    c.w.input_buffer = ""
    # interrupt
    assert _interrupt_running_cell(c, "sleep 30") < 10
    c.run("echo after interrupt")
    assert "after interrupt" in c.output_of_last_cell()
    # restart: the shell's variables are gone
    c.run("X=set")
    c.w.restart_kernel()
    c.wait_text("Kernel restarted")
    c.wait_ready()
    c.run("echo X=${X:-unset}")
    assert "X=unset" in c.output_of_last_cell()


@pytest.mark.slow
def test_xeus_python_kernel(xeus_console, qtbot):
    c = xeus_console
    assert "xeus-python" in c.text()
    assert c.w._language == "python"
    c.run("x = 6 * 7; print('x is', x)")
    assert "x is 42" in c.output_of_last_cell()
    c.run("1/0")
    assert "ZeroDivisionError" in c.output_of_last_cell()
    # input()
    c.type("name = input('Name? ')")
    c.key(Key.Key_Return)
    qtbot.waitUntil(lambda: c.w._prompt_kind == "stdin", timeout=15000)
    c.type("Ada")
    c.key(Key.Key_Return)
    c.wait_prompt()
    c.run("print(name[::-1])")
    assert "adA" in c.output_of_last_cell()
    # completion
    c.run("unique_variable_xyz = 1")
    c.type("unique_var")
    c.key(Key.Key_Tab)
    qtbot.waitUntil(lambda: c.w.input_buffer == "unique_variable_xyz", timeout=10000)
    c.w.input_buffer = ""
    # a multi-line statement: xeus-python answers is_complete
    c.type("if True:")
    c.key(Key.Key_Return)
    qtbot.waitUntil(lambda: "\n" in c.w.input_buffer, timeout=10000)
    c.w.input_buffer = ""
    # restart
    c.w.restart_kernel()
    c.wait_text("Kernel restarted")
    c.wait_ready()
    c.run("x")
    assert "NameError" in c.output_of_last_cell()
    # interrupt: xeus-python's PyPI build exits on SIGINT (and ignores an
    # interrupt_request while a cell sleeps); the console reports the death,
    # the kernel is restarted and the console goes on
    before = c.text().count("Kernel restarted")
    assert _interrupt_running_cell(c, "import time; time.sleep(30)") < 10
    text = c.text()
    assert "KeyboardInterrupt" in text or "Kernel died" in text
    qtbot.waitUntil(lambda: c.text().count("Kernel restarted") > before or
                    "KeyboardInterrupt" in c.text(), timeout=15000)
    c.wait_ready()
    c.run("print('alive', 2 + 2)")
    assert "alive 4" in c.output_of_last_cell(), c.text()[-600:]
