"""Finding text in the transcript: every match's offset, in C.

Pure Python (no Qt).  The find bar hands a :class:`Searcher` the document's
plain text (one character per document position) once per change of the
document, and asks it for the matches of what is typed.  Case-insensitive
search runs a literal regex over a lower-cased copy made once (a regex with
IGNORECASE is 10-30 times slower); a needle that extends the previous one
only filters the previous matches.  Stepping to the next or previous match
is a bisection.
"""

from __future__ import annotations

import bisect
import re
from itertools import islice

__all__ = ["Searcher", "find_all", "next_match", "MAX_MATCHES"]

MAX_MATCHES = 200_000  # counted and stepped through; more are reported as "200,000+"


def _scan(hay: str, needle: str, flags: int = 0) -> list[int]:
    return [m.start() for m in islice(re.finditer(re.escape(needle), hay, flags), MAX_MATCHES)]


class Searcher:
    """Matches of needles in one text."""

    def __init__(self, text: str = ""):
        self.set_text(text)

    def set_text(self, text: str) -> None:
        self.text = text
        self._lower: str | None = None
        self._last: tuple[str, bool, list[int]] | None = None

    def _lowered(self) -> str | None:
        if self._lower is None:
            self._lower = self.text.lower()
        # a few characters lower-case to two ("İ"): offsets would shift
        return self._lower if len(self._lower) == len(self.text) else None

    def find(self, needle: str, case_sensitive: bool = False) -> list[int]:
        """Start offsets of the non-overlapping matches of ``needle``."""
        if not needle:
            return []
        if case_sensitive:
            hay, n = self.text, needle
        else:
            hay, n = self._lowered(), needle.lower()
            if hay is None or len(n) != len(needle):
                return _scan(self.text, needle, re.IGNORECASE)
        last = self._last
        if last is not None and last[1] == case_sensitive and n.startswith(last[0]) and \
                len(last[2]) < MAX_MATCHES and len(last[0]) > 0 and \
                not _overlaps(last[0]):
            starts = [s for s in last[2] if hay.startswith(n, s)]
        else:
            starts = _scan(hay, n)
        self._last = (n, case_sensitive, starts)
        return starts


def _overlaps(needle: str) -> bool:
    """Whether matches of ``needle`` can overlap ("aa" in "aaa"): then the
    matches of a longer needle are not a subset of its non-overlapping ones."""
    return any(needle[:k] == needle[-k:] for k in range(1, len(needle)))


def find_all(text: str, needle: str, case_sensitive: bool = False) -> list[int]:
    """Start offsets of the (non-overlapping) matches of ``needle`` in ``text``."""
    return Searcher(text).find(needle, case_sensitive)


def next_match(starts: list[int], pos: int, backwards: bool = False) -> int | None:
    """Index of the first match after ``pos`` (before it, ``backwards``), wrapping."""
    if not starts:
        return None
    if backwards:
        i = bisect.bisect_left(starts, pos) - 1
        return i if i >= 0 else len(starts) - 1
    i = bisect.bisect_right(starts, pos)
    return i if i < len(starts) else 0
