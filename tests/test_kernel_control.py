"""Kernel control from the console: death, restart, hangs, attach and interrupt."""

import json
import os
import signal
import sys
import time

import pytest
from conftest import Key, Mod, start_kernel, stop_kernel
from jupyter_client import KernelManager

from embedcon.client import QtKernelClient


def _pid(km):
    return km.provisioner.process.pid


def test_kill_9_while_idle_is_noticed_and_restarted(console):
    console.run("before_kill = 1")
    t0 = time.monotonic()
    os.kill(_pid(console.km), signal.SIGKILL)
    console.qtbot.waitUntil(lambda: "dead" in console.states, timeout=5000)
    noticed = time.monotonic() - t0
    assert noticed < 1.5, f"death noticed after {noticed:.2f} s"
    console.wait_text("Kernel restarted.", timeout=10000)
    console.qtbot.waitUntil(lambda: console.w.kernel_state == "idle", timeout=10000)
    console.run("'before_kill' in dir()")
    assert console.text().rstrip().endswith("Out[1]: False\nIn [2]:")


def test_kill_9_mid_cell_marks_the_cell_aborted(console):
    console.start_cell("import time; time.sleep(30)")
    t0 = time.monotonic()
    os.kill(_pid(console.km), signal.SIGKILL)
    console.qtbot.waitUntil(lambda: bool(console.executed), timeout=5000)
    assert time.monotonic() - t0 < 1.5
    assert console.executed[-1]["content"]["status"] == "aborted"
    console.wait_text("[cell aborted: the kernel died]")
    console.wait_prompt(1, timeout=10000)
    # the user executes right away: the transcript stays in order
    console.run("print('after restart')")
    text = console.text()
    assert text.index("[cell aborted") < text.index("Kernel restarted.") < text.index("after restart")
    usable = time.monotonic() - t0
    assert usable < 10


def test_restart_while_a_cell_runs(console):
    console.start_cell("import time; time.sleep(30)")
    assert console.w.restart_kernel()
    assert console.executed[-1]["content"]["status"] == "aborted"
    console.wait_prompt(1, timeout=10000)
    console.run("1+1")
    assert "Out[1]: 2" in console.text()


def test_hung_kernel_is_not_responding_not_dead(console):
    pid = _pid(console.km)
    os.kill(pid, signal.SIGSTOP)
    try:
        console.qtbot.waitUntil(lambda: console.w.kernel_state == "not responding", timeout=8000)
        console.qtbot.wait(2500)
        assert "dead" not in console.states
        assert "restarted" not in console.text().lower()
        assert console.text().count("not responding") == 1
    finally:
        os.kill(pid, signal.SIGCONT)
    console.qtbot.waitUntil(lambda: console.w.kernel_state != "not responding", timeout=8000)
    console.wait_text("responding again")
    console.run("2+2")
    assert "Out[1]: 4" in console.text()


@pytest.fixture
def dying_kernelspec(tmp_path, monkeypatch):
    spec = tmp_path / "kernels" / "dies"
    spec.mkdir(parents=True)
    code = "import sys; sys.stderr.write('kernel boom: missing module xyz\\n'); sys.exit(3)"
    spec.joinpath("kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-c", code, "{connection_file}"],
        "display_name": "dies", "language": "python"}))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path))
    return "dies"


@pytest.mark.slow
def test_kernel_that_keeps_dying_is_given_up_with_its_stderr(qapp, make_console, dying_kernelspec):
    from embedcon.manager import QtKernelManager

    km = QtKernelManager(kernel_name=dying_kernelspec, stable_start_time=5)
    km.start_kernel()
    kc = km.client()
    kc.start_channels()
    try:
        c = make_console(km, kc, wait=False)
        c.wait_text("giving up", timeout=20000)
        c.wait_text("kernel boom: missing module xyz")
        assert c.w.kernel_state == "dead"
        assert km.given_up
        n = c.text().count("Kernel died")
        assert n == km.restart_limit + 1
        c.qtbot.wait(1500)
        assert c.text().count("Kernel died") == n  # no endless loop
    finally:
        stop_kernel(km, kc)


def _external_kernel(tmp_path):
    """A kernel started by someone else (plain jupyter_client), like `--existing`."""
    km = KernelManager(kernel_name="python3", connection_file=str(tmp_path / "kernel-ext.json"))
    km.start_kernel()
    return km


