"""The window's kernels beyond this computer's kernelspecs, and restarts from a spare.

Against a real ``jupyter server`` with a token (tests/jupyter_server_fixture.py):
the kernel picker lists the server's kernelspecs and running kernels and opens
tabs there; a second tab on a server kernel (Ctrl+Shift+T) has its own
WebSocket and session, sees the other tab's inputs marked as another client's,
and closing one of the two never shuts the kernel down.  Locally: a restart
from a warm spare shows the new connection file in the status bar, in Copy
connection info and in ``%connect_info``.  Driven with QTest and the window's
public actions; dialogs are answered by the test.
"""

from __future__ import annotations

import json
import os

import pytest
from qtpy import QtCore, QtWidgets

from jupyter_server_fixture import jserver  # noqa: F401  (the module's server)
from test_application import CTRL, SHIFT, Key, answer_dialog, press, run, wait_ready

pytestmark = pytest.mark.slow


def server_kernels(srv) -> dict[str, dict]:
    return {k["id"]: k for k in srv.api("GET", "kernels")}


def drive_picker(qtbot, win, choose, shot: str = ""):
    """Answer the next kernel picker: ``choose(dialog)`` -> the KernelChoice to take
    (after every server answered); the dialog's picture goes to ``shot``."""
    timer = QtCore.QTimer()
    seen = []

    def poll():
        dialog = getattr(win, "_kernel_picker", None)
        if dialog is None or not dialog.isVisible() or dialog.waiting:
            return
        timer.stop()
        seen.append(dialog.choices())
        dialog.select(choose(dialog))
        if shot:
            dialog.grab().save(shot)
        ok = dialog.findChild(QtWidgets.QDialogButtonBox).button(
            QtWidgets.QDialogButtonBox.StandardButton.Ok)
        ok.click()
    timer.timeout.connect(poll)
    timer.start(30)
    return seen, timer


def _on_server(choices, name, srv, running=False):
    return next(c for c in choices if c.server is not None and c.kernel_name == name and
                c.server.base_url.startswith(srv.url) and bool(c.kernel_id) == running)


def test_picker_lists_the_servers_kernels_and_opens_tabs_there(jserver, embedcon_app,  # noqa: F811
                                                              qtbot):
    running = jserver.api("POST", "kernels", body={"name": "python3"})["id"]
    app = embedcon_app("--server", jserver.url, "--token", jserver.token, "--no-confirm-exit")
    win = app.window
    first = win.current_console
    wait_ready(qtbot, first)
    before = set(server_kernels(jserver))
    try:
        # File > New tab with kernel... (Ctrl+Alt+T): a kernelspec on the server
        seen, timer = drive_picker(qtbot, win, lambda d: _on_server(d.choices(), "python3",
                                                                   jserver),
                                   shot="/tmp/embedcon-kernel-picker.png")
        press(qtbot, win, Key.Key_T, CTRL | QtCore.Qt.KeyboardModifier.AltModifier)
        timer.stop()
        choices = seen[0]
        assert any(c.server is None for c in choices)  # this computer's kernelspecs
        assert any(c.server is not None and not c.kernel_id and c.kernel_name == "python3"
                   for c in choices)  # the server's
        assert running in {c.kernel_id for c in choices}  # and its running kernels
        qtbot.waitUntil(lambda: win.tabs.count() == 2, timeout=20000)
        tab = win.current_console
        handle = win.handle_of(tab)
        assert handle.server is not None and handle.owned
        new_id = handle.manager.kernel_id
        assert new_id in server_kernels(jserver) and new_id not in before
        assert win.tab_titles()[1].startswith("python3 on 127.0.0.1:")
        run(qtbot, tab, "print('on the server', 2 + 2)")
        assert "on the server 4" in tab.export_text()
        # the picker again: attach to the kernel that was already running there
        seen, timer = drive_picker(qtbot, win, lambda d: _on_server(d.choices(), "python3",
                                                                   jserver, running=True))
        win.actions["new_tab_with_kernel"].trigger()
        timer.stop()
        qtbot.waitUntil(lambda: win.tabs.count() == 3, timeout=20000)
        attached = win.current_console
        assert win.handle_of(attached).manager.kernel_id in {running, new_id} | set(before)
        assert not win.handle_of(attached).owned
        run(qtbot, attached, "print('attached', 3 * 3)")
        assert "attached 9" in attached.export_text()
        # Kernel > Change kernel: the first tab moves to a new kernel on the server
        seen, timer = drive_picker(qtbot, win, lambda d: _on_server(d.choices(), "python3",
                                                                   jserver))
        win.tabs.setCurrentWidget(first)
        old_id = win.handle_of(first).manager.kernel_id
        win.actions["change_kernel"].trigger()
        timer.stop()
        qtbot.waitUntil(lambda: win.handle_of(first).manager.kernel_id != old_id,
                        timeout=20000)
        qtbot.waitUntil(lambda: "Changed to a new python3 on" in first.export_text(),
                        timeout=10000)
        run(qtbot, first, "print('moved', 5 * 5)")
        assert "moved 25" in first.export_text()
        # copy connection info of a server kernel: the line that attaches to it, no token
        win.actions["copy_connection"].trigger()
        text = QtWidgets.QApplication.clipboard().text()
        assert f"--kernel-id {win.handle_of(first).manager.kernel_id}" in text
        assert jserver.token not in text
        win.grab().save("/tmp/embedcon-app-server-tabs.png")
    finally:
        jserver.api("DELETE", "kernels", running)


