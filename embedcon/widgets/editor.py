"""The text view that receives keys, and the traitlets/Qt metaclass glue."""

from __future__ import annotations

from qtpy import QtCore, QtGui, QtWidgets

from .clipboard import new_mime
from .output import FOLDED
from .scrollbar import QuietScrollBar, install_groove_cache

__all__ = ["ConsoleEdit", "settings_properties", "key_chord", "block_text_joined"]


def settings_properties(widget_cls):
    """Class decorator: expose every configurable trait of
    ``widget_cls.settings_class`` as a property of the widget.

    Qt widgets cannot also be traitlets objects (``QObject.parent()`` and
    ``Configurable.parent`` collide), so each widget owns a ``settings``
    object whose class carries the widget's name as its configuration
    section: ``c.RichJupyterWidget.font_size = 11`` works as it does with
    the Jupyter Qt Console.
    """
    settings_cls = widget_cls.settings_class
    for name in settings_cls.class_trait_names(config=True):
        if name in widget_cls.__dict__:
            continue

        def getter(self, _n=name):
            return getattr(self.settings, _n)

        def setter(self, value, _n=name):
            setattr(self.settings, _n, value)

        doc = settings_cls.class_traits()[name].help
        setattr(widget_cls, name, property(getter, setter, doc=doc))
    return widget_cls


_KEY_NAMES_FIXED = {
    QtCore.Qt.Key.Key_Enter: QtCore.Qt.Key.Key_Return,
}


_CHORDS: dict = {}  # (key, modifiers, text) -> chord: a key press is named twice, often


def _flag_int(flags) -> int:
    return flags.value if hasattr(flags, "value") else int(flags)


def key_chord(event: QtGui.QKeyEvent) -> str:
    """'Ctrl+Shift+X'-style name of a key event, keypad modifier ignored."""
    cache_key = (event.key(), _flag_int(event.modifiers()), event.text())
    chord = _CHORDS.get(cache_key)
    if chord is None:
        if len(_CHORDS) > 2048:
            _CHORDS.clear()
        chord = _CHORDS[cache_key] = _key_chord(event)
    return chord


def _key_chord(event: QtGui.QKeyEvent) -> str:
    key = event.key()
    key = _KEY_NAMES_FIXED.get(key, key)
    mods = event.modifiers() & ~QtCore.Qt.KeyboardModifier.KeypadModifier
    if key in (QtCore.Qt.Key.Key_Control, QtCore.Qt.Key.Key_Shift, QtCore.Qt.Key.Key_Alt,
               QtCore.Qt.Key.Key_Meta):
        return ""
    # Shift on a printable symbol is part of the character ("Ctrl++", "Alt+<")
    text = event.text()
    if text and text.isprintable() and not text.isalnum() and key < 0x1000000:
        mods &= ~QtCore.Qt.KeyboardModifier.ShiftModifier
    try:
        seq = QtGui.QKeySequence(QtCore.QKeyCombination(mods, QtCore.Qt.Key(key)))
    except (TypeError, AttributeError, ValueError):  # PyQt5 / PySide spelling
        seq = QtGui.QKeySequence(int(mods.value if hasattr(mods, "value") else mods) | int(key))
    return seq.toString(QtGui.QKeySequence.SequenceFormat.PortableText)


def block_text_joined(doc: QtGui.QTextDocument, start: int, end: int) -> str:
    """Plain text of ``[start, end)`` with folded blocks joined back together."""
    out = []
    block = doc.findBlock(start)
    first = True
    while block.isValid() and block.position() <= end:
        b0 = block.position()
        text = block.text()
        s = max(start - b0, 0)
        e = min(end - b0, len(text))
        if not first:
            out.append("" if block.userState() == FOLDED else "\n")
        if e >= s:
            out.append(text[s:e])
        first = False
        block = block.next()
    return "".join(out)


class ConsoleEdit(QtWidgets.QPlainTextEdit):
    """QPlainTextEdit that routes keys, paste and copy through the console."""

    def __init__(self, console):
        super().__init__(console)
        self._console = console
        self.setUndoRedoEnabled(False)
        self.setLineWrapMode(QtWidgets.QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.setWordWrapMode(QtGui.QTextOption.WrapMode.WrapAnywhere)
        self.setTabChangesFocus(False)
        self.setContextMenuPolicy(QtCore.Qt.ContextMenuPolicy.DefaultContextMenu)
        self.setVerticalScrollBar(QuietScrollBar(self))
        install_groove_cache(self.verticalScrollBar(), self)

    # keys ---------------------------------------------------------------
    _KEY_PRESS = QtCore.QEvent.Type.KeyPress
    _SHORTCUT_OVERRIDE = QtCore.QEvent.Type.ShortcutOverride
    _STYLE_CHANGE = QtCore.QEvent.Type.StyleChange
    _TABS = (QtCore.Qt.Key.Key_Tab, QtCore.Qt.Key.Key_Backtab)

    def event(self, ev):  # every event of the editor passes here: keep it lean
        kind = ev.type()
        # Tab must reach keyPressEvent instead of moving focus
        if kind == self._KEY_PRESS and ev.key() in self._TABS:
            self.keyPressEvent(ev)
            return True
        if kind == self._SHORTCUT_OVERRIDE:
            # our bindings win over window-level shortcuts while we have focus
            if self._console._key_bound(ev):
                ev.accept()
                return True
        if kind == self._STYLE_CHANGE:  # the application's style or style sheet changed
            install_groove_cache(self.verticalScrollBar(), self)
        return super().event(ev)

    def keyPressEvent(self, ev: QtGui.QKeyEvent) -> None:
        try:
            handled = self._console._handle_key(ev)
        except Exception:
            self._console.log.exception("error handling a key press")
            handled = True
        if not handled:
            super().keyPressEvent(ev)
            self._console._after_default_key(ev)

    def wheelEvent(self, ev) -> None:
        if ev.modifiers() & QtCore.Qt.KeyboardModifier.ControlModifier:
            self._console.change_font_size(1 if ev.angleDelta().y() > 0 else -1)
            return
        super().wheelEvent(ev)

    # clipboard ------------------------------------------------------------
    def createMimeDataFromSelection(self):
        mime = new_mime()
        mime.setText(self._console._selected_text(strip_prompts=True))
        return mime

    def canInsertFromMimeData(self, source) -> bool:
        return source.hasText() or source.hasUrls()

    def insertFromMimeData(self, source) -> None:
        if source.hasUrls() and not source.hasText():
            text = ", ".join(repr(u.toLocalFile() or u.toString()) for u in source.urls())
        else:
            text = source.text()
        self._console.paste_cleaned(text)

    def contextMenuEvent(self, ev) -> None:
        menu = self.createStandardContextMenu(ev.pos())
        self._console._extend_context_menu(menu)
        menu.exec(ev.globalPos())
        menu.deleteLater()
