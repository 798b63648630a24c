"""Kernel messages on a Jupyter Server's kernel WebSocket, in both of its forms.

Jupyter Server defines two encodings for ``/api/kernels/<id>/channels``
(see its "WebSocket kernel wire protocols" documentation):

* ``v1.kernel.websocket.jupyter.org`` (chosen when the server offers this
  subprotocol): one binary frame per message: a little-endian 64-bit count
  *n*, then *n* 64-bit offsets into the frame, then the channel name and the
  message's parts (header, parent header, metadata, content, buffers) as the
  kernel put them on the wire, so the server relays them without parsing.
* the JSON form (servers and gateways without the subprotocol): a text frame
  holding the message dict with a ``channel`` key; a message with binary
  buffers is a binary frame instead (a big-endian 32-bit count, 32-bit
  offsets, the JSON, then the buffers).

Messages are built, packed and unpacked by :class:`jupyter_client.session.Session`
(:func:`wire_session` makes one): nothing here signs or checks signatures.  On
this link the server does both, with the kernel's key, which never leaves it.
"""

from __future__ import annotations

import json
import struct
from typing import Any

from jupyter_client.jsonutil import extract_dates, json_default
from jupyter_client.session import Session

__all__ = ["V1_PROTOCOL", "wire_session", "encode", "decode", "pack_v1", "unpack_v1"]

V1_PROTOCOL = "v1.kernel.websocket.jupyter.org"
_Q = struct.Struct("<Q")


def wire_session(**kwargs: Any) -> Session:
    """A Session for a WebSocket link: it builds and parses messages and
    leaves signing to the server (no HMAC of its own)."""
    session = Session(**kwargs)
    session.auth = None  # the server signs with the kernel's key
    return session


def pack_v1(channel: str, parts: list[bytes]) -> bytes:
    """Frame ``parts`` for ``channel`` in the v1 binary form."""
    chan = channel.encode("utf-8")
    count = len(parts) + 2
    offsets = [8 * (count + 1), 8 * (count + 1) + len(chan)]
    for part in parts:
        offsets.append(offsets[-1] + len(part))
    return struct.pack(f"<{count + 1}Q", count, *offsets) + chan + b"".join(
        bytes(p) for p in parts)


def unpack_v1(frame: bytes) -> tuple[str, list[bytes]]:
    """The channel and the parts of a v1 binary frame (ValueError if malformed)."""
    size = len(frame)
    if size < 8:
        raise ValueError("frame shorter than its header")
    (count,) = _Q.unpack_from(frame, 0)
    if count < 2 or 8 * (count + 1) > size:
        raise ValueError(f"frame announces {count} offsets")
    offsets = struct.unpack_from(f"<{count}Q", frame, 8)
    if offsets[0] != 8 * (count + 1) or any(b < a for a, b in zip(offsets, offsets[1:])) \
            or offsets[-1] > size:
        raise ValueError("frame offsets out of order or out of range")
    mv = memoryview(frame)
    channel = bytes(mv[offsets[0]:offsets[1]]).decode("utf-8")
    parts = [bytes(mv[offsets[i]:offsets[i + 1]]) for i in range(1, count - 1)]
    return channel, parts


def _pack_legacy_binary(msg: dict) -> bytes:
    msg = dict(msg)
    buffers = [bytes(b) for b in msg.pop("buffers")]
    head = json.dumps(msg, default=json_default).encode("utf-8")
    bufs = [head, *buffers]
    offsets = [4 * (len(bufs) + 1)]
    for buf in bufs[:-1]:
        offsets.append(offsets[-1] + len(buf))
    return struct.pack(f"!{len(bufs) + 1}I", len(bufs), *offsets) + b"".join(bufs)


def _unpack_legacy_binary(frame: bytes) -> dict:
    (count,) = struct.unpack_from("!I", frame, 0)
    if count < 1 or 4 * (count + 1) > len(frame):
        raise ValueError(f"frame announces {count} buffers")
    offsets = list(struct.unpack_from(f"!{count}I", frame, 4)) + [len(frame)]
    bufs = [frame[a:b] for a, b in zip(offsets, offsets[1:])]
    msg = json.loads(bufs[0].decode("utf-8"))
    msg["buffers"] = [memoryview(b) for b in bufs[1:]]
    return msg


def encode(session: Session, channel: str, msg: dict, v1: bool) -> bytes | str:
    """One WebSocket frame carrying ``msg`` (built by ``session.msg``) on ``channel``."""
    buffers = list(msg.get("buffers") or [])
    if v1:
        # Session.serialize gives [DELIM, signature, header, parent, metadata, content]
        parts = session.serialize(msg)[2:]
        return pack_v1(channel, parts + buffers)
    out = {k: msg[k] for k in ("header", "parent_header", "metadata", "content") if k in msg}
    out["channel"] = channel
    if buffers:
        out["buffers"] = buffers
        return _pack_legacy_binary(out)
    return json.dumps(out, default=json_default)


def decode(session: Session, frame: bytes | str, v1: bool) -> tuple[str, dict]:
    """The channel and the message of one frame (ValueError/KeyError if malformed)."""
    if v1:
        if isinstance(frame, str):
            raise ValueError("text frame on a v1 connection")
        channel, parts = unpack_v1(frame)
        if len(parts) < 4:
            raise ValueError(f"message with {len(parts)} parts")
        # Session.deserialize takes [signature, header, ...]; it checks no
        # signature since the session has no key (see wire_session)
        return channel, session.deserialize([b"", *parts])
    msg = json.loads(frame) if isinstance(frame, str) else _unpack_legacy_binary(frame)
    if not isinstance(msg, dict):
        raise ValueError("frame is not a JSON object")
    channel = msg.pop("channel", None)
    if not isinstance(channel, str):
        raise ValueError("message without a channel")
    for key in ("header", "parent_header"):
        if isinstance(msg.get(key), dict):
            msg[key] = extract_dates(msg[key])
    header = msg.get("header")
    if isinstance(header, dict):
        msg.setdefault("msg_id", header.get("msg_id"))
        msg.setdefault("msg_type", header.get("msg_type"))
    msg.setdefault("metadata", {})
    msg.setdefault("buffers", [])
    return channel, msg
