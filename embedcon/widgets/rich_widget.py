"""RichJupyterWidget: the Jupyter console plus pictures, SVG, math, HTML and Markdown.

From each ``display_data`` / ``execute_result`` the richest form the console
can draw is chosen (``mime_preference``, :mod:`embedcon.models.mime`) and shown
as a :class:`~embedcon.widgets.rich_blocks.RichBlock` in the transcript.  Small
outputs are built on the GUI thread; big ones (long HTML, large pictures,
heavy SVG, every formula) on a worker thread (:mod:`.rich_build`) behind a
placeholder.  A form that cannot be drawn falls back to the next one and in
the end to text/plain, with the reason logged.  Outputs with a
``display_id`` are updated in place by ``update_display_data`` (coalesced to
one update per frame), and ``clear_output(wait=True)`` clears when the next
output comes, in the same frame.  Painting, copying, links and the picture
menu are in :mod:`.rich_view`; selecting text inside an output in
:mod:`.rich_select`; the find bar's matches inside outputs in :mod:`.rich_find`.
"""

from __future__ import annotations

import itertools
import re
import time

from qtpy import QtCore, QtGui, QtWidgets
from traitlets import Integer, List, Unicode

from ..models.mime import DEFAULT_MIME_PREFERENCE, choose_mime, payload_text, unshown_types
from . import rich_build as rb
from .editor import settings_properties
from .export import ExportMixin, ExportSettings
from .guard import guarded
from .jupyter_widget import JupyterSettings, JupyterWidget
from .rich_blocks import PROP_ID, PROP_SLICE, RICH_OBJECT, RichBlock, RichObjectHandler
from .rich_find import RichFind
from .rich_select import RichSelection
from .rich_view import RichView
from .theme import ThemeMixin, ThemeSettings

__all__ = ["RichJupyterWidget"]

_IMAGES = ("image/png", "image/jpeg", "image/gif")
_SYNC_CHARS = 20_000  # markup shorter than this is built on the GUI thread
_SYNC_SVG_CHARS = 100_000  # QSvgRenderer parses ~70k elements a second
_SYNC_PIXELS = 1_500_000  # pictures with more pixels are decoded on the worker


_TAGS = re.compile(r"<[^>]*>")


def _visible(html: str) -> bool:
    """Whether a piece of HTML shows anything (not just the tags around a table)."""
    return bool(_TAGS.sub("", html).strip()) or "<img" in html


class RichSettings(ExportSettings, ThemeSettings, JupyterSettings):
    max_image_width = Integer(800, config=True, help="Wider pictures are scaled down to this.")
    mime_preference = List(
        Unicode(), default_value=list(DEFAULT_MIME_PREFERENCE), config=True,
        help="MIME types to show, richest first; the first one an output has and the "
             "console can draw is shown.")
    max_image_pixels = Integer(
        40_000_000, config=True,
        help="Pictures with more pixels are not decoded (a placeholder says so).")
    max_html_chars = Integer(
        1_000_000, config=True,
        help="HTML or Markdown longer than this is shown as its text/plain form.")
    max_table_rows = Integer(
        5_000, config=True,
        help="HTML or Markdown with more table rows than this is shown as its text/plain form "
             "(Qt lays out a 10,000-row table in seconds).")
    max_svg_chars = Integer(
        10_000_000, config=True, help="SVG longer than this is shown as its text/plain form.")
    update_interval = Integer(
        33, config=True,
        help="Milliseconds between in-place updates of one display (update_display_data "
             "arriving faster is coalesced; the last one always shows).")


RichSettings.__name__ = RichSettings.__qualname__ = "RichJupyterWidget"


