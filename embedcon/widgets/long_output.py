"""Output lines too long to draw: head, "N characters hidden", tail; the whole line on demand.

Qt's layout of a line of a million characters takes tens of seconds, so the
output writer (``output.py``) shows the first ``max_line_chars`` characters
of such a line, then one placeholder object (U+FFFC with its own object type)
standing for the hidden middle, then the line's last ``tail_chars``
characters.  The placeholder is painted as a boxed, grey
"… N characters hidden (click to view) …".  This module keeps the hidden
texts, paints the placeholders, puts the text back when the transcript is
read (``export_text()``, copy), and shows or saves a whole line: a click on
the placeholder shows the line in the pager (``paging`` inside, hsplit or
vsplit), in rows of ``LineViewer.VIEW_ROW`` characters since Qt cannot lay it
out as one line, or else opens :class:`LineViewer`, a read-only window that
shows it the same way and saves it, exactly, to a file; the context menu also
saves it.
"""

from __future__ import annotations

from qtpy import QtCore, QtGui, QtWidgets

from .long_input import OBJECT_CHAR, PlaceholderLabel
from .output import FOLDED

__all__ = ["LongOutput", "LineViewer", "HIDDEN_TYPE"]


def _enum_int(value) -> int:
    return int(value.value) if hasattr(value, "value") else int(value)


HIDDEN_TYPE = _enum_int(QtGui.QTextFormat.ObjectTypes.UserObject) + 8
_ID = _enum_int(QtGui.QTextFormat.Property.UserProperty) + 8


class LongOutput(QtCore.QObject):
    """The hidden middles of the over-long output lines of one document."""

    def __init__(self, document: QtGui.QTextDocument, keep: int = 20, parent=None):
        super().__init__(parent)
        self.document = document
        self.keep = keep  # lines remembered (the oldest are forgotten)
        self._texts: dict[int, tuple[str, int]] = {}  # id -> (rest of the line, tail shown)
        self._next = 1
        self._label = PlaceholderLabel(self, self._label_text)
        document.documentLayout().registerHandler(HIDDEN_TYPE, self._label)

    def _label_text(self, fmt) -> str:
        return f"\u2026 {self.hidden_count(fmt.property(_ID)):,} characters hidden " \
               "(click to view) \u2026"

    # -- the writer's hook ----------------------------------------------------------
    def placeholder(self, rest: str, tail: int) -> QtGui.QTextCharFormat:
        """The format of a placeholder for ``rest`` whose last ``tail``
        characters are shown after it."""
        ident = self._next
        self._next += 1
        self._texts[ident] = (rest, tail)
        while len(self._texts) > self.keep:
            del self._texts[next(iter(self._texts))]
        fmt = QtGui.QTextCharFormat()
        fmt.setObjectType(HIDDEN_TYPE)
        fmt.setProperty(_ID, ident)
        return fmt

    def hidden(self, ident) -> str | None:
        """The hidden text of placeholder ``ident`` (None when forgotten)."""
        entry = self._texts.get(ident) if isinstance(ident, int) else None
        if entry is None:
            return None
        rest, tail = entry
        return rest[:len(rest) - tail]

    def hidden_count(self, ident) -> int:
        entry = self._texts.get(ident) if isinstance(ident, int) else None
        return len(entry[0]) - entry[1] if entry else 0

    def clear(self) -> None:
        self._texts.clear()

    # -- reading the transcript -----------------------------------------------------
    def expand(self, start: int, end: int, plain: str, skip_types=frozenset()) -> str:
        """Put the hidden text back into ``plain``, the text of ``[start, end)``,
        in which the object characters of ``skip_types`` were already replaced."""
        if OBJECT_CHAR not in plain or not self._texts:
            return plain
        found = []
        cursor = self.document.find(OBJECT_CHAR, start)
        while not cursor.isNull() and cursor.selectionStart() < end:
            fmt = cursor.charFormat()
            kind = fmt.objectType()
            if kind == HIDDEN_TYPE:
                found.append(self.hidden(fmt.property(_ID)))
            elif kind not in skip_types:
                found.append(None)
            cursor = self.document.find(OBJECT_CHAR, cursor)
        pieces = plain.split(OBJECT_CHAR)
        if len(pieces) - 1 != len(found):  # not the characters we expect: leave them
            return plain
        out = [pieces[0]]
        for k, piece in enumerate(pieces[1:]):
            out.append(OBJECT_CHAR if found[k] is None else found[k])
            out.append(piece)
        return "".join(out)

    def at(self, position: int) -> int | None:
        """The id of the placeholder at document ``position``, if one is there."""
        for pos in (position, position - 1):
            if 0 <= pos and self.document.characterAt(pos) == OBJECT_CHAR:
                c = QtGui.QTextCursor(self.document)
                c.setPosition(pos)
                c.setPosition(pos + 1, QtGui.QTextCursor.MoveMode.KeepAnchor)
                fmt = c.charFormat()
                if fmt.objectType() == HIDDEN_TYPE:
                    return fmt.property(_ID)
        return None

    def line_range(self, position: int) -> tuple[int, int]:
        """Start and end of the logical line (folded blocks joined) at ``position``."""
        block = self.document.findBlock(position)
        first = block
        while first.userState() == FOLDED and first.previous().isValid():
            first = first.previous()
        last = block
        while last.next().isValid() and last.next().userState() == FOLDED:
            last = last.next()
        return first.position(), last.position() + last.length() - 1

    def placeholders(self) -> list[int]:
        """Ids of the placeholders still remembered, oldest first."""
        return list(self._texts)


