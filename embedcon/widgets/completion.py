"""Tab completion: the request, the late-reply rules and the three list styles.

:class:`Completer` sends ``complete_request`` without waiting and applies a
reply only to what is typed when it arrives (:func:`~embedcon.models.completion.reconcile`):
nothing changed, or the word typed on (the list is then narrowed to it);
anything else drops it.  A unique match is inserted; several insert their
common prefix and are shown in the style the ``gui_completion`` trait names:

* ``droplist`` — :class:`DropList`, a popup under the cursor (the default);
* ``ncurses`` — :class:`ColumnList`, columns under the input that Tab and the
  arrow keys walk;
* ``plain`` — the names written into the transcript in columns.

The lists are Qt views over a model of the filtered matches, so 10,000
matches cost a filter pass (about a millisecond), not 10,000 widgets.  The
editor keeps the focus: typing goes on narrowing the list.  When the kernel
sends IPython's metadata, each match shows its type and signature: the popup
draws both beside the name; the columns draw a short type tag (``fn``,
``mod``, ``class``...) in each cell and the selected match's signature and
type on a line under them; the plain style writes the tag after each name.
"""

from __future__ import annotations

from qtpy import QtCore, QtGui, QtWidgets

from ..models.completion import (TYPE_TAG_CHARS, Completions, columns, common_prefix,
                                 parse_reply, reconcile, short_type)
from .guard import guarded

__all__ = ["Completer", "DropList", "ColumnList", "COMPLETION_STYLES"]

COMPLETION_STYLES = ("droplist", "ncurses", "plain")
_K = QtCore.Qt.Key
PLAIN_LIMIT = 2000  # names written into the transcript by the plain style


class _MatchModel(QtCore.QStringListModel):
    """The shown (filtered) names of one :class:`Completions`.

    A C++ string list: the view's many ``rowCount``/``data`` calls while it
    lays out 10,000 rows never enter Python.  Types and signatures are looked
    up by the delegate for the rows it paints."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.completions: Completions | None = None
        self.rows: list[int] = []

    def set_rows(self, completions: Completions | None, rows: list[int]) -> None:
        self.completions, self.rows = completions, rows
        texts = completions.texts if completions is not None else []
        self.setStringList([texts[i] for i in rows])

    def info(self, row: int):
        """The :class:`~embedcon.models.completion.Match` shown at ``row``."""
        return self.completions.match(self.rows[row])

    def text(self, row: int) -> str:
        return self.completions.texts[self.rows[row]]


class _TypeDelegate(QtWidgets.QStyledItemDelegate):
    """Draws a match's signature after its name and its type at the right, muted."""

    def paint(self, painter, option, index) -> None:
        super().paint(painter, option, index)
        match = index.model().info(index.row())
        sig, kind = match.signature, match.type
        if not sig and not kind:
            return
        painter.save()
        selected = bool(option.state & QtWidgets.QStyle.StateFlag.State_Selected)
        role = QtGui.QPalette.ColorRole.HighlightedText if selected \
            else QtGui.QPalette.ColorRole.PlaceholderText
        painter.setPen(option.palette.color(role))
        rect = option.rect.adjusted(4, 0, -6, 0)
        fm = option.fontMetrics
        name_w = fm.horizontalAdvance(index.data() or "") + 4
        kind_w = fm.horizontalAdvance(kind) + 12 if kind else 0
        align = QtCore.Qt.AlignmentFlag.AlignVCenter
        if sig:
            room = rect.width() - name_w - kind_w
            if room > fm.horizontalAdvance("\u2026") * 2:
                text = fm.elidedText(sig, QtCore.Qt.TextElideMode.ElideRight, room)
                painter.drawText(rect.adjusted(name_w, 0, 0, 0),
                                 align | QtCore.Qt.AlignmentFlag.AlignLeft, text)
        if kind:
            painter.drawText(rect, align | QtCore.Qt.AlignmentFlag.AlignRight, kind)
        painter.restore()


