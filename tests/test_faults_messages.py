"""Bad messages from a kernel: dropped (or repaired) and logged, never fatal.

A fake kernel on real ZMQ sockets (``fake_kernel.FakeKernel``) sends crafted
IOPub and shell traffic to a real ``RichJupyterWidget`` connected through
``embedcon.client.QtKernelClient``.  For every case a valid stream message is
sent right after the bad one: it must appear promptly (a bad message never
delays the next good one), the bad one must be logged, and pytest-qt's
capture of exceptions in Qt slots stays on, so an exception escaping into the
event loop fails the test.  One scenario also runs in a subprocess without
pytest, where PyQt6 aborts the process on such an exception.
"""

import json
import logging
import os
import subprocess
import sys
import textwrap
import time
import uuid

import pytest
from conftest import Key
from fake_kernel import DELIM, FakeKernel
from jupyter_client.session import Session


HERE = os.path.dirname(os.path.abspath(__file__))
PNG_1PX = ("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9"
           "awAAAABJRU5ErkJggg==")


class FakeConsole:
    def __init__(self, fk, kc, console):
        self.fk, self.kc, self.c = fk, kc, console
        self.parent = fk.header_for(kc.session.session)

    def send(self, *frame_lists):
        self.fk.send_iopub(*frame_lists)

    def stream(self, text, name="stdout"):
        return self.fk.stream(text, self.parent, name)

    def msg(self, msg_type, content):
        return self.fk.frames(msg_type, content, self.parent)

    def then_valid(self, *bad, timeout=3.0):
        """Send the bad frames then a valid stream; return seconds until the
        valid text is on screen."""
        marker = f"valid-{uuid.uuid4().hex[:8]}"
        t0 = time.monotonic()
        self.send(*bad, self.stream(marker + "\n"))
        self.c.wait_text(marker, timeout=int(timeout * 1000))
        return time.monotonic() - t0

    @property
    def dropped(self):
        return self.kc.iopub_channel.dropped


def connect(fk, make_console, wait=True, **traits):
    kc = fk.client()
    try:
        c = make_console(None, kc, wait=wait, **traits)
    except BaseException:
        kc.stop_channels()
        raise
    return kc, c


@pytest.fixture
def fake(qapp, make_console, tmp_path):
    fk = FakeKernel(tmp_path)
    kc = None
    try:
        kc, c = connect(fk, make_console)
        fk.wait_subscribed()
        yield FakeConsole(fk, kc, c)
    finally:
        if kc is not None:
            kc.stop_channels()
        fk.close()


def logged(caplog, *needles):
    text = "\n".join(r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING)
    return all(n in text for n in needles)


# -- frames that are not valid messages: the client drops them -----------------


def _raw_cases(fc):
    s = fc.fk.session
    good = fc.msg("stream", {"name": "stdout", "text": "never shown\n"})
    header, parent, meta, content = good[3:7]
    other = Session(key=b"not-the-key")
    deep = b"[" * 100_000 + b"]" * 100_000
    return {
        "wrong signature": [b"t", DELIM, other.sign([header, parent, meta, content]),
                            header, parent, meta, content],
        "unsigned": [b"t", DELIM, b"", header, parent, meta, content],
        "signature of other frames": [b"t", DELIM, s.sign([header, parent, meta, b"{}"]),
                                      header, parent, meta, content],
        "only delimiter and signature": [b"t", DELIM, s.sign([])],
        "truncated after header": fc.fk.signed([header]),
        "no delimiter": [b"t", header, parent, meta, content],
        "one empty frame": [b""],
        "invalid JSON header": fc.fk.signed([b"{not json", parent, meta, content]),
        "invalid UTF-8 content": fc.fk.signed([header, parent, meta, b"\xff\xfe\x00garbage"]),
        "deeply nested JSON": fc.fk.signed([header, parent, meta, deep]),
        "header is a list": fc.fk.signed([b"[1, 2]", parent, meta, content]),
        "header without msg_id": fc.fk.signed([json.dumps({"msg_type": "stream"}).encode(),
                                               parent, meta, content]),
        "parent header is a list": fc.fk.signed([header, b"[]", meta, content]),
        "content is a list": fc.msg("stream", [1, 2]),
        "content is null": fc.msg("stream", None),
        "content is a string": fc.msg("stream", "text"),
        "bad protocol version": fc.fk.frames(
            "stream", {"name": "stdout", "text": "never shown\n"}, fc.parent,
            header={**fc.fk.session.msg_header("stream"), "version": "x.y"}),
    }


RAW_CASES = ["wrong signature", "unsigned", "signature of other frames",
             "only delimiter and signature", "truncated after header", "no delimiter",
             "one empty frame", "invalid JSON header", "invalid UTF-8 content",
             "deeply nested JSON", "header is a list", "header without msg_id",
             "parent header is a list", "content is a list", "content is null",
             "content is a string", "bad protocol version"]


