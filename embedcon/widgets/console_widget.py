"""ConsoleWidget: the text console (prompts, input buffer, keys, output).

Knows nothing about Jupyter; :class:`~embedcon.widgets.jupyter_widget.JupyterWidget`
adds the kernel.  One QPlainTextEdit holds the transcript followed by the
current prompt and the input buffer.  Two QTextCursors mark where the prompt
and the input start; Qt moves them as text is inserted before them, so output
can be added above a live prompt and old text trimmed without bookkeeping.
"""

from __future__ import annotations

import re

import time

from qtpy import QtCore, QtGui, QtWidgets
from traitlets import Dict, Enum, Integer, Unicode
from traitlets.config import LoggingConfigurable

from ..models.history import History
from ..models.keymap import KeyMap
from ..models.killring import KillRing
from .editing import EditingCommands
from .editing_tools import EditingTools
from .editor import ConsoleEdit, block_text_joined, key_chord, settings_properties
from .guard import guarded
from .highlighter import InputHighlighter
from .long_input import LongLines
from .output import OutputWriter, StreamQueue
from .qtconsole_names import QtConsoleNames

__all__ = ["ConsoleWidget", "ConsoleSettings"]

# what QTextDocument.toPlainText turns into plain characters: paragraph and
# line separators, no-break spaces and frame markers
_PLAIN = str.maketrans({"\u2029": "\n", "\u2028": "\n", "\u00a0": " ", "\ufdd0": "\n",
                        "\ufdd1": "\n"})



def _plain_text(selected: str) -> str:
    """``selectedText()`` as plain text.  str.translate with a table costs
    ~75 ns a character (2 ms for a 500-line input); replace() scans in C."""
    text = selected.replace("\u2029", "\n")
    if "\u2028" in text or "\u00a0" in text or "\ufdd0" in text or "\ufdd1" in text:
        text = text.translate(_PLAIN)
    return text


# commands that edit the input: typed while a cell runs they wait for the next prompt
_TYPEAHEAD = frozenset({
    "enter", "execute", "newline", "complete_or_indent", "dedent", "backspace", "delete",
    "left", "right", "home", "end", "kill_line", "kill_line_backward", "kill_word_backward",
    "kill_word_forward", "yank", "word_left", "word_right", "history_previous", "history_next"})
_MAX_TYPEAHEAD = 10_000


_PROMPT_NUMBER = re.compile(r"\d+")

class ConsoleSettings(LoggingConfigurable):
    font_family = Unicode("Monospace", config=True, help="Font family of the console.")
    font_size = Integer(0, config=True, help="Font size in points (0: the application default).")
    buffer_size = Integer(
        10_000, config=True,
        help="Lines of scrollback kept (0: unlimited). Older lines are removed.")
    fold_width = Integer(2000, config=True, help="Output lines longer than this are folded.")
    max_line_chars = Integer(
        1_000_000, config=True,
        help="Characters of one output line shown; the rest is kept aside (elided_outputs()).")
    long_input_line = Integer(
        5000, config=True,
        help="Input lines longer than this show their start and a placeholder for the rest "
             "(typing next to a huge line stays fast); the full line runs and is copied.")
    flush_interval = Integer(16, config=True, help="Milliseconds between stream output updates.")
    key_bindings = Dict(
        config=True,
        help='Overrides of the key map, e.g. {"Ctrl+Return": "execute", "Ctrl+L": None}.')
    key_profile = Enum(
        ["emacs", "standard"], "emacs", config=True,
        help="Key profile: 'emacs' (the Jupyter Qt Console's chords) or 'standard' (Ctrl+A, "
             "Ctrl+F and the other emacs editing chords left to the application). "
             "key_bindings apply on top; `embedcon --help-keys` lists both.")
    syntax_style = Unicode("default", config=True, help="Pygments style for input highlighting.")
    tab_width = Integer(4, config=True, help="Spaces per indentation level.")
    history_size = Integer(10_000, config=True, help="Input history entries kept.")


ConsoleSettings.__name__ = ConsoleSettings.__qualname__ = "ConsoleWidget"

_M = QtGui.QTextCursor.MoveOperation
_KEEP = QtGui.QTextCursor.MoveMode.KeepAnchor


