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
import html
import logging
import re
import threading
from concurrent.futures import ThreadPoolExecutor

from qtpy import QtCore, QtGui

from ..models.sanitize import SanitizeReport, sanitize_html
from .rich_colour import neutral, set_no_color

__all__ = ["recolour_math", "Builder", "SafeDocument", "RenderError", "Prepared", "prepare_rich", "split_tables",
           "lay_out_piece", "column_widths", "sample_table", "TableGrid",
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
        self.math: dict[str, QtGui.QImage] = {}  # embedcon-math:N -> formula mask
        self.ink = "#000000"  # the colour formulas are drawn in
        self.grid: TableGrid | None = None  # the ruling of a cut table's piece
        self.no_color = False  # colours taken out (colors = NoColor, see rich_colour)

    def loadResource(self, kind, url):  # noqa: N802 (Qt's name)
        text = url.toString()
        if text in self.math:
            return _tint(self.math[text], self.ink)
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
        "th, td { padding: 1px 5px; } th { font-weight: bold; } "
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


def build_plain(text: str, font: QtGui.QFont, width: float, gui_thread=None):
    """A document holding plain text in the console's font (a display kept for
    in-place updates)."""
    doc = _new_document(font, width)
    doc.setDocumentMargin(0)
    doc.setPlainText(text)
    return _finish(doc, width, gui_thread)


# -- big HTML and Markdown: prepared on the worker, laid out in pieces ----------
#
# PyQt holds the GIL while Qt parses HTML or lays a document out, so a worker
# thread cannot take that work off the GUI thread (measured: a 200 KB table
# stopped the GUI thread for 0.4 s from a worker).  What is pure Python
# (Markdown to HTML, sanitizing, cutting tables into groups of rows) runs on
# the worker; the GUI thread then lays out groups of rows, each its own small
# document with the same column widths, as many per event-loop turn as fit in
# its budget (the widget's PIECE_SECONDS).  A piece of 10 rows of 11 cells takes
# about 3.5 ms of CPU to parse, lay out and rule (TableGrid), and 1.5 ms to draw.

ROWS_PER_PIECE = 10
_TABLE = re.compile(r"<table\b[^>]*>", re.I)
_TR = re.compile(r"<tr\b", re.I)


class Prepared:
    """HTML cut into pieces to lay out one by one, and the formulas they show."""

    def __init__(self, pieces, math, report=None, failed=()):
        self.pieces: list[tuple[str, bool]] = pieces  # (html, is part of a cut table)
        self.math: dict = math
        self.report = report
        self.failed = list(failed)


def _markdown_to_html(text: str) -> str:
    try:
        from markdown_it import MarkdownIt
    except ImportError:  # Qt's own importer (holds the GIL, but works)
        doc = QtGui.QTextDocument()
        doc.setMarkdown(text, QtGui.QTextDocument.MarkdownFeature.MarkdownDialectGitHub)
        return doc.toHtml()
    html = MarkdownIt("commonmark").enable(["table", "strikethrough"]).render(text)
    return html.replace("<table>", '<table border="1" cellspacing="0">')  # ruled, as on GitHub


def prepare_rich(markup: str, markdown: bool, points: float, dpr: float = 2.0) -> Prepared:
    """HTML or Markdown made ready to lay out: Markdown (CommonMark and GitHub
    tables) to HTML, formulas drawn, sanitized, long tables cut (see above).
    Pure Python but for the formulas: the worker's part of a big output, done
    at once for a small one."""
    math: dict[str, QtGui.QImage] = {}
    failed: list[str] = []
    tokens: dict[str, str] = {}
    if markdown:
        pieces = split_math(markup) if ("$" in markup or "\\(" in markup or "\\[" in markup) else []
        if any(m for m, _, _ in pieces):
            parts = []
            for n, (is_math, piece, display) in enumerate(pieces):
                if not is_math:
                    parts.append(piece)
                    continue
                try:
                    img = render_latex(f"${piece}$", points * (1.2 if display else 1.0), "#000000", dpr)
                except RenderError as e:
                    failed.append(str(e))
                    parts.append(piece)
                    continue
                token = f"EMBEDCONMATH{n}X"
                name = f"embedcon-math:{n}"
                math[name] = img
                tex = html.escape(f"$${piece}$$" if display else f"${piece}$", quote=True)
                tag = (f'<img src="{name}" width="{img.width() / dpr:.0f}" '
                       f'height="{img.height() / dpr:.0f}" title="{tex}" />')  # title: copied text
                tokens[token] = f"<p>{tag}</p>" if display else tag
                parts.append(f"\n\n{token}\n\n" if display else token)
            markup = "".join(parts)
        markup = _markdown_to_html(markup)
    report = SanitizeReport()
    clean = sanitize_html(markup, report)
    for token, tag in tokens.items():
        clean = clean.replace(token, tag)
    return Prepared(split_tables(clean), math, report, failed)


def split_tables(clean: str, rows: int = ROWS_PER_PIECE) -> list[tuple[str, bool]]:
    """Sanitized HTML cut before and after each long table, and each long
    table cut into tables of ``rows`` rows (the header stays on the first)."""
    out: list[tuple[str, bool]] = []
    pos = 0
    for m in _TABLE.finditer(clean):
        if m.start() < pos:
            continue  # inside a table already handled
        end = clean.find("</table>", m.end())
        if end < 0:
            break
        body = clean[m.end():end]
        starts = [t.start() for t in _TR.finditer(body)]
        if len(starts) <= rows or "<table" in body.lower():
            continue
        if clean[pos:m.start()].strip():
            out.append((clean[pos:m.start()], False))
        head_end = body.find("</thead>")
        head = body[:head_end + len("</thead>")] if head_end >= 0 else ""
        body_rows = [s for s in starts if s > head_end] if head_end >= 0 else starts
        if not body_rows:
            continue
        first = body_rows[0]
        tail = body.rfind("</tr>")
        stop = tail + len("</tr>") if tail >= 0 else len(body)
        for k in range(0, len(body_rows), rows):
            a = body_rows[k]
            b = body_rows[k + rows] if k + rows < len(body_rows) else stop
            top = head if k == 0 else ""
            out.append((f"{m.group(0)}{top}<tbody>{body[a:b]}</tbody></table>", True))
        del first
        pos = end + len("</table>")
    if clean[pos:].strip() or not out:
        out.append((clean[pos:], False))
    return out


def _first_table(doc: QtGui.QTextDocument):
    for frame in doc.rootFrame().childFrames():
        if isinstance(frame, QtGui.QTextTable):
            return frame
    return None


def column_widths(doc: QtGui.QTextDocument) -> list[float]:
    """Widths of the columns of the first table of a laid-out document."""
    table = _first_table(doc)
    if table is None or table.rows() == 0:
        return []
    layout = doc.documentLayout()
    xs = []
    for c in range(table.columns()):
        block = table.cellAt(0, c).firstCursorPosition().block()
        xs.append(layout.blockBoundingRect(block).left())
    right = layout.frameBoundingRect(table).right()
    xs.append(right)
    return [max(b - a, 1.0) for a, b in zip(xs, xs[1:])]


def lay_out_piece(html: str, font: QtGui.QFont, width: float, math: dict,
                  widths: list[float] | None, link: str, ink: str = "#000000",
                  no_color: bool = False) -> QtGui.QTextDocument:
    """One piece of an HTML or Markdown output as a laid-out document (GUI
    thread); ``widths`` (a cut table's) fixes its columns; ``no_color``
    (``colors = NoColor``): without its colours (:mod:`.rich_colour`)."""
    doc = _new_document(font, width)
    doc.math.update(math)
    doc.ink = ink
    doc.setHtml(html)
    table = _first_table(doc) if widths is not None else None
    ruled = None
    if table is not None:
        # the pieces of a cut table join without a gap: no spacing or margins,
        # and the same column widths in every piece.  Its ruling is drawn by
        # TableGrid, not by Qt: Qt's collapsed borders cost five times the
        # drawing of the cells (a piece of 20 rows × 11 cells: 16 ms against 3)
        fmt = table.format()
        if fmt.border() > 0:
            brush = fmt.borderBrush()
            ruled = brush.color() if brush.style() != QtCore.Qt.BrushStyle.NoBrush \
                else QtGui.QColor(QtCore.Qt.GlobalColor.darkGray)
        fmt.setBorder(0)
        fmt.setCellSpacing(0)
        fmt.setBorderCollapse(True)
        fmt.setMargin(0)
        if widths and table.columns() == len(widths):
            fixed = QtGui.QTextLength.Type.FixedLength
            fmt.setColumnWidthConstraints([QtGui.QTextLength(fixed, w) for w in widths])
        table.setFormat(fmt)
        doc.setDocumentMargin(0)
    if no_color:
        set_no_color(doc, True)  # before the layout: laid out once
    elif "<a " in html:
        colour_links(doc, link)
    doc.setTextWidth(width)
    doc.size()
    if ruled is not None:
        doc.grid = TableGrid(doc, table, ruled, spans="span" in html)
        if no_color:
            doc.grid.colour = neutral(ruled)
    return doc


class TableGrid:
    """The ruling of a table laid out without borders, as a few rectangles:
    one line per run of cells along each row and column boundary (a cell
    spanning rows or columns is not crossed; ``spans=False``, a table known
    to have none, reads only its first row and column).  Drawn after the document;
    ``bottom=False`` leaves out the bottom line (the next piece of a cut
    table draws it as its top line)."""

    def __init__(self, doc: QtGui.QTextDocument, table: QtGui.QTextTable, colour: QtGui.QColor,
                 spans: bool = True):
        layout = doc.documentLayout()
        rows, cols = table.rows(), table.columns()
        self.colour = QtGui.QColor(colour)
        self.original = QtGui.QColor(colour)  # colour is grey under NoColor (rich_colour)
        self.horizontal: list[QtCore.QRectF] = []
        self.vertical: list[QtCore.QRectF] = []
        self.bottom_line = QtCore.QRectF()
        if rows == 0 or cols == 0:
            return
        if not spans:  # the rows' tops from the first column, the columns' lefts from the first row
            first = table.cellAt(0, 0)
            pad = first.format().toTableCellFormat()

            def edge(r, c):
                return layout.blockBoundingRect(table.cellAt(r, c).firstCursorPosition().block())
            tops = [edge(r, 0).top() - pad.topPadding() for r in range(rows)]
            row0 = [edge(0, c) for c in range(cols)]
            lefts = [b.left() - pad.leftPadding() for b in row0]
            bottom = layout.blockBoundingRect(table.cellAt(rows - 1, 0).lastCursorPosition()
                                              .block()).bottom() + pad.bottomPadding()
            bottom = max(bottom, tops[-1] + 1)
            right = row0[-1].right() + pad.rightPadding()
            self.horizontal = [QtCore.QRectF(lefts[0], y, right - lefts[0], 1) for y in tops]
            self.vertical = [QtCore.QRectF(x, tops[0], 1, bottom - tops[0]) for x in lefts]
            self.vertical.append(QtCore.QRectF(right - 1, tops[0], 1, bottom - tops[0]))
            self.bottom_line = QtCore.QRectF(lefts[0], bottom - 1, right - lefts[0], 1)
            return
        cells = [[table.cellAt(r, c) for c in range(cols)] for r in range(rows)]
        pads = [[cell.format().toTableCellFormat() for cell in row] for row in cells]
        box = [[layout.blockBoundingRect(cell.firstCursorPosition().block()) for cell in row]
               for row in cells]
        # a cell's edges: its first block's box widened by the cell's padding
        ys = [min((box[r][c].top() - pads[r][c].topPadding()
                   for c in range(cols) if cells[r][c].row() == r), default=None)
              for r in range(rows)]
        xs = [min((box[r][c].left() - pads[r][c].leftPadding()
                   for r in range(rows) if cells[r][c].column() == c), default=None)
              for c in range(cols)]
        ys = [y if y is not None else (ys[k - 1] if k else 0.0) for k, y in enumerate(ys)]
        xs = [x if x is not None else (xs[k - 1] if k else 0.0) for k, x in enumerate(xs)]
        last = [layout.blockBoundingRect(cells[rows - 1][c].lastCursorPosition().block()).bottom()
                + pads[rows - 1][c].bottomPadding() for c in range(cols)]
        ys.append(max(last))
        xs.append(max(box[r][cols - 1].right() + pads[r][cols - 1].rightPadding()
                      for r in range(rows)))
        self.bottom_line = QtCore.QRectF(xs[0], ys[-1] - 1, xs[-1] - xs[0], 1)
        right = QtCore.QRectF(xs[-1] - 1, ys[0], 1, ys[-1] - ys[0])
        for r in range(rows):  # the top line of each row, broken where a cell spans it
            c = 0
            while c < cols:
                if cells[r][c].row() != r:
                    c += 1
                    continue
                start = c
                while c < cols and cells[r][c].row() == r:
                    c += 1
                self.horizontal.append(QtCore.QRectF(xs[start], ys[r], xs[c] - xs[start], 1))
        for c in range(cols):  # the left line of each column
            r = 0
            while r < rows:
                if cells[r][c].column() != c:
                    r += 1
                    continue
                start = r
                while r < rows and cells[r][c].column() == c:
                    r += 1
                self.vertical.append(QtCore.QRectF(xs[c], ys[start], 1, ys[r] - ys[start]))
        self.vertical.append(right)

    def draw(self, painter: QtGui.QPainter, bottom: bool = True) -> None:
        for rect in self.horizontal:
            painter.fillRect(rect, self.colour)
        for rect in self.vertical:
            painter.fillRect(rect, self.colour)
        if bottom:
            painter.fillRect(self.bottom_line, self.colour)


def sample_table(pieces: list[tuple[str, bool]], start: int, per: int = 10) -> str:
    """A table made of the header and the widest rows of the cut table that
    begins at ``pieces[start]``, to measure its column widths once."""
    rows, k = [], start
    head = pieces[start][0]
    opening = _TABLE.match(head).group(0) if _TABLE.match(head) else "<table>"
    thead = head[head.find("<thead>"):head.find("</thead>") + 8] if "<thead>" in head else ""
    while k < len(pieces) and pieces[k][1] and (k == start or not pieces[k][0].count("<thead>")):
        body = pieces[k][0]
        b0 = body.find("<tbody>") + 7
        b1 = body.rfind("</tbody>")
        chunk = body[b0:b1]
        idx = [t.start() for t in _TR.finditer(chunk)] + [len(chunk)]
        rows += [chunk[a:b] for a, b in zip(idx, idx[1:])]
        k += 1
    rows = rows[:per] + sorted(rows[per:], key=len, reverse=True)[:per]
    return f"{opening}{thead}<tbody>{''.join(rows)}</tbody></table>"


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


def recolour_math(doc: SafeDocument, ink: str) -> None:
    """Draw a document's formulas in ``ink`` (after a theme change)."""
    if not doc.math or doc.ink == ink:
        return
    doc.ink = ink
    kind = QtGui.QTextDocument.ResourceType.ImageResource
    for name, mask in doc.math.items():
        doc.addResource(kind.value if hasattr(kind, "value") else kind, QtCore.QUrl(name),
                        _tint(mask, ink))
    doc.markContentsDirty(0, doc.characterCount())
