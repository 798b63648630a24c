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
_CLASSIC = re.compile(r"(?:>>>|\.\.\.)(?: |$)")
_FIRST_CLASSIC = re.compile(r"[ \t]*>>>(?: |$)")


def strip_session_prompts(text: str) -> str:
    """Remove session prompts when the text starts with one (else unchanged).

    IPython (``In [n]:``, ``...:``) and classic (``>>>``, ``...``) prompts;
    lines without a prompt in such text are outputs and are dropped."""
    lines = text.split("\n")
    first = next((ln for ln in lines if ln.strip()), "")
    if _IPY.match(first):
        prompt = _IPY
    elif _FIRST_CLASSIC.match(first):
        prompt = _CLASSIC
        lines = [ln.lstrip(" \t") if _FIRST_CLASSIC.match(ln) else ln for ln in lines]
    else:
        return text
    out = []
    for ln in lines:
        m = prompt.match(ln)
        if m:
            out.append(ln[m.end():])
    return "\n".join(out)


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
    text = textwrap.dedent("\n".join(lines))
    if indent and "\n" in text:
        first, rest = text.split("\n", 1)
        text = first + "\n" + textwrap.indent(rest, indent)
    return text
