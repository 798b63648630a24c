"""Dropping overwritten progress-bar redraws (``collapse_overwrites``) never
changes what a terminal would show: same characters, same styles."""

import random

from embedcon.models.ansi import AnsiParser, CarriageReturn, Text, collapse_overwrites


def _screen(text: str):
    """The single line a terminal shows for ``text`` (text and carriage
    returns only), as (character, style) cells, plus the style left at the end."""
    p = AnsiParser()
    cells, col = [], 0
    for action in p._parse(text):  # the parser without the collapse
        if isinstance(action, CarriageReturn):
            col = 0
        elif isinstance(action, Text):
            for ch in action.text:
                if col < len(cells):
                    cells[col] = (ch, action.style)
                else:
                    cells.append((ch, action.style))
                col += 1
        else:
            raise AssertionError(f"unexpected action {action!r}")
    return cells, p.style


_SGRS = ["\x1b[0m", "\x1b[m", "\x1b[31m", "\x1b[1;32m", "\x1b[2m", "\x1b[22m", "\x1b[4m",
         "\x1b[24m", "\x1b[7m", "\x1b[38;5;208m", "\x1b[48;2;1;2;3m", "\x1b[39;49m", "\x1b[0;33m"]


def _random_line(rng: random.Random) -> str:
    parts = []
    for _ in range(rng.randint(3, 25)):
        chunk = []
        for _ in range(rng.randint(0, 4)):
            if rng.random() < 0.5:
                chunk.append(rng.choice(_SGRS))
            chunk.append("x" * rng.randint(0, 6) + rng.choice("abc#= "))
        parts.append("".join(chunk))
    return "\r".join(parts)


def test_collapsed_lines_show_exactly_what_the_full_lines_show():
    rng = random.Random(17)
    dropped = 0
    for _ in range(3000):
        line = _random_line(rng)
        short = collapse_overwrites(line)
        assert _screen(short) == _screen(line), (line, short)
        dropped += short.count("\r") < line.count("\r")
    assert dropped > 1000  # the rule does drop most redraws


def test_a_progress_bar_that_leaves_a_style_set_is_collapsed():
    """tqdm/rich-style redraws ending in ``\\x1b[22m`` (not a reset) used to be
    kept whole: 20,000 redraws were laid out one by one."""
    line = "".join(f"\r\x1b[32m{'#' * (i % 20 + 1):<20}\x1b[0m {i:>6} it \x1b[2m[x]\x1b[22m end"
                   for i in range(20))
    short = collapse_overwrites(line)
    assert short.count("\r") <= 2
    assert _screen(short) == _screen(line)
