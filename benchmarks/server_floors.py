"""Floors through a Jupyter Server: a bare WebSocket client, no jupyter_client, no widget.

    EMBEDCON_BENCH_SERVER=http://127.0.0.1:PORT JUPYTER_TOKEN=... python benchmarks/server_floors.py

Starts a kernel on the server (REST), opens its channels WebSocket with the
``v1.kernel.websocket.jupyter.org`` subprotocol, and builds and frames the
messages itself (json + struct): the least any client must do.  Prints one
JSON line:

* ``server_rtt_reply_ms`` / ``server_rtt_idle_ms``: median time from sending
  ``execute('1+1')`` to its execute_reply / to its IOPub ``idle``;
* ``server_drain100k_s``: median time for the kernel to print 100k lines to
  this client, which only reads the frames and looks for the ``idle`` status
  (from the request until that status).

The client asks Linux for quick TCP acknowledgements after every read and
write, as embedcon's server client does: Jupyter Server sends small frames
with Nagle's algorithm on, so with delayed ACKs each reply waits up to 40 ms.
The same figures without it are reported as ``server_plain_rtt_idle_ms`` and
``server_plain_drain100k_s`` (what a naive client gets).
"""

from __future__ import annotations

import asyncio
import datetime
import json
import os
import socket
import statistics
import struct
import sys
import time
import uuid

from tornado.httpclient import AsyncHTTPClient, HTTPRequest
from tornado.websocket import websocket_connect

V1 = "v1.kernel.websocket.jupyter.org"
SESSION = uuid.uuid4().hex


def frame(channel: str, msg_type: str, content: dict) -> tuple[str, bytes]:
    msg_id = uuid.uuid4().hex
    header = {"msg_id": msg_id, "msg_type": msg_type, "session": SESSION, "username": "floor",
              "date": datetime.datetime.now(datetime.timezone.utc).isoformat(),
              "version": "5.3"}
    parts = [json.dumps(p).encode() for p in (header, {}, {}, content)]
    chan = channel.encode()
    n = len(parts) + 2
    offsets = [8 * (n + 1), 8 * (n + 1) + len(chan)]
    for p in parts:
        offsets.append(offsets[-1] + len(p))
    return msg_id, struct.pack(f"<{n + 1}Q", n, *offsets) + chan + b"".join(parts)


def parse(data: bytes) -> tuple[str, dict, dict, bytes]:
    """channel, header, parent header, raw content (content parsed only when needed)."""
    (n,) = struct.unpack_from("<Q", data, 0)
    off = struct.unpack_from(f"<{n}Q", data, 8)
    chan = data[off[0]:off[1]].decode()
    header = json.loads(data[off[1]:off[2]])
    parent = json.loads(data[off[2]:off[3]])
    return chan, header, parent, data[off[4]:off[5]]


QUICKACK = getattr(socket, "TCP_QUICKACK", None)


async def measure(quick: bool, rtt_count: int = 200, drains: int = 3) -> dict:
    url, token = os.environ["EMBEDCON_BENCH_SERVER"], os.environ["JUPYTER_TOKEN"]
    headers = {"Authorization": f"token {token}"}
    http = AsyncHTTPClient()
    resp = await http.fetch(HTTPRequest(f"{url}/api/kernels", method="POST", headers=headers,
                                        body=json.dumps({"name": "python3"})))
    kid = json.loads(resp.body)["id"]
    try:
        ws = await websocket_connect(
            HTTPRequest(url.replace("http", "ws", 1) + f"/api/kernels/{kid}/channels"
                        f"?session_id={SESSION}", headers=headers),
            subprotocols=[V1], max_message_size=1 << 30)
        assert ws.selected_subprotocol == V1
        sock = ws.stream.socket
        ws.stream.set_nodelay(True)

        def ack():
            if quick and QUICKACK is not None:
                sock.setsockopt(socket.IPPROTO_TCP, QUICKACK, 1)

        async def run(code: str, want_reply: bool = True):
            msg_id, data = frame("shell", "execute_request", {
                "code": code, "silent": False, "store_history": False,
                "user_expressions": {}, "allow_stdin": False, "stop_on_error": True})
            t0 = time.perf_counter()
            ws.write_message(data, binary=True)
            ack()
            t_reply = t_idle = None
            while t_reply is None or t_idle is None:
                data = await ws.read_message()
                ack()
                chan, header, parent, content = parse(data)
                if parent.get("msg_id") != msg_id:
                    continue
                if chan == "shell" and header["msg_type"] == "execute_reply":
                    t_reply = time.perf_counter() - t0
                elif chan == "iopub" and header["msg_type"] == "status" \
                        and b'"idle"' in content:
                    t_idle = time.perf_counter() - t0
            return t_reply, t_idle

        # wait until the kernel answers, then warm up
        for _ in range(10):
            await run("1+1")
        reply, idle = [], []
        for _ in range(rtt_count):
            r, i = await run("1+1")
            reply.append(r * 1000)
            idle.append(i * 1000)
        await run("for i in range(10_000): print(i)")
        drained = [(await run("for i in range(100_000): print(i)"))[1] for _ in range(drains)]
        ws.close()
    finally:
        await http.fetch(HTTPRequest(f"{url}/api/kernels/{kid}", method="DELETE",
                                     headers=headers), raise_error=False)
    return {"rtt_reply_ms": statistics.median(reply), "rtt_idle_ms": statistics.median(idle),
            "drain100k_s": statistics.median(drained), "drain100k_all_s": drained}


async def main() -> dict:
    quick = await measure(True)
    plain = await measure(False, rtt_count=50, drains=1)
    out = {f"server_{k}": v for k, v in quick.items()}
    out["server_plain_rtt_idle_ms"] = plain["rtt_idle_ms"]
    out["server_plain_drain100k_s"] = plain["drain100k_s"]
    return out


if __name__ == "__main__":
    sys.stdout.write(json.dumps(asyncio.run(main())) + "\n")
