"""The session as data: cells with their input, execution count and outputs.

Pure Python, no Qt.  The console widget records every input it runs and
every output it shows here (streams, results and display data as MIME
bundles with their metadata, errors, console notices), as they arrive.  The
exports (HTML, XHTML, notebook, PDF) are made from this record rather than
from the screen, so they keep what the screen leaves out: a line elided on
screen for its length is whole here, folded lines are one line, and rich
outputs keep every MIME type the kernel sent.

Bounded like the scrollback: once more than ``max_lines`` lines (or
``max_chars`` characters of stream text) are recorded, the oldest cells are
dropped, then the oldest lines of the first cell's output, while at least
``max_lines`` lines stay (the screen counts folded lines too, so the record
always holds at least what the scrollback shows).  ``trimmed_lines`` says how
many lines went.  Progress bars redrawn with carriage returns are collapsed
(:func:`~embedcon.models.ansi.collapse_overwrites`) after they arrive, a slice
at a time (:meth:`Transcript.compact`, which the console calls from a timer),
and in full before an export, so a long ``tqdm`` loop costs one line and a
message never waits for it.
"""

from __future__ import annotations

from collections import deque
from typing import Iterator

from .ansi import collapse_overwrites

__all__ = ["Transcript", "Cell", "Output", "StreamOutput", "RichOutput", "ErrorOutput",
           "NoticeOutput"]

RICH_LINES = 2  # what a picture or a rich block counts for (its line and a break)


class Output:
    """One output of a cell.  ``kind`` is the nbformat output type (plus
    ``notice`` for the console's own messages)."""

    __slots__ = ()
    kind = ""

    @property
    def lines(self) -> int:
        return RICH_LINES

    @property
    def chars(self) -> int:
        return 0


class StreamOutput(Output):
    """stdout or stderr text, with ANSI escapes as sent (carriage-return
    redraws collapsed).  Consecutive text of one stream is one output."""

    __slots__ = ("name", "_done", "_raw", "_raw_chars", "_lines", "_chars")

    def __init__(self, name: str, text: str = ""):
        self.name = name
        self._done: list[str] = []  # text with carriage-return redraws collapsed
        self._raw: list[str] = []   # text after it, as received (collapsed later)
        self._raw_chars = 0
        self._lines = 0
        self._chars = 0
        if text:
            self.add(text)

    def add(self, text: str) -> int:
        """Append ``text``; returns the line breaks it added.  Cheap: text with
        carriage returns is kept as received until :meth:`compact`."""
        n = text.count("\n")
        self._lines += n
        self._chars += len(text)
        if not self._raw and "\r" not in text:
            self._done.append(text)
        else:
            self._raw.append(text)
            self._raw_chars += len(text)
        return n

    @property
    def raw_chars(self) -> int:
        """Characters received and not yet compacted."""
        return self._raw_chars

    def compact(self, max_chars: int | None = None) -> int:
        """Collapse the redraws of (at most about ``max_chars`` characters of)
        the text not yet compacted; returns the characters it saved.

        A slice ends before a carriage return, and collapsing is exact for
        such a prefix: the text keeps its final look and cursor column."""
        if not self._raw:
            return 0
        raw = "".join(self._raw)
        rest = ""
        if max_chars is not None and len(raw) > max_chars:
            cut = raw.rfind("\r", 1, max_chars)
            if cut <= 0:
                cut = raw.find("\r", max_chars)
                cut = len(raw) if cut < 0 else cut
            raw, rest = raw[:cut], raw[cut:]
        before = len(raw)
        head = ""
        if self._done and not self._done[-1].endswith("\n"):  # the line being written
            last = self._done.pop()
            nl = last.rfind("\n")
            if nl >= 0:
                self._done.append(last[:nl + 1])
            head = last[nl + 1:]
        piece = collapse_overwrites(head + raw) if "\r" in raw else head + raw
        self._done.append(piece)
        self._raw = [rest] if rest else []
        self._raw_chars = len(rest)
        saved = before + len(head) - len(piece)
        self._chars -= saved
        return saved

    @property
    def text(self) -> str:
        self.compact()
        if len(self._done) > 1:
            self._done = ["".join(self._done)]
        return self._done[0] if self._done else ""

    @property
    def lines(self) -> int:
        return self._lines

    @property
    def chars(self) -> int:
        return self._chars

    def drop_head(self, lines: int, chars: int) -> tuple[int, int]:
        """Forget at least ``lines`` leading lines, or ``chars`` leading
        characters; returns (lines, chars) forgotten."""
        text = self.text
        cut = 0
        if lines > 0:
            parts = text.split("\n", lines)
            cut = len(text) - len(parts[-1]) if len(parts) > lines else len(text)
        if chars > cut:
            nl = text.find("\n", chars)
            cut = len(text) if nl < 0 else nl + 1
        gone = text[:cut].count("\n")
        self._done = [text[cut:]] if cut < len(text) else []
        self._lines -= gone
        self._chars -= cut
        return gone, cut


