"""Code written for the Jupyter Qt Console moves over by changing imports (issue 17):
a plugin-style subclass of RichJupyterWidget, the qtconsole names on the widget,
qtconsole's module paths and style helpers, synchronous in-process execute, and
frontend comms both ways (subprocess and in-process kernels)."""

import re
import textwrap

import pytest
from qtpy import QtCore, QtGui, QtWidgets

from conftest import Console, Key, start_kernel, stop_kernel

# A console plugin written for the Jupyter Qt Console, in the way embedding
# applications write theirs (an in-process kernel, or the one already
# running; host objects pushed; the host's theme applied; call tips off;
# cleaned up on close).  The test runs it after changing its import lines only.
PLUGIN_FOR_QTCONSOLE = textwrap.dedent('''
    from IPython import get_ipython
    from ipykernel.inprocess.ipkernel import InProcessInteractiveShell
    from qtconsole import styles
    from qtconsole.inprocess import QtInProcessKernelManager
    from qtconsole.rich_jupyter_widget import RichJupyterWidget
    from qtpy.QtGui import QColor


    class HostConsole(RichJupyterWidget):
        """The host's console dock: its objects in the namespace, its theme."""

        def __init__(self, host_objects, theme):
            super().__init__()
            self.setFocusProxy(self._control)
            shell = get_ipython()
            if shell is None:
                manager = QtInProcessKernelManager()
                manager.start_kernel(show_banner=False)
                manager.kernel.gui = "qt"
                client = manager.client()
                client.start_channels()
            elif isinstance(shell, InProcessInteractiveShell):
                # a second window of the same host: share the running kernel
                manager = QtInProcessKernelManager(kernel=shell.kernel)
                client = manager.client()
                client.start_channels()
            else:
                raise RuntimeError("run from a terminal IPython: use that one")
            self.kernel_manager = manager
            self.kernel_client = client
            self.shell = manager.kernel.shell
            self.push = self.shell.push
            self.push(dict(host_objects))
            self.enable_calltips = False
            self._update_theme(theme)

        def _update_theme(self, theme):
            if theme["dark"]:
                self.style_sheet = styles.default_dark_style_sheet
            else:
                self.style_sheet = styles.default_light_style_sheet
            self.syntax_style = theme["syntax_style"]
            self._bracket_matcher.format.setBackground(QColor(*theme["highlight"]))

        def closeEvent(self, event):
            if self.kernel_client is not None:
                self.kernel_client.stop_channels()
            if self.kernel_manager is not None and self.kernel_manager.has_kernel:
                self.kernel_manager.shutdown_kernel()
            self._completion_widget.deleteLater()
            self._call_tip_widget.deleteLater()
            self.deleteLater()
            event.accept()
''')

QTCONSOLE_TO_EMBEDCON = {"qtconsole.inprocess": "embedcon.inprocess",
                         "qtconsole.rich_jupyter_widget": "embedcon.rich_jupyter_widget",
                         "from qtconsole import": "from embedcon import"}


def _ported(source: str) -> str:
    """The plugin with its import lines changed, and nothing else."""
    out = []
    for line in source.split("\n"):
        if line.startswith(("from ", "import ")):
            for old, new in QTCONSOLE_TO_EMBEDCON.items():
                line = line.replace(old, new)
        out.append(line)
    return "\n".join(out)


DARK = {"dark": True, "syntax_style": "monokai", "highlight": (90, 120, 200)}


def _load_plugin():
    ported = _ported(PLUGIN_FOR_QTCONSOLE)
    changed = [(a, b) for a, b in zip(PLUGIN_FOR_QTCONSOLE.split("\n"), ported.split("\n")) if a != b]
    assert changed and all(a.startswith("from ") for a, _ in changed)
    assert "qtconsole" not in ported
    namespace = {}
    exec(compile(ported, "host_console_plugin.py", "exec"), namespace)
    return namespace["HostConsole"]


