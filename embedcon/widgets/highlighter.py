"""Syntax highlighting of the input region only, block by block, with pygments.

A QSyntaxHighlighter would run a Python callback for every block the
document gains, output included (a 100k-line flood means 100k calls).  This
highlighter listens to ``contentsChange`` and returns at once for changes
outside the input region; inside it, only the edited lines are re-lexed and
their formats set on the block layouts.  Each line is lexed on its own (a
cache keyed by the line text makes repeated lines free), so a keystroke in a
500-line input costs one line's lexing.  Pygments is imported on first use.
The lexer is the one the kernel names (``set_language``); IPython's syntax
(magics, ``!shell``, ``obj?``) comes from
:class:`~embedcon.models.ipython_lexer.IPythonLineLexer`, without IPython.

Executed inputs keep their formats.  Their lines carry a block user state
(``INPUT_STATE``, with the prompt's length and whether the line is a cell's
first), so that a new style (``set_style``: a theme switch, ``syntax_style``)
colours them again: the lines on screen at once, the others from the newest
up, a time-bounded slice per event-loop turn (2,000 earlier inputs never
stall the GUI in one piece).
"""

from __future__ import annotations

import logging
import time
from functools import lru_cache

from qtpy import QtCore, QtGui

from ..models.ipython_lexer import IPythonLineLexer, is_ipython

__all__ = ["InputHighlighter"]

log = logging.getLogger("embedcon.highlighter")

# user state of an executed input's line: INPUT_STATE | prompt length << 1 | first line
# (other block states: -1, and the writer's FOLDED = 1)
INPUT_STATE = 1 << 20
_MAX_OFFSET = (1 << 19) - 1


def _is_input(state: int) -> bool:
    return state >= INPUT_STATE


def _offset(state: int) -> int:
    return (state & ~INPUT_STATE) >> 1


