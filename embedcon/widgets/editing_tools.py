"""Undo/redo of the input, pasting sessions, prompt jumps, find, and the key map API.

A mixin of :class:`~embedcon.widgets.console_widget.ConsoleWidget` (next to
:class:`~embedcon.widgets.editing.EditingCommands`): the ``cmd_<name>``
methods here are key map commands too.  The pure parts live in
:mod:`embedcon.models.undo` and :mod:`embedcon.models.paste`; the find bar
in :mod:`embedcon.widgets.findbar`, bracket matching in
:mod:`embedcon.widgets.brackets`.
"""

from __future__ import annotations

import re

from qtpy import QtCore, QtGui

from ..models.keymap import COMMANDS, KeyMap
from ..models.paste import clean_paste
from ..models.undo import InputState, UndoStack
from .guard import guarded

__all__ = ["EditingTools"]

_M = QtGui.QTextCursor.MoveOperation

# commands that change the input: the input before them is an undo step
_UNDO_STEP = frozenset({
    "enter", "newline", "complete_or_indent", "dedent", "kill_line", "kill_line_backward",
    "kill_word_backward", "kill_word_forward", "yank", "yank_pop", "cut", "paste", "cancel",
    "history_previous", "history_next", "history_search_previous", "history_search_next",
    "exit_or_delete", "indent"})
# deleting keys in a row make one undo step, like typed keys
_DELETING = frozenset({"backspace", "delete"})
# commands that leave the input alone and do not end a typing run
_NEUTRAL = frozenset({"undo", "redo", "find", "find_next", "find_previous", "zoom_in",
                      "zoom_out", "zoom_reset", "scroll_top", "scroll_bottom", "copy",
                      "copy_raw", "interrupt_or_copy"})