@settings_properties
class RichJupyterWidget(ExportMixin, RichFind, RichSelection, RichView, ThemeMixin, JupyterWidget):
    """The console widget to embed: text, pictures, SVG, math, HTML and Markdown."""

    settings_class = RichSettings
    _ids = itertools.count(1)

    def __init__(self, parent=None, config=None, **traits):
        super().__init__(parent, config=config, **traits)
        self._rich_blocks: dict[int, RichBlock] = {}
        self._displays: dict[str, list[RichBlock]] = {}
        self._pending_updates: dict[str, tuple] = {}
        self._noted_types: set[str] = set()
        self._clear_pending = False
        self._display_id: str | None = None  # of the display_data being shown
        self._updating: str | None = None  # display_id of the update being handled
        self._builder = rb.Builder(self)
        self._rich_handler = RichObjectHandler(self)
        self._doc.documentLayout().registerHandler(RICH_OBJECT, self._rich_handler)
        self._update_timer = QtCore.QTimer(self)
        self._update_timer.setSingleShot(True)
        self._update_timer.timeout.connect(self._apply_updates)
        self._base_point_size = self._control.font().pointSizeF()
        self.font_changed.connect(self._rich_font_changed)
        self._init_view()
        self._init_selection()
        self._init_find()
        self._init_theme()

    # -- public ----------------------------------------------------------------
    def image_names(self) -> list[str]:
        """Names of the pictures shown (``embedcon-image-N``), oldest first."""
        return [f"embedcon-image-{b.id}" for b in self._rich_blocks.values()
                if b.mime in _IMAGES or b.mime == "image/svg+xml"]

    def image(self, name: str) -> QtGui.QImage | None:
        """The picture called ``name`` at its full size (SVG: at its default size)."""
        try:
            block = self._rich_blocks.get(int(name.rsplit("-", 1)[-1]))
        except ValueError:
            return None
        return None if block is None else self._full_image(block)

    def rich_blocks(self) -> list[RichBlock]:
        """The rich outputs still in the transcript, oldest first."""
        return [b for b in self._rich_blocks.values() if b.valid_in(self._doc)]

    # -- IOPub hooks -------------------------------------------------------------
    # The IOPub handlers of the base class run (they may record the message);
    # the display_id travels to the rendering hooks in ``_display_id`` and
    # ``_updating``.
    @staticmethod
    def _display_id_of(content):
        transient = content.get("transient")
        display_id = transient.get("display_id") if isinstance(transient, dict) else None
        return display_id if isinstance(display_id, str) else None

    def _iopub_display_data(self, content, here) -> None:
        self._take_pending_clear()
        self._display_id = self._display_id_of(content)
        try:
            super()._iopub_display_data(content, here)
        finally:
            self._display_id = None

    def _iopub_update_display_data(self, content, here) -> None:
        display_id = self._display_id_of(content)
        if display_id is None:
            self.log.warning("dropped an update_display_data without a display_id")
            return
        self._updating = display_id
        try:
            super()._iopub_update_display_data(content, here)
        finally:
            self._updating = None

    def _queue_update(self, display_id: str, data, metadata) -> None:
        if display_id not in self._displays:
            return  # as in Jupyter: an update of a display not shown here changes nothing
        self._pending_updates[display_id] = (data, metadata)
        if not self._update_timer.isActive():
            self._update_timer.start(max(self.settings.update_interval, 0))

    def _iopub_stream(self, content, here) -> None:
        if self._clear_pending:
            self._take_pending_clear()
            self._hold_paint()  # the cleared lines and the new text show in one frame
        super()._iopub_stream(content, here)

    def _iopub_error(self, content, here) -> None:
        self._take_pending_clear()
        super()._iopub_error(content, here)

    def _iopub_clear_output(self, content, here) -> None:
        if content.get("wait"):
            self._clear_pending = True  # cleared when the next output comes
            return
        self._clear_pending = False
        super()._iopub_clear_output(content, here)

    def _take_pending_clear(self) -> None:
        if self._clear_pending:
            self._clear_pending = False
            super()._iopub_clear_output({}, True)

    def _finish_input(self) -> str:
        self._clear_pending = False
        return super()._finish_input()

    # -- rendering hooks ---------------------------------------------------------
    def _render_result(self, data, metadata, count) -> None:
        self._take_pending_clear()
        mime = choose_mime(data, self._preference())
        if mime is None or mime == "text/plain":
            self._note_unshown(data)
            super()._render_result(data, metadata, count)
            return
        prompt = self._format_prompt(self.settings.out_prompt, count if count is not None else "?")

        def w(c):
            self._insert_prompt(c, prompt + "\n", out=True)
            c.setCharFormat(self._plain_format)
        self._insert_output(w)
        self._show_bundle(data, metadata, None, prompt_shown=True)

    def _render_display(self, data, metadata) -> None:
        if self._updating is not None:
            self._queue_update(self._updating, data, metadata)
            return
        self._show_bundle(data, metadata, self._display_id)

    def _preference(self):
        return self.settings.mime_preference or DEFAULT_MIME_PREFERENCE

    def _note_unshown(self, data) -> None:
        for mime in unshown_types(data):
            if mime not in self._noted_types:
                self._noted_types.add(mime)
                self.write_notice(f"[{mime} output is not shown in this console; "
                                  "its text form is shown instead]")

    def _show_bundle(self, data, metadata, display_id, prompt_shown=False) -> None:
        if not isinstance(data, dict):
            self.log.warning("dropped a display message without a data dict")
            return
        if not isinstance(metadata, dict):
            metadata = {}
        block = RichBlock(next(self._ids), "text/plain", payload_text(data.get("text/plain")) or "")
        block.display_id = display_id
        if not self._fill(block, data, metadata):
            if display_id is None:
                self._note_unshown(data)
                super()._render_display(data, metadata)
                return
            self._fill_plain(block, block.plain)
        self._note_unshown(data)
        self._rich_blocks[block.id] = block
        if display_id is not None:
            live = [b for b in self._displays.get(display_id, ()) if b.valid_in(self._doc)]
            self._displays[display_id] = live + [block]
        self._insert_block(block)

    def _fill(self, block: RichBlock, data: dict, metadata: dict, skip=()) -> bool:
        """Give ``block`` the richest content of ``data`` that can be drawn (or a
        build under way); False when only text/plain is left."""
        failed = set(skip)
        for mime in self._preference():
            if mime in data and mime != "text/plain" and mime not in failed \
                    and payload_text(data[mime]) is None:
                self.log.warning("could not decode %s output (its payload is %s, not text)",
                                 mime, type(data[mime]).__name__)
                failed.add(mime)
        while True:
            mime = choose_mime(data, self._preference(), skip=failed)
            if mime is None or mime == "text/plain":
                return False
            try:
                meta = metadata.get(mime) if isinstance(metadata.get(mime), dict) else metadata
                self._fill_mime(block, mime, payload_text(data[mime]), meta, data, metadata)
                return True
            except rb.RenderError as e:
                self.log.warning("could not decode %s output (%s); showing %s", mime, e,
                                 "another form" if len(data) > len(failed) + 2 else "its text")
                failed.add(mime)

    def _fill_mime(self, block, mime, payload, meta, data, metadata) -> None:
        block.mime, block.source, block.kind = mime, payload, "pending"
        block.note = f"rendering {mime}\u2026"
        block.generation += 1
        gen = block.generation
        width, _, _ = self._rich_metrics()
        gui = QtCore.QCoreApplication.instance().thread()

        def done(result, finish, refresh=True):
            if block.generation != gen:
                return  # an update replaced this content meanwhile
            if isinstance(result, rb.RenderError):
                self.log.warning("could not decode %s output (%s); showing %s", mime, result,
                                 "another form")
                if not self._fill(block, data, metadata, skip={mime}):
                    self._fill_plain(block, block.plain or f"[{mime} output: {result}]")
            else:
                finish(result)
                if not refresh:
                    return
            self._refresh_block(block)

        if mime in _IMAGES:
            raw, fmt, size = rb.image_header(mime, payload, self.settings.max_image_pixels)
            block.raw, block.fmt, block.pixel_size = raw, fmt, size
            block.logical = self._logical_size(QtCore.QSizeF(size), meta)
            block.image, block.kind, block.decoding = None, "image", False
        elif mime == "image/svg+xml":
            if len(payload) <= _SYNC_SVG_CHARS:
                self._set_svg(block, rb.build_svg(payload, self.settings.max_svg_chars), meta)
            else:
                self._builder.submit(rb.build_svg, (payload, self.settings.max_svg_chars, gui),
                                     lambda r: done(r, lambda s: self._set_svg(block, s, meta)))
        elif mime in ("text/html", "text/markdown"):
            if len(payload) > self.settings.max_html_chars:
                raise rb.RenderError(f"{len(payload):,} characters is over the limit of "
                                     f"{self.settings.max_html_chars:,} (max_html_chars)")
            rows = payload.count("<tr") if mime == "text/html" else payload.count("\n|")
            if rows > self.settings.max_table_rows:
                raise rb.RenderError(f"a table of {rows:,} rows is over the limit of "
                                     f"{self.settings.max_table_rows:,} (max_table_rows)")
            font = self._rich_font()
            # the first formula imports mathtext: on the worker, never here
            markdown = mime == "text/markdown"
            args = (payload, markdown, font.pointSizeF(), max(self._dpr(), 2.0))
            if len(payload) <= _SYNC_CHARS and not (markdown and "$" in payload
                                                    and rb._mathtext is None):
                self._lay_out_pieces(block, rb.prepare_rich(*args), now=True)
            else:  # pure Python on the worker, then laid out here piece by piece
                self._builder.submit(rb.prepare_rich, args, lambda r: done(
                    r, lambda prep: self._lay_out_pieces(block, prep), refresh=False))
        elif mime == "text/latex":
            size = self._rich_font().pointSizeF() * 1.2
            self._builder.submit(rb.render_latex, (payload, size, "#000000", max(self._dpr(), 2.0)),
                                 lambda r: done(r, lambda img: self._set_math(block, img)))
        else:
            raise rb.RenderError(f"no renderer for {mime}")

    # content setters (GUI thread)
    PIECE_SECONDS = 0.012  # layout work per event-loop turn for a big output
    SHOW_EVERY = 0.25  # seconds between showings of a big output's rows laid out so far

    def _lay_out_pieces(self, block, prep, now: bool = False) -> None:
        """Lay out prepared HTML: a big output one piece per event-loop turn
        (a turn takes a few milliseconds), then show it; ``now``: all at once
        (a small output)."""
        if prep.failed:
            self.log.warning("math shown as text: %s", "; ".join(prep.failed[:3]))
        if prep.report:
            self.log.info("rich output sanitized: %s", prep.report.summary())
        gen = block.generation
        font, link, ink = self._rich_font(), self._link_colour(), self._text_colour().name()
        width = self._rich_metrics()[0]
        pieces = [(h, cut) for h, cut in prep.pieces if cut or _visible(h)]
        state = {"k": 0, "docs": [], "y": 0.0, "widths": None, "shown": 0.0, "cost": 0.0}
        timer = QtCore.QTimer(self)
        timer.setInterval(0)

        def step():
            try:
                work()
            except Exception:  # a timer slot: never raise into the host's loop
                timer.stop()
                self.log.exception("laying out a rich output failed")
                self._fill_plain(block, block.plain or "[output could not be shown]")
                self._refresh_block(block)

        def work():
            if block.generation != gen:
                timer.stop()
                timer.deleteLater()
                return
            t0 = time.perf_counter()
            while state["k"] < len(pieces):
                # stop before a piece that would take the turn over its budget
                spent = time.perf_counter() - t0
                if not now and spent > 0.0005 and spent + state["cost"] > self.PIECE_SECONDS:
                    break
                t1 = time.perf_counter()
                k = state["k"]
                html, cut = pieces[k]
                if cut and (k == 0 or not pieces[k - 1][1]) and state.get("measured") != k:
                    # a cut table starts: measure its columns once (a turn of its own)
                    probe = rb.lay_out_piece(rb.sample_table(pieces, k), font, width, prep.math,
                                             [], link, ink)
                    state["widths"], state["measured"] = rb.column_widths(probe), k
                    state["cost"] = time.perf_counter() - t1
                    continue
                doc = rb.lay_out_piece(html, font, width, prep.math,
                                       state["widths"] if cut else None, link, ink,
                                       self.writer.no_color)
                state["docs"].append((doc, state["y"]))
                state["y"] += doc.size().height()
                state["k"] = k + 1
                state["cost"] = time.perf_counter() - t1
            if state["k"] >= len(pieces):
                timer.stop()
                timer.deleteLater()
                docs = state["docs"] or [(rb.build_plain("", font, width), 0.0)]
                if any(d.no_color != self.writer.no_color for d, _ in state["docs"]):
                    # ``colors`` changed while it was laid out: the pieces take it now
                    self._restyle_docs([d for d, _ in docs], self.writer.no_color)
                block.kind, block.doc = "doc", docs[0][0]
                if len(docs) == 1 and not any(cut for _, cut in pieces):
                    # one document: laid out again at a new width (if that is quick)
                    block.docs, block.doc_width = [], block.doc.textWidth()
                    block.layout_seconds = 0.0 if block.doc.characterCount() < 20_000 else 1.0
                else:
                    block.docs = docs
                    block.layout_seconds = 1.0  # pieces are not laid out again on resize
                block.building = False
                if not now:
                    self._refresh_block(block)
            elif state["docs"] and time.perf_counter() - state["shown"] > self.SHOW_EVERY:
                # show the rows laid out so far (the head of a table within a frame or two)
                state["shown"] = time.perf_counter()
                block.kind, block.doc, block.building = "doc", state["docs"][0][0], True
                block.docs = list(state["docs"])
                block.layout_seconds = 1.0
                self._refresh_block(block)

        timer.timeout.connect(step)
        if now:
            step()
        else:
            timer.start()

    def _fill_plain(self, block, text: str) -> None:
        block.mime = "text/plain"
        block.generation += 1
        doc = rb.build_plain(text.rstrip("\n"), self._control.font(), self._rich_metrics()[0])
        block.doc, block.kind, block.doc_width = doc, "doc", doc.textWidth()
        block.docs = []

    def _set_svg(self, block, renderer, meta) -> None:
        block.svg, block.kind, block._cache = renderer, "svg", None
        block.heavy = block.source.count("<") > 20_000
        block.logical = self._logical_size(QtCore.QSizeF(renderer.defaultSize()), meta)

    def _set_math(self, block, img) -> None:
        block.image, block.kind, block._cache = img, "math", None
        dpr = img.devicePixelRatio() or 1.0
        block.logical = QtCore.QSizeF(img.width() / dpr, img.height() / dpr)

    def _logical_size(self, pixels: QtCore.QSizeF, meta) -> QtCore.QSizeF:
        """Display size from the metadata's width/height (a retina figure says
        half its pixel size), else one pixel per logical pixel, at most
        ``max_image_width`` wide."""
        w, h = pixels.width(), pixels.height()
        mw = meta.get("width") if isinstance(meta, dict) else None
        mh = meta.get("height") if isinstance(meta, dict) else None
        mw = mw if isinstance(mw, (int, float)) and not isinstance(mw, bool) and mw > 0 else None
        mh = mh if isinstance(mh, (int, float)) and not isinstance(mh, bool) and mh > 0 else None
        if mw and mh:
            w, h = mw, mh
        elif mw:
            h, w = h * mw / w, mw
        elif mh:
            w, h = w * mh / h, mh
        cap = self.settings.max_image_width
        if cap > 0 and w > cap:
            h, w = h * cap / w, cap
        return QtCore.QSizeF(max(w, 1.0), max(h, 1.0))

    # -- regions in the transcript ---------------------------------------------------
    def _rich_metrics(self):
        """(content width, zoom, line height) for sizing blocks."""
        vp = self._control.viewport().width()
        width = max(vp - 2 * self._doc.documentMargin() - 8, 50.0)
        base = self._base_point_size if self._base_point_size > 0 else 10.0
        zoom = self._control.font().pointSizeF() / base if base else 1.0
        return width, zoom, float(self._control.fontMetrics().height())

    def _rich_font(self) -> QtGui.QFont:
        font = QtGui.QFont(QtWidgets.QApplication.font())
        size = self._control.font().pointSizeF()
        if size > 0:
            font.setPointSizeF(size)
        return font

    def _dpr(self) -> float:
        return float(self._control.viewport().devicePixelRatioF() or 1.0)

    def _slice_format(self, block, index: int) -> QtGui.QTextCharFormat:
        fmt = QtGui.QTextCharFormat()
        fmt.setObjectType(RICH_OBJECT)
        fmt.setProperty(PROP_ID, block.id)
        fmt.setProperty(PROP_SLICE, index)
        return fmt

    def _write_slices(self, c: QtGui.QTextCursor, block) -> None:
        pos = c.position()
        block.slices = block.slices_for(block.size(*self._rich_metrics()).height())
        for i in range(block.slices):
            c.insertText("\ufffc", self._slice_format(block, i))
            c.insertText("\n", self._plain_format)
        block.cursor = QtGui.QTextCursor(self._doc)
        block.cursor.setPosition(pos)

    def _insert_block(self, block) -> None:
        self._insert_output(lambda c: self._write_slices(c, block))
        self._prune_blocks()

    def _refresh_block(self, block) -> None:
        """Show a block's new content: same slice count, a relayout of its
        paragraphs; else its region is written again."""
        if not block.valid_in(self._doc):
            self._forget(block)
            return
        pos = block.cursor.position()
        want = block.slices_for(block.size(*self._rich_metrics()).height())
        if want == block.slices:
            self._doc.markContentsDirty(pos, 2 * block.slices)
            self._control.viewport().update()
            return
        at_bottom = self._at_bottom()
        old = block.slices
        c = QtGui.QTextCursor(self._doc)
        c.setPosition(pos)
        c.setPosition(min(pos + 2 * old, self._end()), QtGui.QTextCursor.MoveMode.KeepAnchor)
        c.beginEditBlock()
        c.removeSelectedText()
        self._write_slices(c, block)
        c.endEditBlock()
        delta = 2 * (block.slices - old)
        if self._overwrite_floor > pos:
            self._overwrite_floor += delta
        start = getattr(self, "_cell_output_start", None)
        if start is not None and start > pos:
            self._cell_output_start = start + delta
        if at_bottom:
            self._scroll_to_bottom()

    @guarded
    def _apply_updates(self) -> None:
        updates, self._pending_updates = self._pending_updates, {}
        for display_id, (data, metadata) in updates.items():
            if not isinstance(data, dict):
                self.log.warning("dropped an update_display_data without a data dict")
                continue
            live = [b for b in self._displays.get(display_id, ()) if b.valid_in(self._doc)]
            self._displays[display_id] = live
            for block in live:
                block.plain = payload_text(data.get("text/plain")) or ""
                block.generation += 1
                if not self._fill(block, data, metadata if isinstance(metadata, dict) else {}):
                    self._fill_plain(block, block.plain)
                self._refresh_block(block)
            if not live:
                del self._displays[display_id]

    def _forget(self, block) -> None:
        self._rich_blocks.pop(block.id, None)

    def _prune_blocks(self) -> None:
        """Drop blocks trimmed from the scrollback or cleared (checked now and
        then: the check costs a document lookup per block)."""
        if len(self._rich_blocks) % 64 == 0:
            for block in list(self._rich_blocks.values()):
                if not block.valid_in(self._doc):
                    self._forget(block)

    def clear(self, keep_input: bool = True) -> None:
        super().clear(keep_input)
        self._band_cache.clear()
        self._rich_blocks.clear()
        self._displays.clear()

    def _rich_font_changed(self, font) -> None:
        """Zoom: documents take the new size; pictures and SVG scale with it."""
        rich = self._rich_font()
        for block in self._rich_blocks.values():
            for doc in (block.all_docs() if block.kind == "doc" else []):
                doc.setDefaultFont(rich if block.mime != "text/plain" else font)
                block.doc_width = -1.0
                block.layout_seconds = 0.0 if not block.docs else 1.0
            if block.docs:  # the pieces of a big output, stacked again at their new heights
                y, stacked = 0.0, []
                for doc, _ in block.docs:
                    stacked.append((doc, y))
                    y += doc.size().height()
                block.docs = stacked
            block._cache = None
        self._band_cache.clear()
