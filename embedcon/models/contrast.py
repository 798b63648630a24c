"""Colour contrast (WCAG 2) and the ANSI palettes of the light and dark themes.

:func:`contrast_ratio` is the WCAG 2 ratio between two colours (1 to 21);
:func:`readable` moves a colour's lightness, keeping its hue, until it reaches
a ratio against a background.  The console's 16 ANSI colours are derived from
one base table for each theme's background, so that every one of them reads
at 4.5:1 or better (WCAG AA for text), "white" on the light theme and "black"
on the dark theme included.  Pure Python, no Qt.
"""

from __future__ import annotations

import colorsys

__all__ = ["contrast_ratio", "readable", "ansi_palette", "ink_on", "BASE_ANSI", "THEMES",
           "MIN_CONTRAST"]

MIN_CONTRAST = 4.5

#: xterm-like base colours: black, red, green, yellow, blue, magenta, cyan,
#: white, then the bright ones.
BASE_ANSI = (
    "#000000", "#cd3131", "#0dbc79", "#c4a000", "#2472c8", "#bc3fbc", "#11a8cd", "#b0b0b0",
    "#666666", "#f14c4c", "#23d18b", "#dcc600", "#3b8eea", "#d670d6", "#29b8db", "#ffffff",
)

#: background, text, prompt, out prompt, stderr, notice, selection of each theme
THEMES = {
    "light": {"background": "#ffffff", "text": "#1a1a1a", "prompt": "#008000",
              "out_prompt": "#b00000", "stderr": "#b22222", "notice": "#6b6b6b",
              "highlight": "#b3d4fc", "link": "#0b57d0"},
    "dark": {"background": "#1e1e1e", "text": "#d8d8d8", "prompt": "#4ec94e",
             "out_prompt": "#f06060", "stderr": "#f07070", "notice": "#9a9a9a",
             "highlight": "#264f78", "link": "#7cacf8"},
}


def _rgb(colour: str) -> tuple[float, float, float]:
    c = colour.lstrip("#")
    if len(c) == 3:
        c = "".join(ch * 2 for ch in c)
    return tuple(int(c[i:i + 2], 16) / 255 for i in (0, 2, 4))  # type: ignore[return-value]


def _hex(rgb) -> str:
    return "#%02x%02x%02x" % tuple(max(0, min(255, round(v * 255))) for v in rgb)


def _luminance(colour: str) -> float:
    def lin(v):
        return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4
    r, g, b = (lin(v) for v in _rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(a: str, b: str) -> float:
    """WCAG 2 contrast ratio of two ``#rrggbb`` colours."""
    la, lb = _luminance(a), _luminance(b)
    hi, lo = max(la, lb), min(la, lb)
    return (hi + 0.05) / (lo + 0.05)


def is_dark(background: str) -> bool:
    """Whether text on ``background`` should be light."""
    return _luminance(background) < 0.18


def readable(colour: str, background: str, ratio: float = MIN_CONTRAST + 0.1) -> str:
    """``colour`` with its lightness moved (hue and saturation kept) until it
    has ``ratio`` against ``background``; unchanged if it already has."""
    if contrast_ratio(colour, background) >= ratio:
        return colour
    h, l, s = colorsys.rgb_to_hls(*_rgb(colour))
    darker = not is_dark(background)
    lo, hi = (0.0, l) if darker else (l, 1.0)
    best = "#000000" if darker else "#ffffff"
    for _ in range(30):  # bisect on lightness for the colour closest to the original
        mid = (lo + hi) / 2
        cand = _hex(colorsys.hls_to_rgb(h, mid, s))
        if contrast_ratio(cand, background) >= ratio:
            best = cand
            lo, hi = (mid, hi) if darker else (lo, mid)
        else:
            lo, hi = (lo, mid) if darker else (mid, hi)
    return best


def ansi_palette(background: str) -> list[str]:
    """The 16 ANSI colours made readable on ``background``."""
    return [readable(c, background) for c in BASE_ANSI]


def ink_on(colour: str, background: str) -> str:
    """The colour of text drawn on an ANSI *background* (SGR 40-47, 100-107,
    48;5;n, 48;2;r;g;b): ``colour`` (the span's own, or the text colour when it
    sets none) made readable on that background.

    The backgrounds themselves are the base colours (:data:`BASE_ANSI`, not a
    theme's palette: that one is made for text on the console's background, and
    its yellow is a dark olive on the light theme), so text on them has to be
    checked against them, not against the console's background: IPython marks
    the failing expression of a traceback grey on yellow (``38;5;241;43``)."""
    return readable(colour, background, MIN_CONTRAST)
