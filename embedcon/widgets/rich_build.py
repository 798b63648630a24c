"""Building rich outputs off the GUI thread: documents, pictures, SVG, math.

Parsing a kernel's HTML, laying out a 1,000-row table, decoding a 4000×4000
PNG or parsing an SVG of 200,000 elements each takes from 0.1 s to seconds.
:class:`Builder` runs such work on one worker thread and hands the result to
the GUI thread through a queued signal; the console shows a placeholder
meanwhile.  Qt's ``QTextDocument``, ``QImage``, ``QImageReader`` and
``QSvgRenderer`` may be used outside the GUI thread; objects made there are
moved to the GUI thread before they are handed over.

The builders themselves (``build_*``) are plain functions, also called directly
on the GUI thread for small inputs, where a round trip through the worker
would only add latency.
"""

from __future__ import annotations

import base64
import binascii
import logging
import re
import threading
from concurrent.futures import ThreadPoolExecutor

from qtpy import QtCore, QtGui

from ..models.sanitize import SanitizeReport, sanitize_html

__all__ = ["Builder", "SafeDocument", "RenderError", "build_html", "build_markdown",
           "build_plain", "build_svg", "decode_image", "image_header", "render_latex",
           "split_math"]

log = logging.getLogger("embedcon.rich")


class RenderError(Exception):
    """An output that cannot be drawn; the message says why (it is logged)."""


# -- documents ---------------------------------------------------------------

_DATA_URL = re.compile(r"data:image/(png|jpeg|jpg|gif);base64,(.*)\Z", re.I | re.S)


class SafeDocument(QtGui.QTextDocument):
    """A QTextDocument that loads nothing from elsewhere.

    Pictures come only from resources added to it (rendered math) or from
    ``data:image/...;base64`` URLs; every other URL (http, https, file, qrc,
    relative paths) is refused and logged once per document."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.refused: list[str] = []
        self.math: dict[str, QtGui.QImage] = {}  # embedcon-math:N -> rendered formula

    def loadResource(self, kind, url):  # noqa: N802 (Qt's name)
        text = url.toString()
        if text in self.math:
            return self.math[text]
        m = _DATA_URL.match(text)
        if m:
            try:
                img = QtGui.QImage.fromData(base64.b64decode(m.group(2)))
            except (binascii.Error, ValueError):
                img = QtGui.QImage()
            if not img.isNull() and img.width() * img.height() <= 25_000_000:
                return img
        if len(self.refused) < 20:
            self.refused.append(text[:200])
            log.warning("refused to load %r in a rich output (only inline data is shown)",
                        text[:200])
        return None


def _new_document(font: QtGui.QFont, width: float) -> SafeDocument:
    doc = SafeDocument()
    doc.setUndoRedoEnabled(False)
    doc.setDefaultFont(font)
    doc.setDocumentMargin(2)
    doc.setDefaultStyleSheet(
        "table { border-collapse: collapse; } "
        "th, td { padding: 2px 6px; } th { font-weight: bold; } "
        "code, pre { font-family: monospace; }")
    if width > 0:
        doc.setTextWidth(width)
    return doc


def _finish(doc: QtGui.QTextDocument, width: float, gui_thread) -> QtGui.QTextDocument:
    """Lay out ``doc`` now (so that painting it costs no layout) and give it
    to the GUI thread."""
    doc.setTextWidth(width)
    doc.size()  # forces the layout
    if gui_thread is not None and doc.thread() is not gui_thread:
        doc.moveToThread(gui_thread)
    return doc


def colour_links(doc: QtGui.QTextDocument, colour: str) -> None:
    """Give the links of ``doc`` the theme's link colour (Qt bakes the
    application's link colour into a document when it is built)."""
    brush = QtGui.QBrush(QtGui.QColor(colour))
    c = QtGui.QTextCursor(doc)
    block = doc.begin()
    while block.isValid():
        it = block.begin()
        while not it.atEnd():
            frag = it.fragment()
            fmt = frag.charFormat()
            if fmt.isAnchor() and fmt.foreground() != brush:
                patch = QtGui.QTextCharFormat()
                patch.setForeground(brush)
                c.setPosition(frag.position())
                c.setPosition(frag.position() + frag.length(),
                              QtGui.QTextCursor.MoveMode.KeepAnchor)
                c.mergeCharFormat(patch)
            it += 1
        block = block.next()