class RichOutput(Output):
    """``execute_result`` or ``display_data``: a MIME bundle and its metadata."""

    __slots__ = ("kind", "data", "metadata", "execution_count", "display_id")

    def __init__(self, kind: str, data: dict, metadata: dict | None = None,
                 execution_count: int | None = None, display_id: str | None = None):
        self.kind = kind
        self.data = data
        self.metadata = metadata or {}
        self.execution_count = execution_count
        self.display_id = display_id


class ErrorOutput(Output):
    __slots__ = ("ename", "evalue", "traceback")
    kind = "error"

    def __init__(self, ename: str, evalue: str, traceback: list[str]):
        self.ename = ename
        self.evalue = evalue
        self.traceback = traceback

    @property
    def lines(self) -> int:
        return sum(t.count("\n") + 1 for t in self.traceback) or 1


class NoticeOutput(Output):
    """A message of the console itself (kernel died, cell aborted ...);
    ``role`` is ``"banner"`` for the banner."""

    __slots__ = ("text", "role")
    kind = "notice"

    def __init__(self, text: str, role: str = "notice"):
        self.text = text
        self.role = role

    @property
    def lines(self) -> int:
        return self.text.count("\n") + 1


class Cell:
    """An input and its outputs.  ``source`` is None for output that belongs to
    no input of this console (the banner, another client's output before its
    input was seen).  ``origin`` is ``"here"`` or ``"other"`` (another client)."""

    __slots__ = ("source", "execution_count", "outputs", "status", "origin", "msg_id",
                 "trimmed_lines", "_clear_pending")

    def __init__(self, source: str | None = None, execution_count: int | None = None,
                 origin: str = "here", msg_id: str | None = None):
        self.source = source
        self.execution_count = execution_count
        self.outputs: list[Output] = []
        self.status: str | None = None
        self.origin = origin
        self.msg_id = msg_id
        self.trimmed_lines = 0  # leading output lines forgotten (scrollback bound)
        self._clear_pending = False

    @property
    def input_lines(self) -> int:
        return self.source.count("\n") + 1 if self.source is not None else 0


