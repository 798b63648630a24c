"""The Jupyter Qt Console's style-sheet classes, read from a Qt style sheet.

A console style sheet may carry, besides Qt widget rules, rules for the
guide's classes: ``.error``, ``.in-prompt``, ``.in-prompt-number``,
``.out-prompt``, ``.out-prompt-number`` and ``.inverted`` (the selected
completion).  Qt ignores those; :func:`console_classes` picks out their
``color``, ``background-color`` and ``font-weight`` so the console can apply
them to its own text formats.  Pure Python, no Qt.
"""

from __future__ import annotations

import re

__all__ = ["CLASSES", "console_classes"]

CLASSES = ("error", "in-prompt", "in-prompt-number", "out-prompt", "out-prompt-number",
           "inverted")
_PROPS = ("color", "background-color", "font-weight")
_COMMENT = re.compile(r"/\*.*?\*/", re.S)
_RULE = re.compile(r"([^{}]+)\{([^{}]*)\}")


def console_classes(style_sheet: str) -> dict[str, dict[str, str]]:
    """``{class: {property: value}}`` for the guide's classes in ``style_sheet``
    (later rules win, as in CSS; a selector list applies to each of its classes)."""
    out: dict[str, dict[str, str]] = {}
    for selectors, body in _RULE.findall(_COMMENT.sub("", style_sheet or "")):
        names = [s.strip() for s in selectors.split(",")]
        wanted = [n[1:] for n in names if n.startswith(".") and n[1:] in CLASSES]
        if not wanted:
            continue
        decls = {}
        for decl in body.split(";"):
            prop, _, value = decl.partition(":")
            prop, value = prop.strip().lower(), value.strip()
            if prop in _PROPS and value:
                decls[prop] = value
        for name in wanted:
            out.setdefault(name, {}).update(decls)
    return out
