"""Bracket matching on lexed lines: brackets in strings and comments ignored.

Each line is lexed on its own with the input's pygments lexer (as the
highlighter colours it) and its code brackets are cached by the line's text,
so moving the cursor in a long input re-lexes nothing.  A bracket's partner
is searched line by line outward, up to ``max_lines`` lines.  Pure Python.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Callable

__all__ = ["BracketScanner", "PAIRS"]

PAIRS = {"(": ")", "[": "]", "{": "}", ")": "(", "]": "[", "}": "{"}
_OPEN = "([{"


class BracketScanner:
    """Finds the partner of a bracket in a list of lines."""

    def __init__(self, lexer_factory: Callable[[], object | None], max_lines: int = 2000):
        self._lexer_factory = lexer_factory
        self.max_lines = max_lines

    def set_lexer(self, lexer_factory: Callable[[], object | None]) -> None:
        self._lexer_factory = lexer_factory
        self.brackets.cache_clear()

    @lru_cache(maxsize=4096)  # noqa: B019 - bounded, one scanner per console
    def brackets(self, line: str) -> tuple[tuple[int, str], ...]:
        """(column, bracket) of the brackets of ``line`` that are code."""
        if not any(ch in line for ch in "()[]{}"):
            return ()
        lexer = self._lexer_factory()
        if lexer is None:
            return tuple((i, ch) for i, ch in enumerate(line) if ch in PAIRS)
        from pygments.token import Comment, String

        out = []
        pos = 0
        for ttype, value in lexer.get_tokens(line):
            if ttype in String or ttype in Comment:
                pos += len(value)
                continue
            for k, ch in enumerate(value):
                if ch in PAIRS and pos + k < len(line):
                    out.append((pos + k, ch))
            pos += len(value)
        return tuple(out)

    def partner(self, line_at: Callable[[int], str], n_lines: int, row: int,
                col: int) -> tuple[int, int] | None:
        """(row, column) of the partner of the bracket at (row, col), or None
        when that is no code bracket or has no partner."""
        here = self.brackets(line_at(row))
        ch = next((c for i, c in here if i == col), None)
        if ch is None:
            return None
        forward = ch in _OPEN
        stack = [ch]
        last = min(n_lines - 1, row + self.max_lines) if forward else max(0, row - self.max_lines)
        r = row
        while True:
            items = self.brackets(line_at(r)) if r != row else here
            if forward:
                seq = [(i, c) for i, c in items if r != row or i > col]
            else:
                seq = [(i, c) for i, c in reversed(items) if r != row or i < col]
            for i, c in seq:
                if (c in _OPEN) == forward:
                    stack.append(c)
                elif PAIRS[c] == stack[-1]:
                    stack.pop()
                    if not stack:
                        return r, i
                else:
                    return None  # a mismatched bracket in between
            if r == last:
                return None
            r += 1 if forward else -1