@settings_properties
class ConsoleWidget(QtConsoleNames, EditingTools, EditingCommands, QtWidgets.QWidget):
    """A console: transcript, prompt and an editable input buffer."""

    settings_class = ConsoleSettings
    prompt_ready = QtCore.Signal()
    font_changed = QtCore.Signal(QtGui.QFont)

    def __init__(self, parent=None, config=None, **traits):
        super().__init__(parent)
        self.settings = self.settings_class(config=config, **traits)
        self.log = self.settings.log
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self._control = ConsoleEdit(self)
        layout.addWidget(self._control)
        self.setFocusProxy(self._control)
        self._doc = self._control.document()
        self._doc.setDocumentMargin(4)
        self._prompt_cursor: QtGui.QTextCursor | None = None
        self._input_cursor: QtGui.QTextCursor | None = None
        self._prompt_kind: str | None = None
        self._cont_prompt = "...: "
        self._end_cursor = QtGui.QTextCursor(self._doc)
        self._overwrite_floor = 0
        self._password: str | None = None
        self._last_yank: tuple[int, int] | None = None
        self._history_needle: str | None = None
        self._typeahead: list[QtGui.QKeyEvent] = []
        self.history = History(self.settings.history_size)
        self.kill_ring = KillRing()
        self.keymap = KeyMap(self.settings.key_bindings, profile=self.settings.key_profile)
        self.writer = OutputWriter(self._doc, fold_width=self.settings.fold_width,
                                   max_line_chars=self.settings.max_line_chars,
                                   buffer_size=self.settings.buffer_size)
        self.writer.on_erase_display = self._display_erased  # "\x1b[2J" cleared the transcript
        self._slice_scale = 1.0
        self._paint_timer = QtCore.QTimer(self)
        self._paint_timer.setSingleShot(True)
        self._paint_timer.timeout.connect(self._paint_now)
        self._long_lines = LongLines(self._doc, self.settings.long_input_line, parent=self)
        self._queue = StreamQueue(self._write_streams, self.settings.flush_interval, self)
        self._prompt_format = QtGui.QTextCharFormat()
        self._prompt_format.setForeground(QtGui.QColor("#00a000"))
        self._prompt_format.setFontWeight(QtGui.QFont.Weight.Bold)
        self._out_prompt_format = QtGui.QTextCharFormat()
        self._out_prompt_format.setForeground(QtGui.QColor("#c00000"))
        self._out_prompt_format.setFontWeight(QtGui.QFont.Weight.Bold)
        # the number inside a prompt, when a style sheet styles it apart
        # (.in-prompt-number / .out-prompt-number); None: the prompt's own format
        self._prompt_number_format: QtGui.QTextCharFormat | None = None
        self._out_prompt_number_format: QtGui.QTextCharFormat | None = None
        self._plain_format = QtGui.QTextCharFormat()
        self._notice_format = QtGui.QTextCharFormat()
        self._notice_format.setForeground(QtGui.QColor("#707070"))
        self._notice_format.setFontItalic(True)
        self._highlighter = InputHighlighter(self, self.settings.syntax_style)
        self._init_editing_tools()
        self._apply_font()
        self.settings.observe(self._settings_changed)

    # ------------------------------------------------------------------
    # settings
    def _settings_changed(self, change) -> None:
        name = change["name"]
        if name in ("font_family", "font_size"):
            self._apply_font()
        elif name == "buffer_size":
            self.writer.buffer_size = change["new"]
        elif name == "key_bindings":
            self.keymap.set_overrides(change["new"])
        elif name == "key_profile":
            self.keymap.profile = change["new"]
        elif name == "syntax_style":
            self._highlighter.set_style(change["new"])
        elif name == "long_input_line":
            self._long_lines.limit = change["new"]
        elif name in ("fold_width", "max_line_chars"):
            setattr(self.writer, name, change["new"])

    def _apply_font(self) -> None:
        font = QtGui.QFont(self.settings.font_family)
        font.setStyleHint(QtGui.QFont.StyleHint.TypeWriter)
        font.setFixedPitch(True)
        size = self.settings.font_size or QtWidgets.QApplication.font().pointSize()
        if size > 0:
            font.setPointSize(size)
        self._control.setFont(font)
        self._doc.setDefaultFont(font)
        metrics = QtGui.QFontMetrics(font)
        self._control.setTabStopDistance(metrics.horizontalAdvance(" ") * self.settings.tab_width)
        self.font_changed.emit(font)

    @property
    def font(self) -> QtGui.QFont:  # type: ignore[override]
        return self._control.font()

    def change_font_size(self, delta: int) -> None:
        size = self._control.font().pointSize() + delta
        if size >= 4:
            self.settings.font_size = size

    def reset_font(self) -> None:
        self.settings.font_size = 0
        self._apply_font()

    # ------------------------------------------------------------------
    # public API
    @property
    def control(self) -> ConsoleEdit:
        """The editor widget (also this widget's focusProxy())."""
        return self._control

    @property
    def input_buffer(self) -> str:
        """The text of the input being edited (prompts removed)."""
        if self._paste_rest is not None:
            self._finish_paste()
        if self._input_cursor is None:
            return self._pending_input if hasattr(self, "_pending_input") else ""
        if self._password is not None:
            return self._password
        start, end = self._input_cursor.position(), self._end()
        return self._strip_cont(self._long_lines.expand(self._doc, start, end,
                                                        self._text_range(start, end)))

    @input_buffer.setter
    def input_buffer(self, text: str) -> None:
        if self._paste_rest is not None:
            self._finish_paste()
        if self._input_cursor is None:
            self._pending_input = text  # applied when the next prompt appears
            return
        c = self._input_range_cursor()
        c.removeSelectedText()
        self._long_lines.insert(c, self._with_cont(text), self._plain_format)
        self._control.setTextCursor(c)
        self._control.ensureCursorVisible()

    def export_text(self) -> str:
        """The transcript as plain text, prompts and current input included."""
        return self._text_as_written(0, self._end())

    def _text_as_written(self, start: int, end: int) -> str:
        """Text of ``[start, end)`` as it was written: folded output lines joined
        again and long input lines in full (for export and copy)."""
        text = block_text_joined(self._doc, start, end) if self.writer.folded_blocks \
            else self._text_range(start, end)
        return self._long_lines.expand(self._doc, start, end, text)

    def clear(self, keep_input: bool = True) -> None:
        """Clear the transcript; the current prompt and input stay."""
        self._queue.take()
        text = self.input_buffer if keep_input else ""
        kind = self._prompt_kind
        prompt = self._prompt_text() if kind else None
        self._doc.clear()
        self.writer.folded_blocks = 0
        self.writer.reset_state()
        self._end_cursor = QtGui.QTextCursor(self._doc)
        self._overwrite_floor = 0
        self._prompt_cursor = self._input_cursor = None
        if kind and prompt is not None:
            self._show_prompt(prompt, kind, self._cont_prompt_text, emit=False)
            self.input_buffer = text

    def _display_erased(self) -> None:
        self._overwrite_floor = 0  # the input echoed above the output is gone too

    def elided_outputs(self) -> list[str]:
        """Text left out of over-long output lines (most recent last)."""
        return list(self.writer.elided)

    def append_stream(self, text: str, stream: str = "stdout") -> None:
        """Queue stream text; it is written at the next frame."""
        self._queue.add(stream, text)

    def flush_output(self) -> None:
        """Write any queued stream text now."""
        self._queue.flush_all()

    # ------------------------------------------------------------------
    # document helpers
    def _end(self) -> int:
        return self._doc.characterCount() - 1

    def _text_range(self, start: int, end: int) -> str:
        """Plain text of ``[start, end)``, as ``QTextDocument.toPlainText`` gives
        it.  ``selectedText`` plus a translation, not ``selection().toPlainText()``:
        that copies the range into a new document first (100k lines: 0.37 s
        instead of 0.13 s); the whole document is ``toPlainText`` itself (7 ms)."""
        if start <= 0 and end >= self._end():
            return self._doc.toPlainText()
        c = QtGui.QTextCursor(self._doc)
        c.setPosition(start)
        c.setPosition(end, _KEEP)
        return _plain_text(c.selectedText())

    def _input_range_cursor(self) -> QtGui.QTextCursor:
        c = QtGui.QTextCursor(self._doc)
        c.setPosition(self._input_cursor.position())
        c.setPosition(self._end(), _KEEP)
        return c

    @property
    def _cont_prompt_text(self) -> str:
        return self._cont_prompt

    def _strip_cont(self, text: str) -> str:
        cp = self._cont_prompt
        lines = text.split("\n")
        return "\n".join([lines[0]] + [ln[len(cp):] if ln.startswith(cp) else ln for ln in lines[1:]])

    def _with_cont(self, text: str) -> str:
        return text.replace("\n", "\n" + self._cont_prompt)

    def _prompt_text(self) -> str:
        if self._prompt_cursor is None:
            return ""
        return self._text_range(self._prompt_cursor.position(), self._input_cursor.position())

    def _editing(self) -> bool:
        return self._input_cursor is not None

    def _line_start(self, block: QtGui.QTextBlock) -> int:
        """First editable position of an input line."""
        inp = self._input_cursor.position()
        if block.position() <= inp < block.position() + block.length():
            return inp
        return block.position() + min(len(self._cont_prompt), block.length() - 1)

    def _in_input(self, pos: int) -> bool:
        if not self._editing() or pos < self._input_cursor.position():
            return False
        block = self._doc.findBlock(pos)
        return pos >= self._line_start(block)

    def _cursor(self) -> QtGui.QTextCursor:
        return self._control.textCursor()

    def _set_cursor(self, c: QtGui.QTextCursor) -> None:
        self._control.setTextCursor(c)
        self._control.ensureCursorVisible()

    def _at_bottom(self) -> bool:
        bar = self._control.verticalScrollBar()
        return bar.value() >= bar.maximum() - 2

    def _scroll_to_bottom(self) -> None:
        bar = self._control.verticalScrollBar()
        bar.setValue(bar.maximum())

    # ------------------------------------------------------------------
    # prompts
    def _show_prompt(self, prompt: str, kind: str = "input", cont_prompt: str | None = None,
                     emit: bool = True, password: bool = False) -> None:
        """Put a prompt at the end of the document and start editing after it."""
        self._queue.flush_all()
        c = QtGui.QTextCursor(self._doc)
        c.movePosition(_M.End)
        if c.positionInBlock() > 0:
            c.insertText("\n", self._plain_format)
        self._prompt_cursor = QtGui.QTextCursor(c)
        self._prompt_cursor.setKeepPositionOnInsert(True)
        if kind == "input":
            self._insert_prompt(c, prompt)
        else:
            c.insertText(prompt, self._plain_format)
        c.setCharFormat(self._plain_format)
        self._input_cursor = QtGui.QTextCursor(c)
        self._input_cursor.setKeepPositionOnInsert(True)
        self._prompt_cursor.setKeepPositionOnInsert(False)
        self._prompt_kind = kind
        self._password = "" if password else None
        width = len(prompt.rsplit("\n", 1)[-1])
        self._cont_prompt = (cont_prompt or "...: ").rjust(width) if kind == "input" else ""
        self._highlighter.enabled = kind == "input"
        self._set_cursor(c)
        self._scroll_to_bottom()
        pending = getattr(self, "_pending_input", None)
        if pending and kind == "input":
            self._pending_input = ""
            self.input_buffer = pending
        self._release_paint()  # the scroll bar, held since the input ended
        if emit and kind == "input":
            self.prompt_ready.emit()
        keys, self._typeahead = self._typeahead, []
        for ev in keys:
            self._control.keyPressEvent(ev)

    def _insert_prompt(self, c: QtGui.QTextCursor, prompt: str, out: bool = False) -> None:
        """Insert an input (or ``out``-put) prompt, its number in its own format if any."""
        fmt = self._out_prompt_format if out else self._prompt_format
        number = self._out_prompt_number_format if out else self._prompt_number_format
        m = None if number is None else _PROMPT_NUMBER.search(prompt)
        if m is None:
            c.insertText(prompt, fmt)
            return
        c.insertText(prompt[:m.start()], fmt)
        c.insertText(m.group(), number)
        c.insertText(prompt[m.end():], fmt)

    def _replace_prompt(self, prompt: str, restyle: bool = False) -> None:
        """Change the text of the live prompt (e.g. its number), keeping the input;
        ``restyle``: write it again in the current prompt formats."""
        if self._prompt_cursor is None or (self._prompt_text() == prompt and not restyle):
            return
        c = QtGui.QTextCursor(self._doc)
        c.setPosition(self._prompt_cursor.position())
        c.setPosition(self._input_cursor.position(), _KEEP)
        self._prompt_cursor.setKeepPositionOnInsert(True)
        self._input_cursor.setKeepPositionOnInsert(False)
        self._insert_prompt(c, prompt)
        self._prompt_cursor.setKeepPositionOnInsert(False)
        self._input_cursor.setKeepPositionOnInsert(True)
        self._highlighter.rehighlight()

    def _finish_input(self) -> str:
        """End editing: the input becomes transcript; returns its text."""
        text = self.input_buffer
        self._highlighter.freeze()
        # the input line, the result and the next prompt come in separate
        # event-loop turns and each moved the scroll bar: repaint it once
        self._hold_paint((self._control.verticalScrollBar(),))
        c = QtGui.QTextCursor(self._doc)
        c.movePosition(_M.End)
        c.insertText("\n", self._plain_format)
        self._prompt_cursor = self._input_cursor = None
        self._prompt_kind = None
        self._password = None
        self._end_cursor = c
        self._overwrite_floor = c.position()
        self.history.reset()
        return text

    # ------------------------------------------------------------------
    # output
    def _output_cursor(self) -> QtGui.QTextCursor:
        """Where output goes now: on a fresh line above a live prompt, else at
        the end.  Pair with :meth:`_close_output`."""
        if self._prompt_cursor is not None:
            c = QtGui.QTextCursor(self._doc)
            c.setPosition(self._prompt_cursor.position())
            c.insertText("\n", self._plain_format)  # the prompt moves down a line
            c.movePosition(_M.Left)
            return c
        if self._end_cursor.isNull() or self._end_cursor.document() is not self._doc:
            self._end_cursor = QtGui.QTextCursor(self._doc)
            self._end_cursor.movePosition(_M.End)
        return self._end_cursor

    def _close_output(self, c: QtGui.QTextCursor, above_prompt: bool) -> None:
        """After writing above a prompt: drop the spare line break if the
        output ended with its own."""
        if above_prompt and c.positionInBlock() == 0 and c.block().length() == 1:
            c.deleteChar()

    def _write_streams(self, items, everything: bool = False):
        """Write queued stream text; returns what is left for the next turn.

        At most ``SLICE_LINES`` lines (``SLICE_CHARS`` characters), scaled, are written
        per call unless ``everything``: a flood is laid out in slices of about
        SLICE_SECONDS and the GUI keeps running between them."""
        at_bottom = self._at_bottom()
        above_prompt = self._prompt_cursor is not None
        limit = self.writer.buffer_size
        if limit > 0:
            items = self._drop_invisible(items, limit)
        items, rest = (items, []) if everything else self._slice(items)
        t0 = time.perf_counter()
        c = self._output_cursor()
        c.beginEditBlock()
        try:
            floor = c.block().position() if above_prompt else self._overwrite_floor
            for stream, text in items:
                self.writer.write(c, text, stream, floor, move_down=not above_prompt)
            self._close_output(c, above_prompt)
        finally:
            c.endEditBlock()
        self._trim()
        if at_bottom:
            self._scroll_to_bottom()
        if rest:
            self._adapt_slice(time.perf_counter() - t0)
            self._hold_paint()
        else:
            self._release_paint()
        return rest

    # While a flood is written in slices, the viewport and its scroll bar are
    # repainted at most every PAINT_INTERVAL_MS: a full repaint per 10 ms slice
    # made coloured floods 25% slower, and the scroll bar, whose range grows
    # with every slice, repainted itself after each one.  Events (keys,
    # timers) still run between slices.  From the end of an input to the next
    # prompt the scroll bar alone is held the same way.
    PAINT_INTERVAL_MS = 33

    def _painted_parts(self):
        return self._control.viewport(), self._control.verticalScrollBar()

    def _hold_paint(self, parts=None) -> None:
        """Hold the repaints of ``parts`` (default: the viewport and the scroll
        bar) until the next frame or :meth:`_release_paint`."""
        for part in parts or self._painted_parts():
            if hasattr(part, "hold"):  # the scroll bar holds itself (QuietScrollBar)
                part.hold()
            else:
                part.setUpdatesEnabled(False)
        if not self._paint_timer.isActive():
            self._paint_timer.start(self.PAINT_INTERVAL_MS)

    def _release_paint(self) -> None:
        self._paint_timer.stop()
        for part in self._painted_parts():
            if hasattr(part, "release"):
                part.release()
            elif not part.updatesEnabled():
                part.setUpdatesEnabled(True)  # and repaints

    @guarded
    def _paint_now(self) -> None:
        """A frame passed: show what is held; hold again while a flood is written."""
        for part in self._painted_parts():
            if hasattr(part, "release"):
                part.release(now=True)
            elif not part.updatesEnabled():
                part.setUpdatesEnabled(True)
                part.repaint()
        if self._queue:
            self._hold_paint()

    # the first slice of a flood; later slices are scaled to take SLICE_SECONDS
    SLICE_LINES = 1000
    SLICE_CHARS = 100_000
    SLICE_SECONDS = 0.010

    def _adapt_slice(self, seconds: float) -> None:
        """Scale the next slice of a flood so that writing it takes about
        SLICE_SECONDS (coloured lines and short redraws cost several times
        plain lines per character)."""
        if seconds > 0:
            want = self._slice_scale * self.SLICE_SECONDS / seconds
            self._slice_scale = min(max((self._slice_scale + want) / 2, 0.1),
                                    1.5 * self._slice_scale, 3.0)

    def _slice(self, items):
        """Split queued items into (this slice, the rest), at line ends, or
        inside one long line: before a carriage return, else anywhere while
        the line is below the writer's elision limit.

        The rest of a line beyond that limit goes whole: the writer elides it
        in one piece, which is cheap and keeps one elided_outputs() entry."""
        lines = chars = 0
        max_lines = max(int(self.SLICE_LINES * self._slice_scale), 1)
        max_chars = max(int(self.SLICE_CHARS * self._slice_scale), 2)
        for i, (stream, text) in enumerate(items):
            n, m = text.count("\n"), len(text)
            if lines + n <= max_lines and chars + m <= max_chars:
                lines, chars = lines + n, chars + m
                continue
            budget = min(max_chars - chars, m)
            room = max(max_lines - lines, 0)
            # the end of the room-th line within the budget (or of the last
            # whole line there): split() finds it in C, a find() loop did not
            parts = text[:budget].split("\n", room) if room else [text[:budget]]
            cut = budget - len(parts[-1])
            pos = cut - 1
            if pos < 0 and not (i or lines):
                # one long first line: cut it before a carriage return within
                # the budget (a progress bar redrawn many times), else take
                # it whole (the writer folds and elides it, which bounds its cost)
                cr = text.rfind("\r", 1, budget)
                if cr > 0 and text[cr + 1:cr + 2] != "\n":
                    cut = cr
                elif self.writer.line_chars + budget < self.writer.max_line_chars:
                    # a long line still below the elision limit: cut anywhere
                    # but between CR and LF (an escape cut in two is completed
                    # by the parser on the next slice)
                    cut = budget + 1 if text.startswith("\r\n", budget - 1) else budget
                else:
                    nl = text.find("\n", budget)
                    cut = m if nl < 0 else nl + 1
            done = list(items[:i]) + ([(stream, text[:cut])] if cut else [])
            rest = ([(stream, text[cut:])] if cut < m else []) + list(items[i + 1:])
            return done, rest
        return items, []

    def _drop_invisible(self, items, limit: int):
        """Drop queued text older than the last ``limit`` lines: it would be
        trimmed from the scrollback right after being laid out."""
        lines = 0
        for i in range(len(items) - 1, -1, -1):
            stream, text = items[i]
            n = text.count("\n")
            if lines + n > limit:
                # the (limit - lines + 1)-th line break from the end, found in C
                cut = len(text.rsplit("\n", limit - lines + 1)[0])
                self.writer.discard(text[:cut + 1], stream)
                for s, t in items[:i]:
                    self.writer.discard(t, s)
                return [(stream, text[cut + 1:])] + list(items[i + 1:])
            lines += n
        return items

    def _trim(self) -> None:
        keep = self._prompt_cursor.position() if self._prompt_cursor is not None else None
        if self.writer.trim(keep):
            self._overwrite_floor = min(self._overwrite_floor, self._end())

    def _insert_output(self, write) -> None:
        """Run ``write(cursor)`` at the output position (for non-stream output)."""
        self._queue.flush_all()
        at_bottom = self._at_bottom()
        above_prompt = self._prompt_cursor is not None
        c = self._output_cursor()
        if c.positionInBlock() > 0:
            c.insertText("\n", self._plain_format)
        write(c)
        self._close_output(c, above_prompt)
        self.writer.reset_state()
        self._overwrite_floor = c.position()
        self._trim()
        if at_bottom:
            self._scroll_to_bottom()

    def write_notice(self, text: str) -> None:
        """A console message (kernel died, restarting, ...), set apart in grey."""
        self._insert_output(lambda c: c.insertText(text + "\n", self._notice_format))

    def write_text(self, text: str, stream: str = "stdout") -> None:
        """Write text with ANSI escapes now (not coalesced)."""
        def w(c):
            self._write_at(c, text, stream)
        self._insert_output(w)

    def _write_at(self, c: QtGui.QTextCursor, text: str, stream: str = "stdout") -> None:
        """Write at an output cursor from :meth:`_output_cursor`: above a live
        prompt a line feed inserts a line, never moves into the prompt."""
        if self._prompt_cursor is not None:
            self.writer.write(c, text, stream, c.block().position(), move_down=False)
        else:
            self.writer.write(c, text, stream)

    # ------------------------------------------------------------------
    # keys
    def _key_bound(self, ev: QtGui.QKeyEvent) -> bool:
        return self.keymap.lookup(key_chord(ev)) is not None

    def _handle_key(self, ev: QtGui.QKeyEvent) -> bool:
        """Dispatch a key press; True when handled here."""
        if self._paste_rest is not None:  # a big paste is being inserted: keys wait
            return self._hold_key_during_paste(ev)
        chord = key_chord(ev)
        command = self.keymap.lookup(chord) if chord else None
        if not self._editing() and (command in _TYPEAHEAD or (
                command is None and ev.text() and ev.text().isprintable())):
            if len(self._typeahead) < _MAX_TYPEAHEAD:  # replayed at the next prompt
                self._typeahead.append(QtGui.QKeyEvent(
                    ev.type(), ev.key(), ev.modifiers(), ev.text(), ev.isAutoRepeat(), ev.count()))
            return True
        if command != "yank_pop" and command != "yank":
            self._last_yank = None
        self._undo_note(command, ev)
        if command is not None:
            if command not in ("history_previous", "history_next",
                               "history_search_previous", "history_search_next"):
                self._history_needle = None
            handler = getattr(self, "cmd_" + command, None)
            if handler is not None:
                result = handler()
                return result is not False
        self._history_needle = None
        if self._password is not None:
            return self._password_key(ev)
        text = ev.text()
        if text and text.isprintable():
            if not self._editing():
                return True  # no input line (a cell runs): nothing to type into
            self._ensure_editable_cursor()
            return False
        return False

    def _after_default_key(self, ev) -> None:
        """Hook after the editor handled a key itself (typing)."""

    def _ensure_editable_cursor(self) -> None:
        c = self._cursor()
        inp = self._input_cursor.position()
        if c.hasSelection():
            s, e = sorted((c.selectionStart(), c.selectionEnd()))
            if s < inp:
                if e <= inp:
                    c.clearSelection()
                    c.setPosition(self._end())
                else:
                    c.setPosition(inp)
                    c.setPosition(e, _KEEP)
                self._set_cursor(c)
            return
        if not self._in_input(c.position()):
            if c.position() >= inp:  # inside a continuation prompt
                c.setPosition(self._line_start(c.block()))
            else:
                c.setPosition(self._end())
            self._set_cursor(c)

    def _password_key(self, ev) -> bool:
        key = ev.key()
        if key == QtCore.Qt.Key.Key_Backspace:
            if self._password:
                self._password = self._password[:-1]
                c = QtGui.QTextCursor(self._doc)
                c.movePosition(_M.End)
                c.deletePreviousChar()
            return True
        text = ev.text()
        if text and text.isprintable():
            self._password += text
            c = QtGui.QTextCursor(self._doc)
            c.movePosition(_M.End)
            c.insertText("\u2022" * len(text), self._plain_format)
            self._set_cursor(c)
        return True

    # console commands --------------------------------------------------------
    def cmd_clear(self):
        self.clear(keep_input=True)
        return True

    def cmd_zoom_in(self):
        self.change_font_size(1)
        return True

    def cmd_zoom_out(self):
        self.change_font_size(-1)
        return True

    def cmd_zoom_reset(self):
        self.reset_font()
        return True

    def cmd_exit_or_delete(self):
        return self.cmd_delete()

    def _extend_context_menu(self, menu: QtWidgets.QMenu) -> None:
        self._edit_context_menu(menu)
        menu.addSeparator()
        menu.addAction("Copy (raw text)", self.cmd_copy_raw)
        menu.addAction("Clear console", self.cmd_clear)
        if self.writer.elided:
            menu.addAction("Save elided output\u2026", self._save_elided)

    def _save_elided(self) -> None:
        name, _ = QtWidgets.QFileDialog.getSaveFileName(self, "Save elided output")
        if name:
            with open(name, "w", encoding="utf-8") as f:
                f.write("\n".join(self.writer.elided))
