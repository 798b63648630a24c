"""The key map's editing commands: line editing, history, kill ring, clipboard.

A mixin of :class:`~embedcon.widgets.console_widget.ConsoleWidget`: every
``cmd_<name>`` method is the command a key chord names in the key map
(:mod:`embedcon.models.keymap`).  A command returns False to let the editor
apply its default handling of the key.
"""

from __future__ import annotations

import re

from qtpy import QtGui, QtWidgets


__all__ = ["EditingCommands"]

_M = QtGui.QTextCursor.MoveOperation
_KEEP = QtGui.QTextCursor.MoveMode.KeepAnchor
_PROMPT_AT_LINE_START = re.compile(r"^(\s*(In \[\d+\]: |Out\[\d+\]: |\.\.\.: |>>> |\.\.\. ))")


class EditingCommands:
    """Commands on the input buffer; needs the ConsoleWidget document helpers."""

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

    def _deletion_handled(self) -> bool:
        """Common start of Backspace and Delete: True when the key is used up
        (no input line, a selection removed, or the cursor moved back into
        the input)."""
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
        return False

    def cmd_backspace(self):
        if self._deletion_handled():
            return True
        c = self._cursor()
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
        if self._deletion_handled():
            return True
        c = self._cursor()
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
        if self._selected_input_lines() is not None:
            return self._shift_selected_lines(True)
        self._ensure_editable_cursor()
        c = self._cursor()
        col = c.position() - self._line_start(c.block())
        tw = self.settings.tab_width
        c.insertText(" " * (tw - col % tw))
        return True

    def cmd_dedent(self):
        if not self._editing() or self._password is not None:
            return True
        if self._selected_input_lines() is not None:
            return self._shift_selected_lines(False)
        c = self._cursor()
        if not self._in_input(c.position()):
            return True
        self._dedent_line(c.block(), QtGui.QTextCursor(self._doc))
        return True

    def _selected_input_lines(self) -> tuple[QtGui.QTextBlock, QtGui.QTextBlock] | None:
        """(first, last) input line touched by the selection, or None when
        nothing of the input is selected."""
        c = self._cursor()
        if not c.hasSelection():
            return None
        inp = self._input_cursor.position()
        s, e = sorted((c.selectionStart(), c.selectionEnd()))
        if e <= inp:
            return None
        first = self._doc.findBlock(max(s, inp))
        last = self._doc.findBlock(e)
        if e == last.position() and last.blockNumber() > first.blockNumber():
            last = last.previous()  # a selection ending at a line start leaves that line alone
        return first, last

    def _shift_selected_lines(self, indent: bool) -> bool:
        """Indent (or dedent) every input line the selection touches by one
        level, in one edit; the lines stay selected."""
        first, last = self._selected_input_lines()
        tw = self.settings.tab_width
        edit = QtGui.QTextCursor(self._doc)
        edit.beginEditBlock()
        try:
            block = first
            while True:
                if indent:
                    edit.setPosition(self._line_start(block))
                    edit.insertText(" " * tw, self._plain_format)
                else:
                    self._dedent_line(block, edit)
                if block == last:
                    break
                block = block.next()
        finally:
            edit.endEditBlock()
        c = self._cursor()
        c.setPosition(self._line_start(first))
        c.setPosition(last.position() + last.length() - 1, _KEEP)
        self._control.setTextCursor(c)
        return True

    def _dedent_line(self, block: QtGui.QTextBlock, edit: QtGui.QTextCursor) -> None:
        """Remove up to one level of leading spaces from an input line."""
        start = self._line_start(block)
        line = self._text_range(start, block.position() + block.length() - 1)
        n = min(len(line) - len(line.lstrip(" ")), self.settings.tab_width)
        if n:
            edit.setPosition(start)
            edit.setPosition(start + n, _KEEP)
            edit.removeSelectedText()

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
        if strip_prompts:
            s = min(self._past_prompt(s), e)
        text = self._text_as_written(s, e)
        return self._strip_prompts(text) if strip_prompts else text

    def _past_prompt(self, pos: int) -> int:
        """``pos``, or the end of the prompt it lies in: a selection that starts
        inside a prompt loses the whole prompt, not only its start."""
        block = self._doc.findBlock(pos)
        if self._editing() and pos >= self._prompt_cursor.position():
            # the live prompts, whatever their text
            inp = self._input_cursor.position()
            return inp if pos < inp else max(pos, self._line_start(block))
        m = _PROMPT_AT_LINE_START.match(block.text())
        if m is not None and pos - block.position() < m.end():
            return block.position() + m.end()
        return pos

    def _strip_prompts(self, text: str) -> str:
        """Remove prompts from copied text (so it can be pasted back as code)."""
        return "\n".join(_PROMPT_AT_LINE_START.sub("", ln, count=1) for ln in text.split("\n"))

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
        self.paste_cleaned(QtWidgets.QApplication.clipboard().text())
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
        c.removeSelectedText()
        self._long_lines.insert(c, self._with_cont(text), self._plain_format)
        self._set_cursor(c)

    def cmd_select_all(self):
        """The input first; the whole transcript when the input is empty or
        already wholly selected (so a second press widens the selection)."""
        c = self._cursor()
        start, end = (self._input_cursor.position(), self._end()) if self._editing() \
            else (0, 0)
        if start < end and not (c.selectionStart() == start and c.selectionEnd() == end):
            c.setPosition(start)
            c.setPosition(end, _KEEP)
        else:
            c.select(QtGui.QTextCursor.SelectionType.Document)
        self._control.setTextCursor(c)
        return True