def test_picker_finds_a_server_running_here_without_server_option(jserver, embedcon_app,  # noqa: F811
                                                                     qtbot, monkeypatch):
    """A Jupyter Server started on this computer (``jupyter server``/``jupyter lab``)
    writes ``jpserver-<pid>.json`` into the runtime directory: the picker lists
    it with no ``--server``, and a tab opens on it with the file's token."""
    from embedcon.kernels.server.discover import running_servers

    runtime = jserver.root / "runtime"
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(runtime))
    found = running_servers()
    assert [s.url for s in found] == [jserver.url]
    assert jserver.token not in repr(found)
    app = embedcon_app("--no-confirm-exit")
    win = app.window
    wait_ready(qtbot, win.current_console)
    assert win.servers == []  # none given
    before = set(server_kernels(jserver))
    seen, timer = drive_picker(qtbot, win, lambda d: _on_server(d.choices(), "python3",
                                                               jserver))
    press(qtbot, win, Key.Key_T, CTRL | QtCore.Qt.KeyboardModifier.AltModifier)
    timer.stop()
    qtbot.waitUntil(lambda: win.tabs.count() == 2, timeout=20000)
    tab = win.current_console
    new_id = win.handle_of(tab).manager.kernel_id
    assert new_id in server_kernels(jserver) and new_id not in before
    run(qtbot, tab, "print('found', 6 * 7)")
    assert "found 42" in tab.export_text()


def test_running_servers_skips_dead_foreign_and_remote_ones(tmp_path):
    """Only loopback servers whose process runs, from well-formed files."""
    import json as _json
    import subprocess
    import sys

    from embedcon.kernels.server.discover import running_servers

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()

    def write(name, **info):
        path = tmp_path / f"jpserver-{name}.json"
        path.write_text(_json.dumps(info))
        os.chmod(path, 0o600)

    write("live", url="http://127.0.0.1:8888/", token="t0k", pid=os.getpid())
    write("dead", url="http://127.0.0.1:8889/", token="t1", pid=dead.pid)
    write("remote", url="http://192.0.2.7:8890/", token="t2", pid=os.getpid())
    write("junk", url=5, pid="x")
    (tmp_path / "jpserver-broken.json").write_text("{not json")
    found = running_servers(str(tmp_path))
    assert [(s.url, s.token) for s in found] == [("http://127.0.0.1:8888", "t0k")]
    assert "t0k" not in repr(found)


def test_picker_says_when_the_server_cannot_be_reached(qapp, qtbot):
    from embedcon.application.picker import KernelPicker
    from embedcon.kernels.server import JupyterServer
    from jupyter_server_fixture import free_port

    srv = JupyterServer(f"http://127.0.0.1:{free_port()}", token="x")
    dialog = KernelPicker(None, servers=[srv])
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: not dialog.waiting, timeout=15000)
    texts = []
    it = QtWidgets.QTreeWidgetItemIterator(dialog.tree)
    while it.value() is not None:
        texts.append(it.value().text(0))
        it += 1
    assert any(t.startswith("could not list: cannot reach") for t in texts), texts
    assert all(c.server is None for c in dialog.choices())  # local specs still listed
    assert dialog.choices()


