"""Finding text in the transcript: every match's offset, in one pass in C.

Pure Python (no Qt).  The find bar hands it the document's plain text (one
character per document position) and keeps the sorted offsets; stepping to
the next or previous match is a bisection.
"""

from __future__ import annotations

import bisect
import re
from itertools import islice

__all__ = ["find_all", "next_match", "MAX_MATCHES"]

MAX_MATCHES = 200_000  # counted and stepped through; more are reported as "200,000+"


def find_all(text: str, needle: str, case_sensitive: bool = False) -> list[int]:
    """Start offsets of the (non-overlapping) matches of ``needle`` in ``text``."""
    if not needle:
        return []
    pattern = re.compile(re.escape(needle), 0 if case_sensitive else re.IGNORECASE)
    return [m.start() for m in islice(pattern.finditer(text), MAX_MATCHES)]


def next_match(starts: list[int], pos: int, backwards: bool = False) -> int | None:
    """Index of the first match after ``pos`` (before it, ``backwards``), wrapping."""
    if not starts:
        return None
    if backwards:
        i = bisect.bisect_left(starts, pos) - 1
        return i if i >= 0 else len(starts) - 1
    i = bisect.bisect_right(starts, pos)
    return i if i < len(starts) else 0