class _TagDelegate(QtWidgets.QStyledItemDelegate):
    """Draws a match's short type tag, muted, at the right of its column cell."""

    def paint(self, painter, option, index) -> None:
        super().paint(painter, option, index)
        model = index.model()
        if model.completions is None or not model.completions.typed:
            return
        tag = short_type(model.info(index.row()).type)
        if not tag:
            return
        painter.save()
        selected = bool(option.state & QtWidgets.QStyle.StateFlag.State_Selected)
        role = QtGui.QPalette.ColorRole.HighlightedText if selected \
            else QtGui.QPalette.ColorRole.PlaceholderText
        painter.setPen(option.palette.color(role))
        painter.drawText(option.rect.adjusted(0, 0, -option.fontMetrics.horizontalAdvance("M"), 0),
                         QtCore.Qt.AlignmentFlag.AlignVCenter | QtCore.Qt.AlignmentFlag.AlignRight,
                         tag)
        painter.restore()


class _ListBase(QtWidgets.QListView):
    """A list of matches that never takes focus from the editor."""

    def __init__(self, completer, parent):
        super().__init__(parent)
        self._completer = completer
        self.model_ = _MatchModel(self)
        self.setModel(self.model_)
        self.setFocusPolicy(QtCore.Qt.FocusPolicy.NoFocus)
        self.setUniformItemSizes(True)
        self.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QtWidgets.QAbstractItemView.SelectionMode.SingleSelection)
        self.log = completer.log
        self.clicked.connect(self._clicked)
        self.hide()

    @guarded
    def _clicked(self, index) -> None:
        self._completer.accept(index.row())

    def count(self) -> int:
        return self.model_.rowCount()

    def texts(self) -> list[str]:
        """The names shown, in order."""
        return [self.model_.text(r) for r in range(self.count())]

    def current_row(self) -> int:
        index = self.currentIndex()
        return index.row() if index.isValid() else -1

    def set_current_row(self, row: int) -> None:
        if self.count():
            row = max(0, min(self.count() - 1, row))
            self.setCurrentIndex(self.model_.index(row))

    def current_text(self) -> str | None:
        row = self.current_row()
        return self.model_.text(row) if row >= 0 else None


class DropList(_ListBase):
    """The popup style: a list under the cursor over the console's viewport."""

    def __init__(self, completer, console):
        super().__init__(completer, console._control.viewport())
        self._console = console
        self.setItemDelegate(_TypeDelegate(self))
        self.setVerticalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.setHorizontalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

    def show_rows(self, completions: Completions, rows: list[int]) -> None:
        self.setFont(self._console._control.font())
        self.model_.set_rows(completions, rows)
        self.set_current_row(0)
        self._place(completions, rows)
        self.show()
        self.raise_()

    def _place(self, completions: Completions, rows: list[int]) -> None:
        edit = self._console._control
        view = edit.viewport()
        fm = QtGui.QFontMetrics(self.font())
        name = max(map(len, map(completions.texts.__getitem__, rows[:2000])), default=4)
        extra = 0
        for i in rows[:200]:  # room for the type and signature of the first names
            m = completions.match(i)
            if m.type or m.signature:
                extra = max(extra, len(m.type) + min(len(m.signature), 40))
        char = fm.horizontalAdvance("M")
        width = min(max((name + extra + (3 if extra else 0)) * char + 40, 120), view.width() - 10)
        height_rows = min(len(rows), self._console.settings.gui_completion_height)
        height = self.sizeHintForRow(0) * height_rows + 2 * self.frameWidth() + 2
        rect = edit.cursorRect()
        y = rect.bottom() + 2
        if y + height > view.height():
            y = max(rect.top() - height - 2, 0)
        self.setGeometry(min(rect.left(), max(view.width() - width, 0)), y, width, height)

    def handle_key(self, ev: QtGui.QKeyEvent) -> bool:
        key = ev.key()
        if key in (_K.Key_Return, _K.Key_Enter, _K.Key_Tab):
            self._completer.accept()
            return True
        if key == _K.Key_Escape:
            self._completer.hide()
            return True
        page = max(self._console.settings.gui_completion_height - 1, 1)
        moves = {_K.Key_Up: -1, _K.Key_Down: 1, _K.Key_PageUp: -page, _K.Key_PageDown: page}
        if key in moves:
            self.set_current_row(self.current_row() + moves[key])
            return True
        if key in (_K.Key_Left, _K.Key_Right, _K.Key_Home, _K.Key_End):
            self._completer.hide()
        return False


