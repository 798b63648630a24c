"""ANSI escape handling: turn terminal text into styled spans and edit actions.

Pure Python, no Qt.  The parser is stateful across chunks (an escape
sequence split between two stream messages is completed by the next one) and
hostile-input safe: an unterminated escape longer than ``MAX_ESCAPE`` is shown
as text, cursor movements are clamped by the consumer, unknown sequences are
dropped, and C0 control characters other than ``\\t \\n \\r \\b`` are shown as
their visible Unicode "control picture" so nothing is silently lost.

Text with no escape or control character takes a fast path: one span, no
regular expression beyond one ``search``.
"""

from __future__ import annotations

import re
from typing import NamedTuple

__all__ = ["Style", "AnsiParser", "Text", "CarriageReturn", "Backspace", "CursorUp",
           "EraseLine", "strip_ansi", "PLAIN"]

# Anything that is not plain printable text (tab and newline are plain).
_SPECIAL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\x9b]")
# One CSI sequence (ESC [ params intermediates final), an OSC sequence
# (ESC ] ... BEL or ST), or another two-character escape.
_ESCAPE = re.compile(
    r"""\x1b\[([0-?]*)([ -/]*)([@-~])          # CSI
      | \x1b\][^\x07\x1b]*(?:\x07|\x1b\\)     # OSC, e.g. hyperlinks and titles
      | \x1b[@-Z\\-_]                         # other Fe escapes
    """,
    re.VERBOSE,
)
_ANSI_ANY = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]")

MAX_ESCAPE = 256
MAX_CURSOR_MOVE = 10_000


class Style(NamedTuple):
    """A text style; colours are ``None`` (default), an int 0-255 (palette),
    or an ``(r, g, b)`` tuple."""

    fg: object = None
    bg: object = None
    bold: bool = False
    faint: bool = False
    italic: bool = False
    underline: bool = False
    inverse: bool = False


PLAIN = Style()


class Text(NamedTuple):
    text: str
    style: Style


class CarriageReturn(NamedTuple):
    pass


class Backspace(NamedTuple):
    pass


class CursorUp(NamedTuple):
    lines: int


class EraseLine(NamedTuple):
    mode: int  # 0: to end, 1: to start, 2: whole line


def strip_ansi(text: str) -> str:
    """Remove escape sequences (for plain-text export and tests)."""
    return _ANSI_ANY.sub("", text)


def _control_picture(ch: str) -> str:
    code = ord(ch)
    if code < 0x20:
        return chr(0x2400 + code)
    if code == 0x7F:
        return "\u2421"
    return "\ufffd"


