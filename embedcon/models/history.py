"""Input history with prefix and substring search (readline-like)."""

from __future__ import annotations

__all__ = ["History"]


class History:
    """A list of past inputs and a navigation cursor.

    ``previous(prefix)`` / ``next(prefix)`` walk entries that start with
    ``prefix`` (or contain it with ``substring=True``).  Edits made to an
    entry while navigating are remembered until the next ``reset`` so that
    walking away and back does not lose them; the text being typed before
    navigation started is the "live" entry at the end.
    """

    def __init__(self, max_entries: int = 10_000):
        self.max_entries = max_entries
        self._items: list[str] = []
        self._index = 0
        self._edits: dict[int, str] = {}

    def __len__(self) -> int:
        return len(self._items)

    @property
    def items(self) -> list[str]:
        return list(self._items)

    def load(self, entries) -> None:
        """Put older entries (e.g. from the kernel's history) before ours."""
        older = [e for e in entries if isinstance(e, str) and e.strip()]
        dedup: list[str] = []
        for e in older + self._items:
            if not dedup or dedup[-1] != e:
                dedup.append(e)
        self._items = dedup[-self.max_entries:]
        self.reset()

    def merge_kernel(self, entries) -> None:
        """Take the kernel's (longer) history: its entries in its order, then
        ours that it does not have (e.g. loaded by the host) after them."""
        kernel = [e for e in entries if isinstance(e, str) and e.strip()]
        known = set(kernel)
        ours = [e for e in self._items if e not in known]
        self._items = []
        self.load(kernel + ours)

    def append(self, entry: str) -> None:
        if entry.strip() and (not self._items or self._items[-1] != entry):
            self._items.append(entry)
            if len(self._items) > self.max_entries:
                del self._items[: len(self._items) - self.max_entries]
        self.reset()

    def reset(self) -> None:
        self._index = len(self._items)
        self._edits.clear()

    @property
    def navigating(self) -> bool:
        return self._index != len(self._items)

    def _get(self, i: int) -> str:
        return self._edits.get(i, self._items[i] if i < len(self._items) else "")

    def _matches(self, i: int, needle: str, substring: bool) -> bool:
        text = self._get(i)
        return needle in text if substring else text.startswith(needle)

    def previous(self, current: str, needle: str = "", substring: bool = False) -> str | None:
        """Step back to the previous matching entry; None if there is none."""
        self._edits[self._index] = current
        i = self._index - 1
        while i >= 0:
            if self._matches(i, needle, substring) and self._get(i) != current:
                self._index = i
                return self._get(i)
            i -= 1
        return None

    def next(self, current: str, needle: str = "", substring: bool = False) -> str | None:
        """Step forward; returns the live entry after the newest match."""
        self._edits[self._index] = current
        i = self._index + 1
        while i <= len(self._items):
            if i == len(self._items) or (self._matches(i, needle, substring) and self._get(i) != current):
                self._index = i
                return self._get(i)
            i += 1
        return None
