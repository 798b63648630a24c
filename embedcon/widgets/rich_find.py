"""The find bar inside rich outputs (HTML tables, Markdown, text kept for updates).

A mixin of :class:`~embedcon.widgets.rich_widget.RichJupyterWidget`.

The find bar (:mod:`.findbar`) searches the transcript's plain text, where a
rich output is only object characters.  This mixin gives it the text inside
the outputs' own documents:

* ``_find_in_outputs(needle, case_sensitive)`` returns every match in every
  document output still shown, as :class:`OutputHit` (the output's place in
  the transcript, the document, the position), in document order.  Each
  document's text is copied once per content (``generation``) into a
  :class:`~embedcon.models.find.Searcher`, so typing a longer needle only
  filters the last matches, as in the transcript;
* the matches are painted by the output's own documents (the selections of
  their ``PaintContext``, under an inner selection) in the find bar's
  colours, the current one in its current colour; the picture cache of big
  outputs is keyed by them;
* going to a match selects it inside its output (the inner selection of
  :mod:`.rich_select`: Ctrl+C copies it) and scrolls the transcript to show
  it; the find bar steps from there (``_find_origin``).

Nothing here runs while the find bar is closed, and a transcript without
document outputs costs the search one pass over an empty dict.
"""

from __future__ import annotations

from typing import NamedTuple

from qtpy import QtGui

from ..models.find import MAX_MATCHES, Searcher

__all__ = ["OutputHit", "RichFind"]

_PAINTED_PER_DOC = 2_000  # matches painted in one document at most


class OutputHit(NamedTuple):
    """A find match inside a rich output."""

    at: int  # the transcript position of the output (its first object character)
    block: object  # the RichBlock
    k: int  # which of the block's documents (pieces of a big output)
    start: int  # position in that document


class RichFind:
    """Find-bar matches inside document outputs: searched, painted, gone to."""

    def _init_find(self) -> None:
        self._find_texts: dict[int, tuple] = {}  # block id -> (content key, [Searcher])
        self._find_marks: dict[int, tuple] = {}  # block id -> (generation, {k: [starts]})
        self._find_length = 0
        self._find_current: OutputHit | None = None
        self._find_version = 0  # bumped whenever the marks change (the band cache's key)
        self._find_painted: dict[tuple, list] = {}  # (block id, k) -> Selections, made on paint

    # -- searching ---------------------------------------------------------------------
    def _searchers(self, block) -> list:
        """One Searcher per document of ``block``, made once per content."""
        docs = block.all_docs()
        key = (block.generation, len(docs), id(block.docs) if block.docs else id(block.doc))
        cached = self._find_texts.get(block.id)
        if cached is None or cached[0] != key:
            cached = (key, [Searcher(d.toPlainText()) for d in docs])
            self._find_texts[block.id] = cached
        return cached[1]

    def _find_in_outputs(self, needle: str, case_sensitive: bool = False) -> list:
        """Every match of ``needle`` inside document outputs, in document order."""
        hits: list[OutputHit] = []
        marks: dict[int, tuple] = {}
        if needle:
            blocks = sorted((b.cursor.position(), b.id, b) for b in self._rich_blocks.values()
                            if b.kind == "doc" and b.valid_in(self._doc))
            for at, _id, block in blocks:
                per_doc = {}
                for k, searcher in enumerate(self._searchers(block)):
                    starts = searcher.find(needle, case_sensitive)
                    if starts:
                        per_doc[k] = starts
                        hits.extend(OutputHit(at, block, k, s) for s in starts)
                if per_doc:
                    marks[block.id] = (block.generation, per_doc)
                if len(hits) >= MAX_MATCHES:
                    del hits[MAX_MATCHES:]
                    break
        for gone in set(self._find_texts) - set(self._rich_blocks):
            del self._find_texts[gone]  # outputs trimmed or cleared
        if marks or self._find_marks:
            self._find_marks = marks
            self._find_length = len(needle)
            self._find_current = None
            self._marks_changed()
        return hits

    def _mark_output_hits(self, current: OutputHit | None, clear: bool = False) -> None:
        """The current match (None: it is not in an output); ``clear`` drops
        every mark (the find bar closed)."""
        if clear:
            if not self._find_marks and self._find_current is None:
                return
            self._find_marks = {}
            current = None
        elif current == self._find_current:
            return
        self._find_current = current
        self._marks_changed()

    def _marks_changed(self) -> None:
        self._find_version += 1
        self._find_painted.clear()
        self._control.viewport().update()

    # -- going to a match ----------------------------------------------------------------
    def _go_to_output_hit(self, hit: OutputHit, length: int) -> None:
        """Select ``hit`` inside its output and scroll the transcript to it."""
        from .rich_select import InnerSelection

        edit = self._control
        c = edit.textCursor()
        c.setPosition(hit.at)  # no transcript selection (it would end the inner one)
        edit.setTextCursor(c)
        doc = hit.block.all_docs()[hit.k]
        end = min(hit.start + length, doc.characterCount() - 1)
        inner = InnerSelection(hit.block, (hit.k, hit.start))
        inner.focus = (hit.k, end)
        self._inner = inner
        self._mark_output_hits(hit)
        self._reveal(hit.block, (hit.k, hit.start))
        edit.viewport().update()

    def _find_origin(self):
        """(transcript position of the output, document, position) of an inner
        selection or caret, where the find bar steps from; None without one."""
        inner = self._inner
        if inner is None or self._caret_block() is None:
            return None
        start = min(inner.anchor, inner.focus)
        return (inner.block.cursor.position(), start[0], start[1])

    # -- painting --------------------------------------------------------------------------
    def _marks_key(self, block):
        return self._find_version if block.id in self._find_marks else None

    def _selections_for(self, block, index: int, doc) -> list:
        inner = super()._selections_for(block, index, doc)
        mark = self._find_marks.get(block.id)
        if mark is None or mark[0] != block.generation or index not in mark[1]:
            return inner
        key = (block.id, index)
        found = self._find_painted.get(key)
        if found is None:
            found = self._mark_selections(block, index, doc, mark[1][index])
            self._find_painted[key] = found
        return found + inner

    def _mark_selections(self, block, index: int, doc, starts: list) -> list:
        bar = self._find_bar
        if bar is None:
            return []
        current = self._find_current
        last = doc.characterCount() - 1
        out = []
        for s in starts[:_PAINTED_PER_DOC]:
            sel = QtGui.QAbstractTextDocumentLayout.Selection()
            c = QtGui.QTextCursor(doc)
            c.setPosition(min(s, last))
            c.setPosition(min(s + self._find_length, last), QtGui.QTextCursor.MoveMode.KeepAnchor)
            sel.cursor = c
            here = current is not None and current.block is block and current.k == index \
                and current.start == s
            sel.format = bar.current_format if here else bar.hit_format
            out.append(sel)
        return out

    def clear(self, keep_input: bool = True) -> None:
        self._find_marks = {}
        self._find_texts.clear()
        self._find_current = None
        self._find_painted.clear()
        super().clear(keep_input)
