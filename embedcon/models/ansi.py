"""ANSI escape handling: turn terminal text into styled spans and edit actions.

Pure Python, no Qt.  The parser is stateful across chunks (an escape
sequence split between two stream messages is completed by the next one) and
hostile-input safe: an unterminated escape longer than ``MAX_ESCAPE`` is shown
as text, cursor movements are clamped by the consumer, unknown sequences are
dropped, and C0 control characters other than ``\\t \\n \\r \\b`` are shown as
their visible Unicode "control picture" so nothing is silently lost (lone UTF-16
surrogates, which no UTF-8 encoder accepts, become U+FFFD).

Text with no escape or control character takes a fast path: one span, no
regular expression beyond one ``search``.
"""

from __future__ import annotations

import re
from itertools import accumulate, compress
from operator import gt
from typing import NamedTuple

__all__ = ["Style", "AnsiParser", "Text", "CarriageReturn", "Backspace", "CursorUp",
           "EraseLine", "EraseDisplay", "strip_ansi", "collapse_overwrites", "PLAIN"]

# Anything that is not plain printable text (tab and newline are plain).
# Lone UTF-16 surrogates (JSON may carry "\ud800") are special too: no UTF-8
# encoder accepts them, so they are shown as U+FFFD.
_SPECIAL = re.compile("[\x00-\x08\x0b-\x1f\x7f\x9b\ud800-\udfff]")
# One CSI sequence (ESC [ params intermediates final), an OSC sequence
# (ESC ] ... BEL or ST), or another two-character escape.  Lengths are bounded:
# a longer "sequence" is not one, and is shown as text rather than swallowed.
_ESCAPE = re.compile(
    r"""\x1b\[([0-?]{0,256})([ -/]{0,16})([@-~])    # CSI
      | \x1b\][^\x07\x1b]{0,4096}(?:\x07|\x1b\\)  # OSC, e.g. hyperlinks and titles
      | \x1b[@-Z\\^_]                            # other Fe escapes (not OSC)
    """,
    re.VERBOSE,
)
_ACTION = re.compile("[\x1b\r\b\x07]")
# Everything the parser acts on, in one pattern (the groups tell which).
_TOKEN = re.compile(
    r"""\x1b\[([0-?]{0,256})([ -/]{0,16})([@-~])    # 1-3: CSI
      | \x1b\][^\x07\x1b]{0,4096}(?:\x07|\x1b\\)  # OSC: dropped
      | \x1b[@-Z\\^_]                            # another escape (not OSC): dropped
      | (\r\n) | (\r) | (\x08) | (\x07)              # 4-7
      | (\x1b)                                      # 8: ESC starting nothing known
    """,
    re.VERBOSE,
)
_ANSI_ANY = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\^_]")
# Characters that act (ESC, CR, BS, BEL); the rest of _SPECIAL is shown as a
# picture: C0 controls as U+2400.., DEL as U+2421, C1 CSI and lone surrogates
# as U+FFFD.  Pictures are substituted with one str.translate (C speed).
_PICTURE = re.compile("[\x00-\x06\x0b\x0c\x0e-\x1a\x1c-\x1f\x7f\x9b\ud800-\udfff]")
_PICTURE_RUN = re.compile("[\x00-\x06\x0b\x0c\x0e-\x1a\x1c-\x1f\x7f\x9b\ud800-\udfff]+")
_PICTURES = {c: 0x2400 + c for c in range(0x20) if c not in (0x07, 0x08, 0x09, 0x0A, 0x0D, 0x1B)}
_PICTURES[0x7F] = 0x2421
_PICTURES[0x9B] = 0xFFFD
_PICTURES.update(dict.fromkeys(range(0xD800, 0xE000), 0xFFFD))


def _moves(text: str) -> bool:
    """Whether ``text`` (a part between carriage returns) may move the cursor
    or change the style: whether it has ESC, BS or BEL (three substring scans beat one
    character-class regex search by about 10x on big texts)."""
    return "\x1b" in text or "\b" in text or "\x07" in text

# Big texts are checked with bytes.translate (C speed, ~1 ns/char) instead of
# a character-class regex search (~5 ns/char): 10 MB cost 55 ms with the regex.
_BIG = 1 << 16
_PLAIN_BYTES = bytes(range(0x20, 0x7F)) + b"\t\n" + bytes(range(0x80, 0x100))
_PLAIN_OR_ACTION_BYTES = _PLAIN_BYTES + b"\x1b\r\b\x07"


def _picture_run(m) -> str:
    return m.group().translate(_PICTURES)