def build_html(markup: str, font: QtGui.QFont, width: float, gui_thread=None,
               link: str = "#0b57d0"):
    """(laid-out document, what the sanitizer removed) for a kernel's HTML."""
    report = SanitizeReport()
    clean = sanitize_html(markup, report)
    doc = _new_document(font, width)
    doc.setHtml(clean)
    if "<a " in clean:
        colour_links(doc, link)
    return _finish(doc, width, gui_thread), report


# $$...$$ or \[...\] (display) and $...$ or \(...\) (inline), not escaped \$ nor
# inside code spans or blocks (those are cut out before the search)
_MATH = re.compile(r"(?<!\\)\$\$(.+?)(?<!\\)\$\$|\\\[(.+?)\\\]|\\\((.+?)\\\)|"
                   r"(?<![\\$])\$(?!\s)([^$\n]+?)(?<![\s\\])\$(?!\d)", re.S)
_CODE = re.compile(r"(```.*?```|~~~.*?~~~|`[^`\n]*`)", re.S)


def split_math(markdown: str) -> list[tuple[bool, str, bool]]:
    """Markdown cut into ``(is_math, text, display)`` pieces (code is never math)."""
    out: list[tuple[bool, str, bool]] = []
    for k, part in enumerate(_CODE.split(markdown)):
        if k % 2:
            out.append((False, part, False))
            continue
        pos = 0
        for m in _MATH.finditer(part):
            out.append((False, part[pos:m.start()], False))
            display = m.group(1) is not None or m.group(2) is not None
            out.append((True, next(g for g in m.groups() if g is not None), display))
            pos = m.end()
        out.append((False, part[pos:], False))
    return [p for p in out if p[1]]


def build_markdown(text: str, font: QtGui.QFont, width: float, gui_thread=None,
                   colour: str = "#000000", dpr: float = 2.0, link: str = "#0b57d0"):
    """(laid-out document, failed formulas) for Markdown (CommonMark with GitHub
    tables); ``$…$`` formulas are drawn with mathtext when it can be imported,
    else left as written."""
    doc = _new_document(font, width)
    pieces = split_math(text) if "$" in text or "\\(" in text or "\\[" in text else []
    failed: list[str] = []
    if any(is_math for is_math, _, _ in pieces):
        parts = []
        for n, (is_math, piece, display) in enumerate(pieces):
            if not is_math:
                parts.append(piece)
                continue
            try:
                img = render_latex(f"${piece}$", font.pointSizeF() * (1.2 if display else 1.0),
                                   "#000000", dpr)
            except RenderError as e:
                failed.append(str(e))
                parts.append(piece if not display else f"\n\n{piece}\n\n")
                continue
            name = f"embedcon-math:{n}"
            doc.math[name] = _tint(img, colour)
            w, h = img.width() / dpr, img.height() / dpr
            tag = f'<img src="{name}" width="{w:.0f}" height="{h:.0f}" />'
            parts.append(f"\n\n{tag}\n\n" if display else tag)
        text = "".join(parts)
    doc.setMarkdown(text, QtGui.QTextDocument.MarkdownFeature.MarkdownDialectGitHub)
    if "](" in text or "<" in text or "://" in text:
        colour_links(doc, link)
    return _finish(doc, width, gui_thread), failed


def build_plain(text: str, font: QtGui.QFont, width: float, gui_thread=None):
    """A document holding plain text in the console's font (a display kept for
    in-place updates)."""
    doc = _new_document(font, width)
    doc.setDocumentMargin(0)
    doc.setPlainText(text)
    return _finish(doc, width, gui_thread)


