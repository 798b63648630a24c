"""ConsoleWidget: the text console (prompts, input buffer, keys, output).

Knows nothing about Jupyter; :class:`~embedcon.widgets.jupyter_widget.JupyterWidget`
adds the kernel.  One QPlainTextEdit holds the transcript followed by the
current prompt and the input buffer.  Two QTextCursors mark where the prompt
and the input start; Qt moves them as text is inserted before them, so output
can be added above a live prompt and old text trimmed without bookkeeping.
"""

from __future__ import annotations

import re

from qtpy import QtCore, QtGui, QtWidgets
from traitlets import Bool, Dict, Integer, Unicode
from traitlets.config import LoggingConfigurable

from ..models.history import History
from ..models.keymap import KeyMap
from ..models.killring import KillRing
from .editor import ConsoleEdit, block_text_joined, key_chord, settings_properties
from .highlighter import InputHighlighter
from .output import OutputWriter, StreamQueue

__all__ = ["ConsoleWidget", "ConsoleSettings"]

# commands that edit the input: typed while a cell runs they wait for the next prompt
_TYPEAHEAD = frozenset({
    "enter", "execute", "newline", "complete_or_indent", "dedent", "backspace", "delete",
    "left", "right", "home", "end", "kill_line", "kill_line_backward", "kill_word_backward",
    "kill_word_forward", "yank", "word_left", "word_right", "history_previous", "history_next"})
_MAX_TYPEAHEAD = 10_000


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
    flush_interval = Integer(16, config=True, help="Milliseconds between stream output updates.")
    key_bindings = Dict(
        config=True,
        help='Overrides of the key map, e.g. {"Ctrl+Return": "execute", "Ctrl+L": None}.')
    syntax_style = Unicode("default", config=True, help="Pygments style for input highlighting.")
    tab_width = Integer(4, config=True, help="Spaces per indentation level.")
    history_size = Integer(10_000, config=True, help="Input history entries kept.")


ConsoleSettings.__name__ = ConsoleSettings.__qualname__ = "ConsoleWidget"

_M = QtGui.QTextCursor.MoveOperation
_KEEP = QtGui.QTextCursor.MoveMode.KeepAnchor