def _show_pictures(text: str) -> str:
    """Replace the characters shown as pictures.  str.translate costs ~50 ns
    per character of the whole text, a regex substitution ~5 ns per character
    plus ~1 us per run: pick by density."""
    if len(text) < _BIG:
        return text.translate(_PICTURES) if _PICTURE.search(text) else text
    try:
        raw = text.encode("utf-8")
    except UnicodeEncodeError:
        return text.translate(_PICTURES)  # lone surrogates
    count = len(raw.translate(None, _PLAIN_OR_ACTION_BYTES)) + text.count("\x9b")
    if not count:
        return text
    if count * 64 > len(text):
        return text.translate(_PICTURES)
    return _PICTURE_RUN.sub(_picture_run, text)


def _has(text: str, regex, plain_bytes: bytes) -> bool:
    """Whether ``text`` has a character ``regex`` matches (a class within
    _SPECIAL); ``plain_bytes`` are the UTF-8 bytes that cannot be one."""
    if len(text) < _BIG:
        return regex.search(text) is not None
    try:
        raw = text.encode("utf-8")
    except UnicodeEncodeError:
        return True  # lone surrogates
    return bool(raw.translate(None, plain_bytes)) or "\x9b" in text

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


class EraseDisplay(NamedTuple):
    """Erase the display (``ESC [2J``, or ``ESC [3J`` for the scrollback too):
    what ``clear`` sends.  The console clears its transcript, as Ctrl+L does."""

    mode: int


_CR = CarriageReturn()
_BS = Backspace()
_SGR_CACHE: dict = {}


_SGR_SEQ = re.compile(r"\x1b\[[0-9;:]{0,64}m")
_SGR_PARAMS = re.compile(r"\x1b\[([0-?]{0,256})m")
# text and SGR parameters alternating, when colours are the only escapes
_SGR_SPLIT = re.compile(r"\x1b\[([0-9;:]{0,256})m")


def _part_kind(part: str):
    """(visible length, droppable, ends with a style reset) of a part between
    carriage returns; visible length None when it may move the cursor."""
    if not _moves(part):
        return len(part), True, False
    stripped = _SGR_SEQ.sub("", part)
    if _moves(stripped):
        return None, False, False  # other escapes, BS or BEL: may move the cursor
    reset = _ends_with_reset(part)
    return len(stripped), reset, reset  # colours: droppable if they end reset


def collapse_overwrites(text: str) -> str:
    """Drop text that a later carriage return on the same line overwrites
    completely, before it is parsed or laid out.

    A progress bar redrawn 100,000 times within one chunk becomes the few
    redraws that are still visible.  A part between carriage returns is
    dropped when a later part on the same line is at least as long (in
    visible characters) and nothing in between may move the cursor.  Only
    parts without escapes, or with colour (SGR) escapes ending in a reset, are
    dropped; a dropped reset is kept (prefixed to the next part), so styles are
    unchanged.  The part before the first carriage return (it starts wherever
    the cursor was) and the last part (where the cursor ends) are always kept.
    """
    if text.count("\r") < 3:
        return text
    if "\r\n" in text:
        text = text.replace("\r\n", "\n")
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if line.count("\r") < 2:
            continue
        parts = line.split("\r")
        stripped = _SGR_SEQ.sub("", line) if "\x1b" in line else line
        if not _moves(stripped):  # plain or colours only: at C speed
            lines[i] = _collapse_coloured(line, parts, stripped)
            continue
        kinds = _line_kinds(line, parts)
        last = parts[-1]
        kept = [last]
        cover = kinds(len(parts) - 1)[0] or 0
        need_reset = False  # a dropped part's final reset must precede kept[-1]
        for j in range(len(parts) - 2, 0, -1):
            part = parts[j]
            vis, droppable, reset = kinds(j)
            if vis is None:
                if need_reset:
                    kept[-1] = "\x1b[0m" + kept[-1]
                    need_reset = False
                kept.append(part)
                cover = 0  # what follows may be on another line
            elif droppable and vis <= cover:
                need_reset = need_reset or reset
            else:
                if need_reset:
                    kept[-1] = "\x1b[0m" + kept[-1]
                    need_reset = False
                kept.append(part)
                cover = max(cover, vis)
        if need_reset:
            kept[-1] = "\x1b[0m" + kept[-1]
        kept.append(parts[0])
        if len(kept) < len(parts):
            kept.reverse()
            lines[i] = "\r".join(kept)
    return "\n".join(lines)


# a style reset: what came before it no longer matters for the style
_RESET = re.compile(r"\x1b\[0*m")


def _carried_style(line: str, start: int, end: int) -> str:
    """The colour escapes of ``line[start:end]`` (dropped parts), from its last
    reset on: prefixed to the next kept part, they leave the style exactly as
    the dropped parts left it."""
    seqs = "".join(_SGR_SEQ.findall(line, start, end))
    last_reset = None
    for last_reset in _RESET.finditer(seqs):
        pass
    return seqs if last_reset is None else seqs[last_reset.start():]