class ColumnList(_ListBase):
    """The ncurses-like style: names in columns under the input.

    Tab (then Tab, Shift+Tab or the arrow keys) walks the names, Enter takes
    the selected one, Escape closes; typing narrows the list."""

    def __init__(self, completer, console):
        super().__init__(completer, console)
        self._console = console
        self.setFlow(QtWidgets.QListView.Flow.TopToBottom)
        self.setWrapping(True)
        self.setResizeMode(QtWidgets.QListView.ResizeMode.Adjust)
        self.setLayoutMode(QtWidgets.QListView.LayoutMode.Batched)
        self.setBatchSize(2000)
        self.setVerticalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setHorizontalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.setItemDelegate(_TagDelegate(self))
        self._walking = False
        self._rows_per_column = 1
        # the selected match's signature and type, under the columns (IPython's metadata)
        self.info_line = QtWidgets.QLabel(console)
        self.info_line.setTextFormat(QtCore.Qt.TextFormat.PlainText)
        self.info_line.setContentsMargins(4, 0, 4, 0)
        self.info_line.setSizePolicy(QtWidgets.QSizePolicy.Policy.Preferred,
                                     QtWidgets.QSizePolicy.Policy.Fixed)  # one line high
        self.info_line.hide()
        self.selectionModel().currentChanged.connect(self._current_changed)

    def show_rows(self, completions: Completions, rows: list[int]) -> None:
        self.setFont(self._console._control.font())
        self.model_.set_rows(completions, rows)
        self._walking = False
        self.clearSelection()
        self.setCurrentIndex(QtCore.QModelIndex())
        fm = QtGui.QFontMetrics(self.font())
        name = max((len(completions.texts[i]) for i in rows[:2000]), default=4)
        if completions.typed:
            name += TYPE_TAG_CHARS + 2  # room for the tag
        row_h = fm.height() + 2
        self.setGridSize(QtCore.QSize(fm.horizontalAdvance("M") * (name + 2), row_h))
        self.info_line.setVisible(completions.typed)
        self._show_info()
        self._rows_per_column = max(1, min(len(rows), self._console.settings.gui_completion_height))
        bar = self.horizontalScrollBar().sizeHint().height()
        self.setFixedHeight(self._rows_per_column * row_h + 2 * self.frameWidth() + bar + 2)
        self.show()

    def hideEvent(self, ev) -> None:  # noqa: N802 (Qt's name)
        line = getattr(self, "info_line", None)  # (None while __init__ runs)
        if line is not None:
            line.hide()
        super().hideEvent(ev)

    @guarded
    def _current_changed(self, current, previous) -> None:
        self._show_info()

    def _show_info(self) -> None:
        """The selected match's name, signature and type (a hint before one is)."""
        line, comps = self.info_line, self.model_.completions
        if comps is None or not comps.typed:
            return
        row = self.current_row()
        if row < 0 or not self._walking:
            text = "Tab: choose   Enter: insert   Esc: close"
        else:
            m = self.model_.info(row)
            text = m.text + m.signature + (f"    {m.type}" if m.type else "")
        line.setFont(self.font())
        fm = QtGui.QFontMetrics(self.font())
        width = max(self._console.width() - 12, 100)
        line.setText(fm.elidedText(text, QtCore.Qt.TextElideMode.ElideRight, width))

    def handle_key(self, ev: QtGui.QKeyEvent) -> bool:
        key = ev.key()
        backtab = key == _K.Key_Backtab or (
            key == _K.Key_Tab and ev.modifiers() & QtCore.Qt.KeyboardModifier.ShiftModifier)
        if key == _K.Key_Tab or backtab:
            if not self._walking:
                self._walking = True
                self.set_current_row(self.count() - 1 if backtab else 0)
                self._show_info()
            else:
                self.set_current_row((self.current_row() + (-1 if backtab else 1)) % self.count())
            self.scrollTo(self.currentIndex())
            return True
        if key == _K.Key_Escape:
            self._completer.hide()
            return True
        if key in (_K.Key_Return, _K.Key_Enter):
            if self._walking:
                self._completer.accept()
                return True
            self._completer.hide()
            return False
        n = self._rows_per_column
        moves = {_K.Key_Up: -1, _K.Key_Down: 1, _K.Key_Left: -n, _K.Key_Right: n}
        if key in moves:
            if not self._walking:
                self._completer.hide()
                return False
            row = self.current_row() + moves[key]
            if 0 <= row < self.count():
                self.set_current_row(row)
                self.scrollTo(self.currentIndex())
            return True
        return False