def test_second_tab_on_a_server_kernel_sees_the_first_and_closing_keeps_it(
        jserver, embedcon_app, qtbot):  # noqa: F811
    app = embedcon_app("--server", jserver.url, "--token", jserver.token)
    win = app.window
    a = win.current_console
    wait_ready(qtbot, a)
    kid = win.current_handle.manager.kernel_id
    press(qtbot, win, Key.Key_T, CTRL | SHIFT)  # new tab on the same kernel
    b = win.current_console
    assert b is not a and win.handle_of(b) is win.handle_of(a)
    assert b.kernel_client is not a.kernel_client  # its own WebSocket ...
    assert b.kernel_client.session.session != a.kernel_client.session.session  # and session
    wait_ready(qtbot, b)
    win.rename_tab(win.tabs.indexOf(b), "B")
    run(qtbot, b, "shared = 6 * 7")
    run(qtbot, a, "print(shared)")
    text = a.export_text()
    assert "[tab B] In [1]: shared = 6 * 7" in text  # b's input, marked as b's
    assert text.index("[tab B] In [1]") < text.index("In [2]: print(shared)")
    qtbot.waitUntil(lambda: "] In [2]: print(shared)\n42" in b.export_text(), timeout=10000)
    assert server_kernels(jserver)[kid]["connections"] >= 2
    # closing one of the two tabs asks nothing and leaves the kernel running
    seen, timer = answer_dialog(qtbot, "cancel")
    win.tabs.setCurrentWidget(a)
    press(qtbot, win, Key.Key_W, CTRL)
    qtbot.wait(300)
    timer.stop()
    assert seen == [] and win.consoles() == [b]
    assert kid in server_kernels(jserver)
    run(qtbot, b, "print(shared + 1)")
    assert "43" in b.export_text()
    # the last tab on a kernel started here asks; keeping it leaves it on the server
    seen, timer = answer_dialog(qtbot, "keep")
    press(qtbot, win, Key.Key_W, CTRL)
    timer.stop()
    assert seen and "last tab on the python3 on 127.0.0.1" in seen[0]
    assert kid in server_kernels(jserver)
    jserver.api("DELETE", "kernels", kid)


def test_tabs_attached_to_a_server_kernel_never_shut_it_down(jserver, embedcon_app,  # noqa: F811
                                                            qtbot):
    kid = jserver.api("POST", "kernels", body={"name": "python3"})["id"]
    try:
        app = embedcon_app("--server", jserver.url, "--token", jserver.token,
                           "--kernel-id", kid)
        win = app.window
        a = win.current_console
        wait_ready(qtbot, a)
        b = win.new_tab_same_kernel()
        wait_ready(qtbot, b)
        run(qtbot, a, "x = 'from a'")
        qtbot.waitUntil(lambda: "In [1]: x = 'from a'" in b.export_text(), timeout=10000)
        seen, timer = answer_dialog(qtbot, "cancel")
        press(qtbot, win, Key.Key_W, CTRL)
        press(qtbot, win, Key.Key_W, CTRL)
        qtbot.wait(300)
        timer.stop()
        assert seen == [] and win.tabs.count() == 0
        assert kid in server_kernels(jserver)
        # a kernel the server starts after the window went is not left behind
        from embedcon.application.picker import KernelChoice

        before = set(server_kernels(jserver))
        win.open_on_server(KernelChoice("python3", win.servers[0]))
        qtbot.waitUntil(lambda: win.server_requests_pending == 0, timeout=20000)
        qtbot.waitUntil(lambda: set(server_kernels(jserver)) == before, timeout=10000)
        assert win.tabs.count() == 0
    finally:
        jserver.api("DELETE", "kernels", kid)


def test_restart_from_a_spare_shows_the_new_connection_file(embedcon_app, qtbot, tmp_path,
                                                            monkeypatch):
    runtime = tmp_path / "runtime"
    runtime.mkdir()
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(runtime))
    app = embedcon_app("--no-confirm-exit", "--EmbedconApp.spare_kernels=True")
    win = app.window
    tab = win.current_console
    wait_ready(qtbot, tab)
    old_file = win.current_handle.connection_file
    qtbot.waitUntil(lambda: win.spares.has("python3"), timeout=20000)
    spare = win.spares.managers[0]
    assert tab.spare_kernels and tab.spare_pool is win.spares  # the library setting, shared
    press(qtbot, win, Key.Key_Period, CTRL)  # restart
    qtbot.waitUntil(lambda: "Kernel restarted (a fresh kernel)" in tab.export_text(),
                    timeout=10000)
    wait_ready(qtbot, tab)
    new_file = win.current_handle.connection_file
    assert win.current_handle.manager is spare and new_file == spare.connection_file
    assert new_file != old_file
    name = os.path.basename(new_file)
    assert name in win.status.file_label.text()  # the status bar
    assert win.tabs.tabToolTip(win.tabs.indexOf(tab)) == new_file
    win.status.file_label.linkActivated.emit("copy")  # click: the --existing line
    assert QtWidgets.QApplication.clipboard().text() == f"embedcon --existing {name}"
    win.actions["copy_connection"].trigger()  # Kernel > Copy connection info
    text = QtWidgets.QApplication.clipboard().text()
    info = json.loads(text.split("\n\n")[0])
    with open(new_file) as f:
        on_disk = json.load(f)
    assert info["key"] == on_disk["key"] and info["shell_port"] == on_disk["shell_port"]
    assert text.rstrip().endswith(f"embedcon --existing {name}")
    run(qtbot, tab, "%connect_info")  # what the kernel itself says
    assert name in tab.export_text().rsplit("%connect_info", 1)[1]
    assert os.path.basename(old_file) not in tab.export_text().rsplit("%connect_info", 1)[1]
