"""The console's clipboard data: made here, and let go before Python shuts down.

Every copy that puts more than plain text on the clipboard (the input and
transcript selection, a selection inside a rich output with its HTML, an SVG
picture's source) makes its ``QMimeData`` with :func:`new_mime` and, unless Qt
sets it itself (``createMimeDataFromSelection``), hands it over with
:func:`set_mime`.

Why: the clipboard keeps the last data it was given until the process ends.
With PySide, a ``QMimeData`` made in Python calls back into Python when Qt
deletes it; Qt's platform clipboard is deleted by a C++ exit handler after
Python has shut down, so that callback crashed the process at exit (SIGSEGV,
exit status 139, after every test had passed).  An ``atexit`` hook (Python
still running) replaces data of ours still on the clipboard by its plain
text, which Qt makes itself: the user's copied text survives the exit.
"""

from __future__ import annotations

import atexit
from collections import deque

from qtpy import QtCore, QtWidgets

__all__ = ["new_mime", "set_mime"]

_made: deque = deque(maxlen=8)  # the last mime data made here (the clipboard holds one)
_hooked = False


def new_mime() -> QtCore.QMimeData:
    """A ``QMimeData`` for the clipboard, released at exit (see the module)."""
    global _hooked
    mime = QtCore.QMimeData()
    _made.append(mime)
    if not _hooked:
        _hooked = True
        atexit.register(_release)
    return mime


def set_mime(mime: QtCore.QMimeData) -> None:
    """Put ``mime`` (from :func:`new_mime`) on the clipboard."""
    QtWidgets.QApplication.clipboard().setMimeData(mime)


def _release() -> None:
    try:
        app = QtWidgets.QApplication.instance()
        if app is None:
            return
        clip = app.clipboard()
        current = clip.mimeData()
        if current is not None and any(current is m for m in _made):
            clip.setText(current.text())
    except Exception:  # at exit: never raise
        pass
    finally:
        _made.clear()
