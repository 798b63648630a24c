"""Which form of a MIME bundle to show: the ``mime_preference`` order.

A Jupyter output (``display_data``, ``execute_result``, ``update_display_data``)
carries a bundle of forms of one value, e.g. ``{"image/png": ..., "text/plain":
...}``.  :func:`choose_mime` picks the first type of the preference order the
bundle holds with a usable payload; :func:`unshown_types` names the types the
console cannot show at all (an ipywidgets view, a Vega chart, ...), for a one-line
note.  Pure Python, shared by the console and by export.
"""

from __future__ import annotations

__all__ = ["DEFAULT_MIME_PREFERENCE", "RENDERABLE", "choose_mime", "unshown_types",
           "payload_text"]

#: The order the console looks for forms in, richest first: vectors before
#: bitmaps (sharp at any zoom), HTML and Markdown before LaTeX (a DataFrame that
#: also offers LaTeX sends a ``tabular``, which a formula renderer cannot draw).
DEFAULT_MIME_PREFERENCE: tuple[str, ...] = (
    "image/svg+xml",
    "image/png",
    "image/jpeg",
    "image/gif",
    "text/html",
    "text/markdown",
    "text/latex",
    "text/plain",
)

#: Everything the console can draw.
RENDERABLE = frozenset(DEFAULT_MIME_PREFERENCE)

# types that only say something to other frontends, never worth a note
_SILENT = frozenset({"text/plain", "application/vnd.jupyter.stderr",
                     "application/vnd.jupyter.stdout"})


def payload_text(payload) -> str | None:
    """The payload as one string (the protocol allows a list of lines), or None."""
    if isinstance(payload, str):
        return payload
    if isinstance(payload, list) and all(isinstance(p, str) for p in payload):
        return "".join(payload)
    return None


def choose_mime(data, preference=DEFAULT_MIME_PREFERENCE, renderable=RENDERABLE,
                skip=()) -> str | None:
    """The first type of ``preference`` that ``data`` holds as text (or a list
    of lines), that the console can render and that is not in ``skip`` (types
    that already failed).  None when there is none."""
    if not isinstance(data, dict):
        return None
    for mime in preference:
        if mime in renderable and mime not in skip and payload_text(data.get(mime)) is not None:
            return mime
    return None


def unshown_types(data, renderable=RENDERABLE) -> list[str]:
    """Types of ``data`` the console cannot render, sorted."""
    if not isinstance(data, dict):
        return []
    return sorted(k for k in data if isinstance(k, str) and k not in renderable
                  and k not in _SILENT)
