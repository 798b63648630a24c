"""Putting kernel output into the console's document, fast and safely.

* Stream text is queued and written once per frame (``flush_interval``), so a
  burst of messages costs one document edit; text enough for a whole slice
  is written on the next event-loop turn, without waiting for the frame.
* Text without escape or control characters skips the ANSI parser.
* Before anything reaches Qt's layout, lines longer than ``fold_width`` are
  folded into several blocks (marked so that export and copy join them
  again), and a line longer than ``max_line_chars`` is elided: its head and
  its last ``tail_chars`` characters are shown with a placeholder object
  between them (see ``widgets/long_output.py``); the rest is kept in
  :attr:`OutputWriter.elided` where it can be saved or shown.
* Scrollback is bounded: after each write the oldest blocks beyond
  ``buffer_size`` are removed in one edit, and queued text that would be
  trimmed anyway is dropped before it is laid out.
"""

from __future__ import annotations

import logging
import time

from qtpy import QtCore, QtGui

from ..models.ansi import (ANSI_COLOURS, AnsiParser, Backspace, CarriageReturn, CursorUp, EraseDisplay,
                           EraseLine, xterm_colour,
                           Style, Text)
from ..models.contrast import ink_on

__all__ = ["OutputWriter", "FOLDED", "ANSI_COLOURS"]

log = logging.getLogger("embedcon.output")

# block user state marking a block that continues the previous block's line
FOLDED = 1

_USER = QtGui.QTextFormat.Property.UserProperty
# property of a coloured output format: the index of its (style, stream) in the
# writer's ``style_keys`` (a theme or ``colors`` switch rebuilds the format from it)
STYLE_KEY = (_USER.value if hasattr(_USER, "value") else int(_USER)) + 12
# property of the console's own formats: which one (ROLE_PROMPT...), so that a theme,
# ``colors`` or style-sheet switch gives the text already written the current one
ROLE_KEY = STYLE_KEY + 1
ROLE_PROMPT, ROLE_OUT_PROMPT, ROLE_NOTICE = 1, 2, 3
ROLE_PROMPT_NUMBER, ROLE_OUT_PROMPT_NUMBER = 4, 5
ROLE_OTHER_PROMPT = 6  # the prompt of another client's input



def _xterm_colour(n: int) -> str:
    return xterm_colour(n)


def _is_low_surrogate(ch) -> bool:
    return isinstance(ch, str) and len(ch) == 1 and "\udc00" <= ch <= "\udfff"