@settings_properties
class ConsoleWidget(QtWidgets.QWidget):
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
        self.keymap = KeyMap(self.settings.key_bindings)
        self.writer = OutputWriter(self._doc, fold_width=self.settings.fold_width,
                                   max_line_chars=self.settings.max_line_chars,
                                   buffer_size=self.settings.buffer_size)
        self._queue = StreamQueue(self._write_streams, self.settings.flush_interval, self)
        self._prompt_format = QtGui.QTextCharFormat()
        self._prompt_format.setForeground(QtGui.QColor("#00a000"))
        self._prompt_format.setFontWeight(QtGui.QFont.Weight.Bold)
        self._out_prompt_format = QtGui.QTextCharFormat()
        self._out_prompt_format.setForeground(QtGui.QColor("#c00000"))
        self._out_prompt_format.setFontWeight(QtGui.QFont.Weight.Bold)
        self._plain_format = QtGui.QTextCharFormat()
        self._notice_format = QtGui.QTextCharFormat()
        self._notice_format.setForeground(QtGui.QColor("#707070"))
        self._notice_format.setFontItalic(True)
        self._highlighter = InputHighlighter(self, self.settings.syntax_style)
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
            self.keymap = KeyMap(change["new"])
        elif name == "syntax_style":
            self._highlighter.set_style(change["new"])
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
        if self._input_cursor is None:
            return self._pending_input if hasattr(self, "_pending_input") else ""
        if self._password is not None:
            return self._password
        return self._strip_cont(self._text_range(self._input_cursor.position(), self._end()))

    @input_buffer.setter
    def input_buffer(self, text: str) -> None:
        if self._input_cursor is None:
            self._pending_input = text  # applied when the next prompt appears
            return
        c = self._input_range_cursor()
        c.insertText(self._with_cont(text), self._plain_format)
        self._control.setTextCursor(c)
        self._control.ensureCursorVisible()

    def export_text(self) -> str:
        """The transcript as plain text, prompts and current input included."""
        if self.writer.folded_blocks:
            return block_text_joined(self._doc, 0, self._end())
        return self._doc.toPlainText()

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

    def elided_outputs(self) -> list[str]:
        """Text left out of over-long output lines (most recent last)."""
        return list(self.writer.elided)

    def append_stream(self, text: str, stream: str = "stdout") -> None:
        """Queue stream text; it is written at the next frame."""
        self._queue.add(stream, text)

    def flush_output(self) -> None:
        """Write any queued stream text now."""
        self._queue.flush()

    # ------------------------------------------------------------------
    # document helpers
    def _end(self) -> int:
        return self._doc.characterCount() - 1

    def _text_range(self, start: int, end: int) -> str:
        c = QtGui.QTextCursor(self._doc)
        c.setPosition(start)
        c.setPosition(end, _KEEP)
        return c.selection().toPlainText()

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
        self._queue.flush()
        c = QtGui.QTextCursor(self._doc)
        c.movePosition(_M.End)
        if c.positionInBlock() > 0:
            c.insertText("\n", self._plain_format)
        self._prompt_cursor = QtGui.QTextCursor(c)
        self._prompt_cursor.setKeepPositionOnInsert(True)
        c.insertText(prompt, self._prompt_format if kind == "input" else self._plain_format)
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
        if emit and kind == "input":
            self.prompt_ready.emit()
        keys, self._typeahead = self._typeahead, []
        for ev in keys:
            self._control.keyPressEvent(ev)

    def _replace_prompt(self, prompt: str) -> None:
        """Change the text of the live prompt (e.g. its number), keeping the input."""
        if self._prompt_cursor is None or self._prompt_text() == prompt:
            return
        c = QtGui.QTextCursor(self._doc)
        c.setPosition(self._prompt_cursor.position())
        c.setPosition(self._input_cursor.position(), _KEEP)
        self._prompt_cursor.setKeepPositionOnInsert(True)
        self._input_cursor.setKeepPositionOnInsert(False)
        c.insertText(prompt, self._prompt_format)
        self._prompt_cursor.setKeepPositionOnInsert(False)
        self._input_cursor.setKeepPositionOnInsert(True)
        self._highlighter.rehighlight()

    def _finish_input(self) -> str:
        """End editing: the input becomes transcript; returns its text."""
        text = self.input_buffer
        self._highlighter.freeze()
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

    def _write_streams(self, items) -> None:
        at_bottom = self._at_bottom()
        above_prompt = self._prompt_cursor is not None
        limit = self.writer.buffer_size
        if limit > 0:
            items = self._drop_invisible(items, limit)
        c = self._output_cursor()
        c.beginEditBlock()
        try:
            floor = c.block().position() if above_prompt else self._overwrite_floor
            for stream, text in items:
                self.writer.write(c, text, stream, floor)
            self._close_output(c, above_prompt)
        finally:
            c.endEditBlock()
        self._trim()
        if at_bottom:
            self._scroll_to_bottom()

    def _drop_invisible(self, items, limit: int):
        """Drop queued text older than the last ``limit`` lines: it would be
        trimmed from the scrollback right after being laid out."""
        lines = 0
        for i in range(len(items) - 1, -1, -1):
            stream, text = items[i]
            n = text.count("\n")
            if lines + n > limit:
                cut = len(text)
                for _ in range(limit - lines + 1):
                    cut = text.rfind("\n", 0, cut)
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
        self._queue.flush()
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
            self.writer.write(c, text, stream)
        self._insert_output(w)

    # ------------------------------------------------------------------
    # keys
    def _key_bound(self, ev: QtGui.QKeyEvent) -> bool:
        return self.keymap.lookup(key_chord(ev)) is not None

    def _handle_key(self, ev: QtGui.QKeyEvent) -> bool:
        """Dispatch a key press; True when handled here."""
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

    # editing commands (names are the key map's command names) ----------------
    def cmd_newline(self) -> None:
        if not self._editing() or self._password is not None:
            return
        self._ensure_editable_cursor()
        self._insert_newline(self._current_indent())

    def _insert_newline(self, indent: str = "") -> None:
        c = self._cursor()
        c.insertText("\n" + self._cont_prompt + indent, self._plain_format)
        self._set_cursor(c)

    def _current_indent(self) -> str:
        c = self._cursor()
        line = self._text_range(self._line_start(c.block()), c.position())
        return line[: len(line) - len(line.lstrip(" "))]

    def cmd_backspace(self):
        if not self._editing():
            return True
        c = self._cursor()
        if c.hasSelection():
            self._ensure_editable_cursor()
            self._cursor().removeSelectedText()
            return True
        if not self._in_input(c.position()):
            self._ensure_editable_cursor()
            return True
        start = self._line_start(c.block())
        pos = c.position()
        if pos == self._input_cursor.position():
            return True
        if pos == start:  # join with the previous line
            c.setPosition(c.block().previous().position() + c.block().previous().length() - 1)
            c.setPosition(start, _KEEP)
            c.removeSelectedText()
            self._set_cursor(c)
            return True
        before = self._text_range(start, pos)
        tw = self.settings.tab_width
        if before and not before.strip(" ") and len(before) % tw == 0:
            c.setPosition(pos - tw, _KEEP)
            c.removeSelectedText()
            return True
        return False  # the editor deletes one character

    def cmd_delete(self):
        if not self._editing():
            return True
        c = self._cursor()
        if c.hasSelection():
            self._ensure_editable_cursor()
            self._cursor().removeSelectedText()
            return True
        if not self._in_input(c.position()):
            self._ensure_editable_cursor()
            return True
        if c.atBlockEnd():
            nxt = c.block().next()
            if nxt.isValid():
                c.setPosition(self._line_start(nxt), _KEEP)
                c.removeSelectedText()
            return True
        return False

    def cmd_left(self):
        if not self._editing():
            return False
        c = self._cursor()
        if c.hasSelection() or not self._in_input(c.position()):
            return False
        if c.position() == self._line_start(c.block()):
            if c.position() > self._input_cursor.position():
                prev = c.block().previous()
                c.setPosition(prev.position() + prev.length() - 1)
                self._set_cursor(c)
            return True
        return False

    def cmd_right(self):
        if not self._editing():
            return False
        c = self._cursor()
        if c.hasSelection() or not self._in_input(c.position()):
            return False
        if c.atBlockEnd() and c.block().next().isValid():
            c.setPosition(self._line_start(c.block().next()))
            self._set_cursor(c)
            return True
        return False

    def cmd_home(self):
        if not self._editing() or not self._in_input(self._cursor().position()):
            return False
        c = self._cursor()
        start = self._line_start(c.block())
        line = self._text_range(start, c.block().position() + c.block().length() - 1)
        first = start + len(line) - len(line.lstrip())
        c.setPosition(first if c.position() != first else start)
        self._set_cursor(c)
        return True

    def cmd_end(self):
        c = self._cursor()
        c.movePosition(_M.EndOfBlock)
        self._set_cursor(c)
        return True

    def cmd_buffer_start(self):
        if self._editing():
            c = self._cursor()
            c.setPosition(self._input_cursor.position())
            self._set_cursor(c)
        return True

    def cmd_document_end(self):
        c = self._cursor()
        c.movePosition(_M.End)
        self._set_cursor(c)
        return True

    def cmd_scroll_top(self):
        self._control.verticalScrollBar().setValue(0)
        return True

    def cmd_scroll_bottom(self):
        self._scroll_to_bottom()
        return True

    def cmd_cancel(self):
        if self._editing() and self._password is None:
            self.input_buffer = ""
            self.history.reset()
        return True

    def cmd_complete_or_indent(self):
        return self.cmd_indent()

    def cmd_indent(self):
        if not self._editing() or self._password is not None:
            return True
        self._ensure_editable_cursor()
        c = self._cursor()
        col = c.position() - self._line_start(c.block())
        tw = self.settings.tab_width
        c.insertText(" " * (tw - col % tw))
        return True

    def cmd_dedent(self):
        if not self._editing():
            return True
        c = self._cursor()
        start = self._line_start(c.block())
        line = self._text_range(start, c.block().position() + c.block().length() - 1)
        n = min(len(line) - len(line.lstrip(" ")), self.settings.tab_width)
        if n:
            d = QtGui.QTextCursor(self._doc)
            d.setPosition(start)
            d.setPosition(start + n, _KEEP)
            d.removeSelectedText()
        return True

    # history ---------------------------------------------------------------
    def _replace_from_history(self, text: str | None, at_start: bool) -> None:
        if text is None:
            return
        self.input_buffer = text
        if at_start:
            c = self._cursor()
            c.setPosition(self._input_cursor.position())
            c.movePosition(_M.EndOfBlock)
            self._set_cursor(c)

    def _history_step(self, backwards: bool, substring: bool) -> bool:
        if not self._editing() or self._prompt_kind != "input":
            return False
        c = self._cursor()
        first_line = c.block().position() <= self._input_cursor.position()
        last_line = not c.block().next().isValid()
        if backwards and not first_line and not substring:
            return False  # move up inside a multi-line input
        if not backwards and not last_line and not substring:
            return False
        current = self.input_buffer
        if self._history_needle is None:
            if substring:
                self._history_needle = current
            else:
                self._history_needle = self._text_range(self._input_cursor.position(), c.position()) \
                    if first_line else ""
        step = self.history.previous if backwards else self.history.next
        self._replace_from_history(step(current, self._history_needle, substring), backwards)
        return True

    def cmd_history_previous(self):
        return self._history_step(True, False)

    def cmd_history_next(self):
        return self._history_step(False, False)

    def cmd_history_search_previous(self):
        return self._history_step(True, True) or True

    def cmd_history_search_next(self):
        return self._history_step(False, True) or True

    # kill ring ---------------------------------------------------------------
    def _kill(self, start: int, end: int) -> None:
        if end <= start:
            return
        c = QtGui.QTextCursor(self._doc)
        c.setPosition(start)
        c.setPosition(end, _KEEP)
        self.kill_ring.kill(self._strip_cont(c.selection().toPlainText()))
        c.removeSelectedText()

    def cmd_kill_line(self):
        if not self._editing() or not self._in_input(self._cursor().position()):
            return True
        c = self._cursor()
        end = c.block().position() + c.block().length() - 1
        if c.position() == end and c.block().next().isValid():
            end = self._line_start(c.block().next())
        self._kill(c.position(), end)
        return True

    def cmd_kill_line_backward(self):
        if not self._editing() or not self._in_input(self._cursor().position()):
            return True
        c = self._cursor()
        self._kill(self._line_start(c.block()), c.position())
        return True

    def _word_boundary(self, pos: int, backwards: bool) -> int:
        start = self._input_cursor.position()
        text = self._text_range(start, self._end())
        i = pos - start
        if backwards:
            j = i
            while j > 0 and text[j - 1].isspace():
                j -= 1
            while j > 0 and not text[j - 1].isspace() and (text[j - 1].isalnum() or text[j - 1] == "_"):
                j -= 1
            if j == i and j > 0:
                j -= 1
            return start + max(j, 0)
        j = i
        while j < len(text) and text[j].isspace():
            j += 1
        while j < len(text) and (text[j].isalnum() or text[j] == "_"):
            j += 1
        if j == i and j < len(text):
            j += 1
        return start + j

    def cmd_kill_word_backward(self):
        if self._editing() and self._in_input(self._cursor().position()):
            pos = self._cursor().position()
            self._kill(self._word_boundary(pos, True), pos)
        return True

    def cmd_kill_word_forward(self):
        if self._editing() and self._in_input(self._cursor().position()):
            pos = self._cursor().position()
            self._kill(pos, self._word_boundary(pos, False))
        return True

    def cmd_word_left(self):
        if self._editing() and self._in_input(self._cursor().position()):
            c = self._cursor()
            c.setPosition(self._word_boundary(c.position(), True))
            self._set_cursor(c)
        return True

    def cmd_word_right(self):
        if self._editing() and self._in_input(self._cursor().position()):
            c = self._cursor()
            c.setPosition(self._word_boundary(c.position(), False))
            self._set_cursor(c)
        return True

    def cmd_yank(self):
        text = self.kill_ring.yank()
        if text is not None and self._editing():
            self._ensure_editable_cursor()
            start = self._cursor().position()
            self.paste_text(text)
            self._last_yank = (start, self._cursor().position())
        return True

    def cmd_yank_pop(self):
        if self._last_yank is None:
            return True
        text = self.kill_ring.rotate()
        start, end = self._last_yank
        c = QtGui.QTextCursor(self._doc)
        c.setPosition(start)
        c.setPosition(end, _KEEP)
        c.removeSelectedText()
        self._set_cursor(c)
        self.paste_text(text or "")
        self._last_yank = (start, self._cursor().position())
        return True

    # clipboard ---------------------------------------------------------------
    def _selected_text(self, strip_prompts: bool = True) -> str:
        c = self._cursor()
        if not c.hasSelection():
            return ""
        s, e = sorted((c.selectionStart(), c.selectionEnd()))
        text = block_text_joined(self._doc, s, e) if self.writer.folded_blocks else \
            c.selection().toPlainText()
        return self._strip_prompts(text) if strip_prompts else text

    def _strip_prompts(self, text: str) -> str:
        """Remove prompts from copied text (so it can be pasted back as code)."""
        lines = text.split("\n")
        pat = re.compile(r"^(\s*(In \[\d+\]: |Out\[\d+\]: |\.\.\.: |>>> |\.\.\. ))")
        return "\n".join(pat.sub("", ln, count=1) for ln in lines)

    def cmd_copy(self):
        text = self._selected_text(True)
        if text:
            QtWidgets.QApplication.clipboard().setText(text)
        return True

    def cmd_copy_raw(self):
        text = self._selected_text(False)
        if text:
            QtWidgets.QApplication.clipboard().setText(text)
        return True

    def cmd_interrupt_or_copy(self):
        return self.cmd_copy()

    def cmd_cut(self):
        c = self._cursor()
        if self._editing() and c.hasSelection() and \
                min(c.selectionStart(), c.selectionEnd()) >= self._input_cursor.position():
            self.cmd_copy()
            c.removeSelectedText()
        return True

    def cmd_paste(self):
        self.paste_text(QtWidgets.QApplication.clipboard().text())
        return True

    def paste_text(self, text: str) -> None:
        """Insert text at the cursor in the input, adding continuation prompts."""
        if not self._editing() or not text:
            return
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        if self._password is not None:
            self._password += text.split("\n")[0]
            c = QtGui.QTextCursor(self._doc)
            c.movePosition(_M.End)
            c.insertText("\u2022" * len(text.split("\n")[0]))
            return
        self._ensure_editable_cursor()
        c = self._cursor()
        c.insertText(self._with_cont(text), self._plain_format)
        self._set_cursor(c)

    def cmd_select_all(self):
        c = self._cursor()
        if self._editing() and not (c.hasSelection() and
                                    c.selectionStart() == self._input_cursor.position()):
            c.setPosition(self._input_cursor.position())
            c.setPosition(self._end(), _KEEP)
        else:
            c.select(QtGui.QTextCursor.SelectionType.Document)
        self._control.setTextCursor(c)
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