class InputHighlighter:
    # Highlighting is applied at most this often while the user types.  Each
    # pass costs one repaint of the whole viewport (QPlainTextDocumentLayout
    # repaints everything for a format change, about 2 ms for a full window),
    # so a burst of keys shares one pass instead of paying it per key.
    DELAY_MS = 40
    SLICE_SECONDS = 0.008  # highlighting work per event-loop turn
    MAX_LINE = 5_000  # longer lines are left plain (lexing them would stall)
    # Input lines keep their shaped glyphs (QTextLayout's cache) until the
    # input is executed.  Without it Qt shapes a coloured line again, run by
    # run, every time it paints it: each full repaint while typing (after a
    # highlighting pass, or when the line wraps) re-shaped every visible line.
    # Bounded, so that a huge paste does not hold glyphs for all its lines.
    CACHE_BLOCKS = 2_000

    def __init__(self, console, style: str = "default", lexer: str = "python"):
        self._console = console
        self._doc = console._control.document()
        self.enabled = False
        self._style_name = style
        self._lexer_name = lexer
        self._lexer = None
        self._cell: str | None = None  # lexer of a cell magic's body (%%bash: "bash")
        self._cell_lexers: dict = {}
        self._formats: dict = {}
        self._dirty: list[int] | None = None  # [start, end] waiting to be highlighted
        self._cached = 0  # input blocks whose layouts keep their glyphs
        self._timer = QtCore.QTimer(console)
        self._timer.setSingleShot(True)
        self._timer.setInterval(self.DELAY_MS)
        self._timer.timeout.connect(self._flush)
        self._doc.contentsChange.connect(self._changed)
        # executed inputs coloured again after a style change (see restyle_transcript)
        self._restyle_mark: QtGui.QTextCursor | None = None
        self._restyle_timer = QtCore.QTimer(console)
        self._restyle_timer.setSingleShot(True)
        self._restyle_timer.setInterval(0)
        self._restyle_timer.timeout.connect(self._restyle_slice)

    def warm_up(self) -> None:
        """Build the lexer and the common formats now.

        pygments compiles a lexer's regular expressions when the first one is
        made (about 70 ms for Python's), which otherwise lands on the first
        keystroke or cell.  The console calls this while it waits for a
        kernel it started."""
        if self._lexer is not None:
            return
        try:
            self._lex_line("def f(x=1):  # warm")
        except Exception:  # a timer slot must not raise into the host's loop
            log.exception("building the input lexer failed")

    def set_style(self, style: str) -> None:
        """Colour with the pygments style ``style`` from now on: the input
        being edited at once, the executed inputs too (``restyle_transcript``)
        when the style is another one."""
        changed = style != self._style_name
        self._style_name = style
        self._formats.clear()
        self._lex_line.cache_clear()
        self._lex_cell.cache_clear()
        self.rehighlight()
        if changed:
            self.restyle_transcript()

    # -- executed inputs in a new style ------------------------------------
    # (the lines on screen at once; then per event-loop turn at most this long,
    # and a cell's lines at most this many at a time)
    RESTYLE_SLICE_SECONDS = 0.008
    RESTYLE_CHUNK = 256

    @property
    def restyling(self) -> bool:
        """Whether executed inputs are still waiting for the current style."""
        return self._restyle_mark is not None

    def restyle_transcript(self) -> None:
        """Colour the executed inputs again in the current style: those on
        screen now, then the others from the newest up, in time-bounded
        slices (each event-loop turn does ``RESTYLE_SLICE_SECONDS`` of it)."""
        doc = self._doc
        edit = self._console._control
        first = edit.firstVisibleBlock()
        if first.isValid():
            height = edit.viewport().height()
            offset = edit.contentOffset()
            last = first
            while last.next().isValid() and \
                    edit.blockBoundingGeometry(last.next()).translated(offset).top() < height:
                last = last.next()
            self._restyle_walk(last, first.position(), None)
        mark = self._restyle_mark
        if mark is None:
            mark = self._restyle_mark = QtGui.QTextCursor(doc)
        mark.setPosition(doc.lastBlock().position())
        self._restyle_timer.start()

    def _restyle_slice(self) -> None:
        mark = self._restyle_mark
        if mark is None:
            return
        try:
            block = self._doc.findBlock(mark.position())
            block = self._restyle_walk(block, 0,
                                       time.perf_counter() + self.RESTYLE_SLICE_SECONDS)
        except Exception:  # a timer slot must not raise into the host's loop
            log.exception("colouring the executed inputs again failed")
            block = QtGui.QTextBlock()
        if block.isValid():
            mark.setPosition(block.position())
            self._restyle_timer.start()
        else:
            self._restyle_mark = None

    def _restyle_walk(self, block: QtGui.QTextBlock, stop: int, deadline: float | None):
        """Walk up from ``block`` to position ``stop``, colouring the executed
        inputs met; returns the block to go on from (invalid: done)."""
        while block.isValid() and block.position() >= stop:
            if _is_input(block.userState()):
                block = self._restyle_cell(block).previous()
            else:
                block = block.previous()
            if deadline is not None and time.perf_counter() > deadline:
                break
        return block if block.isValid() and block.position() >= stop else QtGui.QTextBlock()

    def _restyle_cell(self, last: QtGui.QTextBlock) -> QtGui.QTextBlock:
        """Colour the lines of an executed input that end at ``last`` (at most
        ``RESTYLE_CHUNK`` of them); returns the first line coloured."""
        first = last
        while not first.userState() & 1:  # up to the cell's first line
            prev = first.previous()
            if not prev.isValid() or not _is_input(prev.userState()):
                break
            first = prev
        start, n = last, 1
        while start != first and n < self.RESTYLE_CHUNK:
            start = start.previous()
            n += 1
        cell = None
        head = first.text()[_offset(first.userState()):]
        if head.lstrip().startswith("%%"):
            lexer = self._get_lexer()
            if isinstance(lexer, IPythonLineLexer):
                cell = lexer.cell_lexer_name(head)
        block = start
        while True:
            state = block.userState()
            self._highlight_block(block, _offset(state), cell if block != first else None,
                                  keep_glyphs=False)
            if block == last:
                break
            block = block.next()
        # deliver the change of these lines alone (Qt would merge it with the next edit's)
        pos = start.position()
        self._doc.markContentsDirty(pos, last.position() + last.length() - 1 - pos)
        return start

    def colour_written_input(self, first: QtGui.QTextBlock, last: QtGui.QTextBlock,
                             offset: int) -> None:
        """Colour an input written into the transcript rather than typed
        (another client's cell): its lines ``first``..``last``, code after
        ``offset`` characters of prompt, are marked as an executed input, so a
        style switch recolours them too.  Those on screen are coloured now, a
        long one's others in the restyle slices."""
        offset = min(offset, _MAX_OFFSET)
        block, flag = first, 1
        while block.isValid():
            block.setUserState(INPUT_STATE | offset << 1 | flag)
            flag = 0
            if block == last:
                break
            block = block.next()
        left = self._restyle_walk(last, first.position(),
                                  time.perf_counter() + self.SLICE_SECONDS)
        if left.isValid() and self._restyle_mark is None:
            self._restyle_mark = QtGui.QTextCursor(self._doc)
            self._restyle_mark.setPosition(left.position())
            self._restyle_timer.start()

    def set_language(self, name: str) -> None:
        """Lex with the pygments lexer ``name`` (a kernel's ``pygments_lexer`` or
        language name); IPython's (``ipython3``) is :class:`IPythonLineLexer`,
        which needs no IPython in this process."""
        if name and name != self._lexer_name:
            self._lexer_name = name
            built, self._lexer = self._lexer is not None, None
            self._lex_line.cache_clear()
            if built:  # warmed up already: pygments compiled its classes, a new lexer is cheap
                self._get_lexer()
            c = self._console
            if c._input_cursor is not None and c._input_cursor.position() < c._end():
                self._release_glyphs()  # every line is coloured again: a fresh allowance
                self.rehighlight()

    @property
    def lexer(self):
        """The lexer in use (built on first use)."""
        return self._get_lexer()

    def freeze(self) -> None:
        """The input became transcript: keep its colours, stop following it.

        The console is about to add a line after the input, an edit that
        repaints the view anyway; the formats' pending change rides along
        with it instead of costing a repaint of its own."""
        self._flush(repaint=False)
        self._release_glyphs()
        if self.enabled:
            self._mark_input()
        self.enabled = False

    def _mark_input(self) -> None:
        """Mark the input's lines as an executed input (see ``INPUT_STATE``)."""
        c = self._console
        if c._input_cursor is None:
            return
        block = self._doc.findBlock(c._input_cursor.position())
        first = 1
        while block.isValid():
            offset = min(c._line_start(block) - block.position(), _MAX_OFFSET)
            block.setUserState(INPUT_STATE | offset << 1 | first)
            first = 0
            block = block.next()

    def _release_glyphs(self) -> None:
        """The input is transcript now: let its lines drop their glyphs."""
        c = self._console
        if not self._cached or c._input_cursor is None:
            self._cached = 0
            return
        block = self._doc.findBlock(c._input_cursor.position())
        while block.isValid():
            layout = block.layout()
            if layout is not None:
                layout.setCacheEnabled(False)
            block = block.next()
        self._cached = 0

    def rehighlight(self) -> None:
        c = self._console
        if self.enabled and c._input_cursor is not None:
            self._highlight_range(c._input_cursor.position(), c._end())

    def _changed(self, pos: int, removed: int, added: int) -> None:
        if not self.enabled:
            return
        c = self._console
        if c._input_cursor is None:
            return
        start = c._input_cursor.position()
        end = pos + added
        if end < start:
            return
        start = max(pos, start)
        if self._dirty is None:
            self._dirty = [start, end]
            self._timer.start()
        else:
            self._dirty = [min(self._dirty[0], start), max(self._dirty[1], end)]

    def _flush(self, repaint: bool = True) -> None:
        dirty, self._dirty = self._dirty, None
        c = self._console
        if dirty is None or not self.enabled or c._input_cursor is None:
            return
        start = max(dirty[0], c._input_cursor.position())
        end = min(dirty[1], c._end())
        if not repaint:  # the input is being finished: all of it, now
            self._apply_range(start, end)
            return
        done_to = self._apply_range(start, end, budget=self.SLICE_SECONDS)
        self._deliver(start, max(done_to - start, 0))
        if done_to < end:  # a big paste: the rest in later slices, the GUI stays live
            self._dirty = [done_to, end] if self._dirty is None else \
                [min(self._dirty[0], done_to), max(self._dirty[1], end)]
            self._timer.start(0)
        else:
            self._timer.setInterval(self.DELAY_MS)

    # A pass over at most this many lines repaints just them; a bigger one
    # (a paste) repaints the view as Qt does.
    PARTIAL_REPAINT_BLOCKS = 64

    def _deliver(self, start: int, length: int) -> None:
        """Deliver the pending format change of [start, start + length] to the
        layout, repainting only the lines it touched.

        ``QTextLayout.setFormats`` registers a change the size of the whole
        block twice over (removed + added), which QPlainTextDocumentLayout
        always reads as spanning several blocks: it re-lays out the block and
        asks for a repaint of the whole viewport.  Each highlighting pass
        while typing then repainted every visible line (about 2 ms for a full
        window, several under load), and since passes come at most every
        ``DELAY_MS`` of wall time, a slower machine paid more of them per key.
        Here the layout's signals are held while the change is delivered and
        only the lines' rectangles are repainted; if a line's height changed
        (a bold glyph wrapped it), the held signals are given as Qt would."""
        doc = self._doc
        edit = self._console._control
        first = doc.findBlock(start)
        last = doc.findBlock(start + length)
        if not first.isValid():
            return
        if not last.isValid():
            last = doc.lastBlock()
        if last.blockNumber() - first.blockNumber() >= self.PARTIAL_REPAINT_BLOCKS:
            doc.markContentsDirty(start, length)
            return
        layout = doc.documentLayout()
        blocks, block = [], first
        while block.isValid():
            blocks.append(block)
            if block == last:
                break
            block = block.next()
        heights = [layout.blockBoundingRect(b).height() for b in blocks]
        held = layout.blockSignals(True)
        try:
            doc.markContentsDirty(start, length)
        finally:
            layout.blockSignals(held)
        if [layout.blockBoundingRect(b).height() for b in blocks] != heights:
            layout.documentSizeChanged.emit(layout.documentSize())
            layout.update.emit(QtCore.QRectF(0.0, -doc.documentMargin(), 1e9, 1e9))
            return
        offset = edit.contentOffset()
        view = edit.viewport()
        rect = QtCore.QRect()
        for b in blocks:
            if b.isVisible():
                rect = rect.united(edit.blockBoundingGeometry(b).translated(offset).toAlignedRect())
        rect = rect.intersected(view.rect())
        if not rect.isEmpty():
            view.update(rect.adjusted(0, 0, 0, 1))

    def _highlight_range(self, start: int, end: int) -> None:
        self._apply_range(start, end)
        # setFormats leaves a pending document change that Qt would otherwise
        # merge into the next keystroke; deliver it now (one repaint).
        self._doc.markContentsDirty(start, max(end - start, 0))

    def _apply_range(self, start: int, end: int, budget: float | None = None) -> int:
        """Highlight the blocks of [start, end]; with a time budget, stop when
        it is spent and return the position reached."""
        doc = self._doc
        block = doc.findBlock(start)
        last = doc.findBlock(end)
        console = self._console
        first = self._check_cell()
        deadline = time.perf_counter() + budget if budget is not None else None
        while block.isValid():
            self._highlight_block(block, console._line_start(block) - block.position(),
                                  self._cell if block.position() != first else None)
            if block == last:
                break
            block = block.next()
            if deadline is not None and time.perf_counter() > deadline:
                return block.position()
        return end

    def _check_cell(self) -> int:
        """Position of the input's first line; when the cell magic there
        changed (typing ``%%bash``), the whole input is coloured again."""
        c = self._console
        pos = c._input_cursor.position()
        block = self._doc.findBlock(pos)
        line = block.text()[pos - block.position():]
        cell = None
        if line.lstrip().startswith("%%"):  # else no lexer is built here (see warm_up)
            lexer = self._get_lexer()
            if isinstance(lexer, IPythonLineLexer):
                cell = lexer.cell_lexer_name(line)
        if cell != self._cell:
            self._cell = cell
            self._dirty = [pos, c._end()] if self._dirty is None else \
                [pos, max(self._dirty[1], c._end())]
            self._timer.start(0)
        return block.position()

    def _highlight_block(self, block: QtGui.QTextBlock, offset: int,
                         cell: str | None = None, keep_glyphs: bool = True) -> None:
        if block.length() > self.MAX_LINE:
            return
        text = block.text()[offset:]
        ranges = []
        for start, length, fmt in (self._lex_cell(cell, text) if cell else self._lex_line(text)):
            r = QtGui.QTextLayout.FormatRange()
            r.start = start + offset
            r.length = length
            r.format = fmt
            ranges.append(r)
        layout = block.layout()
        if layout is None:
            return
        if keep_glyphs and self._cached < self.CACHE_BLOCKS and not layout.cacheEnabled():
            layout.setCacheEnabled(True)
            self._cached += 1
        layout.setFormats(ranges)

    @lru_cache(maxsize=4096)  # noqa: B019 - the cache is per process and bounded
    def _lex_line(self, text: str):
        if not text.strip():
            return ()  # and no lexer built for an empty line (see warm_up)
        return self._spans(self._get_lexer(), text)

    @lru_cache(maxsize=1024)  # noqa: B019 - bounded
    def _lex_cell(self, name: str, text: str):
        if not text.strip():
            return ()
        lexer = self._cell_lexers.get(name)
        if lexer is None:
            from pygments.lexers import get_lexer_by_name
            from pygments.util import ClassNotFound

            try:
                lexer = get_lexer_by_name(name, stripnl=False, ensurenl=False)
            except ClassNotFound:
                lexer = get_lexer_by_name("text", stripnl=False, ensurenl=False)
            self._cell_lexers[name] = lexer
        # some lexers (bash's comments) want the line's end: the spans are cut to the line
        return self._spans(lexer, text, text + "\n")

    def _spans(self, lexer, text: str, lexed: str | None = None):
        if not text.strip() or lexer is None:
            return ()
        out = []
        pos = 0
        for ttype, value in lexer.get_tokens(text if lexed is None else lexed):
            n = len(value)
            if pos + n > len(text):
                n = len(text) - pos  # pygments appends a final newline
            fmt = self._format_for(ttype)
            if fmt is not None and n > 0:
                out.append((pos, n, fmt))
            pos += len(value)
        return tuple(out)

    def _get_lexer(self):
        if self._lexer is None:
            try:
                from pygments.lexers import get_lexer_by_name
                from pygments.util import ClassNotFound

                name = self._lexer_name
                if is_ipython(name):
                    self._lexer = IPythonLineLexer()
                    return self._lexer
                try:
                    self._lexer = get_lexer_by_name(name, stripnl=False, ensurenl=False)
                except ClassNotFound:
                    log.info("no pygments lexer %r: the input is not highlighted", name)
                    self._lexer = get_lexer_by_name("text", stripnl=False, ensurenl=False)
            except ImportError:
                return None
        return self._lexer

    def _format_for(self, ttype):
        if ttype in self._formats:
            return self._formats[ttype]
        from pygments.styles import get_style_by_name
        from pygments.util import ClassNotFound

        try:
            style = get_style_by_name(self._style_name)
        except ClassNotFound:
            style = get_style_by_name("default")
        spec = style.style_for_token(ttype)
        fmt = None
        if spec.get("color") or spec.get("bold") or spec.get("italic"):
            fmt = QtGui.QTextCharFormat()
            if spec.get("color"):
                fmt.setForeground(QtGui.QColor("#" + spec["color"]))
            if spec.get("bold"):
                fmt.setFontWeight(QtGui.QFont.Weight.Bold)
            if spec.get("italic"):
                fmt.setFontItalic(True)
        self._formats[ttype] = fmt
        return fmt