def test_attach_to_existing_kernel_and_interrupt_it(qapp, tmp_path, make_console):
    ext = _external_kernel(tmp_path)
    kc = QtKernelClient(connection_file=ext.connection_file)
    kc.load_connection_file()
    kc.start_channels()
    try:
        c = make_console(None, kc)  # no manager: we did not start it
        c.start_cell("while True: pass")
        c.key(Key.Key_C, Mod.ControlModifier)  # sent as a control-channel interrupt_request
        c.qtbot.waitUntil(lambda: bool(c.executed), timeout=10000)
        assert "KeyboardInterrupt" in c.text()
        c.wait_prompt(2)
        # it cannot restart a kernel it does not own
        c.key(Key.Key_Period, Mod.ControlModifier)
        c.wait_text("did not start the kernel")
        assert ext.is_alive()
    finally:
        kc.stop_channels()
        ext.shutdown_kernel(now=True)


def test_interrupt_pending_notice_for_a_slow_interrupt(kernel, make_console):
    km, kc = kernel
    c = make_console(km, kc, interrupt_notice_delay=0.3)
    # SIGINT is ignored by this cell, as in a long call in compiled code
    c.start_cell("import signal, time; signal.signal(signal.SIGINT, signal.SIG_IGN); time.sleep(2)")
    c.key(Key.Key_C, Mod.ControlModifier)
    c.wait_text("Interrupt sent; the kernel has not stopped yet", timeout=5000)
    c.qtbot.waitUntil(lambda: bool(c.executed), timeout=10000)


def test_interrupt_during_input(console):
    console.type("x = input('value? ')")
    console.key(Key.Key_Return)
    console.qtbot.waitUntil(lambda: console.w._prompt_kind == "stdin", timeout=10000)
    console.key(Key.Key_C, Mod.ControlModifier)
    console.qtbot.waitUntil(lambda: bool(console.executed), timeout=10000)
    assert "KeyboardInterrupt" in console.text()
    console.wait_prompt(2)
    console.run("3+3")
    assert "Out[2]: 6" in console.text()


def test_other_clients_output_is_shown_when_asked(kernel, make_console):
    km, kc = kernel
    quiet = make_console(km, kc)
    kc2 = QtKernelClient()
    kc2.load_connection_info(km.get_connection_info())
    kc2.start_channels()
    try:
        watcher = make_console(None, kc2, include_other_output=True)
        quiet.run("print('from the first console')")
        watcher.wait_text("from the first console")
        watcher.wait_text("[other client] In [1]: print('from the first console')")
        assert "from the second" not in quiet.text()
        watcher.run("print('from the second')")
        quiet.qtbot.wait(300)
        assert "from the second" not in quiet.text()
    finally:
        kc2.stop_channels()


def test_other_clients_inputs_are_highlighted_and_follow_a_style_switch(kernel, make_console):
    """Another client's input is coloured like an input of one's own, after
    its "[other client] In [n]:" prompt, and a style switch recolours it."""
    from pygments.styles import get_style_by_name
    from pygments.token import Keyword

    km, kc = kernel
    quiet = make_console(km, kc)
    kc2 = QtKernelClient()
    kc2.load_connection_info(km.get_connection_info())
    kc2.start_channels()

    def keyword_colour(w, needle):
        doc = w.control.document()
        block = doc.begin()
        while block.isValid():
            text = block.text()
            if text.startswith("[other client]") or text.lstrip().startswith("...:"):
                col = text.find(needle)
                if col >= 0:
                    for r in block.layout().formats():
                        if r.start <= col < r.start + r.length:
                            return r.format.foreground().color().name()
                    return None
            block = block.next()
        return None

    def want(style):
        return "#" + get_style_by_name(style).style_for_token(Keyword)["color"].lower()

    try:
        watcher = make_console(None, kc2, include_other_output=True)
        quiet.run_source("for i in range(2):\n    pass")
        watcher.wait_text("[other client] In [1]: for i in range(2):")
        assert keyword_colour(watcher.w, "for") == want("default")
        assert keyword_colour(watcher.w, "pass") == want("default")  # the second line too
        watcher.w.syntax_style = "monokai"
        watcher.qtbot.waitUntil(lambda: keyword_colour(watcher.w, "for") == want("monokai"),
                                timeout=5000)
        # its prompt stays apart from one's own, readable, in either theme; none under NoColor
        from embedcon.models.contrast import contrast_ratio

        def prompt_colours():
            w = watcher.w
            block = w.control.document().begin()
            while not block.text().startswith("[other client]"):
                block = block.next()
            it = block.begin()
            other = it.fragment().charFormat()
            own = w._prompt_format.foreground().color().name()
            return other.foreground().color().name(), other.fontItalic(), own

        for theme in ("dark", "light"):
            watcher.w.theme = theme
            watcher.qtbot.wait(100)
            colour, italic, own = prompt_colours()
            base = watcher.w.control.palette().base().color().name()
            assert italic and colour != own, (theme, colour, own)
            assert contrast_ratio(colour, base) >= 4.5, (theme, colour, base)
        watcher.w.colors = "NoColor"
        watcher.qtbot.wait(100)
        colour, italic, own = prompt_colours()
        assert italic and colour == watcher.w.control.palette().text().color().name()
    finally:
        kc2.stop_channels()


