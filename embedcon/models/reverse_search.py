"""Incremental reverse history search (Ctrl+R), as in a shell: pure state.

The search runs over a list of history entries (oldest first).  Typing
extends the query and keeps the current match while it still contains the
query; repeated Ctrl+R (:meth:`ReverseSearch.older`) finds older matches and
Ctrl+S (:meth:`ReverseSearch.newer`) newer ones; Backspace goes back to the
state before the last character.  Identical entries are shown once.  The
widget shows :attr:`match` in the input buffer and :meth:`prompt` in the search
line; :meth:`accept` gives the text to keep, :meth:`cancel` the text typed
before the search began.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ReverseSearch"]


@dataclass
class _State:
    query: str
    index: int  # index of the match in the entries; len(entries) = no match yet
    failing: bool


class ReverseSearch:
    """State of one reverse-i-search session."""

    def __init__(self, entries: list[str], original: str = ""):
        self._entries = list(entries)
        self.original = original
        self._state = _State("", len(self._entries), False)
        self._stack: list[_State] = []
        self.backwards = True

    # -- reading ------------------------------------------------------------
    @property
    def query(self) -> str:
        return self._state.query

    @property
    def failing(self) -> bool:
        """True when the query matches nothing (further in this direction)."""
        return self._state.failing

    @property
    def match(self) -> str:
        """The entry found (the original text while there is none)."""
        i = self._state.index
        return self._entries[i] if 0 <= i < len(self._entries) else self.original

    @property
    def match_offset(self) -> int:
        """Where the query starts in :attr:`match` (its end when not found)."""
        pos = self.match.rfind(self._state.query) if self._state.query else -1
        return pos if pos >= 0 else len(self.match)

    def match_line(self) -> str:
        """The line of :attr:`match` that holds the query, for the search line:
        its indentation dropped, with "…" where the entry has lines before
        or after it (a multi-line cell shows where the query is, not its first line)."""
        match = self.match
        at = self.match_offset
        start = match.rfind("\n", 0, at) + 1
        end = match.find("\n", at)
        if end < 0:
            end = len(match)
        line = match[start:end].lstrip()
        if start > 0:
            line = "\u2026 " + line
        if end < len(match):
            line += " \u2026"
        return line

    def prompt(self) -> str:
        """The search line, e.g. ``(reverse-i-search)`imp': import os``."""
        kind = "reverse-i-search" if self.backwards else "i-search"
        if self._state.failing:
            kind = "failing " + kind
        return f"({kind})`{self._state.query}': "

    # -- editing ------------------------------------------------------------
    def set_entries(self, entries: list[str]) -> None:
        """Replace the entries (e.g. older history arrived from the kernel).

        The match shown, and those Backspace returns to, stay the same texts
        (at their newest place in the new entries); a state whose text is
        gone searches its query again from the newest entry."""
        old = self._entries
        self._entries = list(entries)
        last = {e: i for i, e in enumerate(self._entries)}
        n = len(self._entries)

        def remap(state: _State) -> _State:
            kept = last.get(old[state.index]) if 0 <= state.index < len(old) else None
            if kept is not None and not state.failing:
                return _State(state.query, kept, False)
            if state.query:  # not found before: maybe in the new entries
                for i in range(n - 1, -1, -1):
                    if state.query in self._entries[i]:
                        return _State(state.query, i, False)
            return _State(state.query, n if kept is None else kept, state.failing)

        self._stack = [remap(st) for st in self._stack]
        self._state = remap(self._state)

    def type(self, text: str) -> None:
        """Add ``text`` to the query; the current match is kept if it still fits."""
        self._stack.append(self._state)
        query = self._state.query + text
        start = self._state.index
        if start >= len(self._entries):
            start = len(self._entries) - 1
        self._state = self._find(query, start, self.backwards, exclude=None)

    def backspace(self) -> None:
        """Undo the last typed character (or repeated search)."""
        if self._stack:
            self._state = self._stack.pop()

    def older(self) -> None:
        """Ctrl+R: the next older match (with an empty query: the last query
        is not remembered, so it just steps back through distinct entries)."""
        self.backwards = True
        self._step(-1)

    def newer(self) -> None:
        """Ctrl+S: the next newer match."""
        self.backwards = False
        self._step(1)

    def _step(self, direction: int) -> None:
        state = self._state
        start = state.index + direction
        found = self._find(state.query, start, direction < 0, exclude=self.match)
        self._stack.append(state)
        if found.failing:  # stay on the current match, flag the failure
            found = _State(state.query, state.index, True)
        self._state = found

    def _find(self, query: str, start: int, backwards: bool, exclude: str | None) -> _State:
        entries = self._entries
        n = len(entries)
        if backwards:
            rng = range(min(start, n - 1), -1, -1)
        else:
            rng = range(max(start, 0), n)
        for i in rng:
            e = entries[i]
            if query in e and e != exclude:
                return _State(query, i, False)
        keep = self._state.index
        return _State(query, keep, True)

    def accept(self) -> str:
        """The text to put in the input buffer."""
        return self.match

    def cancel(self) -> str:
        """The text that was typed before the search."""
        return self.original
