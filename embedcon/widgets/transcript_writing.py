"""Writing into the console's transcript: output above a live prompt, stream
text in timed slices, repaints held to one per frame, scrollback trimmed.

A mixin of :class:`~embedcon.widgets.console_widget.ConsoleWidget` (split from
it along its "output" section); it uses the widget's document, cursors,
``writer`` (:class:`~embedcon.widgets.output.OutputWriter`) and ``_queue``
(:class:`~embedcon.widgets.output.StreamQueue`).
"""

from __future__ import annotations

import time

from qtpy import QtGui

from .guard import guarded

__all__ = ["TranscriptWriting"]

_M = QtGui.QTextCursor.MoveOperation


class TranscriptWriting:
    def _output_cursor(self) -> QtGui.QTextCursor:
        """Where output goes now: on a fresh line above a live prompt, else at
        the end.  Pair with :meth:`_close_output`."""
        if self._prompt_cursor is not None:
            c = QtGui.QTextCursor(self._doc)
            c.setPosition(self._prompt_cursor.position())
            c.insertText("\n", self._plain_format)  # the prompt moves down a line
            c.movePosition(_M.Left)
            # the split left the input highlighter's formats on the line above (the
            # prompt's block): they would colour the output by the input's columns
            c.block().layout().clearFormats()
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