class AnsiParser:
    """Feed text, get a list of actions (:class:`Text`, :class:`CarriageReturn`,
    :class:`Backspace`, :class:`CursorUp`, :class:`EraseLine`)."""

    def __init__(self) -> None:
        self.style = PLAIN
        self._pending = ""

    def reset(self) -> None:
        self.style = PLAIN
        self._pending = ""

    def feed(self, text: str) -> list:
        if self._pending:
            text = self._pending + text
            self._pending = ""
        if not _SPECIAL.search(text):
            return [Text(text, self.style)] if text else []
        return self._parse(text)

    def _parse(self, text: str) -> list:
        out: list = []
        pos = 0
        n = len(text)
        append_text = self._append_text
        while pos < n:
            m = _SPECIAL.search(text, pos)
            if m is None:
                append_text(out, text[pos:])
                break
            start = m.start()
            if start > pos:
                append_text(out, text[pos:start])
            ch = text[start]
            if ch == "\x1b":
                em = _ESCAPE.match(text, start)
                if em is None:
                    rest = n - start
                    if rest < MAX_ESCAPE and self._maybe_incomplete(text, start):
                        self._pending = text[start:]
                        break
                    append_text(out, "\u241b")  # lone ESC, shown
                    pos = start + 1
                    continue
                if em.group(3) is not None:
                    self._csi(out, em.group(1), em.group(2), em.group(3))
                pos = em.end()
            elif ch == "\r":
                if start + 1 < n and text[start + 1] == "\n":
                    append_text(out, "\n")  # CRLF is a newline
                    pos = start + 2
                else:
                    out.append(CarriageReturn())
                    pos = start + 1
            elif ch == "\b":
                out.append(Backspace())
                pos = start + 1
            elif ch == "\x07":  # bell: nothing to show
                pos = start + 1
            else:
                append_text(out, _control_picture(ch))
                pos = start + 1
        return out

    @staticmethod
    def _maybe_incomplete(text: str, start: int) -> bool:
        tail = text[start:]
        if len(tail) == 1:
            return True
        if tail[1] == "[":
            return re.fullmatch(r"\x1b\[[0-?]*[ -/]*", tail) is not None
        if tail[1] == "]":
            return "\x07" not in tail and "\x1b\\" not in tail
        return False

    def _append_text(self, out: list, s: str) -> None:
        if out and isinstance(out[-1], Text) and out[-1].style == self.style:
            out[-1] = Text(out[-1].text + s, self.style)
        else:
            out.append(Text(s, self.style))

    def _csi(self, out: list, params: str, inter: str, final: str) -> None:
        if inter:
            return
        if final == "m":
            self._sgr(params)
        elif final == "K":
            out.append(EraseLine(_int(params, 0) if params in ("", "0", "1", "2") else 0))
        elif final in "AF":
            out.append(CursorUp(min(max(_int(params, 1), 1), MAX_CURSOR_MOVE)))
        elif final == "G":  # cursor to column: treat column 1 as carriage return
            if _int(params, 1) <= 1:
                out.append(CarriageReturn())
        # other CSI sequences (cursor down/forward, erase display, modes) are dropped

    def _sgr(self, params: str) -> None:
        codes = [(_int(p, 0) if p else 0) for p in params.replace(":", ";").split(";")] if params else [0]
        st = self.style
        i = 0
        fg, bg = st.fg, st.bg
        bold, faint, italic, underline, inverse = st.bold, st.faint, st.italic, st.underline, st.inverse
        while i < len(codes):
            c = codes[i]
            if c == 0:
                fg = bg = None
                bold = faint = italic = underline = inverse = False
            elif c == 1:
                bold = True
            elif c == 2:
                faint = True
            elif c == 3:
                italic = True
            elif c == 4:
                underline = True
            elif c == 7:
                inverse = True
            elif c == 22:
                bold = faint = False
            elif c == 23:
                italic = False
            elif c == 24:
                underline = False
            elif c == 27:
                inverse = False
            elif 30 <= c <= 37:
                fg = c - 30
            elif 90 <= c <= 97:
                fg = c - 90 + 8
            elif c == 39:
                fg = None
            elif 40 <= c <= 47:
                bg = c - 40
            elif 100 <= c <= 107:
                bg = c - 100 + 8
            elif c == 49:
                bg = None
            elif c in (38, 48):
                colour, used = _extended_colour(codes, i + 1)
                i += used
                if colour is not None:
                    if c == 38:
                        fg = colour
                    else:
                        bg = colour
            i += 1
        self.style = Style(fg, bg, bold, faint, italic, underline, inverse)


def _extended_colour(codes: list, i: int):
    """Parse ``5;n`` or ``2;r;g;b`` after a 38/48; return (colour, codes used)."""
    if i < len(codes) and codes[i] == 5 and i + 1 < len(codes):
        n = codes[i + 1]
        return (n if 0 <= n <= 255 else None), 2
    if i < len(codes) and codes[i] == 2 and i + 3 < len(codes):
        r, g, b = (max(0, min(255, v)) for v in codes[i + 1:i + 4])
        return (r, g, b), 4
    return None, len(codes) - i


def _int(s: str, default: int) -> int:
    try:
        return int(s) if s and len(s) < 10 else default
    except ValueError:
        return default