# -- pictures ------------------------------------------------------------------

_FORMATS = {"image/png": b"PNG", "image/jpeg": b"JPG", "image/gif": b"GIF"}


def image_header(mime: str, payload: str, max_pixels: int):
    """(raw bytes, format, QSize) from a base64 picture, reading only its header.

    Raises :class:`RenderError` for invalid base64, an unreadable header and
    pictures over ``max_pixels`` (a decompression bomb declares 50,000×50,000
    in a few hundred bytes)."""
    try:
        raw = base64.b64decode(payload, validate=False)
    except (binascii.Error, ValueError) as e:
        raise RenderError(f"{mime} is not valid base64 ({e})") from None
    fmt = _FORMATS[mime]
    buf = QtCore.QBuffer()
    buf.setData(raw)
    buf.open(QtCore.QIODevice.OpenModeFlag.ReadOnly)
    reader = QtGui.QImageReader(buf, fmt)
    size = reader.size()
    if not reader.canRead() or not size.isValid() or size.isEmpty():
        raise RenderError(f"{mime} could not be decoded ({len(raw)} bytes, no valid header)")
    if size.width() * size.height() > max_pixels:
        raise RenderError(f"{mime} of {size.width()}\u00d7{size.height()} pixels is over the "
                          f"limit of {max_pixels:,} pixels (max_image_pixels)")
    return raw, fmt, size


def decode_image(raw: bytes, fmt: bytes, scaled: QtCore.QSize | None = None) -> QtGui.QImage:
    """The picture's pixels (the first frame of a GIF), scaled while decoding
    to ``scaled`` when given.  Raises :class:`RenderError` when the data is
    truncated or corrupt."""
    buf = QtCore.QBuffer()
    buf.setData(raw)
    buf.open(QtCore.QIODevice.OpenModeFlag.ReadOnly)
    reader = QtGui.QImageReader(buf, fmt)
    reader.setAutoTransform(True)
    if scaled is not None and scaled.isValid() and not scaled.isEmpty():
        full = reader.size()
        if full.isValid() and scaled.width() < full.width():
            reader.setScaledSize(scaled)
    img = reader.read()
    if img.isNull():
        raise RenderError(f"picture data is corrupt or truncated ({reader.errorString()})")
    return img


def build_svg(svg: str, max_chars: int, gui_thread=None):
    """A QSvgRenderer for ``svg`` (parsed here: slow for 200,000 elements).
    Raises :class:`RenderError` for invalid SVG, a DTD with entities (an
    expansion bomb needs them; plotting libraries never write one) and SVG
    over ``max_chars``."""
    if len(svg) > max_chars:
        raise RenderError(f"SVG of {len(svg):,} characters is over the limit of "
                          f"{max_chars:,} (max_svg_chars)")
    if "<!ENTITY" in svg or "<!entity" in svg:
        raise RenderError("SVG declares XML entities (refused: entity expansion)")
    try:
        from qtpy import QtSvg
    except ImportError:
        raise RenderError("QtSvg is not available") from None
    renderer = QtSvg.QSvgRenderer(QtCore.QByteArray(svg.encode("utf-8")))
    if not renderer.isValid():
        raise RenderError("SVG could not be parsed")
    size = renderer.defaultSize()
    if size.isEmpty():
        raise RenderError("SVG has no size")
    if gui_thread is not None and renderer.thread() is not gui_thread:
        renderer.moveToThread(gui_thread)
    return renderer


# -- math ----------------------------------------------------------------------

_mathtext_lock = threading.Lock()
_mathtext = None


def _load_mathtext():
    """matplotlib's mathtext parser, imported at the first formula (never at
    start-up); None when matplotlib is not installed."""
    global _mathtext
    if _mathtext is None:
        try:
            from matplotlib.mathtext import MathTextParser
            _mathtext = MathTextParser("path")
        except Exception as e:  # ImportError, or a broken matplotlib
            log.info("math is shown as text: matplotlib's mathtext is not available (%s)", e)
            _mathtext = False
    return _mathtext or None


