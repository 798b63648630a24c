"""Undo and redo of the input: a stack of (text, cursor offset) snapshots.

The console records the input as it was before each edit.  Keys typed in a
run share one snapshot (a word and the space after it undo together), so
undo steps back by words and commands, not by characters; recording a run's
later keys costs nothing.  Pure Python (no Qt).
"""

from __future__ import annotations

from typing import Callable, NamedTuple

__all__ = ["InputState", "UndoStack"]


class InputState(NamedTuple):
    text: str
    cursor: int  # offset of the cursor in ``text``


class UndoStack:
    """Snapshots to go back to (undo) and forward to again (redo)."""

    def __init__(self, limit: int = 500):
        self.limit = limit
        self._undo: list[InputState] = []
        self._redo: list[InputState] = []
        self._group: object = None

    def clear(self) -> None:
        self._undo.clear()
        self._redo.clear()
        self._group = None

    def break_group(self) -> None:
        """The next edit starts a new undo step (the cursor moved, say)."""
        self._group = None

    def note(self, state: Callable[[], InputState], group: object = None) -> None:
        """An edit is about to happen; ``state()`` gives the input before it.

        Edits with the same non-None ``group`` as the previous one join its
        step, and ``state`` is not called."""
        if group is not None and group == self._group:
            return
        self._group = group
        s = state()
        if not (self._undo and self._undo[-1].text == s.text):
            self._undo.append(s)
            if len(self._undo) > self.limit:
                del self._undo[0]
        self._redo.clear()

    def undo(self, current: InputState) -> InputState | None:
        """The state to go back to (None: nothing to undo)."""
        self._group = None
        while self._undo and self._undo[-1].text == current.text:
            self._undo.pop()  # a step that changed nothing
        if not self._undo:
            return None
        self._redo.append(current)
        return self._undo.pop()

    def redo(self, current: InputState) -> InputState | None:
        self._group = None
        while self._redo and self._redo[-1].text == current.text:
            self._redo.pop()
        if not self._redo:
            return None
        self._undo.append(current)
        return self._redo.pop()

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    @property
    def can_redo(self) -> bool:
        return bool(self._redo)
