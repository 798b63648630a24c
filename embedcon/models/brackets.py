"""Bracket matching on lexed lines: brackets in strings and comments ignored.

Each line is lexed on its own with the input's pygments lexer (as the
highlighter colours it), together with the lexer state it starts in: a line
that starts inside a multi-line (triple-quoted) string is lexed as the rest
of that string (the string's opening quotes are put before it), and the
string state at its end is carried to the next line.  Lines are cached by
(text, start state), so moving the cursor in a long input re-lexes nothing
and carrying the state over the lines above costs a cache lookup per line.
A bracket's partner is searched line by line outward, up to ``max_lines``
lines.  Pure Python.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Callable

__all__ = ["BracketScanner", "PAIRS", "TRIPLE_QUOTES"]

PAIRS = {"(": ")", "[": "]", "{": "}", ")": "(", "]": "[", "}": "{"}
_OPEN = "([{"
TRIPLE_QUOTES = ('"""', "'''")


def _ends_with_closer(value: str, quote: str) -> bool:
    """Does a string token end with ``quote``, not escaped?"""
    if not value.endswith(quote):
        return False
    k = len(value) - len(quote)
    slashes = 0
    while k > 0 and value[k - 1] == "\\":
        slashes += 1
        k -= 1
    return slashes % 2 == 0


class BracketScanner:
    """Finds the partner of a bracket in a list of lines."""

    def __init__(self, lexer_factory: Callable[[], object | None], max_lines: int = 2000):
        self._lexer_factory = lexer_factory
        self.max_lines = max_lines

    def set_lexer(self, lexer_factory: Callable[[], object | None]) -> None:
        self._lexer_factory = lexer_factory
        self.scan.cache_clear()

    def cache_clear(self) -> None:
        """Forget every lexed line (the lexer changed)."""
        self.scan.cache_clear()

    def brackets(self, line: str, state: str | None = None) -> tuple[tuple[int, str], ...]:
        """(column, bracket) of the brackets of ``line`` that are code, for a
        line that starts in ``state`` (None, or the quotes of the multi-line
        string it starts inside)."""
        return self.scan(line, state)[0]

    @lru_cache(maxsize=4096)  # noqa: B019 - bounded, one scanner per console
    def scan(self, line: str, state: str | None = None
             ) -> tuple[tuple[tuple[int, str], ...], str | None]:
        """The code brackets of ``line`` started in ``state``, and the state
        at its end (the quotes of a multi-line string still open, or None)."""
        has_brackets = any(ch in line for ch in "()[]{}")
        if state is not None and state not in line:
            return (), state  # the whole line is inside the string
        if state is None and not has_brackets and "'''" not in line and '"""' not in line:
            return (), None
        lexer = self._lexer_factory()
        if lexer is None:
            return tuple((i, ch) for i, ch in enumerate(line) if ch in PAIRS), None
        from pygments.token import Comment, String

        prefix = state or ""
        text = prefix + line
        out = []
        open_q = None  # the quotes of a triple-quoted string open at this point
        prev_string = False
        pos = 0
        for ttype, value in lexer.get_tokens(text):
            is_string = ttype in String
            if is_string and ttype not in String.Affix:
                if open_q is None:
                    # a string that starts here with triple quotes (not quotes
                    # inside another string, such as '"""')
                    q = value[:3]
                    if not prev_string and q in TRIPLE_QUOTES and not (
                            len(value) >= 6 and _ends_with_closer(value[3:], q)):
                        open_q = q
                elif _ends_with_closer(value, open_q):
                    open_q = None
            prev_string = is_string and ttype not in String.Affix
            if not (is_string or ttype in Comment):
                for k, ch in enumerate(value):
                    col = pos + k - len(prefix)
                    if ch in PAIRS and 0 <= col < len(line):
                        out.append((col, ch))
            pos += len(value)
        return tuple(out), open_q

    def states(self, line_at: Callable[[int], str], upto: int) -> list[str | None]:
        """The state each of the lines 0..upto starts in."""
        states: list[str | None] = [None]
        for r in range(upto):
            states.append(self.scan(line_at(r), states[-1])[1])
        return states

    def partner(self, line_at: Callable[[int], str], n_lines: int, row: int,
                col: int) -> tuple[int, int] | None:
        """(row, column) of the partner of the bracket at (row, col), or None
        when that is no code bracket or has no partner."""
        states = self.states(line_at, row)
        here = self.brackets(line_at(row), states[row])
        ch = next((c for i, c in here if i == col), None)
        if ch is None:
            return None
        forward = ch in _OPEN
        stack = [ch]
        last = min(n_lines - 1, row + self.max_lines) if forward else max(0, row - self.max_lines)
        r = row
        state_after = self.scan(line_at(row), states[row])[1]
        while True:
            if r == row:
                items = here
            elif forward:
                items, next_state = self.scan(line_at(r), state_after)
                state_after = next_state
            else:
                items = self.brackets(line_at(r), states[r])
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
