"""Very long input lines, kept out of the editor's layout.

Qt lays out a whole block again on every keystroke in it, so typing next to a
pasted line of a million characters cost 0.4-1.2 s per key.  A line longer
than ``limit`` is inserted as its first ``head`` characters followed by one
placeholder object (U+FFFC with its own object type), painted as a grey
"... N more characters" label; the text it stands for is kept here.  Reading
the input (``expand``) puts the text back, so what runs, what goes into the
history and what is copied are the full lines.  The placeholder is one
character for the editor: the cursor steps over it and Backspace deletes it
as a whole.
"""

from __future__ import annotations

from qtpy import QtCore, QtGui

from ..qt_compat import TEXT_OBJECT_BASES

__all__ = ["LongLines", "OBJECT_CHAR", "PlaceholderLabel"]

OBJECT_CHAR = "\ufffc"


def _enum_int(value) -> int:
    return int(value.value) if hasattr(value, "value") else int(value)


PLACEHOLDER_TYPE = _enum_int(QtGui.QTextFormat.ObjectTypes.UserObject) + 7
_ID = _enum_int(QtGui.QTextFormat.Property.UserProperty) + 7


class PlaceholderLabel(*TEXT_OBJECT_BASES):
    """Paints a placeholder object as a grey, boxed one-line label;
    ``label(fmt)`` gives the label of the placeholder with format ``fmt``.
    (Long input lines and long output lines draw their placeholders so.)"""

    def __init__(self, parent, label):
        super().__init__(parent)
        self._label = label

    def intrinsicSize(self, doc, pos, fmt):
        metrics = QtGui.QFontMetricsF(doc.defaultFont())
        return QtCore.QSizeF(metrics.horizontalAdvance(self._label(fmt)) + 10, metrics.height())

    def drawObject(self, painter, rect, doc, pos, fmt):
        painter.save()
        painter.setPen(QtGui.QColor("#808080"))
        painter.drawRoundedRect(rect.adjusted(0.5, 0.5, -0.5, -0.5), 3, 3)
        painter.setFont(doc.defaultFont())
        painter.drawText(rect, QtCore.Qt.AlignmentFlag.AlignCenter, self._label(fmt))
        painter.restore()


class LongLines(QtCore.QObject):
    """The placeholders of one document: inserting and expanding them."""

    def __init__(self, document: QtGui.QTextDocument, limit: int = 5000, head: int = 200,
                 keep: int = 50, parent=None):
        super().__init__(parent)
        self.limit = limit
        self.head = head
        self.keep = keep  # placeholders remembered (the oldest are forgotten)
        self._texts: dict[int, str] = {}
        self._next = 1
        self._label = PlaceholderLabel(self.parent(), self._label_text)
        document.documentLayout().registerHandler(PLACEHOLDER_TYPE, self._label)

    def _label_text(self, fmt) -> str:
        n = len(self.text(fmt.property(_ID)) or "")
        return f"\u2026 {n:,} more characters"

    def text(self, ident) -> str | None:
        return self._texts.get(ident) if isinstance(ident, int) else None

    def insert(self, cursor: QtGui.QTextCursor, text: str, fmt: QtGui.QTextCharFormat) -> None:
        """Insert ``text`` at ``cursor`` with lines over ``limit`` behind placeholders."""
        if len(text) <= self.limit or max(map(len, text.split("\n"))) <= self.limit:
            cursor.insertText(text, fmt)
            return
        for k, line in enumerate(text.split("\n")):
            if k:
                cursor.insertText("\n", fmt)
            if len(line) <= self.limit:
                cursor.insertText(line, fmt)
                continue
            cursor.insertText(line[:self.head], fmt)
            cursor.insertText(OBJECT_CHAR, self._placeholder(line[self.head:]))
            cursor.setCharFormat(fmt)

    def _placeholder(self, text: str) -> QtGui.QTextCharFormat:
        ident = self._next
        self._next += 1
        self._texts[ident] = text
        while len(self._texts) > self.keep:
            del self._texts[next(iter(self._texts))]
        fmt = QtGui.QTextCharFormat()
        fmt.setObjectType(PLACEHOLDER_TYPE)
        fmt.setProperty(_ID, ident)
        return fmt

    def expand(self, document: QtGui.QTextDocument, start: int, end: int, plain: str) -> str:
        """``plain`` is the plain text of ``document`` between ``start`` and
        ``end`` (folded blocks may be joined in it, so its length is not the
        range's): put back the text of the placeholders in it (other U+FFFC
        stay)."""
        if OBJECT_CHAR not in plain or not self._texts:
            return plain
        # the object characters of the range, in order, found by Qt (not a
        # Python walk over every block: pictures in a long transcript)
        replacements = []
        cursor = document.find(OBJECT_CHAR, start)
        while not cursor.isNull() and cursor.selectionStart() < end:
            fmt = cursor.charFormat()  # the found character's
            replacements.append(self.text(fmt.property(_ID))
                                if fmt.objectType() == PLACEHOLDER_TYPE else None)
            cursor = document.find(OBJECT_CHAR, cursor)
        pieces = plain.split(OBJECT_CHAR)
        out = [pieces[0]]
        for k, piece in enumerate(pieces[1:]):
            full = replacements[k] if k < len(replacements) else None
            out.append(OBJECT_CHAR if full is None else full)
            out.append(piece)
        return "".join(out)