def test_two_kernels_do_not_mix(qapp, make_console):
    km1, kc1 = start_kernel()
    km2, kc2 = start_kernel()
    try:
        a = make_console(km1, kc1)
        b = make_console(km2, kc2)
        a.run("v = 'A'")
        b.run("v = 'B'")
        a.run("v")
        b.run("v")
        assert "Out[2]: 'A'" in a.text() and "Out[2]: 'B'" in b.text()
    finally:
        stop_kernel(km1, kc1)
        stop_kernel(km2, kc2)


def test_first_cell_output_is_never_lost_to_a_late_iopub_subscription(qapp, make_console):
    # A SUB socket misses what the kernel publishes before its subscription is
    # in place; under load that swallowed the first cell's output.  Simulate a
    # subscription that takes 0.8 s: everything published before is lost.
    km, kc = start_kernel()
    try:
        bridge = kc.iopub_channel._bridge
        live_at = time.monotonic() + 0.8
        real_post = bridge.post
        bridge.post = lambda msg: real_post(msg) if time.monotonic() > live_at else None
        c = make_console(km, kc, wait=False)
        c.wait_prompt(1)  # shown at once: the user may type while the kernel starts
        c.type("1+1")
        c.key(Key.Key_Return)  # waits until IOPub is live
        c.qtbot.waitUntil(lambda: bool(c.executed), timeout=10000)
        assert "Out[1]: 2" in c.text()
    finally:
        stop_kernel(km, kc)


def test_wrong_key_is_reported_not_a_silent_hang(kernel, make_console):
    km, _ = kernel
    info = dict(km.get_connection_info())
    info["key"] = b"not-the-right-key"
    kc = QtKernelClient()
    kc.load_connection_info(info)
    kc.start_channels()
    try:
        c = make_console(None, kc, wait=False, kernel_timeout=2.0)
        c.wait_text("the connection file's key is wrong", timeout=6000)
        assert c.w._prompt_kind is None and c.w.kernel_state == "wrong key"
    finally:
        kc.stop_channels()


def _printed_by(code: str) -> list[str]:
    """What a fresh Python process running ``code`` prints (a clean sys.modules)."""
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout.split()


def test_starting_a_kernel_does_not_import_ipython_in_the_frontend():
    # jupyter_client's kernel spec lookup imported IPython (0.3 s) only to find
    # ~/.ipython: the kernel process was launched that much later
    code = ("import sys\n"
            "from embedcon.manager import QtKernelManager, _KernelSpecs\n"
            "from jupyter_client.kernelspec import KernelSpecManager\n"
            "km = QtKernelManager(kernel_name='python3')\n"
            "km.start_kernel()\n"
            "try:\n"
            "    print('IPython' in sys.modules)\n"
            "finally:\n"
            "    km.shutdown_kernel(now=True)\n"
            "print(_KernelSpecs().kernel_dirs == KernelSpecManager().kernel_dirs)\n")
    assert _printed_by(code) == ["False", "True"]


def test_highlighting_an_ipython_kernels_input_does_not_import_ipython():
    # the "ipython3" lexer IPython kernels name is a pygments plugin: looking it
    # up imported IPython on the GUI thread at the first keystroke (0.4 s)
    code = ("import os, sys\n"
            "os.environ['QT_QPA_PLATFORM'] = 'offscreen'\n"
            "from qtpy import QtWidgets\n"
            "app = QtWidgets.QApplication([])\n"
            "from embedcon.widgets.console_widget import ConsoleWidget\n"
            "w = ConsoleWidget()\n"
            "w._highlighter.set_language('ipython3')\n"
            "print(len(w._highlighter._lex_line('x = [1, 2]  # c')) > 0, 'IPython' in sys.modules)\n")
    assert _printed_by(code) == ["True", "False"]


def test_stopping_a_client_from_two_threads_at_once_is_safe(kernel):
    """A closed tab stops its client on a helper thread while the host (or a
    test's teardown) may stop it as well: two threads destroying one ZMQ
    context at once aborted the process (SIGABRT in zmq.Context.term)."""
    km, _ = kernel
    for _ in range(5):
        kc = km.client()
        kc.start_channels()
        t = kc.stop_channels_in_background()
        kc.stop_channels()
        t.join(timeout=10)
        assert not t.is_alive()
        assert kc.context.closed
