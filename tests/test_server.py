"""Kernels behind a real Jupyter Server: the console through REST + WebSocket.

A ``jupyter server`` runs on loopback with a token (one per module); every
test drives the real widget on a kernel the server manages.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time

import pytest
from qtpy import QtCore

from conftest import Console
from jupyter_server_fixture import Proxy, ServerProcess, free_port, jserver  # noqa: F401

Key = QtCore.Qt.Key
Mod = QtCore.Qt.KeyboardModifier


@pytest.fixture
def server_console(qapp, qtbot):
    """server_console(url, token, **kw) -> Console at its first prompt, on a
    kernel of the server (shut down afterwards if the call started it)."""
    import embedcon

    made = []

    def make(url, token, wait=True, **kw):
        w = embedcon.server_console(url, token=token, **kw)
        qtbot.addWidget(w)
        w.resize(900, 600)
        w.show()
        c = Console(qtbot, w, w.kernel_manager, w.kernel_client)
        made.append(c)
        if wait:
            c.wait_prompt()
            c.wait_ready()
        return c

    yield make
    for c in made:
        try:
            c.w.shutdown_kernel()
        except Exception:
            pass


def _count(text, needle):
    return text.count(needle)


# ---------------------------------------------------------------------------
# no server needed

def test_frames_match_jupyter_servers_own_encoding():
    from jupyter_server.services.kernels.connection.base import (
        deserialize_binary_message, deserialize_msg_from_ws_v1, serialize_binary_message,
        serialize_msg_to_ws_v1)

    from embedcon.kernels.server import wire

    s = wire.wire_session()
    msg = s.msg("execute_request", {"code": "print('é')"})
    channel, parts = deserialize_msg_from_ws_v1(wire.encode(s, "shell", msg, True))
    assert channel == "shell" and len(parts) == 4
    assert s.unpack(parts[3]) == {"code": "print('é')"}
    reply = s.msg("stream", {"name": "stdout", "text": "x\n"}, parent=msg)
    frame = serialize_msg_to_ws_v1(s.serialize(reply)[2:] + [b"\x00\x01"], "iopub")
    channel, got = wire.decode(s, frame, True)
    assert channel == "iopub" and got["content"]["text"] == "x\n"
    assert got["parent_header"]["msg_id"] == msg["header"]["msg_id"]
    assert bytes(got["buffers"][0]) == b"\x00\x01"
    # the JSON form, with and without buffers
    channel, got = wire.decode(s, wire.encode(s, "stdin", msg, False), False)
    assert channel == "stdin" and got["header"]["msg_id"] == msg["header"]["msg_id"]
    msg["buffers"] = [b"abc"]
    assert deserialize_binary_message(wire.encode(s, "shell", msg, False))["buffers"] == [b"abc"]
    theirs = serialize_binary_message({**reply, "channel": "iopub", "buffers": [b"zz"]})
    channel, got = wire.decode(s, theirs, False)
    assert channel == "iopub" and bytes(got["buffers"][0]) == b"zz"
    for bad in (b"", b"\x05" + b"\x00" * 7, b"\x02" + b"\x00" * 7 + b"\xff" * 16):
        with pytest.raises(ValueError):
            wire.decode(s, bad, True)


def test_token_stays_out_of_urls_and_text(caplog):
    from embedcon.kernels.server import JupyterServer, ServerError

    srv = JupyterServer("http://127.0.0.1:8888/lab/tree/x.ipynb?token=s3cret")
    assert srv.base_url == "http://127.0.0.1:8888"
    assert srv.headers()["Authorization"] == "token s3cret"
    assert "s3cret" not in repr(srv) and "s3cret" not in srv.api_url("kernels")
    assert srv.ws_url("kernels", "k", "channels").startswith("ws://127.0.0.1:8888/api/")
    assert JupyterServer("https://h/user/me/").ws_url("kernels").startswith("wss://h/user/me/api/")
    with pytest.raises(ServerError) as err:
        JupyterServer("ftp://host/?token=s3cret")
    assert "s3cret" not in str(err.value)
    with caplog.at_level(logging.WARNING, logger="embedcon.server"):
        JupyterServer("http://127.0.0.1:8888")
        assert not caplog.records  # loopback: fine
        JupyterServer("http://example.org:8888", token="s3cret")
    assert "unencrypted" in caplog.text and "s3cret" not in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="embedcon.server"):
        JupyterServer("https://example.org:8888")
    assert not caplog.records


# ---------------------------------------------------------------------------
# through a real server

def test_execute_input_completion_inspect_history(jserver, server_console, qtbot, caplog):
    caplog.set_level(logging.DEBUG)
    c = server_console(jserver.url, jserver.token)
    kc = c.w.kernel_client
    assert kc._link.v1  # jupyter_server offers the v1 subprotocol
    assert "token" not in kc._link._connect_request().url
    c.run("x = 6 * 7; print('printed', x)")
    assert "printed 42" in c.text()
    c.run("x + 1")
    assert "Out[2]: 43" in c.text()
    # rich output
    c.run("from IPython.display import HTML, display; display(HTML('<b>bold</b> words'))")
    c.wait_text("bold words")
    # stdin: input() through the server
    c.type("name = input('Name? ')")
    c.key(Key.Key_Return)
    qtbot.waitUntil(lambda: c.w._prompt_kind == "stdin", timeout=20000)
    assert "Name? " in c.text()
    c.type("Ada")
    c.key(Key.Key_Return)
    c.wait_prompt()
    c.run("print(name[::-1])")
    assert "adA" in c.text()
    # completion
    c.run("unique_variable_xyz = 5")
    c.type("unique_var")
    c.key(Key.Key_Tab)
    qtbot.waitUntil(lambda: c.w.input_buffer == "unique_variable_xyz", timeout=10000)
    c.w.input_buffer = ""
    # inspection
    replies = []
    kc.shell_channel.messages_received.connect(
        lambda msgs: replies.extend(m for m in msgs if m["msg_type"] == "inspect_reply"))
    kc.inspect("len", 3)
    qtbot.waitUntil(lambda: bool(replies), timeout=10000)
    assert replies[0]["content"]["found"] and "text/plain" in replies[0]["content"]["data"]
    # history: a second console attached by id loads what the first one ran
    c2 = server_console(jserver.url, jserver.token, kernel_id=kc.kernel_id)
    assert not c2.w.kernel_manager.owns_kernel
    qtbot.waitUntil(lambda: "x = 6 * 7; print('printed', x)" in c2.w.history.items,
                    timeout=10000)
    c2.w.shutdown_kernel()  # attached: leaves the kernel running
    c.run("print('still here')")
    assert "still here" in c.text()
    # the token is never logged or shown
    assert jserver.token not in caplog.text and jserver.token not in c.text()


def test_interrupt_and_restart_through_rest(jserver, server_console, qtbot):
    c = server_console(jserver.url, jserver.token)
    c.run("x = 1")
    c.start_cell("import time; time.sleep(60)")
    t0 = time.monotonic()
    c.key(Key.Key_C, Mod.ControlModifier)
    c.wait_text("KeyboardInterrupt", timeout=15000)
    c.wait_prompt()
    interrupted_in = time.monotonic() - t0
    assert interrupted_in < 10
    c.w.restart_kernel()
    c.wait_text("Kernel restarted")
    c.wait_ready()
    c.run("x")
    assert "NameError" in c.output_of_last_cell()
    assert "restarting" in c.states and c.states[-1] == "idle"


@pytest.mark.slow
def test_kernel_death_is_reported_and_the_server_restarts_it(jserver, server_console, qtbot):
    c = server_console(jserver.url, jserver.token)
    # not start_cell: os._exit can end the kernel before its "busy" status
    # leaves the process, so the console may never see it busy
    c.type("import os; os._exit(1)")
    c.key(Key.Key_Return)
    c.wait_text("Kernel died", timeout=20000)
    c.wait_text("Kernel restarted", timeout=20000)
    assert "dead" in c.states
    c.wait_ready()
    c.run("print('back', 1 + 1)")
    assert "back 2" in c.text()


@pytest.mark.slow
def test_dropped_websocket_reconnects_without_losing_or_doubling(jserver, server_console,
                                                                  qtbot):
    proxy = Proxy(jserver.port)
    try:
        c = server_console(proxy.url, jserver.token)
        kc = c.w.kernel_client
        c.run("import time")
        # ticks printed while the connection is down are buffered by the server
        c.w.execute("time.sleep(1.0)\nfor i in range(5):\n    print('tick', i, flush=True)\n"
                    "    time.sleep(0.2)\n'done'")
        qtbot.waitUntil(lambda: c.w.kernel_state == "busy", timeout=10000)
        proxy.refusing = True
        assert proxy.drop() >= 1
        qtbot.waitUntil(lambda: c.w.kernel_state == "disconnected", timeout=10000)
        assert "Lost the connection to the kernel" in c.text()
        # a request made while disconnected waits in the outbox
        shell = []
        kc.shell_channel.messages_received.connect(shell.extend)
        sent = kc.execute("print('sent while disconnected')", store_history=False)
        qtbot.wait(2500)  # the cell finishes while nobody listens
        proxy.refusing = False
        qtbot.waitUntil(lambda: "Reconnected to the kernel" in c.text(), timeout=15000)
        c.wait_text("Out[", timeout=15000)
        c.wait_prompt()
        qtbot.waitUntil(lambda: any(m["parent_header"].get("msg_id") == sent for m in shell),
                        timeout=15000)
        text = c.text()
        why = f"reconnects={kc.reconnects} duplicates={kc._link.duplicates}\n{text[-1500:]}"
        for i in range(5):
            assert _count(text, f"tick {i}") == 1, why
        assert text.index("tick 0") < text.index("tick 4") < text.index("Out[2]: 'done'"), why
        assert sum(m["parent_header"].get("msg_id") == sent and m["msg_type"] == "execute_reply"
                   for m in shell) == 1, why
        assert kc.reconnects == 1 and kc._link.duplicates == 0, why
        c.run("print('after', 2 * 21)")
        assert "after 42" in c.text()
        c.w.shutdown_kernel()
    finally:
        proxy.close()


def test_wrong_token_and_unreachable_server_fail_fast(jserver, qapp):
    import embedcon
    from embedcon.kernels.server import ServerError

    for url, token, expect in ((jserver.url, "wrong-token", "403"),
                               (f"http://127.0.0.1:{free_port()}", "x", "cannot reach")):
        t0 = time.monotonic()
        with pytest.raises(ServerError) as err:
            embedcon.server_console(url, token=token)
        assert time.monotonic() - t0 < 5
        msg = str(err.value)
        assert expect in msg and "\n" not in msg and token not in msg
    with pytest.raises(ServerError, match="no kernel with id"):
        embedcon.server_console(jserver.url, token=jserver.token,
                                kernel_id="00000000-0000-0000-0000-000000000000")
    with pytest.raises(ServerError, match="no kernel spec 'nope'"):
        embedcon.server_console(jserver.url, token=jserver.token, kernel_name="nope")


def _embedcon(*args, env=None, timeout=60):
    return subprocess.run([sys.executable, "-m", "embedcon", *args], capture_output=True,
                          text=True, timeout=timeout,
                          env={**os.environ, "QT_QPA_PLATFORM": "offscreen", **(env or {})})


def test_cli_lists_refuses_a_wrong_token_and_attaches(jserver, embedcon_app, qtbot):
    kid = jserver.api("POST", "kernels", body={"name": "python3"})["id"]
    try:
        out = _embedcon("--server", jserver.url, "--list", env={"JUPYTER_TOKEN": jserver.token})
        assert out.returncode == 0, out.stderr
        assert "python3" in out.stdout and kid in out.stdout
        assert jserver.token not in out.stdout + out.stderr
        t0 = time.monotonic()
        bad = _embedcon("--server", jserver.url, "--token", "wrong-token", "--list")
        elapsed = time.monotonic() - t0
        assert bad.returncode == 1
        assert bad.stderr.count("\n") == 1 and "403" in bad.stderr, bad.stderr
        assert "Traceback" not in bad.stderr and "wrong-token" not in bad.stderr
        assert elapsed < 15  # interpreter start-up included; the request itself is bounded by 4 s
        app = embedcon_app("--server", jserver.url, "--token", jserver.token, "--kernel-id", kid)
        assert not app.window.current_handle.owned  # attached: never shut down unasked
        assert "python3 on http://127.0.0.1" in app.window.windowTitle()
        c = Console(qtbot, app.widget, app.kernel_manager, app.kernel_client)
        c.wait_prompt()
        c.wait_ready()
        c.run("print('attached', 3 * 3)")
        assert "attached 9" in c.text()
        app.window.close()
        assert any(k["id"] == kid for k in jserver.api("GET", "kernels"))  # left running
    finally:
        jserver.api("DELETE", "kernels", kid)


@pytest.mark.slow
def test_https_with_a_ca_file(tmp_path, server_console, qapp):
    import embedcon
    from embedcon.kernels.server import ServerError

    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    import ssl

    srv = ServerProcess(tmp_path, ("--ServerApp.certfile=" + str(cert),
                                   "--ServerApp.keyfile=" + str(key)), scheme="https")
    try:
        srv.wait_up(context=ssl.create_default_context(cafile=str(cert)))
        t0 = time.monotonic()
        with pytest.raises(ServerError, match="certificate") as err:
            embedcon.server_console(srv.url, token=srv.token)
        assert time.monotonic() - t0 < 5 and "--ca-file" in str(err.value)
        c = server_console(srv.url, srv.token, ca_file=str(cert))
        assert c.w.kernel_client._link._connect_request().url.startswith("wss://")
        c.run("print('over tls', 7 * 6)")
        assert "over tls 42" in c.text()
    finally:
        srv.stop()


@pytest.mark.slow
def test_json_form_when_the_server_does_not_offer_v1(tmp_path, server_console, qtbot):
    """Servers and gateways without the v1 subprotocol (Enterprise Gateway among
    them) get the JSON form."""
    srv = ServerProcess(tmp_path, ("--ZMQChannelsWebsocketConnection.kernel_ws_protocol=",))
    try:
        srv.wait_up()
        c = server_console(srv.url, srv.token)
        assert not c.w.kernel_client._link.v1
        c.run("print('json', 6 * 7)")
        assert "json 42" in c.text()
        c.type("name = input('Name? ')")
        c.key(Key.Key_Return)
        qtbot.waitUntil(lambda: c.w._prompt_kind == "stdin", timeout=20000)
        c.type("Ada")
        c.key(Key.Key_Return)
        c.wait_prompt()
        c.run("print(name * 2)")
        assert "AdaAda" in c.text()
        c.w.shutdown_kernel()
    finally:
        srv.stop()


def test_comms_both_ways_through_the_server(jserver, server_console, qtbot):
    """``kernel_client.comm_manager`` exists on a Jupyter Server kernel's client
    too (one shared mixin for the three clients) and carries comms both ways."""
    from test_qtconsole_compat import _comms_both_ways, runner

    c = server_console(jserver.url, jserver.token)
    kc = c.w.kernel_client
    _comms_both_ways(qtbot, kc, runner(qtbot, kc))