class Transcript:
    """The recorded session.  All methods are cheap enough for the output path
    (a stream message costs one count of its line breaks and an append)."""

    def __init__(self, max_lines: int = 10_000, max_chars: int = 50_000_000):
        self.max_lines = max_lines
        self.max_chars = max_chars
        self.cells: deque[Cell] = deque()
        self.trimmed_lines = 0  # lines forgotten at the head, all cells together
        self.trimmed_cells = 0
        self.lines = 0
        self.chars = 0
        self._uncompacted: deque[StreamOutput] = deque()
        self.uncompacted_chars = 0

    # -- recording ----------------------------------------------------------------
    def start_cell(self, source: str | None, execution_count: int | None = None,
                   origin: str = "here", msg_id: str | None = None) -> Cell:
        """A new cell (an input was run); later outputs go to it."""
        cell = Cell(source, execution_count, origin, msg_id)
        self.cells.append(cell)
        self.lines += cell.input_lines
        self._bound()
        return cell

    @property
    def current(self) -> Cell:
        """The cell outputs go to (one without input is made if needed)."""
        if not self.cells:
            self.cells.append(Cell())
        return self.cells[-1]

    def find_cell(self, msg_id: str | None) -> Cell | None:
        if msg_id:
            for cell in reversed(self.cells):
                if cell.msg_id == msg_id:
                    return cell
        return None

    def _target(self, cell: Cell | None) -> Cell:
        cell = cell or self.current
        if cell._clear_pending:
            cell._clear_pending = False
            self._clear(cell)
        return cell

    def add_stream(self, name: str, text: str, cell: Cell | None = None) -> None:
        if not text:
            return
        cell = cell or self.current
        if cell._clear_pending:
            cell = self._target(cell)
        last = cell.outputs[-1] if cell.outputs else None
        if isinstance(last, StreamOutput) and last.name == name:
            out = last
        else:
            out = StreamOutput(name)
            cell.outputs.append(out)
        self.lines += out.add(text)
        self.chars += len(text)
        if out.raw_chars:
            if not self._uncompacted or self._uncompacted[-1] is not out:
                self._uncompacted.append(out)
            self.uncompacted_chars += len(text)
        if self.lines > self._high or self.chars > self.max_chars > 0:
            self._bound()

    # what compact() does per call: about 10 ms of work
    COMPACT_SLICE = 500_000
    # uncompacted text worth compacting (below it, export does it)
    COMPACT_AT = 256_000

    @property
    def needs_compaction(self) -> bool:
        return self.uncompacted_chars >= self.COMPACT_AT

    def compact(self, max_chars: int | None = COMPACT_SLICE) -> bool:
        """Collapse carriage-return redraws in about ``max_chars`` characters
        of stream text (None: all); True while some remain.  The console calls
        it from a timer, a slice at a time, never on the message path."""
        budget = max_chars
        while self._uncompacted:
            out = self._uncompacted[0]
            had = out.raw_chars
            self.chars -= out.compact(budget)
            done = had - out.raw_chars
            self.uncompacted_chars = max(self.uncompacted_chars - done, 0)
            if out.raw_chars:
                return True
            self._uncompacted.popleft()
            if budget is not None:
                budget -= done
                if budget <= 0:
                    break
        if not self._uncompacted:
            self.uncompacted_chars = 0
        return bool(self._uncompacted)

    def add_rich(self, kind: str, data: dict, metadata: dict | None = None,
                 execution_count: int | None = None, display_id: str | None = None,
                 cell: Cell | None = None) -> RichOutput:
        cell = self._target(cell)
        out = RichOutput(kind, data, metadata, execution_count, display_id)
        cell.outputs.append(out)
        if kind == "execute_result" and execution_count is not None:
            cell.execution_count = execution_count
        self.lines += out.lines
        self._bound()
        return out

    def update_display(self, display_id: str, data: dict, metadata: dict | None = None) -> int:
        """Give every output with ``display_id`` new data; returns how many."""
        n = 0
        for cell in self.cells:
            for out in cell.outputs:
                if isinstance(out, RichOutput) and out.display_id == display_id:
                    out.data = data
                    out.metadata = metadata or {}
                    n += 1
        return n

    def add_error(self, ename: str, evalue: str, traceback: list[str],
                  cell: Cell | None = None) -> None:
        cell = self._target(cell)
        out = ErrorOutput(ename, evalue, traceback)
        cell.outputs.append(out)
        if cell.status is None:
            cell.status = "error"
        self.lines += out.lines
        self._bound()

    def add_notice(self, text: str, cell: Cell | None = None, role: str = "notice") -> None:
        cell = cell or self.current
        out = NoticeOutput(text, role)
        cell.outputs.append(out)
        self.lines += out.lines
        self._bound()

    def clear_output(self, wait: bool = False, cell: Cell | None = None) -> None:
        """Jupyter's ``clear_output``: now, or (``wait``) when the next output comes."""
        cell = cell or self.current
        if wait:
            cell._clear_pending = True
        else:
            cell._clear_pending = False
            self._clear(cell)

    def _clear(self, cell: Cell) -> None:
        kept = [o for o in cell.outputs if isinstance(o, NoticeOutput)]
        for o in cell.outputs:
            if not isinstance(o, NoticeOutput):
                self.lines -= o.lines
                self.chars -= o.chars
                self._forget(o)
        cell.outputs = kept

    def _forget(self, out: Output) -> None:
        """``out`` left the record: no compaction for it."""
        if isinstance(out, StreamOutput) and out.raw_chars and out in self._uncompacted:
            self._uncompacted.remove(out)
            self.uncompacted_chars = max(self.uncompacted_chars - out.raw_chars, 0)

    def finish_cell(self, execution_count: int | None, status: str | None,
                    cell: Cell | None = None) -> None:
        """The reply came: its count and status."""
        cell = cell or self.current
        if isinstance(execution_count, int):
            cell.execution_count = execution_count
        if status and cell.status is None:
            cell.status = status

    def clear(self) -> None:
        """Forget everything (the screen was cleared)."""
        self.cells.clear()
        self.lines = self.chars = 0
        self._uncompacted.clear()
        self.uncompacted_chars = 0

    def __iter__(self) -> Iterator[Cell]:
        return iter(self.cells)

    # -- bound ---------------------------------------------------------------------
    @property
    def _high(self) -> int:
        """Lines at which trimming starts: a quarter over the bound, so that a
        flood trims once per many messages, not on each."""
        if self.max_lines <= 0:
            return 1 << 62
        return self.max_lines + max(self.max_lines // 4, 64)

    def _bound(self) -> None:
        lines_over = self.lines - self.max_lines if self.max_lines > 0 else 0
        if self.lines <= self._high and not (self.chars > self.max_chars > 0):
            return
        chars_over = self.chars - self.max_chars * 3 // 4 if self.max_chars > 0 else 0
        cells = self.cells
        while len(cells) > 1:
            first = cells[0]
            n = first.input_lines + sum(o.lines for o in first.outputs)
            c = sum(o.chars for o in first.outputs)
            if not (lines_over >= n or 0 < c <= chars_over or (chars_over > 0 and not c)):
                break
            for o in cells.popleft().outputs:
                self._forget(o)
            self.lines -= n
            self.chars -= c
            self.trimmed_lines += n
            self.trimmed_cells += 1
            lines_over -= n
            chars_over -= c
        if (lines_over > 0 or chars_over > 0) and cells:
            first = cells[0]
            while first.outputs and (lines_over > 0 or chars_over > 0):
                out = first.outputs[0]
                if isinstance(out, StreamOutput) and (out.lines > lines_over or
                                                      out.chars > chars_over):
                    self._forget(out)  # drop_head compacts it
                    gone, cut = out.drop_head(lines_over, chars_over)
                    if not out.chars:
                        first.outputs.pop(0)
                else:
                    self._forget(out)
                    first.outputs.pop(0)
                    gone, cut = out.lines, out.chars
                self.lines -= gone
                self.chars -= cut
                first.trimmed_lines += gone
                self.trimmed_lines += gone
                lines_over -= gone
                chars_over -= cut
                if isinstance(out, StreamOutput) and out.chars and gone == 0 and cut == 0:
                    break
