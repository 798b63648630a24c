"""The pager: where ``obj?``, ``obj??``, ``%less`` and ``help()`` text goes.

The ``paging`` trait picks the place, and may change at any time, in every
direction (a shown page moves to the new place):

* ``inside`` — the pager covers the console (when the text is taller than
  the view; shorter text is written inline);
* ``hsplit`` — beside the console; ``vsplit`` — below it;
* ``inline`` (and ``none``, the Jupyter Qt Console's name for it) — written
  into the transcript, with its colours;
* ``custom`` — nothing is shown: the console emits ``custom_page_requested(text)``
  and ``custom_page_data_requested(bundle)`` for the host to show it.

The page keeps its ANSI colours (drawn by the console's own
:class:`~embedcon.widgets.output.OutputWriter`).  A page the kernel sends as
``text/html`` is shown as rich text: the markup goes through
:func:`~embedcon.models.sanitize.sanitize_html` (nothing runs) into a
:class:`~embedcon.widgets.rich_build.SafeDocument` (nothing loads from
elsewhere), in every mode (inline: as a rich output of the transcript).
Pages without HTML, or with more than ``MAX_PAGE_HTML_CHARS`` of it, are
ANSI text as before.  Keys in the pager: ``q`` or
Escape closes it and gives the focus back to the input; Space/PageDown,
b/PageUp, j/k, g/G move; ``/`` (or Ctrl+F) opens the search line, where
Enter finds the next hit and Shift+Enter the previous one; ``n``/``N``
repeat.  Every hit is highlighted.
"""

from __future__ import annotations

from qtpy import QtCore, QtGui, QtWidgets

from ..models.sanitize import SanitizeReport, sanitize_html
from .guard import guarded
from .output import OutputWriter
from .rich_build import SafeDocument

__all__ = ["Pager", "PAGING_MODES"]

PAGING_MODES = ("inside", "hsplit", "vsplit", "inline", "none", "custom")
_K = QtCore.Qt.Key
_M = QtGui.QTextCursor.MoveOperation
MAX_PAGE_CHARS = 5_000_000  # more is cut (the rest is not shown)
MAX_HIGHLIGHTS = 2000  # search hits highlighted at once
MAX_PAGE_HTML_CHARS = 100_000  # a bigger text/html page is shown as its text
_HTML_STYLE = ("table { border-collapse: collapse; } th, td { padding: 1px 5px; } "
               "code, pre, tt { font-family: monospace; }")


class _PagerKeys:
    """Read-only, selectable, and the pager's keys (mixed into both views)."""

    def _setup(self, pager) -> None:
        self._pager = pager
        self.setReadOnly(True)
        self.setUndoRedoEnabled(False)
        self.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByKeyboard |
                                     QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)

    def keyPressEvent(self, ev: QtGui.QKeyEvent) -> None:
        try:
            handled = self._pager.handle_key(ev)
        except Exception:  # never into the host's event loop (fatal under PyQt6)
            self._pager.log.exception("error handling a key in the pager")
            handled = True
        if not handled:
            super().keyPressEvent(ev)


class _PageView(_PagerKeys, QtWidgets.QPlainTextEdit):
    """The read-only text of the page; its keys are the pager's."""

    def __init__(self, pager):
        super().__init__(pager)
        self._setup(pager)


class _HtmlPageView(_PagerKeys, QtWidgets.QTextEdit):
    """A ``text/html`` page: sanitized rich text in a document that loads nothing."""

    def __init__(self, pager):
        super().__init__(pager)
        self.setDocument(SafeDocument(self))
        self._setup(pager)

    def loadResource(self, kind, url):  # noqa: N802 (Qt's name) - the document's rules only
        return self.document().loadResource(kind, url)