def test_a_qtconsole_plugin_runs_with_only_its_imports_changed(qtbot):
    from IPython import get_ipython

    HostConsole = _load_plugin()
    model = {"points": [1, 2, 3]}
    w = HostConsole({"model": model, "scale": 2.5}, DARK)  # deletes itself on close:
    w.resize(700, 400)
    w.show()
    c = Console(qtbot, w, w.kernel_manager, w.kernel_client)
    c.wait_prompt(1)
    try:
        # the pushed host objects are the console's, by identity
        c.run("model['points'].append(4); print(scale * 2)")
        assert model["points"] == [1, 2, 3, 4]
        assert "5.0" in c.output_of_last_cell()
        # the theme reached the widget
        assert w.enable_calltips is False and w.settings.enable_calltips is False
        assert w.syntax_style == "monokai" and w._highlighter._style_name == "monokai"
        assert w._bracket_matcher.format.background().color() == QtGui.QColor(90, 120, 200)
        img = w.grab().toImage()
        assert QtGui.QColor(img.pixel(img.width() // 2, img.height() - 30)).lightness() < 80
        prompt = QtGui.QTextCursor(w._doc)
        prompt.setPosition(w._prompt_cursor.position() + 1)
        from embedcon import styles
        in_colour = re.search(r"\.in-prompt \{ color: (#\w+)", styles.default_dark_style_sheet)[1]
        assert prompt.charFormat().foreground().color() == QtGui.QColor(in_colour)
        # a second window shares the running kernel and leaves it running on close
        second = HostConsole({"other": 1}, DARK)
        assert second.kernel_manager.kernel is w.kernel_manager.kernel
        assert second.shell.user_ns["model"] is model
        second.close()
        qtbot.wait(10)
        assert w.kernel_manager.has_kernel
        c.run("print(other + 41)")
        assert "42" in c.output_of_last_cell()
    finally:
        km = w.kernel_manager
        w.close()  # the plugin's own clean-up: channels, kernel, helper widgets
    qtbot.waitUntil(lambda: get_ipython() is None, timeout=5000)
    assert not km.has_kernel
    destroyed = []
    QtCore.QTimer.singleShot(0, lambda: destroyed.append(True))
    qtbot.waitUntil(lambda: bool(destroyed))


def test_the_qtconsole_names_are_aliases_onto_embedcons_api(qtbot, kernel, make_console):
    from embedcon.widgets.qtconsole_names import QTCONSOLE_NAMES

    km, kc = kernel
    c = make_console(km, kc)
    w = c.w
    for name in QTCONSOLE_NAMES:
        assert hasattr(w, name), name
    assert w._control is w.focusProxy() is w.control
    assert w._completion_widget is not None
    assert "IPython" in w.kernel_banner and w.banner.startswith("embedcon")
    w._append_plain_text("\x1b[31mred text\x1b[0m\n")
    w._append_html("<b>bold text</b>")
    c.type("typed")
    assert c.text().index("red text") < c.text().index("bold text") < c.text().rindex("In [1]")
    assert w.input_buffer == "typed"
    bold = QtGui.QTextCursor(w._doc)
    bold.setPosition(c.text().index("bold text") + 1)
    assert bold.charFormat().fontWeight() == QtGui.QFont.Weight.Bold
    w._execute("hidden_value = 6 * 7", True)
    w.input_buffer = ""
    c.run("print(hidden_value)")
    assert "42" in c.output_of_last_cell()
    assert "hidden_value = 6" not in c.text()  # a hidden execution shows nothing


def test_qtconsole_module_paths_and_style_helpers():
    from embedcon import console_widget, jupyter_widget, rich_jupyter_widget, styles, widgets

    assert rich_jupyter_widget.RichJupyterWidget is widgets.RichJupyterWidget
    assert jupyter_widget.JupyterWidget is widgets.JupyterWidget
    assert console_widget.ConsoleWidget is widgets.ConsoleWidget
    assert styles.dark_style("monokai") and not styles.dark_style("default")
    assert styles.dark_color("#101010") and not styles.dark_color("white")
    assert styles.get_colors("monokai")["bgcolor"].lower() == "#272822"
    for sheet in (styles.default_light_style_sheet, styles.default_dark_style_sheet,
                  styles.default_bw_style_sheet):
        assert "QPlainTextEdit" in sheet and ".in-prompt" in sheet and ".out-prompt" in sheet
    assert styles.default_dark_syntax_style == "monokai"
    with pytest.raises(ValueError, match="unknown pygments style"):
        styles.sheet_from_template("no-such-style", "linux")


# -- in-process: kc.execute has run the cell when it returns -----------------


@pytest.fixture
def inprocess(qapp):
    from embedcon.inprocess import QtInProcessKernelManager

    km = QtInProcessKernelManager()
    km.start_kernel(show_banner=False)
    kc = km.client()
    kc.start_channels()
    yield km, kc
    kc.stop_channels()
    km.shutdown_kernel()


def test_inprocess_execute_has_run_the_cell_when_it_returns(qtbot, inprocess):
    km, kc = inprocess
    replies = []
    kc.shell_channel.message_received.connect(replies.append)
    msg_id = kc.execute("a = 1")
    assert km.get("a") == 1
    assert replies == []  # the messages still come through the event loop, in order
    qtbot.waitUntil(lambda: any(r["parent_header"].get("msg_id") == msg_id for r in replies))


def test_inprocess_execute_from_inside_a_cell_waits_for_that_cell(qtbot, inprocess):
    km, kc = inprocess
    inner = []
    km.push({"host_hook": lambda: inner.append(kc.execute("order.append('inner')"))})
    kc.execute("order = ['start']; host_hook(); order.append('end')")
    assert km.get("order") == ["start", "end", "inner"]  # queued, never nested
    assert inner


def test_the_console_widget_still_knows_its_cell_before_it_runs(qtbot):
    # the widget's own cells stay on the next event-loop turn: it knows the
    # cell's msg_id when the cell asks for input() (and Ctrl+C interrupts it)
    import embedcon
    from qtpy import QtTest

    w = embedcon.inprocess_console(show_banner=False)
    qtbot.addWidget(w)
    w.show()
    c = Console(qtbot, w, w.kernel_manager, w.kernel_client)
    seen = []

    def answer(msg):
        # the kernel waits in a nested event loop on this thread: the user
        # types from a timer inside that loop
        if msg["header"]["msg_type"] == "input_request":
            seen.append((w._executing_id, msg["parent_header"]["msg_id"]))

            def type_answer():
                QtTest.QTest.keyClicks(c.editor, "Ada")
                QtTest.QTest.keyClick(c.editor, Key.Key_Return)
            QtCore.QTimer.singleShot(50, type_answer)

    try:
        c.wait_prompt(1)
        w.kernel_client.stdin_channel.message_received.connect(answer)
        c.type("name = input('Name? ')")
        c.key(Key.Key_Return)
        qtbot.waitUntil(lambda: len(c.executed) == 1, timeout=10000)
        assert seen and seen[0][0] == seen[0][1]
        assert w.kernel_manager.get("name") == "Ada"
    finally:
        w.shutdown_kernel()


# -- comms --------------------------------------------------------------------

KERNEL_SIDE = r'''
from comm import create_comm
seen = []
def _echo(comm, open_msg):
    seen.append(("open", open_msg["content"]["data"]))
    comm.on_msg(lambda m: comm.send({"echo": m["content"]["data"]}))
    comm.on_close(lambda m: seen.append(("closed", m["content"]["data"])))
get_ipython().kernel.comm_manager.register_target("kernel_echo", _echo)
to_host = create_comm(target_name="host_target", data={"hello": "host"})
to_host.on_msg(lambda m: seen.append(("from host", m["content"]["data"])))
to_host.send({"n": 1})
'''


def runner(qtbot, kc):
    """run(code): execute through ``kc`` and return once the cell's reply is ok."""
    replies = {}
    kc.shell_channel.message_received.connect(
        lambda m: replies.__setitem__(m["parent_header"].get("msg_id"), m))

    def run(code):
        msg_id = kc.execute(code)
        qtbot.waitUntil(lambda: msg_id in replies, timeout=15000)
        assert replies[msg_id]["content"]["status"] == "ok", replies[msg_id]["content"]
    return run


def _comms_both_ways(qtbot, kc, run):
    """Drive comms in both directions; ``run(code)`` executes in the kernel and
    returns once the cell finished."""
    events = []

    def opened(comm, msg):
        events.append(("open", comm.target_name, msg["content"]["data"]))
        comm.on_msg(lambda m: events.append(("msg", m["content"]["data"])))
        comm.on_close(lambda m: events.append(("closed", comm.comm_id)))
        comm.send({"reply": "from host"})
        events.append(("comm", comm))

    kc.comm_manager.register_target("host_target", opened)
    run(KERNEL_SIDE)
    # kernel -> host: comm_open to a registered target, then a comm_msg
    qtbot.waitUntil(lambda: ("msg", {"n": 1}) in events, timeout=10000)
    assert events[0] == ("open", "host_target", {"hello": "host"})
    # host -> kernel: the host's message arrived on the kernel's side
    run("assert ('from host', {'reply': 'from host'}) in seen, seen")
    # host opens a comm to a kernel target; messages go both ways
    echoes = []
    comm = kc.comm_manager.new_comm("kernel_echo", data={"size": 3})
    comm.on_msg(lambda m: echoes.append(m["content"]["data"]))
    comm.send({"ping": 1})
    qtbot.waitUntil(lambda: echoes == [{"echo": {"ping": 1}}], timeout=10000)
    assert kc.comm_manager.get_comm(comm.comm_id) is comm
    comm.close({"bye": True})
    assert not comm.is_open and kc.comm_manager.get_comm(comm.comm_id) is None
    run("assert ('open', {'size': 3}) in seen and ('closed', {'bye': True}) in seen, seen")
    # the kernel closes its comm to the host
    host_comm = [e[1] for e in events if e[0] == "comm"][0]
    run("to_host.close()")
    qtbot.waitUntil(lambda: ("closed", host_comm.comm_id) in events, timeout=10000)
    assert not host_comm.is_open
    # a comm_open to a target nobody registered is closed at once
    run("stray = create_comm(target_name='nobody_here'); import time; time.sleep(0.3)")
    run("assert stray._closed, 'the frontend did not close a comm to an unknown target'")


def test_comms_both_ways_with_a_kernel_process(qtbot, kernel):
    _km, kc = kernel
    _comms_both_ways(qtbot, kc, runner(qtbot, kc))


def test_comms_both_ways_with_the_inprocess_kernel(qtbot, inprocess):
    _km, kc = inprocess
    _comms_both_ways(qtbot, kc, runner(qtbot, kc))


def test_a_manager_given_a_running_kernel_follows_it_and_never_stops_it(qtbot, inprocess):
    from IPython import get_ipython

    from embedcon.inprocess import QtInProcessKernelManager

    km, _kc = inprocess
    attached = QtInProcessKernelManager(kernel=km.kernel)
    assert not attached.owns_kernel and km.owns_kernel
    kc2 = attached.client()
    kc2.start_channels()
    kc2.execute("shared = 'yes'")
    assert km.get("shared") == "yes"
    with pytest.raises(RuntimeError, match="another manager"):
        attached.restart_kernel()
    km.restart_kernel()  # the owner restarts: the attached manager and client follow
    assert attached.kernel is km.kernel
    kc2.execute("after_restart = 1")
    assert km.get("after_restart") == 1
    kc2.stop_channels()
    attached.shutdown_kernel()  # lets go only
    assert km.has_kernel and not attached.has_kernel and get_ipython() is not None
    km.restart_kernel()
    assert attached.kernel is None  # no longer following


def test_style_sheet_colours_the_prompts_and_an_empty_one_restores_them(qapp, qtbot):
    from embedcon import styles
    from embedcon.rich_jupyter_widget import RichJupyterWidget

    plain = RichJupyterWidget()
    qtbot.addWidget(plain)
    default_in = plain._prompt_format.foreground().color()
    w = RichJupyterWidget(style_sheet=styles.default_dark_style_sheet)  # as configuration
    qtbot.addWidget(w)
    dark_in = re.search(r"\.in-prompt \{ color: (#\w+)", styles.default_dark_style_sheet)[1]
    assert w._prompt_format.foreground().color() == QtGui.QColor(dark_in)
    assert "QPlainTextEdit" in w.styleSheet()
    w.style_sheet = ""
    assert w.styleSheet() == "" and w._prompt_format.foreground().color() == default_in


def test_a_host_method_named_apply_theme_does_not_break_the_console(qtbot):
    """Ported widgets add their own ``apply_theme(theme)`` (qtconsole has no such
    name); embedcon's theme code must not call the host's by mistake."""
    from embedcon.widgets import RichJupyterWidget

    class HostConsole(RichJupyterWidget):
        def apply_theme(self, theme):  # the host's meaning, another signature
            self.host_theme = theme

    w = HostConsole(theme="dark")
    qtbot.addWidget(w)
    w.theme = "light"
    assert w.theme_name == "light" and not hasattr(w, "host_theme")
