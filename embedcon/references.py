"""Keep Qt objects made from console code alive for as long as they are in use.

A window created in a console cell disappears as soon as Python drops its last
reference to it (``del w``, a function returning, a name rebound).  The
holder keeps such objects until they are destroyed, or for a kept top-level
window, until it is closed.

``keep(obj)`` / ``release(obj)`` are the API.  The holder is also installed
as ``QApplication.instance().references`` with ``add`` and ``discard``, so
code written for the Jupyter Qt Console's ``app.references = set()`` advice
keeps working, without that set's leak of closed windows.
"""

from __future__ import annotations

from qtpy import QtCore, QtWidgets

__all__ = ["References", "keep", "release", "holder"]


class References(QtCore.QObject):
    """Holds strong references to Qt objects until they are destroyed."""

    def __init__(self, parent: QtCore.QObject | None = None):
        super().__init__(parent)
        self._held: dict[int, object] = {}

    def keep(self, obj):
        """Hold ``obj`` and return it (so ``w = keep(QWidget())`` reads well).

        A top-level widget gets ``WA_DeleteOnClose`` so that closing it frees
        it; any QObject is dropped from the holder when it is destroyed.
        """
        key = id(obj)
        if key in self._held:
            return obj
        self._held[key] = obj
        if isinstance(obj, QtWidgets.QWidget) and obj.isWindow():
            obj.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose, True)
        if isinstance(obj, QtCore.QObject):
            obj.destroyed.connect(lambda *_a, k=key: self._held.pop(k, None))
        return obj

    def release(self, obj) -> None:
        """Stop holding ``obj`` (it lives on while something else refers to it)."""
        self._held.pop(id(obj), None)

    # The Jupyter Qt Console documentation's set-like spelling.
    add = keep
    discard = release

    def __contains__(self, obj) -> bool:
        return self._held.get(id(obj)) is obj

    def __len__(self) -> int:
        return len(self._held)

    def __iter__(self):
        return iter(list(self._held.values()))

    def clear(self) -> None:
        self._held.clear()


def holder() -> References:
    """The application's holder, created (and set as ``app.references``) on first use."""
    app = QtWidgets.QApplication.instance()
    if app is None:
        raise RuntimeError("embedcon.keep needs a QApplication; create one first")
    refs = getattr(app, "references", None)
    if isinstance(refs, References):
        return refs
    refs = References(app)
    if isinstance(getattr(app, "references", None), set):
        for obj in app.references:  # adopt what old-style code already kept
            refs.keep(obj)
    app.references = refs
    return refs


def keep(obj):
    """Hold a Qt object for as long as the application lives or until it is
    destroyed (a kept top-level window is freed when closed).  Returns ``obj``."""
    return holder().keep(obj)


def release(obj) -> None:
    """Let go of an object held by :func:`keep`."""
    holder().release(obj)
