"""Rich outputs drawn inside the plain-text transcript.

The transcript is a ``QPlainTextEdit`` (its layout handles 100k lines fast)
and has no images, tables or nested documents of its own.  Each rich output
(a picture, an SVG figure, a formula, an HTML table, Markdown) is a
:class:`RichBlock`: its content (a small ``QTextDocument``, a ``QSvgRenderer``
or a picture) lives outside the transcript, which holds only object
characters (U+FFFC) whose format names the block.  :class:`RichObjectHandler`,
registered with the transcript's layout for :data:`RICH_OBJECT`, tells the
layout each object's size and paints it.

A tall output is cut into *slices*, one object character per paragraph,
each painting a horizontal band of the content: ``QPlainTextEdit`` scrolls by
lines, and a single 20,000-pixel line could not be scrolled through.  The
plain text path never meets any of this: a block costs the transcript two
characters per slice.
"""

from __future__ import annotations

import math
import time

from qtpy import QtCore, QtGui

from ..qt_compat import TEXT_OBJECT_BASES

__all__ = ["painter_dpr", "RichBlock", "RichObjectHandler", "RICH_OBJECT", "PROP_ID", "PROP_SLICE",
           "SLICE_HEIGHT"]

_OBJ = QtGui.QTextFormat.ObjectTypes.UserObject
RICH_OBJECT = (_OBJ.value if hasattr(_OBJ, "value") else int(_OBJ)) + 9  # +7: long_input, +8: long_output
_PROP = QtGui.QTextFormat.Property.UserProperty
_PROP_BASE = _PROP.value if hasattr(_PROP, "value") else int(_PROP)
PROP_ID = _PROP_BASE + 71
PROP_SLICE = _PROP_BASE + 72
SLICE_HEIGHT = 400  # pixels of content per object character


def painter_dpr(painter: QtGui.QPainter) -> float:
    """The device pixel ratio a painter draws at (when a widget is rendered
    into an image, ``painter.device()`` is the widget, not the image)."""
    engine = painter.paintEngine()
    device = engine.paintDevice() if engine is not None else None
    return float((device or painter.device()).devicePixelRatioF() or 1.0)


