"""IOPub traffic into the transcript: streams, results, errors, other clients.

A mixin of :class:`~embedcon.widgets.jupyter_widget.JupyterWidget`.  Output
from this client's own requests is shown (except for hidden executions), and
other clients' only with ``include_other_output``.  The rendering hooks at the
end show text; the rich widget overrides them for pictures, HTML and Markdown.
"""

from __future__ import annotations

from qtpy import QtGui

from ..models.contrast import readable
from .guard import guarded
from .output import ROLE_KEY, ROLE_OTHER_PROMPT

__all__ = ["IOPubHandlers"]

# (another client's inputs show as "[<name>] In [n]: code" in their own prompt
# colour; ``other_client_names`` maps a session id to a name, e.g. a tab's title)


class IOPubHandlers:
    """The ``_on_iopub`` dispatcher and one ``_iopub_<msg_type>`` per message type."""

    @guarded
    def _on_iopub(self, msg) -> None:
        if not self._iopub_live:
            self._iopub_live = True  # our subscription is in place
            self._maybe_handshake_done()
        msg_type = msg["header"]["msg_type"]
        content = msg["content"]
        if msg_type == "status":
            state = content.get("execution_state")
            if state in ("busy", "idle"):
                self._activity = state
                if self._kernel_state not in ("dead", "restarting", "not responding"):
                    self._set_state(state)
            if state == "idle" and msg["parent_header"].get("msg_id") == self._executing_id:
                self._idle_seen = True
                self._maybe_finish()
            return
        here = self._from_here(msg)
        parent_id = msg["parent_header"].get("msg_id")
        if here and self._requests.get(parent_id) == "hidden":
            return
        if not here and not self.settings.include_other_output:
            return
        if not here:
            self._other_session = msg["parent_header"].get("session", "")
        self._record_iopub(msg_type, content, here)
        handler = getattr(self, "_iopub_" + msg_type, None)
        if handler is not None:
            handler(content, here)

    def _record_iopub(self, msg_type: str, content: dict, here: bool) -> None:
        """Hook: every message shown passes here first (the export mixin
        records the session)."""

    def _iopub_stream(self, content, here) -> None:
        text = content.get("text")
        if isinstance(text, list):
            text = "".join(t for t in text if isinstance(t, str))
        if not isinstance(text, str):
            self.log.warning("dropped a stream message without text")
            return
        name = content.get("name")
        self.append_stream(text, "stderr" if name == "stderr" else "stdout")

    def _iopub_execute_input(self, content, here) -> None:
        if here:
            count = content.get("execution_count")
            if isinstance(count, int):
                self._next_count = count + 1
                self._renumber_early_prompt()
            return
        code = str(content.get("code", "")).rstrip("\n")
        count = content.get("execution_count", "?")
        if isinstance(count, int) and self._executing_id is None:
            # our next cell comes after this one: renumber the idle prompt
            self._next_count = count + 1
            if self._prompt_kind == "input":
                self._replace_prompt(self._format_prompt(self.settings.in_prompt, count + 1))
        names = getattr(self, "other_client_names", None) or {}
        label = names.get(getattr(self, "_other_session", ""), "other client")
        prompt = f"[{label}] " + self._format_prompt(self.settings.in_prompt, count)
        cont = self.settings.continuation_prompt.rjust(len(prompt))
        fmt = self._other_prompt_format

        ends = []

        def w(c):
            ends.append(QtGui.QTextCursor(c))
            ends[0].setKeepPositionOnInsert(True)  # stays at the first line's start
            for i, line in enumerate(code.split("\n")):
                c.insertText(prompt if i == 0 else cont, fmt)
                c.insertText(line + "\n", self._plain_format)
            ends.append(QtGui.QTextCursor(self._doc))
            ends[-1].setPosition(c.position() - 1)
        self._insert_output(w)
        first, last = (self._doc.findBlock(e.position()) for e in ends)
        if first.isValid() and last.isValid():
            self._highlighter.colour_written_input(first, last, len(prompt))

    OTHER_PROMPT_COLOUR = "#9a4fd0"  # violet, made readable on the background in use

    @property
    def _other_prompt_format(self):
        """The prompt of another client's input: its own colour (none under
        ``colors = NoColor``), in italics.  Built from the current prompt
        format, so theme, colors and style-sheet switches restyle it."""
        fmt = QtGui.QTextCharFormat(self._prompt_format)
        if not self.writer.no_color:
            base = self._control.palette().base().color().name()
            fmt.setForeground(QtGui.QColor(readable(self.OTHER_PROMPT_COLOUR, base)))
        fmt.setFontItalic(True)
        fmt.setProperty(ROLE_KEY, ROLE_OTHER_PROMPT)
        return fmt

    def _iopub_execute_result(self, content, here) -> None:
        count = content.get("execution_count")
        self._render_result(content.get("data"), content.get("metadata") or {},
                            count if isinstance(count, int) else None)

    def _iopub_display_data(self, content, here) -> None:
        self._render_display(content.get("data"), content.get("metadata") or {})

    _iopub_update_display_data = _iopub_display_data

    def _iopub_error(self, content, here) -> None:
        tb = content.get("traceback")
        if isinstance(tb, list) and all(isinstance(t, str) for t in tb):
            text = "\n".join(tb)
        else:
            text = f"{content.get('ename', 'Error')}: {content.get('evalue', '')}"
        self.flush_output()
        self.write_text(text.rstrip("\n") + "\n", "stderr")

    def _iopub_clear_output(self, content, here) -> None:
        self.flush_output()
        early = getattr(self, "_early_prompt", False) and self._prompt_cursor is not None
        if (self._prompt_cursor is None or early) and self._overwrite_floor_cell is not None:
            c = QtGui.QTextCursor(self._doc)
            c.setPosition(min(self._overwrite_floor_cell, self._end()))
            if early:  # the cell's output is above the prompt typed while it runs
                c.setPosition(max(c.position(), self._prompt_cursor.position()),
                              QtGui.QTextCursor.MoveMode.KeepAnchor)
            else:
                c.movePosition(QtGui.QTextCursor.MoveOperation.End,
                               QtGui.QTextCursor.MoveMode.KeepAnchor)
            c.removeSelectedText()
            if not early:
                self._end_cursor = c

    @property
    def _overwrite_floor_cell(self):
        return getattr(self, "_cell_output_start", None)

    def _finish_input(self) -> str:
        text = super()._finish_input()
        self._cell_output_start = self._end()
        return text

    # rendering hooks (the rich widget adds pictures, HTML and Markdown) -------------
    def _render_result(self, data, metadata, count) -> None:
        if not isinstance(data, dict):
            self.log.warning("dropped an execute_result without a data dict")
            return
        text = data.get("text/plain", "")
        if not isinstance(text, str):
            text = str(text)
        prompt = self._format_prompt(self.settings.out_prompt, count if count is not None else "?")

        def w(c):
            self._insert_prompt(c, prompt, out=True)
            c.setCharFormat(self._plain_format)
            body = ("\n" + text) if "\n" in text else text
            self._write_at(c, body + "\n")
        self._insert_output(w)

    def _render_display(self, data, metadata) -> None:
        if not isinstance(data, dict):
            self.log.warning("dropped a display_data without a data dict")
            return
        text = data.get("text/plain")
        if isinstance(text, str):
            self.write_text(text.rstrip("\n") + "\n")