class Completer(QtCore.QObject):
    """Asks for completions and shows them in the chosen style."""

    def __init__(self, console):
        super().__init__(console)
        self._console = console
        self.log = console.log
        self._asked: tuple[str, str, int] | None = None  # msg_id, code, cursor offset
        self._completions: Completions | None = None
        self._anchor: QtGui.QTextCursor | None = None  # where the completed word starts
        self.droplist = DropList(self, console)
        self.columns = ColumnList(self, console)
        console.layout().addWidget(self.columns)
        console.layout().addWidget(self.columns.info_line)

    # -- state -------------------------------------------------------------
    @property
    def style(self) -> str:
        style = self._console.settings.gui_completion
        return style if style in COMPLETION_STYLES else "droplist"

    @property
    def widget(self) -> _ListBase | None:
        """The list widget of the current style (None for ``plain``)."""
        return {"droplist": self.droplist, "ncurses": self.columns}.get(self.style)

    def isVisible(self) -> bool:
        return self.droplist.isVisible() or self.columns.isVisible()

    def hide(self) -> None:
        self.droplist.hide()
        self.columns.hide()
        self._completions = None
        self._anchor = None

    def cancel(self) -> None:
        """Hide the list and drop any reply still to come."""
        self._asked = None
        self.hide()

    # -- request and reply ---------------------------------------------------
    def request(self) -> None:
        console = self._console
        code, pos = console._buffer_and_offset()
        self.hide()
        msg_id = console.kernel_client.complete(code, pos)
        console._requests[msg_id] = "complete"
        self._asked = (msg_id, code, pos)

    def on_reply(self, msg_id: str, content: dict) -> None:
        asked, self._asked = self._asked, None
        console = self._console
        if asked is None or asked[0] != msg_id or not console._editing() or \
                console._prompt_kind != "input":
            return
        _, asked_code, asked_pos = asked
        code, pos = console._buffer_and_offset()
        typed = reconcile(asked_code, asked_pos, code, pos)
        if typed is None:
            return  # the user moved on
        comps = parse_reply(content, asked_code)
        if comps is None:
            return
        if comps.end < asked_pos:  # replaces nothing up to the cursor: complete at the cursor
            comps.start = min(comps.start, asked_pos)
            comps.end = asked_pos
        # the word now typed: what the reply replaces before the cursor, plus what came since
        word = asked_code[comps.start:asked_pos] + typed
        rows = comps.filter(word) if typed else list(range(len(comps)))
        if not rows:
            return
        after = max(comps.end - asked_pos, 0)  # the reply also replaces text after the cursor
        start_doc = console._cursor().position() - (pos - comps.start) \
            if comps.start <= pos else console._cursor().position()
        self._anchor = QtGui.QTextCursor(console._doc)
        self._anchor.setPosition(start_doc)
        self._anchor.setKeepPositionOnInsert(True)  # text completed here stays after it
        texts = comps.texts
        if len(rows) == 1:
            self._replace(texts[rows[0]], after)
            self.hide()
            return
        prefix = comps.common_prefix() if not typed else common_prefix([texts[i] for i in rows])
        if len(prefix) >= len(word):
            self._replace(prefix, after)
        self._completions = comps
        self._show(rows)

    def _show(self, rows: list[int]) -> None:
        style = self.style
        if style == "plain":
            self._write_plain(rows)
            self._completions = None
            return
        self.widget.show_rows(self._completions, rows)

    def _write_plain(self, rows: list[int]) -> None:
        console = self._console
        comps = self._completions
        texts = comps.texts
        names = [texts[i] for i in rows[:PLAIN_LIMIT]]
        # IPython's metadata: a short type tag after each name, in the muted colour
        tags = [short_type(comps.match(i).type) for i in rows[:PLAIN_LIMIT]] \
            if comps.typed else [""] * len(names)
        cells = [n + (" " + t if t else "") for n, t in zip(names, tags)]
        shown = [n + (f" \x1b[90m{t}\x1b[39m" if t else "") for n, t in zip(names, tags)]
        fm = QtGui.QFontMetrics(console._control.font())
        width = max(console._control.viewport().width() // max(fm.horizontalAdvance("M"), 1) - 1, 20)
        grid, colw = columns(cells, width)
        lines = ["".join(shown[i] + " " * (colw - len(cells[i])) for i in row).rstrip()
                 for row in grid]
        if len(rows) > PLAIN_LIMIT:
            lines.append(f"\u2026 and {len(rows) - PLAIN_LIMIT} more")
        console.write_text("\n".join(lines) + "\n")

    def _replace(self, text: str, extra_after: int = 0) -> None:
        console = self._console
        c = console._cursor()
        end = min(c.position() + max(extra_after, 0), console._end())
        c.setPosition(self._anchor.position())
        c.setPosition(end, QtGui.QTextCursor.MoveMode.KeepAnchor)
        c.insertText(text, console._plain_format)
        console._set_cursor(c)

    def _typed(self) -> str | None:
        console = self._console
        if self._anchor is None or not console._editing():
            return None
        pos = console._cursor().position()
        start = self._anchor.position()
        if pos < start or start < console._input_cursor.position():
            return None
        return console._text_range(start, pos)

    # -- keys --------------------------------------------------------------
    def refilter(self) -> None:
        """Narrow the shown list to what is typed now (after a key)."""
        if self._completions is None or not self.isVisible():
            return
        typed = self._typed()
        if typed is None or any(ch.isspace() for ch in typed):
            self.hide()
            return
        rows = self._completions.filter(typed)
        if not rows:
            self.hide()
            return
        self.widget.show_rows(self._completions, rows)

    def handle_key(self, ev: QtGui.QKeyEvent) -> bool:
        widget = self.droplist if self.droplist.isVisible() else self.columns
        return widget.handle_key(ev)

    def accept(self, row: int | None = None) -> None:
        widget = self.droplist if self.droplist.isVisible() else self.columns
        if row is not None:
            widget.set_current_row(row)
        text = widget.current_text()
        if text is not None and self._anchor is not None:
            self._replace(text)
        self.hide()
        self._console._control.setFocus()

    def set_style(self, style: str) -> None:
        """Called when ``gui_completion`` changes: a shown list moves to the new style."""
        comps, anchor = self._completions, self._anchor
        shown = self.isVisible()
        self.droplist.hide()
        self.columns.hide()
        if shown and comps is not None:
            self._completions, self._anchor = comps, anchor
            typed = self._typed() or ""
            self._show(comps.filter(typed))