@pytest.mark.parametrize("case", RAW_CASES)
def test_invalid_frames_are_dropped_and_logged(fake, caplog, case):
    frames = _raw_cases(fake)[case]
    before = fake.dropped
    with caplog.at_level(logging.WARNING):
        delay = fake.then_valid(frames)
    assert fake.dropped == before + 1
    assert logged(caplog, "dropped")
    assert "never shown" not in fake.c.text()
    assert delay < 2.0
    fake.c.run("1")  # the console still works


def test_replayed_message_is_dropped(fake, caplog):
    frames = fake.stream("once-only\n")
    with caplog.at_level(logging.WARNING):
        fake.then_valid(frames, frames, frames)
    assert fake.c.text().count("once-only") == 1
    assert fake.dropped == 2
    assert logged(caplog, "Duplicate Signature")


def test_a_flood_of_forged_messages_does_not_delay_a_valid_one(fake, caplog):
    other = Session(key=b"attacker")
    forged = [other.serialize(other.msg("stream", {"name": "stdout", "text": "forged\n"},
                                        parent=fake.parent)) for _ in range(3000)]
    with caplog.at_level(logging.WARNING):
        delay = fake.then_valid(*forged, timeout=20)
    assert fake.dropped == 3000
    assert "forged" not in fake.c.text()
    print(f"[faults] valid message after 3000 forged ones shown after {delay * 1000:.0f} ms")


# -- signed messages whose content is malformed ---------------------------------

# case -> (msg_type, content, outcome, text that must be on screen after, text logged)
# outcome: "dropped" by the client, "repaired" by the client (a malformed
# optional field removed, the rest shown), "fallback" in the widget.
CONTENT_CASES = {
    "stream without text": ("stream", {"name": "stdout"}, "dropped", None, "without 'text'"),
    "stream text is a number": ("stream", {"name": "stdout", "text": 5}, "dropped", None,
                                "malformed 'text'"),
    "stream name is a list": ("stream", {"name": [1], "text": "x"}, "dropped", None,
                              "malformed 'name'"),
    "traceback null": ("error", {"ename": "ValueError", "evalue": "bad thing", "traceback": None},
                       "repaired", "ValueError: bad thing", "malformed 'traceback'"),
    "traceback of numbers": ("error", {"ename": "E1", "evalue": "v1", "traceback": [1, 2]},
                             "repaired", "E1: v1", "malformed 'traceback'"),
    "invalid PNG with text": ("display_data",
                              {"data": {"image/png": "bm90IGEgcG5n", "text/plain": "fallback text"},
                               "metadata": {}}, "fallback", "fallback text",
                              "could not decode image/png"),
    "PNG that is not base64": ("display_data", {"data": {"image/png": "%%%!!"}, "metadata": {}},
                               "fallback", None, "could not decode image/png"),
    "PNG payload a number": ("display_data", {"data": {"image/png": 5}, "metadata": {}},
                             "fallback", None, "could not decode image/png"),
    "metadata is a list": ("display_data", {"data": {"image/png": PNG_1PX}, "metadata": [1]},
                           "repaired", None, "malformed 'metadata'"),
    "display_data without data": ("display_data", {"metadata": {}}, "dropped", None,
                                  "without 'data'"),
    "display data is a list": ("display_data", {"data": [1], "metadata": {}}, "dropped", None,
                               "malformed 'data'"),
    "execute_result data is a list": ("execute_result", {"data": [1], "execution_count": 1},
                                      "dropped", None, "malformed 'data'"),
    "execute_result data is a string": ("execute_result", {"data": "x", "execution_count": 1},
                                        "dropped", None, "malformed 'data'"),
    "execute_result metadata is a string": (
        "execute_result", {"data": {"text/html": "<b>bold result</b>"}, "execution_count": 3,
                           "metadata": "x"}, "repaired", "bold result", "malformed 'metadata'"),
    "status without state": ("status", {}, "dropped", None, "without 'execution_state'"),
    "status state is a list": ("status", {"execution_state": ["idle"]}, "dropped", None,
                               "malformed 'execution_state'"),
}


@pytest.mark.parametrize("case", list(CONTENT_CASES))
def test_malformed_content_is_dropped_or_repaired_and_logged(fake, caplog, case):
    msg_type, content, outcome, shown, log_text = CONTENT_CASES[case]
    before = fake.dropped
    images = len(fake.c.w.image_names())
    with caplog.at_level(logging.WARNING):
        delay = fake.then_valid(fake.msg(msg_type, content))
    assert logged(caplog, log_text), [r.getMessage() for r in caplog.records]
    assert fake.dropped == before + (outcome == "dropped")
    if shown is not None:
        assert shown in fake.c.text()
    if case == "metadata is a list":
        assert len(fake.c.w.image_names()) == images + 1  # the picture itself is shown
    assert delay < 2.0
    fake.c.run("1")


def test_malformed_execute_reply_payload_still_finishes_the_cell(fake, caplog):
    fake.fk.replies["execute_request"] = {"status": "ok", "execution_count": 1,
                                          "payload": [1, "x", None]}
    with caplog.at_level(logging.WARNING):
        fake.c.run("1", timeout=5000)
    assert logged(caplog, "malformed 'payload'")
    fake.fk.replies.clear()
    fake.c.run("2", timeout=5000)


