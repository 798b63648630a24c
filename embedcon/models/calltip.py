"""Call tips as data: where the call around the cursor starts, and what to show.

:func:`open_call` finds the unclosed ``(`` the cursor is inside (brackets in
strings and comments do not count), so the widget knows when the cursor has
left the call.  :func:`tip_text` turns an ``inspect_reply`` into a short text:
the signature and the first lines of the docstring, ANSI codes removed, cut
to a readable size before any slow work (a 1 MB docstring costs nothing).
"""

from __future__ import annotations

from .ansi import strip_ansi

__all__ = ["open_call", "call_still_open", "tip_text"]

_PAIRS = {")": "(", "]": "[", "}": "{"}


def open_call(text: str, limit: int = 20_000) -> int | None:
    """Index in ``text`` of the ``(`` of the innermost call still open at its end.

    Only the last ``limit`` characters are looked at.  Returns None when the
    end of ``text`` is not inside a call."""
    for ch, pos in reversed(_open_brackets(text, max(len(text) - limit, 0))):
        if ch == "(":
            return pos
    return None


def call_still_open(text: str) -> bool:
    """True when ``text`` starts with ``(`` and that bracket is not closed."""
    return text.startswith("(") and any(pos == 0 for _ch, pos in _open_brackets(text, 0))


def _open_brackets(text: str, base: int) -> list[tuple[str, int]]:
    """The brackets still open at the end of ``text[base:]``, outermost first."""
    stack: list[tuple[str, int]] = []
    quote = ""
    i = base
    n = len(text)
    while i < n:
        ch = text[i]
        if quote:
            if ch == "\\":
                i += 2
                continue
            if text.startswith(quote, i):
                i += len(quote)
                quote = ""
                continue
            if ch == "\n" and len(quote) == 1:
                quote = ""
        elif ch in "'\"":
            quote = text[i:i + 3] if text[i:i + 3] in ("'''", '"""') else ch
            i += len(quote)
            continue
        elif ch == "#":
            nl = text.find("\n", i)
            if nl < 0:
                break
            i = nl
            continue
        elif ch in "([{":
            stack.append((ch, i))
        elif ch in _PAIRS:
            if stack and stack[-1][0] == _PAIRS[ch]:
                stack.pop()
        i += 1
    return stack


def tip_text(content: dict, max_lines: int = 12, max_line_chars: int = 160,
             max_chars: int = 8000) -> str:
    """The text of a call tip for an ``inspect_reply``'s content ("" for none)."""
    if not isinstance(content, dict) or content.get("status", "ok") != "ok" \
            or not content.get("found"):
        return ""
    data = content.get("data")
    text = data.get("text/plain") if isinstance(data, dict) else None
    if not isinstance(text, str) or not text.strip():
        return ""
    text = strip_ansi(text[:max_chars])
    lines = [ln.rstrip() for ln in text.expandtabs(4).split("\n")]
    while lines and not lines[0]:
        lines.pop(0)
    out = []
    for ln in lines:
        if len(out) >= max_lines:
            out.append("\u2026")
            break
        if len(ln) > max_line_chars:
            ln = ln[: max_line_chars - 1] + "\u2026"
        if not ln and out and not out[-1]:
            continue  # one blank line at most
        out.append(ln)
    while out and not out[-1]:
        out.pop()
    return "\n".join(out)
