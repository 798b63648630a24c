"""How rich outputs look and behave on screen: painting, copy, links, picture menu.

A mixin of :class:`~embedcon.widgets.rich_widget.RichJupyterWidget`.

* Documents (HTML, Markdown) paint with the console's palette, so their text
  follows the theme; pictures are drawn at the screen's device pixel ratio
  (decoded at the size shown, on the worker when large); SVG is rendered from
  its vectors at the current size and ratio, again whenever either changes;
  formulas are drawn in the text colour.
* Copy and export give an output's text/plain form for its object characters.
* Links open on a click, through ``QDesktopServices``, and only http/https.
* The context menu on a picture copies it or saves it (PNG; SVG when the
  source was SVG); on any rich output it copies its text form.
"""

from __future__ import annotations

import re
import time
from collections import OrderedDict

from qtpy import QtCore, QtGui, QtWidgets

from . import rich_build as rb
from .clipboard import new_mime, set_mime
from .rich_blocks import PROP_ID, PROP_SLICE, RICH_OBJECT, painter_dpr
from .rich_select_text import selection_text

__all__ = ["RichView"]

_HINTS = (QtGui.QPainter.RenderHint.SmoothPixmapTransform | QtGui.QPainter.RenderHint.Antialiasing)


def _draw_svg(renderer, whole: QtCore.QSizeF, dpr: float) -> QtGui.QImage:
    """An SVG drawn from its vectors at ``whole`` × ``dpr`` (any thread)."""
    img = QtGui.QImage(max(round(whole.width() * dpr), 1), max(round(whole.height() * dpr), 1),
                       QtGui.QImage.Format.Format_ARGB32_Premultiplied)
    img.setDevicePixelRatio(dpr)
    img.fill(0)
    p = QtGui.QPainter(img)
    p.setRenderHints(_HINTS)
    renderer.render(p, QtCore.QRectF(0, 0, whole.width(), whole.height()))
    p.end()
    return img


_DEFAULT_REPR = re.compile(r"<[\w.]+ object( at 0x[0-9a-fA-F]+)?>\Z")


def _document_text(doc: QtGui.QTextDocument) -> str:
    """A document's text as it shows it (see :mod:`.rich_select_text`)."""
    cursor = QtGui.QTextCursor(doc)
    cursor.movePosition(QtGui.QTextCursor.MoveOperation.End, QtGui.QTextCursor.MoveMode.KeepAnchor)
    return selection_text(cursor).strip("\n")