def render_latex(latex: str, points: float, colour: str = "#000000",
                 dpr: float = 1.0) -> QtGui.QImage:
    """A formula drawn with matplotlib's mathtext (no TeX installation needed),
    at ``points`` size, for a screen of device pixel ratio ``dpr``.  Raises
    :class:`RenderError` when mathtext is missing or rejects the formula."""
    text = latex.strip()
    if not text:
        raise RenderError("empty formula")
    if len(text) > 5000:
        raise RenderError(f"formula of {len(text)} characters is too long to draw")
    if not (text.startswith("$") and text.endswith("$")):
        text = f"${text}$"
    if text.startswith("$$") and text.endswith("$$") and len(text) > 4:
        text = text[1:-1]
    with _mathtext_lock:
        parser = _load_mathtext()
        if parser is None:
            raise RenderError("matplotlib's mathtext is not installed")
        try:
            from matplotlib import colors
            from matplotlib.mathtext import math_to_image
            import io
            buf = io.BytesIO()
            rgba = colors.to_hex(colour)
            from matplotlib.font_manager import FontProperties
            math_to_image(text, buf, prop=FontProperties(size=max(points, 4)),
                          dpi=72 * dpr * 1.33, format="png", color=rgba)
        except Exception as e:  # mathtext raises ValueError (and others) on bad input
            first = str(e).strip().splitlines()
            raise RenderError(f"mathtext rejected {latex[:80]!r}: "
                              f"{first[-1] if first else type(e).__name__}") from None
    img = QtGui.QImage.fromData(buf.getvalue(), "PNG")
    if img.isNull():
        raise RenderError("mathtext produced no picture")
    # mathtext draws black on white: keep the ink as an alpha mask (black,
    # transparent elsewhere) so that the console can draw it in any colour
    ink = img.convertToFormat(QtGui.QImage.Format.Format_Grayscale8)
    ink.invertPixels()
    mask = QtGui.QImage(img.size(), QtGui.QImage.Format.Format_ARGB32_Premultiplied)
    mask.fill(QtGui.QColor(0, 0, 0))
    mask.setAlphaChannel(ink)
    mask.setDevicePixelRatio(dpr)
    return mask


def _tint(mask: QtGui.QImage, colour: str) -> QtGui.QImage:
    """A formula mask drawn in ``colour``."""
    img = mask.convertToFormat(QtGui.QImage.Format.Format_ARGB32_Premultiplied)
    p = QtGui.QPainter(img)
    p.setCompositionMode(QtGui.QPainter.CompositionMode.CompositionMode_SourceIn)
    p.fillRect(img.rect(), QtGui.QColor(colour))
    p.end()
    img.setDevicePixelRatio(mask.devicePixelRatio())
    return img


# -- the worker ----------------------------------------------------------------

class Builder(QtCore.QObject):
    """Runs ``fn(*args)`` on one worker thread; ``done(result_or_error)`` is
    called on the GUI thread, in submission order."""

    _finished = QtCore.Signal(object)

    def __init__(self, parent=None):
        super().__init__(parent)
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="embedcon-rich")
        self._finished.connect(self._deliver, QtCore.Qt.ConnectionType.QueuedConnection)
        self.pending = 0

    def submit(self, fn, args, done) -> None:
        self.pending += 1

        def work():
            try:
                result = fn(*args)
            except RenderError as e:
                result = e
            except Exception as e:  # a Qt or library failure: reported, never raised
                log.exception("building a rich output failed")
                result = RenderError(f"{type(e).__name__}: {e}")
            try:
                self._finished.emit((done, result))
            except RuntimeError:  # the console was deleted meanwhile
                pass
        self._pool.submit(work)

    def _deliver(self, item) -> None:
        done, result = item
        self.pending -= 1
        try:
            done(result)
        except Exception:
            log.exception("showing a rich output failed")

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