class EditingTools:
    """Undo, session paste, prompt jumps, find and the public key map."""

    def _init_editing_tools(self) -> None:
        from .brackets import BracketMatcher

        self._paste_rest: str | None = None  # what a big paste has still to insert
        self._undo = UndoStack()
        self._undo_input = None  # the input cursor the stack belongs to
        # a selection made (mouse) in the middle of a typing run ends the run
        self._control.selectionChanged.connect(self._undo.break_group)
        self._undo_word = 0
        self._undo_space = False
        self._extra: dict[str, list] = {}
        self._find_bar = None
        self._bracket_matcher = BracketMatcher(self)

    # the key map -------------------------------------------------------------
    @property
    def key_map(self) -> KeyMap:
        """The console's key map: ``commands()`` lists every command with its
        description and chords; ``bind(chord, command)``, ``unbind(chord)``
        and ``profile`` change it at run time (the ``select_*`` chords of a
        selection inside a rich output too)."""
        return self.keymap

    def run_command(self, name: str) -> bool:
        """Run a key map command by name (e.g. from a menu): ``"find"``,
        ``"copy_raw"``, ``"select_all"``, ``"undo"``...  Returns False when
        the command did nothing."""
        if name not in COMMANDS:
            raise ValueError(f"unknown console command {name!r}")
        handler = getattr(self, "cmd_" + name, None)
        if handler is None:
            return False
        self._undo_note(name, None)
        return handler() is not False

    # undo --------------------------------------------------------------------
    def _input_state(self) -> InputState:
        start, end = self._input_cursor.position(), self._end()
        pos = min(max(self._cursor().position(), start), end)
        raw = self._text_range(start, end)
        text = self._strip_cont(self._long_lines.expand(self._doc, start, end, raw))
        return InputState(text, len(self._strip_cont(raw[:pos - start])))

    def _line_state(self, row: int | None = None) -> InputState | None:
        """The text of input line ``row`` (default: the cursor's) and the
        cursor's column in it; None when there is no such line."""
        first = self._doc.findBlock(self._input_cursor.position()).blockNumber()
        c = self._cursor()
        block = c.block() if row is None else self._doc.findBlockByNumber(first + row)
        if not block.isValid() or block.blockNumber() < first:
            return None
        start = self._line_start(block)
        col = c.position() - start if c.block() == block else 0
        return InputState(block.text()[start - block.position():], max(col, 0),
                          block.blockNumber() - first)

    def _current_for(self, state: InputState) -> InputState | None:
        return self._input_state() if state.row is None else self._line_state(state.row)

    def _restore_input_state(self, state: InputState) -> None:
        if state.row is not None:
            now = self._line_state(state.row)
            if now is None:
                return
            block = self._doc.findBlockByNumber(
                self._doc.findBlock(self._input_cursor.position()).blockNumber() + state.row)
            start = self._line_start(block)
            c = QtGui.QTextCursor(self._doc)
            c.setPosition(start)
            c.setPosition(block.position() + block.length() - 1, QtGui.QTextCursor.MoveMode.KeepAnchor)
            c.insertText(state.text, self._plain_format)
            c.setPosition(start + min(state.cursor, len(state.text)))
            self._set_cursor(c)
            return
        self.input_buffer = state.text
        offset = min(state.cursor, len(state.text))
        lines_before = state.text.count("\n", 0, offset)
        c = self._cursor()
        c.setPosition(min(self._input_cursor.position() + offset +
                          lines_before * len(self._cont_prompt), self._end()))
        self._set_cursor(c)

    def _undo_stack(self) -> UndoStack:
        if self._undo_input is not self._input_cursor:  # a new prompt: a new input
            self._undo.clear()
            self._undo_input = self._input_cursor
        return self._undo

    def _undo_note(self, command: str | None, ev) -> None:
        """Called before a key's command (or typed text) is applied."""
        if self._input_cursor is None or self._password is not None or \
                self._prompt_kind != "input":
            return
        if command is None:
            text = ev.text() if ev is not None else ""
            if not text or not text.isprintable():
                return
            if text.isspace():
                self._undo_space = True
            elif self._undo_space:  # a new word after a space: a new step
                self._undo_space = False
                self._undo_word += 1
            c = self._cursor()
            group = ("type", self._undo_word, c.blockNumber())
            stack = self._undo_stack()
            if stack.in_group(group):
                return  # the typing run goes on: nothing to record (the common case)
            if c.hasSelection() or not self._in_input(c.position()):
                # typing replaces a selection (maybe several lines), or moves into the input
                stack.note(self._input_state)
                stack.break_group()
                return
            stack.note(self._line_state, group)
        elif command in _DELETING:
            self._undo_stack().note(self._input_state, "delete")
        elif command in _UNDO_STEP:
            self._undo_stack().note(self._input_state)
        elif command not in _NEUTRAL:
            self._undo_stack().break_group()  # the cursor moved: the next run is new

    def cmd_undo(self):
        if self._editing() and self._prompt_kind == "input":
            state = self._undo_stack().undo(self._current_for)
            if state is not None:
                self._restore_input_state(state)
        return True

    def cmd_redo(self):
        if self._editing() and self._prompt_kind == "input":
            state = self._undo_stack().redo(self._current_for)
            if state is not None:
                self._restore_input_state(state)
        return True

    # paste -------------------------------------------------------------------
    def paste_cleaned(self, text: str) -> None:
        """Paste as a user would: session prompts removed, dedented, indented
        like the current line (see :func:`embedcon.models.paste.clean_paste`)."""
        if not self._editing() or not text:
            return
        indent = ""
        if self._password is None:
            self._ensure_editable_cursor()
            c = self._cursor()
            before = self._text_range(self._line_start(c.block()), c.position())
            if before and not before.strip(" "):
                indent = before
        self._undo_note("paste", None)
        if self._password is not None:
            self.paste_text(text)
            return
        text = clean_paste(text, indent)
        if len(text) > self.PASTE_SLICE_CHARS:
            self._paste_in_slices(text)
        else:
            self.paste_text(text)

    # A big paste is inserted PASTE_SLICE_CHARS at a time, one slice per
    # event-loop turn: Qt takes ~25 ms to insert 64 KB of lines, so a 1 MB
    # paste in one piece froze the GUI for a quarter of a second.  Keys
    # pressed meanwhile wait and are replayed after it; reading or setting
    # the input finishes the paste first, so nothing sees half of it.
    PASTE_SLICE_CHARS = 64_000

    def _paste_in_slices(self, text: str) -> None:
        c = self._cursor()
        c.removeSelectedText()
        self._paste_rest = self._with_cont(text)
        self._paste_at = QtGui.QTextCursor(c)
        self._paste_input = self._input_cursor
        self._paste_keys: list = []
        self._paste_step()

    def _paste_step(self, everything: bool = False) -> None:
        rest = self._paste_rest
        if rest is None:
            return
        if self._input_cursor is not self._paste_input:  # the input went away meanwhile
            self._paste_rest = None
            self._replay_paste_keys()
            return
        n = len(rest) if everything else self.PASTE_SLICE_CHARS
        if len(rest) <= n:
            chunk, rest = rest, ""
        else:
            cut = rest.rfind("\n", 0, n)  # slices end at a line end (a long line goes whole)
            if cut <= 0:
                cut = rest.find("\n", n)
                cut = len(rest) if cut < 0 else cut
            chunk, rest = rest[:cut], rest[cut:]
        self._paste_rest = rest or None
        self._long_lines.insert(self._paste_at, chunk, self._plain_format)
        if rest:
            QtCore.QTimer.singleShot(0, self._paste_next)
        else:
            self._set_cursor(QtGui.QTextCursor(self._paste_at))
            self._replay_paste_keys()

    @guarded
    def _paste_next(self) -> None:
        self._paste_step()

    def _finish_paste(self) -> None:
        """Insert what is left of a big paste now."""
        if self._paste_rest is not None:
            self._paste_step(everything=True)

    def _hold_key_during_paste(self, ev) -> bool:
        self._paste_keys.append(QtGui.QKeyEvent(ev.type(), ev.key(), ev.modifiers(), ev.text(),
                                                ev.isAutoRepeat(), ev.count()))
        return True

    def _replay_paste_keys(self) -> None:
        keys, self._paste_keys = self._paste_keys, []
        for ev in keys:
            self._control.keyPressEvent(ev)

    # prompt jumps --------------------------------------------------------------
    def _prompt_regex(self) -> QtCore.QRegularExpression:
        template = getattr(self.settings, "in_prompt", "In [%i]: ")
        pattern = "^" + re.escape(template.strip() or "In [%i]:").replace("%i", r"\d+")
        return QtCore.QRegularExpression(pattern)

    def _jump_to(self, pos: int) -> None:
        c = self._cursor()
        c.setPosition(pos)
        self._set_cursor(c)

    def cmd_prompt_previous(self):
        start = self._cursor().block().position()
        if self._prompt_cursor is not None and start >= self._prompt_cursor.position():
            start = self._prompt_cursor.position()  # from inside the live input
        start -= 1
        if start < 0:
            return True
        found = self._doc.find(self._prompt_regex(), start,
                               QtGui.QTextDocument.FindFlag.FindBackward)
        if not found.isNull():
            self._jump_to(found.selectionStart())
        return True

    def cmd_prompt_next(self):
        block = self._cursor().block()
        start = block.position() + block.length()
        live = self._prompt_cursor.position() if self._prompt_cursor is not None else None
        found = self._doc.find(self._prompt_regex(), start) if start < self._end() else None
        if found is not None and not found.isNull() and (
                live is None or found.selectionStart() < live):
            self._jump_to(found.selectionStart())
        elif self._editing():
            self._jump_to(self._end())  # the live input
        return True

    # find --------------------------------------------------------------------
    @property
    def find_bar(self):
        """The find bar (:class:`~embedcon.widgets.findbar.FindBar`), made on first use."""
        if self._find_bar is None:
            from .findbar import FindBar

            self._find_bar = FindBar(self)
            self.layout().addWidget(self._find_bar)
        return self._find_bar

    def cmd_find(self):
        c = self._cursor()
        selected = c.selectedText() if c.hasSelection() else self._selected_text()
        # (the text selected inside a rich output when the transcript has none)
        self.find_bar.open("" if "\u2029" in selected or "\n" in selected else selected)
        return True

    def cmd_cancel(self):
        """Escape in the console closes an open find bar before it clears the input."""
        if self._find_bar is not None and self._find_bar.isVisible():
            self._find_bar.close_bar()
            return True
        return super().cmd_cancel()

    def cmd_find_next(self):
        self.find_bar.step(backwards=False)
        return True

    def cmd_find_previous(self):
        self.find_bar.step(backwards=True)
        return True

    # the find bar inside rich outputs (rich_find.RichFind); none in plain text
    def _find_in_outputs(self, needle: str, case_sensitive: bool = False) -> list:
        return []

    def _mark_output_hits(self, current, clear: bool = False) -> None:
        pass

    def _go_to_output_hit(self, hit, length: int) -> None:
        pass

    def _find_origin(self):
        return None

    # context menu ------------------------------------------------------------
    # Qt's standard actions that our commands replace (Qt's own undo stack is off)
    _MENU_COMMANDS = {"edit-undo": "undo", "edit-redo": "redo", "select-all": "select_all"}

    def _edit_context_menu(self, menu) -> None:
        """Point the editor's standard Undo, Redo and Select All at the key
        map's commands (with their chords), and add Find."""
        stack = self._undo_stack() if self._input_cursor is not None else None
        enabled = {"undo": bool(stack and stack.can_undo), "redo": bool(stack and stack.can_redo),
                   "select_all": True}
        for action in menu.actions():
            command = self._MENU_COMMANDS.get(action.objectName())
            if command is None:
                continue
            try:
                action.triggered.disconnect()
            except (TypeError, RuntimeError):
                pass
            action.triggered.connect(lambda _checked=False, c=command: self.run_command(c))
            label = action.text().split("\t")[0]
            chords = self.keymap.chords_for(command)
            action.setText(label + ("\t" + chords[0] if chords else ""))
            action.setEnabled(enabled[command])
        chords = self.keymap.chords_for("find")
        menu.addAction("Find\u2026" + ("\t" + chords[0] if chords else ""),
                       lambda: self.run_command("find"))

    # extra selections (find hits, bracket partners) ------------------------------
    def _set_extra_selections(self, owner: str, selections: list) -> None:
        """Each owner's highlights, shown together; an owner's list replaces its last."""
        if not selections and not self._extra.get(owner):
            return
        self._extra[owner] = selections
        merged = []
        for sels in self._extra.values():
            merged.extend(sels)
        self._control.setExtraSelections(merged)

