"""Completion replies as data: matches, their types, filtering and layout.

No Qt here.  :func:`parse_reply` checks a ``complete_reply`` against the code
it was asked for and reads IPython's per-match metadata
(``_jupyter_types_experimental``: type and signature); :class:`Completions`
filters the matches by what is typed after the completed text starts (10,000
matches filter in about a millisecond); :func:`reconcile` decides what to do
with a reply that arrives after the user typed on; :func:`columns` lays names
out in columns for the ncurses-like and plain styles; :func:`short_type` is
the short tag those styles show for a match's type.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

__all__ = ["Match", "Completions", "parse_reply", "reconcile", "columns", "common_prefix",
           "short_type", "TYPE_TAG_CHARS"]

# characters that end the word being completed: typing one drops a late reply
_WORD_BREAKS = frozenset(" \t\n()[]{},;:=+-*/%<>!&|^~@'\"#\\")


@dataclass(frozen=True)
class Match:
    text: str
    type: str = ""
    signature: str = ""


class Completions:
    """The matches of one reply, replacing ``code[start:end]``.

    Types and signatures are looked up only for the matches that are shown
    (:meth:`match`): a reply of 10,000 matches is parsed in a few
    milliseconds."""

    def __init__(self, texts: list[str], start: int, end: int, metadata: list | None = None):
        self.texts = texts
        self.start = start
        self.end = end
        self._metadata = metadata
        self._info: dict | None = None

    def __len__(self) -> int:
        return len(self.texts)

    def match(self, i: int) -> Match:
        """The i-th match with its type and signature (when the kernel sent them).

        IPython sends the metadata in the order of the matches, so the i-th
        entry is tried first; only a reply where they disagree (duplicates
        dropped, another kernel's order) builds a name -> metadata index, once."""
        text = self.texts[i]
        meta = self._metadata
        if not meta:
            return Match(text)
        item = meta[i] if i < len(meta) else None
        if not isinstance(item, dict) or item.get("text") != text:
            if self._info is None:
                self._info = {}
                for entry in meta:
                    if isinstance(entry, dict):
                        key = entry.get("text")
                        if isinstance(key, str) and key not in self._info:
                            self._info[key] = entry
            item = self._info.get(text)
            if item is None:
                return Match(text)
        return Match(text, _clip(item.get("type")), _clip(item.get("signature")))

    def common_prefix(self) -> str:
        return common_prefix(self.texts)

    def filter(self, typed: str) -> list[int]:
        """Indices of the matches that start with ``typed`` (all for "")."""
        if not typed:
            return list(range(len(self.texts)))
        return [i for i, t in enumerate(self.texts) if t.startswith(typed)]

    @property
    def typed(self) -> bool:
        """Did the kernel send types and signatures (IPython's metadata)?"""
        return bool(self._metadata)


# IPython's completion types -> the tags of the column and plain styles
_SHORT_TYPES = {"function": "fn", "module": "mod", "class": "class", "instance": "inst",
                "keyword": "kw", "statement": "stmt", "param": "param", "path": "path",
                "magic": "magic", "property": "prop", "method": "meth", "text": "text"}
TYPE_TAG_CHARS = 5  # the longest tag


def short_type(kind: str) -> str:
    """The short tag of a completion type (``function`` -> ``fn``); "" for none."""
    if not kind:
        return ""
    return _SHORT_TYPES.get(kind, kind[:TYPE_TAG_CHARS])


def common_prefix(texts: list[str]) -> str:
    return os.path.commonprefix(texts) if texts else ""


def _clip(value, limit: int = 200) -> str:
    if not isinstance(value, str) or value == "<unknown>":
        return ""
    value = value.replace("\n", " ")
    return value if len(value) <= limit else value[: limit - 1] + "\u2026"


def parse_reply(content: dict, code: str, max_matches: int = 100_000) -> Completions | None:
    """The completions in ``content`` for ``code``; None if unusable.

    A reply whose ``cursor_start``/``cursor_end`` do not fit ``code`` is read
    as completing at the end of ``code`` (the caller passes the code up to
    the cursor when unsure)."""
    if not isinstance(content, dict) or content.get("status", "ok") != "ok":
        return None
    raw = content.get("matches")
    if not isinstance(raw, list):
        return None
    start, end = content.get("cursor_start"), content.get("cursor_end")
    if not isinstance(start, int) or not isinstance(end, int) or \
            not 0 <= start <= end <= len(code):
        start = end = len(code)
    meta = content.get("metadata")
    typed = meta.get("_jupyter_types_experimental") if isinstance(meta, dict) else None
    raw = raw[:max_matches]
    try:
        unique = dict.fromkeys(raw)  # in C: order kept, duplicates dropped
    except TypeError:  # something unhashable in a hostile reply
        unique = dict.fromkeys(m for m in raw if isinstance(m, str))
    texts = [m for m in unique if isinstance(m, str) and m]
    if not texts:
        return None
    return Completions(texts, start, end, typed if isinstance(typed, list) else None)


def reconcile(asked_code: str, asked_pos: int, code: str, pos: int) -> str | None:
    """What was typed since a completion was asked for, or None to drop the reply.

    The reply still applies when the only change is text typed at the
    cursor that continues the word (``"imp"`` asked, ``"impor"`` now gives
    ``"or"``); "" means nothing changed."""
    if code == asked_code and pos == asked_pos:
        return ""
    added = len(code) - len(asked_code)
    if added <= 0 or pos != asked_pos + added:
        return None
    typed = code[asked_pos:pos]
    if code[:asked_pos] != asked_code[:asked_pos] or code[pos:] != asked_code[asked_pos:]:
        return None
    if any(ch in _WORD_BREAKS for ch in typed):
        return None
    return typed


def columns(texts: list[str], width: int, gap: int = 2) -> tuple[list[list[int]], int]:
    """Lay ``texts`` out in columns filled top to bottom, at most ``width``
    characters wide.  Returns (rows of indices into ``texts``, column width)."""
    if not texts:
        return [], 0
    colw = min(max(len(t) for t in texts) + gap, max(width, 1))
    ncols = max(1, width // colw)
    nrows = -(-len(texts) // ncols)
    rows = [[] for _ in range(nrows)]
    for i in range(len(texts)):
        rows[i % nrows].append(i)
    return rows, colw