class RichView:
    def _init_view(self) -> None:
        self._band_cache: OrderedDict = OrderedDict()
        self._menu_pos: QtCore.QPoint | None = None
        self._press_pos: QtCore.QPoint | None = None
        self._control.viewport().installEventFilter(self)
        self._control.viewport().setMouseTracking(True)

    # -- painting ---------------------------------------------------------------
    def _text_colour(self) -> QtGui.QColor:
        return self._control.palette().color(QtGui.QPalette.ColorRole.Text)

    def _link_colour(self) -> str:
        from ..models.contrast import THEMES, readable
        bg = self._control.palette().color(QtGui.QPalette.ColorRole.Base).name()
        return readable(THEMES[self.theme_name or "light"]["link"], bg)

    def _paint_block(self, painter: QtGui.QPainter, block, whole: QtCore.QSizeF,
                     band: QtCore.QRectF) -> None:
        painter.setRenderHints(_HINTS)
        kind = block.kind
        if kind == "doc" and block.docs and not self._has_inner_selection(block):
            # a big output: each band is drawn once into a picture, then blitted
            # (a band of a big table costs ~10-20 ms to draw; a scroll repaints 3 bands)
            dpr = painter_dpr(painter)
            key = (block.id, block.generation, len(block.docs), round(band.top()), round(band.height()),
                   round(whole.width()), dpr, self._text_colour().rgba(), self._marks_key(block))
            img = self._band_cache.get(key)
            if img is None:
                img = QtGui.QImage(max(round(whole.width() * dpr), 1),
                                   max(round(band.height() * dpr), 1),
                                   QtGui.QImage.Format.Format_ARGB32_Premultiplied)
                img.setDevicePixelRatio(dpr)
                img.fill(0)
                p = QtGui.QPainter(img)
                p.setRenderHints(_HINTS)
                p.translate(0, -band.top())
                self._draw_docs(p, block, band)
                p.end()
                self._band_cache[key] = img
                while len(self._band_cache) > self.BAND_CACHE:
                    self._band_cache.popitem(last=False)
            else:
                self._band_cache.move_to_end(key)
            painter.drawImage(QtCore.QPointF(0, band.top()), img)
            return
        if kind == "doc":
            self._draw_docs(painter, block, band)
            return
        self._paint_other(painter, block, whole, band)

    BAND_CACHE = 24  # pictures of bands of big outputs kept (about 1.5 MB each)

    def _draw_docs(self, painter, block, band) -> None:
        if True:
            ctx = QtGui.QAbstractTextDocumentLayout.PaintContext()
            ctx.palette = self._control.palette()
            ctx.palette.setColor(QtGui.QPalette.ColorRole.Text, self._text_colour())
            docs = block.docs or [(block.doc, 0.0)]
            for k, (doc, top) in enumerate(docs):
                height = doc.size().height()
                if top + height < band.top() or top > band.bottom():
                    continue
                ctx.clip = band.translated(0, -top)
                ctx.selections = self._selections_for(block, k, doc)
                painter.save()
                painter.translate(0, top)
                doc.documentLayout().draw(painter, ctx)
                if getattr(doc, "grid", None) is not None:  # a cut table's ruling
                    doc.grid.draw(painter, k + 1 >= len(docs) or docs[k + 1][0].grid is None)
                painter.restore()

    # a text selection inside a block (rich_select.RichSelection paints one)
    def _selections_for(self, block, index: int, doc) -> list:
        return []

    def _has_inner_selection(self, block) -> bool:
        return False

    def _marks_key(self, block):
        """What find marks ``block`` paints (rich_find.RichFind), for the band cache."""
        return None

    def _paint_other(self, painter, block, whole, band) -> None:
        kind = block.kind
        dpr = painter_dpr(painter)
        target = QtCore.QRectF(0, 0, whole.width(), whole.height())
        if kind == "image":
            img = self._shown_image(block, whole, dpr)
            if img is not None:
                if img.width() == round(whole.width() * dpr) and \
                        img.height() == round(whole.height() * dpr):
                    img.setDevicePixelRatio(dpr)  # pixel for pixel: no resampling
                    painter.drawImage(QtCore.QPointF(0, 0), img)
                else:
                    painter.drawImage(target, img)
                return
            self._paint_note(painter, target, "decoding picture\u2026")
        elif kind == "svg":
            img = self._svg_image(block, whole, dpr)
            if img is not None:
                painter.drawImage(target, img)
            else:
                self._paint_note(painter, target, "drawing SVG\u2026")
        elif kind == "math":
            painter.drawImage(target, self._tinted(block))
        else:
            self._paint_note(painter, QtCore.QRectF(0, 0, whole.width(), whole.height()),
                             block.note or "rendering\u2026")

    def _paint_note(self, painter, rect, text) -> None:
        colour = QtGui.QColor(self._text_colour())
        colour.setAlpha(140)
        painter.setPen(QtGui.QPen(colour, 1, QtCore.Qt.PenStyle.DashLine))
        painter.drawRect(rect.adjusted(0.5, 0.5, -0.5, -0.5))
        painter.drawText(rect.adjusted(6, 0, -6, 0),
                         QtCore.Qt.AlignmentFlag.AlignVCenter | QtCore.Qt.AlignmentFlag.AlignLeft,
                         text)

    def _shown_image(self, block, whole, dpr):
        """The picture decoded at the size shown × ``dpr`` (a retina figure keeps
        all its pixels on a 2× screen); large ones are decoded on the worker."""
        want = QtCore.QSize(round(whole.width() * dpr), round(whole.height() * dpr))
        img = block.image
        if img is not None and (img.width() >= want.width() or img.width() >= block.pixel_size.width()):
            return img
        if block.decoding:
            return img
        pixels = block.pixel_size.width() * block.pixel_size.height()
        if pixels <= 1_500_000:
            try:
                block.image = rb.decode_image(block.raw, block.fmt, want)
            except rb.RenderError as e:
                self._picture_failed(block, e)
            return block.image
        block.decoding = True
        gen = block.generation

        def done(result):
            block.decoding = False
            if block.generation != gen:
                return
            if isinstance(result, rb.RenderError):
                self._picture_failed(block, result)
            else:
                block.image = result
            self._control.viewport().update()
        self._builder.submit(rb.decode_image, (block.raw, block.fmt, want), done)
        return img

    def _picture_failed(self, block, error) -> None:
        self.log.warning("could not decode %s output (%s)", block.mime, error)
        block.kind, block.note, block.image = "error", f"[{block.mime}: {error}]", None

    def _svg_image(self, block, whole, dpr) -> QtGui.QImage:
        """The SVG rendered from its vectors at the size shown × ``dpr``."""
        key = (round(whole.width()), round(whole.height()), dpr)
        if block._cache is not None and block._cache[0] == key:
            return block._cache[1]
        if block.heavy:  # drawn on the worker; the last drawing (scaled) meanwhile
            if not block.decoding:
                block.decoding = True
                gen = block.generation

                def done(result):
                    block.decoding = False
                    if block.generation == gen and not isinstance(result, Exception):
                        block._cache = (key, result)
                        self._control.viewport().update()
                self._builder.submit(_draw_svg, (block.svg, whole, dpr), done)
            return block._cache[1] if block._cache is not None else None
        t = time.perf_counter()
        img = _draw_svg(block.svg, whole, dpr)
        if time.perf_counter() - t > 0.05:
            block.heavy = True  # next sizes are drawn on the worker
        block._cache = (key, img)
        return img

    def _tinted(self, block) -> QtGui.QImage:
        """A formula (drawn in black by mathtext) in the theme's text colour."""
        colour = self._text_colour()
        key = colour.rgba()
        if block._cache is not None and block._cache[0] == key:
            return block._cache[1]
        img = rb._tint(block.image, colour.name())
        block._cache = (key, img)
        return img

    def _full_image(self, block) -> QtGui.QImage | None:
        """A picture at its own size, for copy and save."""
        try:
            if block.kind == "image":
                return rb.decode_image(block.raw, block.fmt)
        except rb.RenderError:
            return None
        if block.kind == "svg":
            size = block.svg.defaultSize()
            img = QtGui.QImage(size, QtGui.QImage.Format.Format_ARGB32_Premultiplied)
            img.fill(0)
            p = QtGui.QPainter(img)
            block.svg.render(p)
            p.end()
            return img
        if block.kind == "math":
            return self._tinted(block)
        return None

    # -- text --------------------------------------------------------------------
    def _text_as_written(self, start: int, end: int) -> str:
        text = super()._text_as_written(start, end)
        if "\ufffc" not in text:
            return text
        # the object characters left are rich outputs (and pictures), in
        # document order: each first slice gives its text form, others nothing
        parts = []
        pos = start
        probe = QtGui.QTextCursor(self._doc)
        for piece in text.split("\ufffc")[:-1]:
            parts.append(piece)
            found = self._doc.find("\ufffc", pos)
            if found.isNull() or found.position() > end:
                parts.append("\ufffc")
                continue
            pos = found.position()
            probe.setPosition(pos)
            fmt = probe.charFormat()
            block = self._rich_blocks.get(fmt.property(PROP_ID)) \
                if fmt.objectType() == RICH_OBJECT else None
            if block is None:
                parts.append("\ufffc")
            elif not fmt.property(PROP_SLICE):
                parts.append(self._plain_form(block))
        parts.append(text.rsplit("\ufffc", 1)[-1])
        return "".join(parts)

    @staticmethod
    def _plain_form(block) -> str:
        text = block.plain.rstrip("\n")
        if text and not _DEFAULT_REPR.match(text):
            return text
        if block.kind == "doc" and block.all_docs():  # as shown: tables as rows of cells
            return "\n".join(_document_text(d) for d in block.all_docs())
        size = block.pixel_size if not block.pixel_size.isEmpty() else block.logical.toSize()
        return f"[{block.mime} {size.width()}\u00d7{size.height()}]"

    # -- mouse: links and the picture menu --------------------------------------------
    def _block_at(self, pos: QtCore.QPoint):
        """(block, point in its content) under a viewport position, or (None, None)."""
        edit = self._control
        c = edit.cursorForPosition(pos)
        for p in (c.position(), c.position() - 1):
            if p < 0 or self._doc.characterAt(p) != "\ufffc":
                continue
            probe = QtGui.QTextCursor(self._doc)
            probe.setPosition(p + 1)
            fmt = probe.charFormat()
            if fmt.objectType() != RICH_OBJECT:
                continue
            block = self._rich_blocks.get(fmt.property(PROP_ID))
            if block is None:
                continue
            tb = self._doc.findBlock(p)
            geo = edit.blockBoundingGeometry(tb).translated(edit.contentOffset())
            line = tb.layout().lineForTextPosition(p - tb.position())
            x0 = geo.left() + (line.cursorToX(p - tb.position())[0] if line.isValid() else 0)
            whole = block.size(*self._rich_metrics())
            band = block.slice_rect(int(fmt.property(PROP_SLICE) or 0), whole)
            local = QtCore.QPointF(pos.x() - x0, pos.y() - geo.top() + band.top())
            if 0 <= local.x() <= whole.width() and band.top() <= local.y() <= band.bottom() + 1:
                return block, local
        return None, None

    def _link_at(self, pos: QtCore.QPoint) -> str | None:
        block, local = self._block_at(pos)
        if block is None or block.kind != "doc":
            return None
        doc, top = block.doc_at(local.y())
        if doc is None:
            return None
        href = doc.documentLayout().anchorAt(QtCore.QPointF(local.x(), local.y() - top))
        return href or None

    def eventFilter(self, obj, ev):  # noqa: N802 (Qt's name)
        try:
            kind = ev.type()
            if kind == QtCore.QEvent.Type.ContextMenu:
                self._menu_pos = ev.pos()
            elif kind == QtCore.QEvent.Type.MouseButtonPress:
                self._press_pos = ev.position().toPoint()
            elif kind == QtCore.QEvent.Type.MouseButtonRelease and \
                    ev.button() == QtCore.Qt.MouseButton.LeftButton:
                pos = ev.position().toPoint()
                if self._press_pos is not None and (pos - self._press_pos).manhattanLength() < 4:
                    href = self._link_at(pos)
                    if href:
                        self.open_link(href)
            elif kind == QtCore.QEvent.Type.MouseMove and not ev.buttons():
                over = self._rich_blocks and self._link_at(ev.position().toPoint())
                obj.setCursor(QtCore.Qt.CursorShape.PointingHandCursor if over
                              else QtCore.Qt.CursorShape.IBeamCursor)
        except Exception:
            self.log.exception("error handling a mouse event on rich output")
        return False

    def open_link(self, href: str) -> bool:
        """Open a link from a rich output in the browser: http and https only."""
        url = QtCore.QUrl(href.strip())
        if url.scheme().lower() not in ("http", "https") or not url.isValid():
            self.log.warning("did not open link %r: only http and https links are opened",
                             href[:200])
            return False
        return QtGui.QDesktopServices.openUrl(url)

    def _extend_context_menu(self, menu: QtWidgets.QMenu) -> None:
        super()._extend_context_menu(menu)
        pos, self._menu_pos = self._menu_pos, None
        block = self._block_at(pos)[0] if pos is not None else None
        if block is None:
            return
        menu.addSeparator()
        if block.kind in ("image", "svg", "math"):
            menu.addAction("Copy image", lambda: self.copy_image(block))
            menu.addAction("Save image as PNG\u2026", lambda: self._save_dialog(block, "png"))
            if block.kind == "svg":
                menu.addAction("Copy SVG", lambda: self._copy_svg(block))
                menu.addAction("Save image as SVG\u2026", lambda: self._save_dialog(block, "svg"))
        menu.addAction("Copy output as text",
                       lambda: QtWidgets.QApplication.clipboard().setText(self._plain_form(block)))

    def copy_image(self, block) -> None:
        img = self._full_image(block)
        if img is not None:
            QtWidgets.QApplication.clipboard().setImage(img)

    def _copy_svg(self, block) -> None:
        mime = new_mime()
        mime.setData("image/svg+xml", block.source.encode("utf-8"))
        mime.setText(block.source)
        set_mime(mime)

    def save_image(self, block, path: str) -> bool:
        """Save a picture output: SVG source when ``path`` ends in .svg (SVG
        outputs only), else PNG."""
        if path.lower().endswith(".svg"):
            if block.kind != "svg":
                return False
            with open(path, "w", encoding="utf-8") as f:
                f.write(block.source)
            return True
        img = self._full_image(block)
        return img is not None and img.save(path, "PNG")

    def _save_dialog(self, block, ext: str) -> None:
        name, _ = QtWidgets.QFileDialog.getSaveFileName(
            self, "Save image", f"output-{block.id}.{ext}",
            "SVG (*.svg)" if ext == "svg" else "PNG (*.png)")
        if name and not self.save_image(block, name):
            self.log.warning("could not save the picture to %s", name)
