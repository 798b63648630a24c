"""Recording the session and exporting it: HTML, XHTML, text, notebook, print, PDF.

A mixin of :class:`~embedcon.widgets.rich_widget.RichJupyterWidget` (before
``JupyterWidget`` in its bases, so that it wraps that class's methods).  It
records what the console shows into a pure
:class:`~embedcon.models.transcript.Transcript`: IOPub messages through the
dispatcher's ``_record_iopub`` hook (called for every message shown, whatever
handler draws it), and by wrapping the execute request and reply, stdin
replies, page payloads, notices and the banner; it renders the exports from it
(:mod:`embedcon.models.export_html`, :mod:`embedcon.models.export_notebook`).
It also wires the over-long output lines (:mod:`.long_output`): the writer's
placeholder hook, their text in ``export_text()`` and copy, and a click or
the context menu to view or save a whole line.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from urllib.parse import quote

from qtpy import QtCore, QtGui, QtWidgets
from traitlets import Enum
from traitlets.config import LoggingConfigurable

from ..models.contrast import is_dark
from ..models.export_html import HtmlOptions, PageColours, inline_image_url, render_html
from ..models.export_notebook import to_notebook
from ..models.transcript import Transcript
from .guard import guarded
from .long_input import PLACEHOLDER_TYPE
from .long_output import LineViewer, LongOutput
from .pager import MAX_PAGE_CHARS
from .rich_blocks import RICH_OBJECT

__all__ = ["ExportMixin", "ExportSettings"]

# object types whose characters the base classes' _text_as_written replace
_EXPANDED_BELOW = frozenset({PLACEHOLDER_TYPE, RICH_OBJECT})
_EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/gif": "gif",
               "image/svg+xml": "svg"}


def _write(path: str, text: str) -> None:
    with open(path, "w", encoding="utf-8", errors="surrogatepass", newline="") as f:
        f.write(text)


_THEMES = ("screen", "light", "dark")


class ExportSettings(LoggingConfigurable):
    """The exports' traits (a base of the rich widget's settings)."""

    export_theme = Enum(
        _THEMES, "screen", config=True,
        help="Colours of export_html and export_xhtml: screen (the console's colours as shown: "
             "background, text, prompts, ANSI colours and the inputs' syntax style), light or "
             "dark.")
    print_theme = Enum(
        _THEMES, "light", config=True,
        help="Colours of print_ and export_pdf: light (for paper, the default), dark or "
             "screen (as shown).")


class ExportMixin:
    """Session record and exports (see the module docstring)."""

    def __init__(self, *args, **kw):
        super().__init__(*args, **kw)
        self.transcript = Transcript(max_lines=self.settings.buffer_size)
        self._language_info: dict = {}
        self._long_output = LongOutput(self._doc, parent=self)
        self.writer.placeholder = self._long_output.placeholder
        self._control.viewport().installEventFilter(self)
        self._menu_pos: QtCore.QPoint | None = None
        self._viewers: list = []
        # carriage-return redraws in the record are collapsed a slice at a time,
        # off the message path (a 5 MB progress-bar message costs ~60 ms to collapse)
        self._compact_timer = QtCore.QTimer(self)
        self._compact_timer.setSingleShot(True)
        self._compact_timer.timeout.connect(self._compact_record)

    # ------------------------------------------------------------------
    # recording (each wraps the method that shows the thing)
    def _do_execute(self, source: str):
        msg_id = super()._do_execute(source)
        self.transcript.max_lines = self.settings.buffer_size
        self.transcript.start_cell(source, msg_id=msg_id)
        return msg_id

    def _record_iopub(self, msg_type: str, content: dict, here: bool) -> None:
        """Called by the IOPub dispatcher for each message the console shows."""
        record = getattr(self, "_record_" + msg_type, None)
        if record is not None:
            try:
                record(content, here)
            except Exception:  # the record never costs the screen its output
                self.log.exception("could not record a %s message for export", msg_type)

    def _record_execute_input(self, content, here) -> None:
        count = content.get("execution_count")
        count = count if isinstance(count, int) else None
        if here:
            cell = self.transcript.find_cell(self._executing_id)
            if cell is not None and count is not None:
                cell.execution_count = count
        else:
            code = content.get("code", "")
            self.transcript.start_cell(code if isinstance(code, str) else str(code), count,
                                       origin="other")

    def _record_stream(self, content, here) -> None:
        text = content.get("text")
        if isinstance(text, list):
            text = "".join(t for t in text if isinstance(t, str))
        if isinstance(text, str):
            self.transcript.add_stream("stderr" if content.get("name") == "stderr"
                                       else "stdout", text)
            if self.transcript.needs_compaction and not self._compact_timer.isActive():
                self._compact_timer.start(100)

    @guarded
    def _compact_record(self) -> None:
        if self.transcript.compact():
            self._compact_timer.start(20)

    def _record_execute_result(self, content, here) -> None:
        data = content.get("data")
        if isinstance(data, dict):
            count = content.get("execution_count")
            self.transcript.add_rich("execute_result", data, _dict(content.get("metadata")),
                                     count if isinstance(count, int) else None)

    def _record_display_data(self, content, here) -> None:
        data = content.get("data")
        if isinstance(data, dict):
            self.transcript.add_rich("display_data", data, _dict(content.get("metadata")),
                                     display_id=_display_id(content))

    def _record_update_display_data(self, content, here) -> None:
        data = content.get("data")
        display_id = _display_id(content)
        if isinstance(data, dict) and display_id is not None:
            self.transcript.update_display(display_id, data, _dict(content.get("metadata")))

    def _record_error(self, content, here) -> None:
        tb = content.get("traceback")
        tb = [t for t in tb if isinstance(t, str)] if isinstance(tb, list) else []
        self.transcript.add_error(str(content.get("ename", "Error")),
                                  str(content.get("evalue", "")), tb)

    def _record_clear_output(self, content, here) -> None:
        self.transcript.clear_output(bool(content.get("wait")))

    def _finish_execution(self, reply: dict) -> None:
        content = reply.get("content", {}) if isinstance(reply, dict) else {}
        parent = (reply.get("parent_header") or {}).get("msg_id")
        cell = self.transcript.find_cell(parent)
        if cell is not None:
            self.transcript.finish_cell(content.get("execution_count"), content.get("status"),
                                        cell)
        super()._finish_execution(reply)

    def _send_input(self) -> None:
        prompt = self._prompt_text()
        value = "" if self._password is not None else self.input_buffer
        super()._send_input()
        self.transcript.add_stream("stdout", prompt + value + "\n")

    def _handle_payload(self, payload: dict) -> None:
        if payload.get("source") == "page":
            data = payload.get("data", {})
            text = data.get("text/plain") if isinstance(data, dict) else None
            if isinstance(text, str):
                self.transcript.add_stream("stdout", text + "\n")
        super()._handle_payload(payload)

    def write_notice(self, text: str) -> None:
        super().write_notice(text)
        self.transcript.add_notice(text)

    def _on_kernel_info(self, content: dict, show_banner: bool) -> None:
        shown = self._banner_shown
        super()._on_kernel_info(content, show_banner)
        info = content.get("language_info")
        if isinstance(info, dict):
            self._language_info = info
        if self._banner_shown and not shown:
            banner = content.get("banner", "")
            text = self.settings.banner + (banner if isinstance(banner, str) else "")
            self.transcript.add_notice(text.rstrip("\n"), role="banner")

    def clear(self, keep_input: bool = True) -> None:
        super().clear(keep_input)
        self.transcript.clear()
        self._long_output.clear()

    # ------------------------------------------------------------------
    # exports
    def export_text(self, path: str | None = None) -> str:
        """The transcript as plain text, prompts and current input included
        (over-long lines whole, folded lines joined); also written to
        ``path`` when given."""
        text = super().export_text()
        if path is not None:
            _write(path, text)
        return text

    def _text_as_written(self, start: int, end: int) -> str:
        text = super()._text_as_written(start, end)
        # object characters the layers below replaced are not in ``text``
        return self._long_output.expand(start, end, text, skip_types=_EXPANDED_BELOW)

    def export_colours(self, theme: str = "screen") -> tuple[PageColours, str]:
        """The colours and the pygments style an export uses: ``screen``, the
        console's as shown (background, text, prompts, stderr, notices, links,
        the 16 ANSI colours, the inputs' syntax style); ``light`` or ``dark``,
        that theme's (a syntax style made for the other kind of background
        gives way to ``default`` on light, ``monokai`` on dark).  With ``colors
        = NoColor`` there is no colour in any theme, as on screen: prompts,
        stderr, notices and links in the text colour, inputs in pygments'
        ``bw`` (and the outputs' ANSI colours and the colours of rich HTML and
        Markdown are dropped, see ``HtmlOptions``)."""
        if theme not in _THEMES:
            raise ValueError(f"theme must be one of {', '.join(_THEMES)}, not {theme!r}")
        no_color = self.writer.no_color
        if theme == "screen":
            pal = self._control.palette()
            text = pal.color(QtGui.QPalette.ColorRole.Text).name()
            colours = PageColours(
                background=pal.color(QtGui.QPalette.ColorRole.Base).name(), text=text,
                prompt=self._prompt_format.foreground().color().name(),
                out_prompt=self._out_prompt_format.foreground().color().name(),
                # NoColor: stderr is not coloured on screen, whatever .error says
                stderr=text if no_color else QtGui.QColor(self.writer.stderr_colour).name(),
                notice=self._notice_format.foreground().color().name(),
                link=text if no_color else self._link_colour(), ansi=self.writer.ansi_colours)
            style = "bw" if no_color else \
                getattr(self._highlighter, "_style_name", self.settings.syntax_style)
            return colours, style
        colours = PageColours.for_theme(theme)
        if no_color:  # colors = NoColor: no colour at all, in any theme
            return colours.without_colour(), "bw"
        style = self.settings.syntax_style
        if _style_is_dark(style) != colours.dark:
            style = "monokai" if colours.dark else "default"
        return colours, style

    def _html_options(self, theme: str | None = None, **kw) -> HtmlOptions:
        s = self.settings
        colours, style = self.export_colours(theme or s.export_theme)
        return HtmlOptions(title=kw.pop("title", "embedcon session"),
                           lexer=self._highlighter._get_lexer() or "python",
                           style=style, in_prompt=s.in_prompt, out_prompt=s.out_prompt,
                           continuation_prompt=s.continuation_prompt, colours=colours,
                           markdown=_markdown_to_html, font_family=s.font_family,
                           no_color=self.writer.no_color, **kw)

    def _live_input(self):
        if self._prompt_kind == "input" and self._prompt_cursor is not None:
            return self._prompt_text(), self.input_buffer
        return None

    def export_html(self, path: str | None = None, images: str = "inline",
                    theme: str | None = None) -> str:
        """The session as one HTML page; written to ``path`` when given.

        ``images="inline"``: pictures as ``data:`` URLs, one self-contained
        file.  ``images="external"`` (needs ``path``): pictures as files in a
        folder beside the page, ``<name>_files/`` (PNG as ``.png``; JPEG, GIF
        and SVG keep their own format), as a browser's "Webpage, complete".

        ``theme``: the page's colours, ``screen`` (as the console shows them,
        dark theme included), ``light`` or ``dark``; by default the
        ``export_theme`` trait (``screen``).  See :meth:`export_colours`."""
        if images not in ("inline", "external"):
            raise ValueError(f"images must be 'inline' or 'external', not {images!r}")
        url = inline_image_url
        if images == "external":
            if path is None:
                raise ValueError("images='external' needs a path to put the folder beside")
            url = _ExternalImages(path)
        html = render_html(self.transcript,
                           self._html_options(theme, image_url=url,
                                              external_images=images == "external"),
                           self._live_input())
        if path is not None:
            _write(path, html)
        return html

    def export_xhtml(self, path: str | None = None, theme: str | None = None) -> str:
        """The session as XHTML, SVG figures inline as ``<svg>`` elements
        (other pictures as ``data:`` URLs); written to ``path`` when given.
        ``theme`` as for :meth:`export_html` (default: ``export_theme``)."""
        xhtml = render_html(self.transcript, self._html_options(theme, xhtml=True),
                            self._live_input())
        if path is not None:
            _write(path, xhtml)
        return xhtml

    def export_notebook(self, path: str | None = None) -> dict:
        """The session as a notebook (nbformat 4): each input a code cell, its
        outputs with their MIME bundles and execution counts.  Written to
        ``path`` (``.ipynb``) when given; the notebook dict is returned."""
        info = self._language_info
        nb = to_notebook(self.transcript, kernel_name=getattr(
            self._kernel_manager, "kernel_name", None) or "python3",
            display_name=info.get("display_name") or info.get("name", "Python 3"),
            language=info.get("name") or "python", language_info=info)
        if path is not None:
            _write(path, json.dumps(nb, indent=1, ensure_ascii=False) + "\n")
        return nb

    def print_document(self, theme: str | None = None) -> QtGui.QTextDocument:
        """The session as a QTextDocument laid out for printing (pictures as
        resources, colours and highlighting kept).  ``theme``: ``light`` (for
        paper), ``dark`` or ``screen``; by default the ``print_theme`` trait
        (``light``)."""
        doc = QtGui.QTextDocument(self)
        doc.setDefaultFont(self._control.font())
        images = _ResourceImages(doc)
        options = self._html_options(theme or self.settings.print_theme, image_url=images)
        html = render_html(self.transcript, options, self._live_input())
        doc.setHtml(html)
        # the page's background (Qt's rich text reads no CSS background on <body>)
        frame = doc.rootFrame().frameFormat()
        frame.setBackground(QtGui.QColor(options.colours.background))
        doc.rootFrame().setFrameFormat(frame)
        return doc

    def print_(self, printer, theme: str | None = None) -> None:
        """Print the session on ``printer`` (a QPrinter, or any QPagedPaintDevice),
        in the colours of ``theme`` (default: the ``print_theme`` trait, light)."""
        doc = self.print_document(theme)
        (getattr(doc, "print_", None) or getattr(doc, "print"))(printer)
        doc.deleteLater()

    def export_pdf(self, path: str, theme: str | None = None) -> None:
        """Write the session as a PDF file, in the colours of ``theme``
        (default: the ``print_theme`` trait, light: paper)."""
        writer = QtGui.QPdfWriter(path)
        writer.setPageSize(QtGui.QPageSize(QtGui.QPageSize.PageSizeId.A4))
        writer.setPageMargins(QtCore.QMarginsF(15, 15, 15, 15), QtGui.QPageLayout.Unit.Millimeter)
        writer.setTitle("embedcon session")
        writer.setCreator("embedcon")
        self.print_(writer, theme)
        del writer  # the file is finished when the writer goes

    # ------------------------------------------------------------------
    # over-long lines: view or save the whole line
    def long_line(self, position: int) -> str | None:
        """The whole output line at document ``position`` if it has a hidden part."""
        if self._long_output.at(position) is None:
            return None
        start, end = self._long_output.line_range(position)
        return self._text_as_written(start, end)

    def show_long_line(self, position: int):
        """Show the whole over-long line at ``position``: in the pager, in rows
        of ``LineViewer.VIEW_ROW`` characters (searchable with ``/``), when
        ``paging`` puts it beside, below or over the console; else (``inline``,
        ``custom``, or a line beyond the pager's limit) in a ``LineViewer``
        window.  Returns the pager or the viewer (None: no such line)."""
        text = self.long_line(position)
        if text is None:
            return None
        pager = getattr(self, "pager", None)
        if pager is not None and pager.mode in ("inside", "hsplit", "vsplit") and \
                len(text) + len(text) // LineViewer.VIEW_ROW <= MAX_PAGE_CHARS:
            pager.page(LineViewer.rows(text))
            return pager
        viewer = LineViewer(text, self)
        self._viewers = [v for v in self._viewers if _alive(v)] + [viewer]
        viewer.show()
        return viewer

    def save_long_line(self, position: int, path: str) -> bool:
        """Save the whole over-long line at ``position`` to ``path``."""
        text = self.long_line(position)
        if text is None:
            return False
        _write(path, text)
        return True

    def eventFilter(self, obj, ev):  # the editor's viewport: clicks on placeholders
        kind = ev.type()
        if kind == QtCore.QEvent.Type.MouseButtonRelease and \
                ev.button() == QtCore.Qt.MouseButton.LeftButton:
            pos = self._placeholder_under(ev.position().toPoint() if hasattr(ev, "position")
                                          else ev.pos())
            if pos is not None and not self._control.textCursor().hasSelection():
                self.show_long_line(pos)
        elif kind == QtCore.QEvent.Type.ContextMenu:
            self._menu_pos = ev.pos()
        return super().eventFilter(obj, ev)  # the rich view's: links and pictures

    def _placeholder_under(self, point: QtCore.QPoint) -> int | None:
        c = self._control.cursorForPosition(point)
        pos = c.position()
        return pos if self._long_output.at(pos) is not None else None

    def _extend_context_menu(self, menu: QtWidgets.QMenu) -> None:
        point = self._menu_pos  # (the rich view's menu reads and clears it too)
        super()._extend_context_menu(menu)
        pos = self._placeholder_under(point) if point is not None else None
        if pos is not None:
            menu.addAction("View whole line\u2026", lambda: self.show_long_line(pos))
            menu.addAction("Save whole line\u2026", lambda: self._ask_save_long_line(pos))
        menu.addSeparator()
        menu.addAction("Save session as HTML\u2026", lambda: self._ask_export("html"))
        menu.addAction("Save session as notebook\u2026", lambda: self._ask_export("ipynb"))
        menu.addAction("Save session as PDF\u2026", lambda: self._ask_export("pdf"))
        menu.addAction("Print\u2026", self.cmd_print)

    def cmd_save_session(self):
        self._ask_export("html")
        return True

    def cmd_print(self):
        from qtpy import QtPrintSupport

        printer = QtPrintSupport.QPrinter()
        dialog = QtPrintSupport.QPrintDialog(printer, self)
        if dialog.exec():  # accepted
            self._report_errors(lambda: self.print_(printer))
        return True

    def _ask_save_long_line(self, pos: int) -> None:
        name, _ = QtWidgets.QFileDialog.getSaveFileName(self, "Save the whole line")
        if name:
            self._report_errors(lambda: self.save_long_line(pos, name))

    def _ask_export(self, kind: str) -> None:
        filters = {"html": "HTML (*.html);;XHTML with inline SVG (*.xhtml);;Text (*.txt)",
                   "ipynb": "Notebook (*.ipynb)", "pdf": "PDF (*.pdf)"}
        name, chosen = QtWidgets.QFileDialog.getSaveFileName(self, "Save session", "",
                                                             filters[kind])
        if not name:
            return
        if name.endswith(".xhtml") or "XHTML" in chosen:
            self._report_errors(lambda: self.export_xhtml(name))
        elif name.endswith(".txt") or chosen.startswith("Text"):
            self._report_errors(lambda: self.export_text(name))
        elif kind == "html":
            self._report_errors(lambda: self.export_html(name))
        elif kind == "ipynb":
            self._report_errors(lambda: self.export_notebook(name))
        else:
            self._report_errors(lambda: self.export_pdf(name))

    def _report_errors(self, action) -> None:
        try:
            action()
        except (OSError, ValueError) as exc:
            QtWidgets.QMessageBox.warning(self, "Save failed", str(exc))


def _style_is_dark(name: str) -> bool:
    """Whether a pygments style is made for a dark background."""
    try:
        from pygments.styles import get_style_by_name

        return is_dark(QtGui.QColor(get_style_by_name(name).background_color or "#ffffff").name())
    except Exception:  # an unknown style: HtmlFormatter falls back to the default
        return False


def _dict(value) -> dict:
    return value if isinstance(value, dict) else {}


def _display_id(content: dict):
    transient = content.get("transient")
    did = transient.get("display_id") if isinstance(transient, dict) else None
    return did if isinstance(did, str) else None


def _alive(widget) -> bool:
    try:
        widget.isVisible()
        return True
    except RuntimeError:
        return False


def _markdown_to_html(text: str) -> str:
    doc = QtGui.QTextDocument()
    doc.setMarkdown(text)
    return doc.toHtml()


class _ExternalImages:
    """image_url for images="external": writes each picture into ``<name>_files/``."""

    def __init__(self, path: str):
        base = os.path.splitext(os.path.basename(path))[0]
        self.folder_name = base + "_files"
        self.folder = os.path.join(os.path.dirname(os.path.abspath(path)), self.folder_name)
        self.count = 0

    def __call__(self, mime: str, payload: str) -> str | None:
        ext = _EXTENSIONS.get(mime)
        if ext is None:
            return None
        if mime == "image/svg+xml":
            raw = payload.encode("utf-8")
        else:
            try:
                raw = base64.b64decode(payload, validate=False)
            except (binascii.Error, ValueError):
                return None
        os.makedirs(self.folder, exist_ok=True)
        self.count += 1
        name = f"figure-{self.count}.{ext}"
        with open(os.path.join(self.folder, name), "wb") as f:
            f.write(raw)
        return quote(self.folder_name) + "/" + name


class _ResourceImages:
    """image_url for printing: each picture decoded into a resource of the document."""

    def __init__(self, doc: QtGui.QTextDocument):
        self.doc = doc
        self.count = 0

    def __call__(self, mime: str, payload: str) -> str | None:
        if mime == "image/svg+xml":
            image = _svg_image(payload)
        else:
            try:
                raw = base64.b64decode(payload, validate=False)
            except (binascii.Error, ValueError):
                return None
            image = QtGui.QImage.fromData(raw)
        if image is None or image.isNull():
            return None
        self.count += 1
        name = f"embedcon-print-{self.count}"
        self.doc.addResource(QtGui.QTextDocument.ResourceType.ImageResource.value
                             if hasattr(QtGui.QTextDocument.ResourceType.ImageResource, "value")
                             else QtGui.QTextDocument.ResourceType.ImageResource,
                             QtCore.QUrl(name), image)
        return name


def _svg_image(svg: str, scale: float = 2.0):
    """An SVG drawn at ``scale`` times its size (sharp in print)."""
    try:
        from qtpy import QtSvg
    except ImportError:
        return None
    renderer = QtSvg.QSvgRenderer(QtCore.QByteArray(svg.encode("utf-8")))
    if not renderer.isValid():
        return None
    size = renderer.defaultSize() * scale
    image = QtGui.QImage(size, QtGui.QImage.Format.Format_ARGB32)
    image.fill(QtGui.QColor("white"))
    painter = QtGui.QPainter(image)
    renderer.render(painter)
    painter.end()
    image.setDevicePixelRatio(scale)
    return image
