"""An Emacs-style kill ring."""

from __future__ import annotations

__all__ = ["KillRing"]


class KillRing:
    def __init__(self, size: int = 30):
        self.size = size
        self._ring: list[str] = []
        self._index = -1

    def kill(self, text: str) -> None:
        if text:
            self._ring.append(text)
            del self._ring[: -self.size]
        self._index = len(self._ring) - 1

    def yank(self) -> str | None:
        self._index = len(self._ring) - 1
        return self._ring[self._index] if self._ring else None

    def rotate(self) -> str | None:
        """The entry before the last yanked one (Alt+Y after Ctrl+Y)."""
        if not self._ring:
            return None
        self._index = (self._index - 1) % len(self._ring)
        return self._ring[self._index]