class LineViewer(QtWidgets.QDialog):
    """A read-only window with one long line, in rows of VIEW_ROW characters,
    and a button that saves the line exactly as it was written."""

    VIEW_ROW = 1000

    def __init__(self, text: str, parent=None, title: str = "Whole output line"):
        super().__init__(parent)
        self.text = text
        self.setWindowTitle(f"{title} \u2014 {len(text):,} characters")
        layout = QtWidgets.QVBoxLayout(self)
        note = QtWidgets.QLabel(f"Shown in rows of {self.VIEW_ROW:,} characters; "
                                "Save writes the line as one line.")
        layout.addWidget(note)
        self.view = QtWidgets.QPlainTextEdit(self)
        self.view.setReadOnly(True)
        self.view.setUndoRedoEnabled(False)
        self.view.setLineWrapMode(QtWidgets.QPlainTextEdit.LineWrapMode.NoWrap)
        font = QtGui.QFontDatabase.systemFont(QtGui.QFontDatabase.SystemFont.FixedFont)
        self.view.setFont(font)
        self.view.setPlainText(self.rows(text))
        layout.addWidget(self.view)
        buttons = QtWidgets.QDialogButtonBox(self)
        self.save_button = buttons.addButton("Save\u2026",
                                             QtWidgets.QDialogButtonBox.ButtonRole.ActionRole)
        self.save_button.clicked.connect(self._ask_save)
        close = buttons.addButton(QtWidgets.QDialogButtonBox.StandardButton.Close)
        close.clicked.connect(self.close)
        layout.addWidget(buttons)
        self.resize(900, 600)
        self.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose)

    @classmethod
    def rows(cls, text: str) -> str:
        """``text`` cut into rows of VIEW_ROW characters (Qt lays those out fast)."""
        row = cls.VIEW_ROW
        return "\n".join(text[i:i + row] for i in range(0, len(text), row))

    def save(self, path: str) -> None:
        with open(path, "w", encoding="utf-8", errors="surrogatepass", newline="") as f:
            f.write(self.text)

    def _ask_save(self) -> None:
        name, _ = QtWidgets.QFileDialog.getSaveFileName(self, "Save the whole line")
        if name:
            try:
                self.save(name)
            except OSError as exc:
                QtWidgets.QMessageBox.warning(self, "Save failed", str(exc))