class Pager(QtWidgets.QWidget):
    """The page view plus its search line, placed by the console's ``paging`` trait."""

    closed = QtCore.Signal()

    def __init__(self, console):
        super().__init__(console)
        self._console = console
        self.log = console.log
        self.text_view = _PageView(self)
        self.html_view = _HtmlPageView(self)
        self.html_view.hide()
        self.view: QtWidgets.QAbstractScrollArea = self.text_view  # the one shown
        self.search_line = QtWidgets.QLineEdit(self)
        self.search_line.setPlaceholderText("search (Enter: next, Shift+Enter: previous, "
                                            "Esc: back to the page)")
        self.search_line.hide()
        self.search_line.installEventFilter(self)
        self.search_line.textChanged.connect(self._search_changed)
        self.status = QtWidgets.QLabel(self)
        self.status.setText("q/Esc: close   /: search   n/N: next/previous hit")
        self.status.setContentsMargins(4, 0, 4, 0)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.text_view)
        layout.addWidget(self.html_view)
        layout.addWidget(self.search_line)
        layout.addWidget(self.status)
        self._writer = OutputWriter(self.text_view.document(), buffer_size=0)
        self._text = ""
        self._html: str | None = None  # the sanitized markup of a text/html page
        self.setFocusProxy(self.view)
        # the console's editor and the pager share a splitter that replaces
        # the editor in the console's layout
        self.splitter = QtWidgets.QSplitter(console)
        self.splitter.setChildrenCollapsible(False)
        console.layout().replaceWidget(console._control, self.splitter)
        self.splitter.addWidget(console._control)
        self.splitter.addWidget(self)
        self.hide()
        self.set_mode(console.settings.paging)

    # -- public -------------------------------------------------------------
    @property
    def mode(self) -> str:
        return self._mode

    @property
    def text(self) -> str:
        """The text of the page shown (ANSI codes included; the text/plain
        form of an HTML page); "" when none."""
        return self._text if self.isVisible() else ""

    @property
    def html(self) -> str:
        """The sanitized markup of the text/html page shown; "" when none."""
        return (self._html or "") if self.isVisible() else ""

    def page(self, text: str | None, html: str | None = None) -> None:
        """Show a page where the ``paging`` trait says: ``html`` (a kernel's
        text/html, sanitized here) as rich text when given, else ``text``
        (with ANSI colours)."""
        if html is not None and len(html) <= MAX_PAGE_HTML_CHARS:
            report = SanitizeReport()
            html = sanitize_html(html, report)
            if report:
                self.log.info("pager page sanitized: %s", report.summary())
            if text is None:
                text = _plain_of(html)
        else:
            html = None
        text = (text or "")[:MAX_PAGE_CHARS]
        mode = self._mode
        if mode == "custom":
            self._console.custom_page_requested.emit(text)
            bundle = {"text/plain": text}
            if html is not None:
                bundle["text/html"] = html
            self._console.custom_page_data_requested.emit(bundle)
            return
        if mode in ("inline", "none") or (mode == "inside" and self._fits_in_view(text)):
            self.close_page(refocus=False)
            if html is not None:  # a rich output in the transcript (sanitized again there)
                self._console._render_display({"text/html": html, "text/plain": text}, {})
            else:
                self._console.write_text(text.rstrip("\n") + "\n")
            return
        self._text, self._html = text, html
        if html is not None:
            self._fill_html(html)
        else:
            self._fill(text)
        self._show()
        if html is not None:  # the top (a heading's margin scrolled it while the view was hidden)
            self.html_view.verticalScrollBar().setValue(0)

    def close_page(self, refocus: bool = True) -> None:
        """Hide the pager; the focus goes back to the input."""
        was_shown = self.isVisible()
        self.hide()
        self.search_line.hide()
        self._console._control.show()
        self._text, self._html = "", None
        if refocus:
            self._console._control.setFocus()
        if was_shown:
            self.closed.emit()

    def set_mode(self, mode: str) -> None:
        """Move the pager (and a shown page) to ``mode``'s place."""
        if mode not in PAGING_MODES:
            raise ValueError(f"paging must be one of {', '.join(PAGING_MODES)}, not {mode!r}")
        shown, text, html = self.isVisible(), self._text, self._html
        self._mode = mode
        orientation = QtCore.Qt.Orientation.Vertical if mode == "vsplit" \
            else QtCore.Qt.Orientation.Horizontal
        self.splitter.setOrientation(orientation)
        if not shown:
            return
        had_focus = self.view.hasFocus() or self.search_line.hasFocus()
        if mode in ("hsplit", "vsplit", "inside"):
            self._show(focus=had_focus)
        else:  # the page leaves the pager: into the transcript or to the host
            self.close_page(refocus=had_focus)
            self.page(text, html)

    def find(self, needle: str, backwards: bool = False) -> bool:
        """Select the next (previous) hit of ``needle``; True when found."""
        if not needle:
            return False
        flags = QtGui.QTextDocument.FindFlag(0)
        if backwards:
            flags |= QtGui.QTextDocument.FindFlag.FindBackward
        if self.view.find(needle, flags):
            return True
        c = self.view.textCursor()  # wrap around
        c.movePosition(_M.End if backwards else _M.Start)
        self.view.setTextCursor(c)
        return self.view.find(needle, flags)

    def hits(self) -> int:
        """How many hits of the search line's text are highlighted."""
        return len(self.view.extraSelections())

    # -- showing -------------------------------------------------------------
    def _fits_in_view(self, text: str) -> bool:
        edit = self._console._control
        line_h = QtGui.QFontMetrics(edit.font()).lineSpacing()
        return text.count("\n") + 1 <= max(edit.viewport().height() // max(line_h, 1) - 2, 3)

    def _use_view(self, view) -> None:
        """Show ``view`` (the text or the HTML one) as the page."""
        had_focus = self.view.hasFocus()
        other = self.html_view if view is self.text_view else self.text_view
        other.hide()
        if other is self.html_view:
            other.document().clear()  # no big page kept in the hidden view
        view.show()
        self.view = view
        self.setFocusProxy(view)
        if had_focus:
            view.setFocus()

    def _fill_html(self, html: str) -> None:
        self._use_view(self.html_view)
        view = self.html_view
        doc = view.document()
        doc.setDefaultFont(self._console._control.font())
        link = getattr(self._console, "_link_colour", None)
        # links in the theme's colour, by the style sheet (no pass over the fragments)
        doc.setDefaultStyleSheet(_HTML_STYLE + (f" a {{ color: {link()}; }}" if link else ""))
        doc.clear()
        start = QtGui.QTextCursor(doc)
        start.setKeepPositionOnInsert(True)  # stays at the top as the page goes in
        view.setTextCursor(start)  # (set after setHtml it would lay the whole page out now)
        doc.setHtml(html)
        view.setExtraSelections([])

    def _fill(self, text: str) -> None:
        self._use_view(self.text_view)
        view = self.view
        view.setFont(self._console._control.font())
        doc = view.document()
        doc.clear()
        self._writer.reset_state()
        c = QtGui.QTextCursor(doc)
        c.beginEditBlock()
        self._writer.write(c, text.rstrip("\n"), "stdout")
        c.endEditBlock()
        c.movePosition(_M.Start)
        view.setTextCursor(c)
        view.setExtraSelections([])

    def _show(self, focus: bool = True) -> None:
        control = self._console._control
        self.show()
        if self._mode == "inside":
            control.hide()
        else:
            control.show()
            total = self.splitter.width() if self._mode == "hsplit" else self.splitter.height()
            self.splitter.setSizes([total // 2, total - total // 2])
        if focus:
            self.view.setFocus()

    # -- keys ----------------------------------------------------------------
    def handle_key(self, ev: QtGui.QKeyEvent) -> bool:
        key, text = ev.key(), ev.text()
        ctrl = bool(ev.modifiers() & QtCore.Qt.KeyboardModifier.ControlModifier)
        bar = self.view.verticalScrollBar()
        if key == _K.Key_Escape or (text == "q" and not ctrl):
            self.close_page()
        elif text == "/" or (ctrl and key == _K.Key_F):
            self.search_line.show()
            self.search_line.setFocus()
            self.search_line.selectAll()
        elif text in ("n", "N") and not ctrl:
            self.find(self.search_line.text(), backwards=text == "N")
        elif text == " " or key in (_K.Key_PageDown, _K.Key_Return, _K.Key_Enter):
            bar.setValue(bar.value() + bar.pageStep())
        elif text == "b" or key == _K.Key_PageUp:
            bar.setValue(bar.value() - bar.pageStep())
        elif text == "j":
            bar.setValue(bar.value() + 1)
        elif text == "k":
            bar.setValue(bar.value() - 1)
        elif text == "g" or key == _K.Key_Home:
            bar.setValue(bar.minimum())
        elif text == "G" or key == _K.Key_End:
            bar.setValue(bar.maximum())
        elif ctrl and key == _K.Key_O:
            self._console._control.setFocus()
        else:
            return False
        return True

    def eventFilter(self, obj, ev) -> bool:
        try:
            return self._search_key(obj, ev) or super().eventFilter(obj, ev)
        except Exception:
            self.log.exception("error handling a key in the pager's search line")
            return False

    def _search_key(self, obj, ev) -> bool:
        if obj is self.search_line and ev.type() == QtCore.QEvent.Type.KeyPress:
            key = ev.key()
            if key == _K.Key_Escape:
                self.search_line.hide()
                self.view.setFocus()
                return True
            if key in (_K.Key_Return, _K.Key_Enter):
                backwards = bool(ev.modifiers() & QtCore.Qt.KeyboardModifier.ShiftModifier)
                self.find(self.search_line.text(), backwards)
                return True
        return False

    @guarded
    def _search_changed(self, needle: str) -> None:
        """Highlight every hit (up to MAX_HIGHLIGHTS) and go to the first one."""
        view = self.view
        sels = []
        if needle:
            fmt = QtGui.QTextCharFormat()
            fmt.setBackground(QtGui.QColor("#ffe066"))
            fmt.setForeground(QtGui.QColor("#000000"))
            doc = view.document()
            c = doc.find(needle, 0)
            while not c.isNull() and len(sels) < MAX_HIGHLIGHTS:
                sel = QtWidgets.QTextEdit.ExtraSelection()
                sel.cursor, sel.format = c, fmt
                sels.append(sel)
                c = doc.find(needle, c)
        view.setExtraSelections(sels)
        if sels:
            c = view.textCursor()
            c.setPosition(sels[0].cursor.selectionStart())
            view.setTextCursor(c)
            self.find(needle)


def _plain_of(html: str) -> str:
    """The text of sanitized markup (for a page sent without text/plain)."""
    doc = QtGui.QTextDocument()
    doc.setHtml(html)
    return doc.toPlainText()
