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
from traitlets import Dict, Enum, Integer, Unicode
from traitlets.config import LoggingConfigurable

from ..models.history import History
from ..models.keymap import NATIVE_KEYS, KeyMap
from ..models.killring import KillRing
from .editing import EditingCommands
from .editing_tools import EditingTools
from .editor import ConsoleEdit, block_text_joined, key_chord, settings_properties
from .highlighter import InputHighlighter
from .long_input import LongLines
from .output import (ROLE_KEY, ROLE_NOTICE, ROLE_OUT_PROMPT, ROLE_PROMPT, OutputWriter,
                     StreamQueue)
from .qtconsole_names import QtConsoleNames
from .transcript_writing import TranscriptWriting

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
        help='Overrides of the key map, e.g. {"Ctrl+Return": "execute", "Ctrl+L": None}; '
             'a select_* command (a rich output\'s selection) binds its chord only while '
             'such a selection lives.')
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
class ConsoleWidget(QtConsoleNames, EditingTools, EditingCommands, TranscriptWriting,
                    QtWidgets.QWidget):
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
        for fmt, role in ((self._prompt_format, ROLE_PROMPT),
                          (self._out_prompt_format, ROLE_OUT_PROMPT),
                          (self._notice_format, ROLE_NOTICE)):
            fmt.setProperty(ROLE_KEY, role)  # the theme restyles text written with it
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
            self._set_input_style()
        elif name == "long_input_line":
            self._long_lines.limit = change["new"]
        elif name in ("fold_width", "max_line_chars"):
            setattr(self.writer, name, change["new"])

    def _set_input_style(self) -> None:
        """Highlight the inputs (executed ones too) in ``syntax_style``; the
        theme mixin picks the style the theme and ``colors`` call for."""
        self._highlighter.set_style(self.settings.syntax_style)

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
                if result is False:
                    return self._native_key(command, ev)
                return True
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

    def _native_key(self, command: str, ev: QtGui.QKeyEvent) -> bool:
        """A command left the key to the editor: give it the key the editor
        knows for the command (NATIVE_KEYS) when the chord was another one
        (Ctrl+B for ``left``); True if it did, False to pass ``ev`` on."""
        name = NATIVE_KEYS.get(command)
        if name is None:
            return False
        key = getattr(QtCore.Qt.Key, "Key_" + name)
        mods = ev.modifiers() & QtCore.Qt.KeyboardModifier.ShiftModifier
        if ev.key() == key and ev.modifiers() == mods:
            return False
        native = QtGui.QKeyEvent(ev.type(), key, mods)
        QtWidgets.QPlainTextEdit.keyPressEvent(self._control, native)
        self._after_default_key(native)
        return True

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
