"""Cleaning pasted text: prompts of a copied session removed, indentation fixed.

Text copied from an IPython session (``In [3]: x = 1`` / ``   ...:     y``)
or a Python doctest (``>>> x = 1`` / ``... y``) pastes as runnable code: when
its first non-blank line starts with a prompt, the prompts are removed and
the lines without one (outputs such as ``Out[3]: 2``) are dropped.  Then the
block is dedented, trailing blank lines are dropped, and the lines after the
first are indented like the line the cursor is on.  Pure Python (no Qt).
"""

from __future__ import annotations

import re
import textwrap

__all__ = ["clean_paste", "strip_session_prompts"]

_IPY = re.compile(r"[ \t]*(?:In \[\d*\]:|\.\.\.+:)(?: |$)")
_FIRST_CLASSIC = re.compile(r"[ \t]*>>>(?: |$)")
# every prompted line's text after its prompt, in one pass (1 MB: ~20 ms)
_IPY_LINES = re.compile(r"^[ \t]*(?:In \[\d*\]:|\.\.\.+:)(?: |$)(.*)$", re.MULTILINE)
_CLASSIC_LINES = re.compile(r"^[ \t]*(?:>>>|\.\.\.)(?: |$)(.*)$", re.MULTILINE)
_FIRST_LINE = re.compile(r"^[^\n]*\S[^\n]*$", re.MULTILINE)
_MARGIN = re.compile(r"^([ \t]*)\S", re.MULTILINE)


def strip_session_prompts(text: str) -> str:
    """Remove session prompts when the text starts with one (else unchanged).

    IPython (``In [n]:``, ``...:``) and classic (``>>>``, ``...``) prompts;
    lines without a prompt in such text are outputs and are dropped."""
    m = _FIRST_LINE.search(text)
    first = m.group(0) if m else ""
    if _IPY.match(first):
        return "\n".join(_IPY_LINES.findall(text))
    if _FIRST_CLASSIC.match(first):
        return "\n".join(_CLASSIC_LINES.findall(text))
    return text


def _dedent(text: str) -> str:
    """textwrap.dedent, with a quick exit when a line starts at column 0."""
    margins = set(_MARGIN.findall(text))
    if "" in margins or not margins:
        return text
    return textwrap.dedent(text)


def clean_paste(text: str, indent: str = "") -> str:
    """Pasted ``text`` as it should go into the input.

    ``indent``: the whitespace before the cursor when only whitespace is
    there (the lines after the first get it, so a pasted block lands at the
    indentation being typed)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = strip_session_prompts(text)
    lines = text.split("\n")
    while lines and not lines[-1].strip():
        lines.pop()
    if not lines:
        return ""
    text = _dedent("\n".join(lines))
    if indent and "\n" in text:
        first, rest = text.split("\n", 1)
        text = first + "\n" + textwrap.indent(rest, indent)
    return text