def test_malformed_completion_reply(fake, caplog):
    fake.fk.replies["complete_request"] = {"status": "ok", "matches": None, "cursor_start": "x",
                                           "cursor_end": None, "metadata": [1]}
    with caplog.at_level(logging.WARNING):
        fake.c.type("ab")
        fake.c.key(Key.Key_Tab)
        fake.c.qtbot.waitUntil(lambda: logged(caplog, "malformed 'matches'"), timeout=5000)
    assert fake.c.w.input_buffer == "ab"
    fake.fk.replies.clear()
    fake.c.w.input_buffer = ""
    fake.c.run("1")


@pytest.mark.parametrize("language_info", [[1], "python"])
def test_malformed_kernel_info_reply(qapp, make_console, tmp_path, caplog, language_info):
    fk = FakeKernel(tmp_path, replies={"kernel_info_request": {"status": "ok", "banner": 5,
                                                               "language_info": language_info}})
    try:
        with caplog.at_level(logging.WARNING):
            kc, c = connect(fk, make_console, wait=False)
            try:
                c.wait_prompt(1, timeout=10000)
                assert logged(caplog, "malformed 'language_info'")
                c.run("1")
            finally:
                kc.stop_channels()
    finally:
        fk.close()


def _png(width, height, body=b"not really compressed pixels"):
    """A PNG whose header claims ``width`` x ``height`` (the pixels are garbage)."""
    import struct
    import zlib

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + \
            struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", body) + \
        chunk(b"IEND", b"")


@pytest.mark.parametrize("width, height", [(100_000, 100_000), (1, 2_000_000_000), (64, 64)])
def test_picture_with_a_lying_header(fake, caplog, width, height):
    import base64

    payload = base64.b64encode(_png(width, height)).decode()
    with caplog.at_level(logging.WARNING):
        fake.then_valid(fake.msg("display_data", {"data": {"image/png": payload,
                                                           "text/plain": "picture text"},
                                                  "metadata": {}}))
        t0 = time.monotonic()
        fake.c.w.grab()  # paint it: the pixels are decoded (and fail) now
        painted = time.monotonic() - t0
    assert painted < 2.0
    fake.c.run("1")


def test_stream_with_lone_surrogates(fake):
    # JSON allows "\ud800": it decodes to a str that no UTF-8 encoder accepts
    frames = fake.fk.signed([fake.fk.session.pack(fake.fk.session.msg_header("stream")),
                             fake.fk.session.pack(fake.parent), b"{}",
                             b'{"name": "stdout", "text": "a\\ud800b\\udfffc\\n"}'])
    fake.then_valid(frames)
    text = fake.c.text()
    assert "a\ufffdb\ufffdc" in text
    text.encode("utf-8")  # exportable, savable


# -- in a subprocess: PyQt6 aborts on an exception escaping a slot ---------------

SCRIPT = textwrap.dedent("""
    import os, sys, json, tempfile, time
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    sys.path.insert(0, {here!r})
    from qtpy import QtWidgets
    app = QtWidgets.QApplication([])
    from fake_kernel import FakeKernel
    from embedcon.client import QtKernelClient
    from embedcon.widgets import RichJupyterWidget

    def wait(pred, timeout=20.0):
        end = time.monotonic() + timeout
        while not pred():
            if time.monotonic() > end:
                print("timed out", file=sys.stderr)
                sys.exit(3)
            app.processEvents()
            time.sleep(0.005)

    fk = FakeKernel(tempfile.mkdtemp(), replies={{
        "kernel_info_request": {{"status": "ok", "language_info": [1]}}}})
    kc = fk.client()
    w = RichJupyterWidget()
    w.kernel_client = kc
    w.show()
    wait(lambda: "In [1]" in w.export_text())
    fk.wait_subscribed()
    fk.replies = {{"execute_request": {{"status": "ok", "execution_count": 1, "payload": [1]}}}}
    par = fk.header_for(kc.session.session)
    bad = [
        fk.frames("display_data", {{"data": {{"image/png": {png!r}}}, "metadata": [1]}}, par),
        fk.frames("execute_result", {{"data": {{"text/html": "<i>x</i>"}}, "metadata": "m"}}, par),
        fk.frames("error", {{"ename": "E", "evalue": "v", "traceback": None}}, par),
        fk.frames("stream", {{"name": "stdout"}}, par),
        fk.frames("stream", [1], par),
        fk.signed([b"{{", b"{{}}", b"{{}}", b"{{}}"]),
    ]
    fk.send_iopub(*bad, fk.stream("subprocess-ok\\n", par))
    wait(lambda: "subprocess-ok" in w.export_text())
    w.execute("1")
    wait(lambda: "In [2]" in w.export_text())
    kc.stop_channels()
    fk.close()
    print("clean exit")
""")


def test_bad_messages_in_a_plain_pyqt6_process_exit_cleanly(tmp_path):
    script = tmp_path / "bad_messages.py"
    script.write_text(SCRIPT.format(here=HERE, png=PNG_1PX))
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "QT_API": "pyqt6"}
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                         timeout=90, env=env)
    assert out.returncode == 0, out.stderr[-3000:]
    assert "clean exit" in out.stdout