class OutputWriter:
    """Writes styled text into a QTextDocument at a cursor, with the rules above."""

    def __init__(self, document: QtGui.QTextDocument, *, fold_width: int = 2000,
                 max_line_chars: int = 1_000_000, buffer_size: int = 10_000,
                 stderr_colour: str = "#b22222", max_elided: int = 20):
        self.document = document
        self.fold_width = fold_width
        self.max_line_chars = max_line_chars
        self.buffer_size = buffer_size
        self.stderr_colour = stderr_colour
        self.max_elided = max_elided
        self.default_fg = None
        self.text_colour = None  # the theme's text colour, for text on ANSI backgrounds
        self.ansi_colours = list(ANSI_COLOURS)  # the theme sets colours readable on it
        self.no_color = False  # colors = NoColor: escapes keep weight/underline, lose colour
        self.elided: list[str] = []
        # placeholder(rest, tail) -> the format of an object standing for the
        # hidden middle of an elided line (rest[:-tail]), or None for a text marker
        self.placeholder = None
        self.tail_chars = 500
        self.folded_blocks = 0
        self._parsers = {"stdout": AnsiParser(), "stderr": AnsiParser()}
        self._formats: dict = {}
        self.style_keys: list = []  # (style, stream) of the coloured formats, by STYLE_KEY
        self._style_index: dict = {}
        self._line_chars = 0  # length of the logical line being written
        self._move_down = True
        # called after an erase display removed the transcript above the output
        # (the console's positions before it are gone)
        self.on_erase_display = None

    # -- formats ---------------------------------------------------------
    def char_format(self, style: Style, stream: str = "stdout") -> QtGui.QTextCharFormat:
        key = (style, stream)
        fmt = self._formats.get(key)
        if fmt is not None:
            return fmt
        fmt = QtGui.QTextCharFormat()
        fg, bg = style.fg, style.bg
        if fg is not None or bg is not None or style.inverse or style.faint or \
                stream == "stderr":  # coloured (unless NoColor): tagged to be rebuilt
            index = self._style_index.get(key)
            if index is None:
                index = self._style_index[key] = len(self.style_keys)
                self.style_keys.append(key)
            fmt.setProperty(STYLE_KEY, index)
        if self.no_color:  # colors = NoColor: weight, slant and underline only
            fg = bg = None
        elif style.inverse:
            fg, bg = (bg if bg is not None else "bg"), (fg if fg is not None else "fg")
        colour = self._colour(fg)
        if colour is None and stream == "stderr" and not self.no_color:
            colour = QtGui.QColor(self.stderr_colour)
        if fg == "bg":
            colour = QtGui.QColor("#ffffff")
        if colour is not None:
            fmt.setForeground(colour)
        bcolour = QtGui.QColor("#202020") if bg == "fg" else self._colour(bg, base=True)
        if bcolour is not None:
            fmt.setBackground(bcolour)
        if style.bold:
            fmt.setFontWeight(QtGui.QFont.Weight.Bold)
        if style.italic:
            fmt.setFontItalic(True)
        if style.underline:
            fmt.setFontUnderline(True)
        if style.faint and colour is None and not self.no_color:
            fmt.setForeground(QtGui.QColor("#808080"))
        if bcolour is not None:  # text on a background of its own is read against it
            if isinstance(fg, int) and fg < 16:
                fmt.setForeground(QtGui.QColor(ANSI_COLOURS[fg]))
            ink = fmt.foreground().color().name() if fmt.hasProperty(
                QtGui.QTextFormat.Property.ForegroundBrush) else self.text_colour
            if ink:
                fmt.setForeground(QtGui.QColor(ink_on(ink, bcolour.name())))
        self._formats[key] = fmt
        return fmt

    def _colour(self, c, base: bool = False):
        if c is None or isinstance(c, str):
            return None
        if isinstance(c, tuple):
            return QtGui.QColor(*c)
        if c < 16:  # the 16 standard colours of text follow the theme; backgrounds
            # (``base``) keep the base colours (models/contrast.py: ink_on)
            return QtGui.QColor(ANSI_COLOURS[c] if base else self.ansi_colours[c])
        return QtGui.QColor(_xterm_colour(c))

    @property
    def line_chars(self) -> int:
        """Characters written so far on the current output line."""
        return self._line_chars

    # -- writing ---------------------------------------------------------
    def reset_state(self) -> None:
        for p in self._parsers.values():
            p.reset()
        self._line_chars = 0

    def discard(self, text: str, stream: str) -> None:
        """Account for text that will never be shown, to keep the colour state
        right (cheap: only the colours after the last reset are interpreted)."""
        self._parsers.setdefault(stream, AnsiParser()).skip(text)

    def write(self, cursor: QtGui.QTextCursor, text: str, stream: str = "stdout",
              overwrite_floor: int = 0, move_down: bool = True) -> None:
        """Write ``text`` at ``cursor`` (moved past it).  ``overwrite_floor``
        is the position carriage returns and cursor-up never move before.

        Where the cursor is not at the end (after a carriage return, a
        backspace or a cursor-up) text overwrites, and a line feed moves to
        the start of the next line, as in a terminal; with ``move_down``
        false (output above a live prompt, whose line follows) it starts a
        new line instead."""
        self._move_down = move_down
        if overwrite_floor > cursor.position():  # the text above was erased since
            overwrite_floor = cursor.block().position()
        parser = self._parsers.setdefault(stream, AnsiParser())
        formats = self._formats
        width = self.fold_width
        at_end = cursor.atEnd()  # stays true while text is appended
        for action in parser.feed(text):
            kind = type(action)
            if kind is Text:
                fmt = formats.get((action.style, stream)) or self.char_format(action.style, stream)
                chunk = action.text
                n = len(chunk)
                if at_end and self._line_chars + n < width:
                    # the common case (coloured output, one segment per colour):
                    # nothing to overwrite, and no line can reach fold_width
                    nl = chunk.rfind("\n")
                    self._line_chars = n - nl - 1 if nl >= 0 else self._line_chars + n
                    cursor.insertText(chunk, fmt)
                    continue
                self._insert(cursor, chunk, fmt)
                at_end = cursor.atEnd()
                continue
            at_end = False  # moved (or erased): look again at the next text
            if kind is CarriageReturn:
                pos = max(cursor.block().position(), overwrite_floor)
                cursor.setPosition(pos)
                self._line_chars = 0
            elif kind is Backspace:
                pos = cursor.position()
                if cursor.positionInBlock() > 0 and pos > overwrite_floor:
                    # setPosition needs no text layout (movePosition does: slow
                    # on a long line); step over a whole surrogate pair
                    step = 2 if pos >= 2 and _is_low_surrogate(self.document.characterAt(pos - 1)) \
                        and cursor.positionInBlock() >= 2 else 1
                    cursor.setPosition(pos - step)
            elif kind is EraseLine:
                self._erase_line(cursor, action.mode, overwrite_floor)
            elif kind is CursorUp:
                self._cursor_up(cursor, action.lines, overwrite_floor)
            elif kind is EraseDisplay:
                self._erase_display(cursor)
                overwrite_floor = 0

    def _erase_line(self, cursor, mode: int, floor: int) -> None:
        """Erase in line, as a terminal does: the cursor stays in its column;
        to its left the characters become blanks (modes 1 and 2: the column
        under the cursor too), to its right they go (modes 0 and 2)."""
        pos = cursor.position()
        block = cursor.block()
        end = block.position() + block.length() - 1
        c = QtGui.QTextCursor(cursor)
        if mode in (0, 2) and end > pos:
            c.setPosition(end, QtGui.QTextCursor.MoveMode.KeepAnchor)
            c.removeSelectedText()
            end = pos
        if mode in (1, 2):
            start = max(block.position(), floor)
            stop = min(pos + 1, end)  # the column under the cursor, if it has a character
            if stop > start:
                c.setPosition(start)
                c.setPosition(stop, QtGui.QTextCursor.MoveMode.KeepAnchor)
                c.insertText(" " * (stop - start), self.char_format(Style()))
                cursor.setPosition(pos)

    def _erase_display(self, cursor) -> None:
        """Erase display: the transcript above the cursor's line goes, as with
        Ctrl+L, and so does that line; what follows the output (a live prompt
        and its input) stays."""
        block = cursor.block()
        c = QtGui.QTextCursor(cursor)
        c.setPosition(block.position() + block.length() - 1)
        c.setPosition(0, QtGui.QTextCursor.MoveMode.KeepAnchor)
        c.removeSelectedText()
        cursor.setPosition(0)
        self.document.firstBlock().setUserState(-1)  # no longer continues a line
        self._line_chars = 0
        folded = 0
        b = self.document.firstBlock()
        while b.isValid():
            folded += b.userState() == FOLDED
            b = b.next()
        self.folded_blocks = folded
        if self.on_erase_display is not None:
            self.on_erase_display()

    def _cursor_up(self, cursor, lines: int, floor: int) -> None:
        col = cursor.positionInBlock()
        block = cursor.block()
        floor_block = self.document.findBlock(floor).blockNumber()
        target = max(block.blockNumber() - lines, floor_block)
        block = self.document.findBlockByNumber(target)
        cursor.setPosition(max(block.position() + min(col, block.length() - 1), floor))

    def _has_long_line(self, text: str) -> bool:
        """Whether inserting ``text`` makes any line reach ``fold_width``."""
        width = self.fold_width
        if self._line_chars + len(text) < width:
            return False
        first = text.find("\n")
        if first < 0 or self._line_chars + first >= width:
            return True
        # many short lines (the common flood): one C-level split, no Python loop
        return max(map(len, text[first + 1:].split("\n"))) >= width

    def _insert(self, cursor: QtGui.QTextCursor, text: str, fmt) -> None:
        if cursor.atEnd() or (cursor.atBlockEnd() and not (
                self._move_down and self._line_below(cursor.block()).isValid())):
            self._append(cursor, text, fmt)  # nothing to overwrite, nowhere to move to
            return
        for k, segment in enumerate(text.split("\n")):
            if k:
                self._line_feed(cursor, fmt)
            if segment:
                self._append(cursor, segment, fmt, overwrite=True)

    def _line_below(self, block: QtGui.QTextBlock) -> QtGui.QTextBlock:
        """The block that starts the next logical line (folds skipped)."""
        block = block.next()
        while block.isValid() and block.userState() == FOLDED:
            block = block.next()
        return block

    def _line_feed(self, cursor: QtGui.QTextCursor, fmt) -> None:
        self._line_chars = 0
        below = self._line_below(cursor.block()) if self._move_down else QtGui.QTextBlock()
        if below.isValid():
            cursor.setPosition(below.position())
        else:
            block = cursor.block()
            cursor.setPosition(block.position() + block.length() - 1)
            cursor.insertText("\n", fmt)

    def _append(self, cursor: QtGui.QTextCursor, text: str, fmt, overwrite: bool = False) -> None:
        """Insert ``text`` (one line when ``overwrite``: it replaces as many
        characters of the cursor's block as it has)."""
        if self._has_long_line(text):
            self._fold_insert(cursor, text, fmt, overwrite)
            return
        nl = text.rfind("\n")
        self._line_chars = len(text) - nl - 1 if nl >= 0 else self._line_chars + len(text)
        if overwrite:
            self._select_overwritten(cursor, text)
        cursor.insertText(text, fmt)

    def _select_overwritten(self, cursor: QtGui.QTextCursor, segment: str) -> None:
        """Select the characters (code points, not UTF-16 units) of the
        cursor's block that ``segment`` overwrites."""
        pos = cursor.position()
        block = cursor.block()
        end = block.position() + block.length() - 1
        n = len(segment)
        if pos + n < end:
            line = block.text()
            if line.isascii():
                end = pos + n
            else:
                units = line.encode("utf-16-le", "surrogatepass")
                rest = units[2 * (pos - block.position()):].decode("utf-16-le", "surrogatepass")
                end = pos + len(rest[:n].encode("utf-16-le", "surrogatepass")) // 2
        cursor.setPosition(end, QtGui.QTextCursor.MoveMode.KeepAnchor)

    def _fold_insert(self, cursor: QtGui.QTextCursor, text: str, fmt,
                     overwrite: bool = False) -> None:
        """Insert text whose lines are long: fold them into blocks of
        ``fold_width`` characters (flagged FOLDED) and elide beyond
        ``max_line_chars``: the head is shown, then a placeholder object
        standing for the hidden middle (made by ``placeholder``), then the
        last ``tail_chars`` characters."""
        width = self.fold_width
        pieces: list[str] = []
        continuation: list[int] = []
        objects: list[tuple[int, QtGui.QTextCharFormat]] = []  # (index in folded, format)
        joined = 0  # len("\n".join(pieces))
        for i, line in enumerate(text.split("\n")):
            if i:
                self._line_chars = 0
            room = self.max_line_chars - self._line_chars
            marker = None
            if len(line) > room:
                head = max(room, 0)
                rest = line[head:]
                self._remember_elided(rest)
                tail = min(self.tail_chars, len(rest) // 2)
                marker = self.placeholder(rest, tail) if self.placeholder is not None else None
                if marker is None:
                    line = line[:head] + (
                        f" \u2026 [{len(rest):,} more characters elided; "
                        f"see elided_outputs() or 'Save elided output']")
                else:
                    line = line[:head] + "\ufffc" + (rest[-tail:] if tail else "")
            used = self._line_chars % width
            first = width - used if (used or not self._line_chars) else 0
            line_start = joined + (1 if pieces else 0)
            if marker is not None:
                breaks = (head - first) // width + 1 if head >= first else 0
                objects.append((line_start + head + breaks, marker))
            pieces.append(line[:first])
            joined = line_start + len(pieces[-1])
            for j in range(first, len(line), width):
                continuation.append(len(pieces))
                pieces.append(line[j:j + width])
                joined += 1 + len(pieces[-1])
            self._line_chars += len(line)
        start_block = cursor.blockNumber()
        folded = "\n".join(pieces)
        if overwrite:
            self._select_overwritten(cursor, folded.replace("\n", ""))
        if objects:
            done = 0
            for index, marker in objects:
                cursor.insertText(folded[done:index], fmt)
                cursor.insertText("\ufffc", marker)
                done = index + 1
            cursor.insertText(folded[done:], fmt)
        else:
            cursor.insertText(folded, fmt)
        if continuation:
            block = self.document.findBlockByNumber(start_block)
            k = 0
            for idx in continuation:
                while k < idx:
                    block = block.next()
                    k += 1
                block.setUserState(FOLDED)
            self.folded_blocks += len(continuation)

    def _remember_elided(self, text: str) -> None:
        self.elided.append(text)
        del self.elided[: -self.max_elided]

    # -- scrollback --------------------------------------------------------
    def trim(self, keep_from_position: int | None = None) -> int:
        """Remove the oldest blocks beyond ``buffer_size``; returns blocks removed."""
        if self.buffer_size <= 0:
            return 0
        doc = self.document
        excess = doc.blockCount() - self.buffer_size
        if excess <= 0:
            return 0
        end_block = doc.findBlockByNumber(excess)
        end = end_block.position()
        if keep_from_position is not None:
            end = min(end, keep_from_position)
        if end <= 0:
            return 0
        c = QtGui.QTextCursor(doc)
        c.setPosition(0)
        c.setPosition(end, QtGui.QTextCursor.MoveMode.KeepAnchor)
        c.removeSelectedText()
        return excess


class StreamQueue(QtCore.QObject):
    """Collects stream text and hands it on once per frame.

    The writer may take only part of what is queued (it writes in slices so
    that a flood never holds the GUI thread for long); the rest stays at the
    head of the queue and the next slice runs on the next event-loop turn.
    """

    # Queued text from which waiting for more gains nothing: it already fills
    # a slice of the writer, so the wait would only delay the first line.
    EAGER_CHARS = 32_768

    def __init__(self, flush, interval_ms: int = 16, parent=None):
        super().__init__(parent)
        self._items: list[list] = []  # [stream, [text parts]] with same-stream runs merged
        self._chars = 0  # queued since the last take
        self._flush_cb = flush
        self._timer = QtCore.QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.flush)
        self._more = QtCore.QTimer(self)
        self._more.setSingleShot(True)
        self._more.setInterval(0)
        self._more.timeout.connect(self.flush)
        self.last_flush_seconds = 0.0

    def __bool__(self) -> bool:
        return bool(self._items)

    def add(self, stream: str, text: str) -> None:
        if self._items and self._items[-1][0] == stream:
            self._items[-1][1].append(text)
        else:
            self._items.append([stream, [text]])
        self._chars += len(text)
        if self._more.isActive():
            return
        if self._chars >= self.EAGER_CHARS:
            self._timer.stop()
            self._more.start()
        elif not self._timer.isActive():
            self._timer.start()

    def take(self) -> list[tuple[str, str]]:
        items = [(s, "".join(parts)) for s, parts in self._items]
        self._items = []
        self._chars = 0
        self._timer.stop()
        self._more.stop()
        return items

    def flush(self, everything: bool = False) -> None:
        """Hand the queue to the writer.  It returns what it left for later
        (unless ``everything``), which goes back to the head of the queue."""
        if not self._items:
            return
        t = time.perf_counter()
        try:
            leftover = self._flush_cb(self.take(), everything)
        except Exception:  # a timer slot: under PyQt6 an escaping exception aborts the host
            log.exception("error while writing output (that output is lost)")
            return
        self.last_flush_seconds = time.perf_counter() - t
        if leftover:
            self._items = [[s, [text]] for s, text in leftover] + self._items
            self._chars += sum(len(text) for _, text in leftover)
            self._more.start()

    def flush_all(self) -> None:
        """Write everything now (before a prompt or a picture)."""
        self.flush(everything=True)
