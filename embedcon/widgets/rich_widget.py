"""RichJupyterWidget: the Jupyter console plus pictures, HTML and Markdown."""

from __future__ import annotations

import base64
import binascii
import itertools

from qtpy import QtCore, QtGui
from traitlets import Integer

from .editor import settings_properties
from .export import ExportMixin
from .jupyter_widget import JupyterSettings, JupyterWidget

__all__ = ["RichJupyterWidget"]

_IMAGE_TYPES = ("image/png", "image/jpeg", "image/svg+xml")


class RichSettings(JupyterSettings):
    max_image_width = Integer(800, config=True, help="Wider pictures are scaled down to this.")


RichSettings.__name__ = RichSettings.__qualname__ = "RichJupyterWidget"


class _ImageObject(QtCore.QObject, QtGui.QTextObjectInterface):
    """Draws pictures for a QPlainTextEdit (whose layout has no image handler).

    Pictures are decoded when first painted: a burst of figures only pays
    for the ones that scroll into view."""

    def __init__(self, widget):
        super().__init__(widget)
        self._widget = widget

    def intrinsicSize(self, doc, pos, fmt):
        f = fmt.toImageFormat()
        return QtCore.QSizeF(f.width(), f.height())

    def drawObject(self, painter, rect, doc, pos, fmt):
        img = self._widget.image(fmt.toImageFormat().name())
        if img is not None and not img.isNull():
            painter.drawImage(rect, img)


@settings_properties
class RichJupyterWidget(ExportMixin, JupyterWidget):
    """The console widget to embed: text, pictures, HTML and Markdown output."""

    settings_class = RichSettings
    _ids = itertools.count(1)

    def __init__(self, parent=None, config=None, **traits):
        super().__init__(parent, config=config, **traits)
        self._image_handler = _ImageObject(self)
        self._image_data: dict[str, tuple] = {}  # name -> (encoded bytes, format) not yet decoded
        self._decoded: dict[str, QtGui.QImage] = {}
        self._doc.documentLayout().registerHandler(
            QtGui.QTextFormat.ObjectTypes.ImageObject.value
            if hasattr(QtGui.QTextFormat.ObjectTypes.ImageObject, "value")
            else QtGui.QTextFormat.ObjectTypes.ImageObject, self._image_handler)

    # -- pictures ----------------------------------------------------------
    def image_names(self) -> list[str]:
        """Names of the pictures shown, oldest first."""
        return list(self._image_data)

    def image(self, name: str) -> QtGui.QImage | None:
        """The picture called ``name`` (decoded on first use)."""
        img = self._decoded.get(name)
        if img is None and name in self._image_data:
            raw, fmt = self._image_data[name]
            img = QtGui.QImage.fromData(raw, fmt) if fmt else raw
            self._decoded[name] = img
        return img

    # -- rendering ---------------------------------------------------------
    def _render_result(self, data, metadata, count) -> None:
        if isinstance(data, dict) and any(k in data for k in _IMAGE_TYPES + ("text/html",
                                                                            "text/markdown")):
            prompt = self._format_prompt(self.settings.out_prompt, count if count is not None else "?")

            def w(c):
                c.insertText(prompt + "\n", self._out_prompt_format)
                c.setCharFormat(self._plain_format)
            self._insert_output(w)
            self._render_display(data, metadata)
            return
        super()._render_result(data, metadata, count)

    def _render_display(self, data, metadata) -> None:
        if not isinstance(data, dict):
            self.log.warning("dropped a display message without a data dict")
            return
        for mime in _IMAGE_TYPES:
            if mime in data and self._insert_image(mime, data[mime], metadata.get(mime) or {}):
                return
        for mime in ("text/markdown", "text/html"):
            if isinstance(data.get(mime), str) and self._insert_markup(mime, data[mime]):
                return
        super()._render_display(data, metadata)

    def _image_payload(self, mime: str, payload):
        """(encoded bytes, format, size) of a picture, or None if it is not one.

        Only the header is read here; the pixels are decoded when painted."""
        if isinstance(payload, list):
            payload = "".join(p for p in payload if isinstance(p, str))
        if not isinstance(payload, str):
            return None
        if mime == "image/svg+xml":
            img = self._render_svg(payload)
            return (img, None, img.size()) if img is not None and not img.isNull() else None
        try:
            raw = base64.b64decode(payload, validate=False)
        except (binascii.Error, ValueError):
            return None
        fmt = "PNG" if mime == "image/png" else "JPG"
        buf = QtCore.QBuffer()
        buf.setData(raw)
        reader = QtGui.QImageReader(buf, fmt.encode())
        size = reader.size()
        if not reader.canRead() or not size.isValid() or size.isEmpty():
            return None
        return raw, fmt, size

    def _render_svg(self, svg: str):
        try:
            from qtpy import QtSvg
        except ImportError:
            return None
        renderer = QtSvg.QSvgRenderer(QtCore.QByteArray(svg.encode("utf-8")))
        if not renderer.isValid():
            return None
        size = renderer.defaultSize()
        img = QtGui.QImage(size, QtGui.QImage.Format.Format_ARGB32)
        img.fill(0)
        painter = QtGui.QPainter(img)
        renderer.render(painter)
        painter.end()
        return img

    def _insert_image(self, mime: str, payload, meta: dict) -> bool:
        found = self._image_payload(mime, payload)
        if found is None:
            self.log.warning("could not decode %s output; showing its text instead", mime)
            return False
        raw, kind, size = found
        name = f"embedcon-image-{next(self._ids)}"
        self._image_data[name] = (raw, kind)
        w, h = size.width(), size.height()
        want_w = meta.get("width") if isinstance(meta, dict) else None
        if isinstance(want_w, (int, float)) and want_w > 0:
            h, w = h * want_w / w, want_w
        if w > self.settings.max_image_width:
            h, w = h * self.settings.max_image_width / w, self.settings.max_image_width
        fmt = QtGui.QTextImageFormat()
        fmt.setName(name)
        fmt.setWidth(w)
        fmt.setHeight(h)

        def write(c):
            c.insertImage(fmt)
            c.insertText("\n", self._plain_format)
        self._insert_output(write)
        return True

    def _insert_markup(self, mime: str, text: str) -> bool:
        fragment_html = text
        if mime == "text/markdown":
            doc = QtGui.QTextDocument()
            doc.setMarkdown(text)
            fragment_html = doc.toHtml()

        def write(c):
            c.insertHtml(fragment_html)
            c.setCharFormat(self._plain_format)
            c.insertText("\n", self._plain_format)
        self._insert_output(write)
        return True