def _collapse_coloured(line: str, parts: list, stripped: str) -> str:
    """collapse_overwrites for one line whose only escapes are colours: the
    same rule, computed with C-level passes (map, accumulate, compress).

    A dropped part's text goes, its colour escapes stay: the ones after the
    last reset among the dropped parts are put before the next kept part, so
    a part that leaves a style set (``\x1b[2m…\x1b[22m``, ``\x1b[32m…``) can
    be dropped as well as one that ends with a reset."""
    n = len(parts)
    vis = list(map(len, stripped.split("\r")))
    cover = list(accumulate(reversed(vis), max))  # cover[n-1-j] = max(vis[j:])
    cover.reverse()
    # part j (0 < j < n-1) survives when longer than every later part
    keep = list(compress(range(1, n - 1), map(gt, vis[1:n - 1], cover[2:])))
    if len(keep) == n - 2:
        return line
    keep.append(n - 1)
    ends = list(accumulate(map(len, parts)))  # part j spans [ends[j]-len+j, ends[j]+j)
    out = [parts[0]]
    prev = 0
    colours = "\x1b" in line
    for j in keep:
        part = parts[j]
        if colours and j > prev + 1:
            # dropped parts prev+1 .. j-1 span [ends[prev]+prev+1, ends[j-1]+j-1)
            part = _carried_style(line, ends[prev] + prev + 1, ends[j - 1] + j - 1) + part
        out.append(part)
        prev = j
    return "\r".join(out)


def _ends_with_reset(part: str) -> bool:
    last = part.rfind("\x1b")
    return part.startswith("\x1b[0m", last) or part.startswith("\x1b[m", last)


def _line_kinds(line: str, parts: list):
    """kinds(j) -> (visible length, droppable, ends with reset) of parts[j]."""
    if not _moves(line):
        return lambda j: (len(parts[j]), True, False)
    stripped = _SGR_SEQ.sub("", line)
    if not _moves(stripped):  # colours only: one pass for the whole line
        visible = stripped.split("\r")

        def sgr_only(j):
            if "\x1b" not in parts[j]:
                return len(visible[j]), True, False
            reset = _ends_with_reset(parts[j])
            return len(visible[j]), reset, reset
        return sgr_only
    return lambda j: _part_kind(parts[j])


def strip_ansi(text: str) -> str:
    """Remove escape sequences (for plain-text export and tests)."""
    return _ANSI_ANY.sub("", text)


