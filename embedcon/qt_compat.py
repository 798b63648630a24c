"""What differs between the Qt bindings, in one place.

embedcon imports Qt only through qtpy, which picks the binding: ``QT_API``
(``pyqt6``, the default install; ``pyside6``; ``pyqt5``) or, when unset, the
first one installed.  Everything else in embedcon is written once for all of
them (scoped enums, ``Signal``/``Slot``, ``exec()``, all of which qtpy
provides on every binding).  What cannot be is here.
"""

from __future__ import annotations

import qtpy
from qtpy import QtCore

__all__ = ["BINDING", "IS_PYSIDE", "is_deleted", "signal_connected", "TEXT_OBJECT_BASES"]

#: the binding in use: "pyqt6", "pyside6" or "pyqt5"
BINDING: str = qtpy.API_NAME.lower()
IS_PYSIDE: bool = BINDING.startswith("pyside")

if IS_PYSIDE:
    import shiboken6 as _shiboken

    def is_deleted(obj: QtCore.QObject) -> bool:
        """Whether the C++ object behind ``obj`` is gone."""
        return not _shiboken.isValid(obj)
else:
    try:
        from PyQt6 import sip as _sip
    except ImportError:
        from PyQt5 import sip as _sip

    def is_deleted(obj: QtCore.QObject) -> bool:
        """Whether the C++ object behind ``obj`` is gone."""
        return _sip.isdeleted(obj)


_methods: dict = {}


def signal_connected(obj: QtCore.QObject, name: str) -> bool:
    """Whether anything is connected to ``obj``'s signal ``name`` (True when
    the binding cannot tell, so that callers err on the side of emitting)."""
    key = (type(obj), name)
    try:
        method = _methods.get(key)
        if method is None:
            mo = obj.metaObject()
            method = next(mo.method(i) for i in range(mo.methodCount())
                          if bytes(mo.method(i).name()) == name.encode())
            _methods[key] = method
        return obj.isSignalConnected(method)
    except Exception:
        return True


def _text_object_bases() -> tuple:
    """Base classes of a ``QTextObjectInterface`` handler written in Python.

    PyQt takes ``(QObject, QTextObjectInterface)``; PySide cannot combine
    those two and offers ``QPyTextObject`` instead (with the other pair the
    handler is registered but never asked to draw: pictures, rich outputs and
    placeholders were blank under PySide6)."""
    from qtpy import QtGui

    if hasattr(QtGui, "QPyTextObject"):
        return (QtGui.QPyTextObject,)
    return (QtCore.QObject, QtGui.QTextObjectInterface)


#: ``class Handler(*TEXT_OBJECT_BASES): ...`` for every binding
TEXT_OBJECT_BASES = _text_object_bases()
