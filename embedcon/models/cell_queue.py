"""Cells waiting to run while the kernel is busy: an ordered queue (no Qt).

Enter on a complete input while a cell runs appends the input here; the
console runs the head when the running cell finishes.  The last cell can be
taken back before it runs; an error or an interrupt cancels the rest.
"""

from __future__ import annotations

__all__ = ["CellQueue"]


class CellQueue:
    """An ordered list of queued sources with change notification."""

    def __init__(self, on_change=None):
        self._cells: list[str] = []
        self._on_change = on_change

    def __len__(self) -> int:
        return len(self._cells)

    def __bool__(self) -> bool:
        return bool(self._cells)

    def __iter__(self):
        return iter(list(self._cells))

    @property
    def cells(self) -> tuple[str, ...]:
        """The queued sources, the next to run first."""
        return tuple(self._cells)

    def append(self, source: str) -> None:
        self._cells.append(source)
        self._changed()

    def pop_next(self) -> str:
        """Remove and return the cell that runs next."""
        source = self._cells.pop(0)
        self._changed()
        return source

    def take_back(self) -> str | None:
        """Remove and return the last queued cell (None when empty)."""
        if not self._cells:
            return None
        source = self._cells.pop()
        self._changed()
        return source

    def cancel(self) -> list[str]:
        """Remove every queued cell; returns them in order."""
        cells, self._cells = self._cells, []
        if cells:
            self._changed()
        return cells

    def _changed(self) -> None:
        if self._on_change is not None:
            self._on_change(self.cells)