class AnsiParser:
    """Feed text, get a list of actions (:class:`Text`, :class:`CarriageReturn`,
    :class:`Backspace`, :class:`CursorUp`, :class:`EraseLine`, :class:`EraseDisplay`)."""

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
        if not _has(text, _SPECIAL, _PLAIN_BYTES):
            return [Text(text, self.style)] if text else []
        if text.count("\r") >= 3:
            text = collapse_overwrites(text)
        return self._parse(text)

    def skip(self, text: str) -> None:
        """Update the parser state (colours, an escape left incomplete) as
        :meth:`feed` would, without producing actions: for text that will
        never be shown.  Only the SGR sequences after the last plain reset
        are interpreted, so a big coloured flood costs little."""
        if self._pending:
            text = self._pending + text
            self._pending = ""
        if "\x1b" not in text:
            return
        last = text.rfind("\x1b")
        if len(text) - last < MAX_ESCAPE and _ESCAPE.match(text, last) is None and \
                self._maybe_incomplete(text, last):
            self._pending = text[last:]
            text = text[:last]
        reset = max(text.rfind("\x1b[0m"), text.rfind("\x1b[m"))
        if reset >= 0:
            self.style = PLAIN
            text = text[reset:]
        for m in _SGR_PARAMS.finditer(text):
            self.style = self._sgr_style(m.group(1))

    def _parse(self, text: str) -> list:
        # Text between actions is collected in ``buf`` and joined once per
        # run, so a long run of tiny pieces (no-op SGRs, say) stays linear.
        text = _show_pictures(text)
        if len(text) >= _BIG and not ("\x1b" in text or "\r" in text or "\b" in text
                                      or "\x07" in text):
            return [Text(text, self.style)]  # pictures only: no regex scan of a big text
        if not ("\r" in text or "\b" in text or "\x07" in text):
            parts = _SGR_SPLIT.split(text)
            if len(parts) // 2 == text.count("\x1b"):  # colours are the only escapes
                return self._parse_colours(parts)
        out: list = []
        buf: list[str] = []
        pos = 0
        n = len(text)
        emit = self._emit
        search = _ACTION.search  # a one-class search scans fast; _TOKEN then decodes
        match = _TOKEN.match
        while True:
            found = search(text, pos)
            if found is None:
                break
            start = found.start()
            m = match(text, start)
            if start > pos:
                buf.append(text[pos:start])
            pos = m.end()
            kind = m.lastindex
            if kind == 3:  # CSI
                if m.group(2):
                    continue  # with intermediates: dropped
                final = m.group(3)
                if final == "m":
                    style = self._sgr_style(m.group(1))
                    if style != self.style:
                        emit(out, buf)
                        self.style = style
                    continue
                action = self._csi_action(m.group(1), final)
                if action is not None:
                    emit(out, buf)
                    out.append(action)
            elif kind is None:
                continue  # OSC or another escape: dropped
            elif kind == 4:
                buf.append("\n")  # CRLF is a newline
            elif kind == 5:
                emit(out, buf)
                out.append(_CR)
            elif kind == 6:
                emit(out, buf)
                out.append(_BS)
            elif kind == 8:  # an ESC that starts no known sequence
                if n - start < MAX_ESCAPE and self._maybe_incomplete(text, start):
                    self._pending = text[start:]
                    pos = n
                    break
                buf.append("\u241b")  # shown
            # kind 7, bell: nothing to show
        if pos < n:
            buf.append(text[pos:])
        emit(out, buf)
        return out

    def _parse_colours(self, parts: list) -> list:
        """``parts`` alternate text and SGR parameters (``_SGR_SPLIT.split``):
        the common coloured output, with one dictionary lookup per escape
        instead of a regex match and a dispatch (2-3x faster)."""
        out: list = []
        style = self.style
        buf = [parts[0]] if parts[0] else []
        cache = _SGR_CACHE
        for k in range(1, len(parts), 2):
            new = cache.get((parts[k], style))
            if new is None:
                self.style = style
                new = self._sgr_style(parts[k])
            if new != style:
                if buf:
                    out.append(Text(buf[0] if len(buf) == 1 else "".join(buf), style))
                    buf = []
                style = new
            if parts[k + 1]:
                buf.append(parts[k + 1])
        if buf:
            out.append(Text(buf[0] if len(buf) == 1 else "".join(buf), style))
        self.style = style
        return out

    def _emit(self, out: list, buf: list) -> None:
        if not buf:
            return
        s = buf[0] if len(buf) == 1 else "".join(buf)
        buf.clear()
        last = out[-1] if out else None
        if type(last) is Text and last.style == self.style:
            out[-1] = Text(last.text + s, self.style)
        else:
            out.append(Text(s, self.style))

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

    @staticmethod
    def _csi_action(params: str, final: str):
        if final == "K":
            return EraseLine(_int(params, 0) if params in ("", "0", "1", "2") else 0)
        if final in "AF":
            return CursorUp(min(max(_int(params, 1), 1), MAX_CURSOR_MOVE))
        if final == "G" and _int(params, 1) <= 1:  # cursor to column 1: a carriage return
            return _CR
        if final == "J" and params in ("2", "3"):
            return EraseDisplay(int(params))
        return None  # other CSI sequences (cursor down/forward, partial erase display, modes)

    def _sgr_style(self, params: str) -> Style:
        """The style after the SGR sequence with ``params`` (memoised: output
        uses few distinct sequences, and coloured floods use them a lot)."""
        key = (params, self.style)
        style = _SGR_CACHE.get(key)
        if style is None:
            if len(_SGR_CACHE) > 4096:
                _SGR_CACHE.clear()
            style = _SGR_CACHE[key] = self._compute_sgr(params)
        return style

    def _compute_sgr(self, params: str) -> Style:
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
        return Style(fg, bg, bold, faint, italic, underline, inverse)


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


#: The 16 standard terminal colours before a theme adjusts them (models/contrast.py).
ANSI_COLOURS = (
    "#000000", "#cd3131", "#0dbc79", "#c4a000", "#2472c8", "#bc3fbc", "#11a8cd", "#b0b0b0",
    "#666666", "#f14c4c", "#23d18b", "#dcc600", "#3b8eea", "#d670d6", "#29b8db", "#ffffff",
)


def xterm_colour(n: int, base16=ANSI_COLOURS) -> str:
    """The ``#rrggbb`` of xterm's 256-colour index ``n`` (0-15 from ``base16``)."""
    if n < 16:
        return base16[n]
    if n < 232:
        n -= 16
        levels = (0, 95, 135, 175, 215, 255)
        return "#%02x%02x%02x" % (levels[n // 36], levels[(n // 6) % 6], levels[n % 6])
    v = 8 + (n - 232) * 10
    return "#%02x%02x%02x" % (v, v, v)