class RichBlock:
    """One rich output: its content, its text/plain form and where it is.

    ``kind`` is ``image``, ``svg``, ``doc`` (HTML, Markdown, plain text kept for
    updates), ``math`` (a formula picture, tinted with the text colour),
    ``pending`` (being built) or ``error`` (a placeholder with the reason)."""

    def __init__(self, block_id: int, mime: str, plain: str = ""):
        self.id = block_id
        self.mime = mime
        self.plain = plain
        self.kind = "pending"
        self.source = None  # the payload as received (SVG text, base64 picture)
        self.display_id: str | None = None
        self.generation = 0  # bumped by each update; stale builds are dropped
        self.slices = 1
        self.cursor: QtGui.QTextCursor | None = None  # start of the region
        self.note = ""  # placeholder text
        # content
        self.doc: QtGui.QTextDocument | None = None
        self.docs: list[tuple[QtGui.QTextDocument, float]] = []  # pieces of a big output
        self._docs_size = None  # (docs list, their size): pieces are not laid out again
        self.doc_width = 0.0
        self.layout_seconds = 0.0
        self.svg = None
        self.raw: bytes | None = None
        self.fmt: bytes | None = None
        self.pixel_size = QtCore.QSize()
        self.logical = QtCore.QSizeF()  # size at zoom 1 (images, svg, math)
        self.image: QtGui.QImage | None = None  # decoded picture or math mask
        self.decoding = False  # a decode or drawing is under way on the worker
        self.heavy = False  # an SVG too slow to draw on the GUI thread
        self.building = False  # a big output shown while its last pieces are laid out
        self._cache: tuple | None = None  # (key, QImage) of the last SVG / tinted render

    # -- size ----------------------------------------------------------------
    def size(self, width: float, zoom: float, line: float) -> QtCore.QSizeF:
        """The whole block's size for a viewport ``width`` at ``zoom``."""
        if self.kind == "doc" and self.docs:
            if self._docs_size is None or self._docs_size[0] is not self.docs:
                w = max(d.size().width() for d, _ in self.docs)
                last, y = self.docs[-1]
                self._docs_size = (self.docs, QtCore.QSizeF(max(w, 1.0), y + last.size().height()))
            return self._docs_size[1]
        if self.kind == "doc" and self.doc is not None:
            if abs(self.doc_width - width) > 0.5 and self.layout_seconds < 0.03:
                t = time.perf_counter()
                self.doc.setTextWidth(width)
                self.doc_width = width
                self.layout_seconds = time.perf_counter() - t
            s = self.doc.size()
            return QtCore.QSizeF(min(max(s.width(), 1.0), max(width, s.width())), s.height())
        if self.kind in ("image", "svg", "math") and not self.logical.isEmpty():
            w, h = self.logical.width() * zoom, self.logical.height() * zoom
            if self.kind != "math" and w > width > 50:  # fit the viewport's width
                h, w = h * width / w, width
            return QtCore.QSizeF(max(w, 1.0), max(h, 1.0))
        return QtCore.QSizeF(max(width, 1.0), line * 1.4)

    def doc_at(self, y: float):
        """(document, its top) holding content height ``y``."""
        if not self.docs:
            return self.doc, 0.0
        for doc, top in reversed(self.docs):
            if y >= top:
                return doc, top
        return self.docs[0]

    def all_docs(self) -> list:
        return [d for d, _ in self.docs] if self.docs else ([self.doc] if self.doc else [])

    def slice_rect(self, index: int, whole: QtCore.QSizeF) -> QtCore.QRectF:
        """The band of the content that slice ``index`` shows."""
        n = max(self.slices, 1)
        y0 = math.floor(whole.height() * index / n)
        y1 = math.floor(whole.height() * (index + 1) / n) if index < n - 1 else whole.height()
        return QtCore.QRectF(0, y0, whole.width(), max(y1 - y0, 1))

    @staticmethod
    def slices_for(height: float) -> int:
        return max(1, math.ceil(height / SLICE_HEIGHT))

    def valid_in(self, doc: QtGui.QTextDocument) -> bool:
        """Whether the block's region is still in ``doc`` (not trimmed or cleared)."""
        c = self.cursor
        if c is None or c.isNull() or c.document() is not doc:
            return False
        pos = c.position()
        if doc.characterAt(pos) != "\ufffc":
            return False
        probe = QtGui.QTextCursor(doc)
        probe.setPosition(pos + 1)
        return probe.charFormat().property(PROP_ID) == self.id


class RichObjectHandler(*TEXT_OBJECT_BASES):
    """Sizes and paints the slices of rich blocks for the transcript's layout."""

    def __init__(self, widget):
        super().__init__(widget)
        self._widget = widget

    def intrinsicSize(self, doc, pos, fmt):  # noqa: N802 (Qt's name)
        block = self._widget._rich_blocks.get(fmt.property(PROP_ID))
        if block is None:
            return QtCore.QSizeF(1, 1)
        try:
            whole = block.size(*self._widget._rich_metrics())
        except RuntimeError:  # its documents are gone (the console is being deleted)
            return QtCore.QSizeF(1, 1)
        return self._widget_size(block.slice_rect(int(fmt.property(PROP_SLICE) or 0), whole))

    @staticmethod
    def _widget_size(rect: QtCore.QRectF) -> QtCore.QSizeF:
        return QtCore.QSizeF(rect.width(), rect.height())

    def drawObject(self, painter, rect, doc, pos, fmt):  # noqa: N802 (Qt's name)
        block = self._widget._rich_blocks.get(fmt.property(PROP_ID))
        if block is None:
            return
        try:
            whole = block.size(*self._widget._rich_metrics())
            band = block.slice_rect(int(fmt.property(PROP_SLICE) or 0), whole)
            painter.save()
            painter.setClipRect(rect)
            # whole device pixels: a picture drawn at a fractional offset is resampled (blurred)
            dpr = painter_dpr(painter)
            origin = painter.transform().map(QtCore.QPointF(rect.left(), rect.top() - band.top()))
            snapped = QtCore.QPointF(round(origin.x() * dpr) / dpr, round(origin.y() * dpr) / dpr)
            painter.translate(rect.left() + snapped.x() - origin.x(),
                              rect.top() - band.top() + snapped.y() - origin.y())
            self._widget._paint_block(painter, block, whole, band)
            painter.restore()
        except RuntimeError:  # its documents are gone (the console is being deleted)
            pass
        except Exception:  # never raise out of Qt's paint
            self._widget.log.exception("painting a rich output failed")
