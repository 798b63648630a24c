"""A recorded session (:class:`~embedcon.models.transcript.Transcript`) as HTML or XHTML.

Pure Python, no Qt.  What the page shows:

* Inputs with their prompts, highlighted by pygments with inline styles (the
  console's ``syntax_style``), so the colours survive without a style sheet.
* Stream text and tracebacks with their ANSI colours as inline ``<span
  style>``, carriage returns, backspaces, erase-line and cursor-up applied as
  the console applies them on screen (one cursor for a cell's stream outputs
  between two other outputs: several ``tqdm`` bars end as they end on screen).  Lines the
  console elided on screen for their length are written whole (wrapped by the
  page's ``pre-wrap``); folded lines are one line.
* Rich outputs in their richest form, in Jupyter's order: sanitized HTML
  (tables stay tables), Markdown (through a converter the caller provides),
  SVG, PNG, JPEG, GIF, LaTeX source, JSON, then plain text.
* Nothing that runs or loads from elsewhere: text is escaped, a kernel's HTML
  and SVG go through :mod:`embedcon.models.sanitize`, pictures are ``data:``
  URLs (or files beside the page, ``images="external"``), and the page carries
  a Content-Security-Policy that forbids scripts and remote loads as well.

``xhtml=True`` writes well-formed XHTML with SVG figures inline as ``<svg>``
elements.

Colours: :class:`PageColours` holds the page's background, text, prompt,
stderr, notice and link colours and the 16 ANSI colours; the pygments style of
the inputs is ``HtmlOptions.style``.  ``PageColours.for_theme("light"|"dark")``
gives a theme's colours (the same ones the console uses on screen); the
console passes the colours it shows (see ``ExportMixin``).  ``HtmlOptions.no_color``
(``colors = NoColor``) leaves no colour in the outputs: ANSI colours dropped,
a kernel's HTML and Markdown sanitized without theirs (``sanitize_html(no_color=True)``).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from html import escape
from typing import Callable, Iterable

from .ansi import (AnsiParser, Backspace, CarriageReturn, CursorUp, EraseDisplay, EraseLine,
                   Style, Text, xterm_colour)
from .contrast import THEMES, ansi_palette, ink_on, is_dark, readable
from .sanitize import sanitize_html
from .sanitize_svg import sanitize_svg
from .transcript import Cell, ErrorOutput, NoticeOutput, RichOutput, StreamOutput, Transcript

__all__ = ["HtmlOptions", "PageColours", "render_html", "ansi_to_html", "MIME_ORDER",
           "inline_image_url"]

MIME_ORDER = ("text/html", "text/markdown", "image/svg+xml", "image/png", "image/jpeg",
              "image/gif", "text/latex", "application/json", "text/plain")
_IMAGE_MIMES = ("image/png", "image/jpeg", "image/gif")
_B64 = re.compile(r"[A-Za-z0-9+/=\s]+\Z")
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f\x9b\ud800-\udfff]")

# url_for(mime, payload) -> the src of a picture (payload: base64 text, or SVG text)
ImageUrl = Callable[[str, str], "str | None"]


def inline_image_url(mime: str, payload: str) -> str | None:
    """A ``data:`` URL for a picture (the default: everything in one file)."""
    if mime == "image/svg+xml":
        return "data:image/svg+xml;base64," + base64.b64encode(payload.encode("utf-8")).decode()
    return f"data:{mime};base64,{payload}"


class PageColours:
    """The colours of an exported page.  ``ansi`` holds the 16 standard ANSI
    colours (the 256-colour and 24-bit ones are fixed); every other field is
    a ``#rrggbb`` string."""

    FIELDS = ("background", "text", "prompt", "out_prompt", "stderr", "notice", "link")

    def __init__(self, *, background: str, text: str, prompt: str, out_prompt: str,
                 stderr: str, notice: str, link: str, ansi: list[str] | tuple[str, ...]):
        self.background, self.text = background, text
        self.prompt, self.out_prompt = prompt, out_prompt
        self.stderr, self.notice, self.link = stderr, notice, link
        if len(ansi) != 16:
            raise ValueError(f"ansi needs the 16 standard colours, not {len(ansi)}")
        self.ansi = list(ansi)

    @classmethod
    def for_theme(cls, name: str) -> "PageColours":
        """The colours of the console's ``light`` or ``dark`` theme (ANSI and
        the others made readable on its background, as on screen)."""
        if name not in THEMES:
            raise ValueError(f"theme must be one of {sorted(THEMES)}, not {name!r}")
        theme = THEMES[name]
        bg = theme["background"]
        return cls(background=bg, text=theme["text"], ansi=ansi_palette(bg),
                   **{k: readable(theme[k], bg) for k in ("prompt", "out_prompt", "stderr",
                                                          "notice", "link")})

    @property
    def dark(self) -> bool:
        return is_dark(self.background)

    def without_colour(self) -> "PageColours":
        """These colours for ``colors = NoColor``: prompts, stderr, notices
        and links in the text colour (the page's background and text kept)."""
        return PageColours(background=self.background, text=self.text, prompt=self.text,
                           out_prompt=self.text, stderr=self.text, notice=self.text,
                           link=self.text, ansi=self.ansi)

    def palette(self, n: int) -> str:
        """The colour of ANSI colour number ``n`` (0-255)."""
        return self.ansi[n] if 0 <= n < 16 else xterm_colour(n)

    def mix(self, amount: float) -> str:
        """The background moved ``amount`` (0-1) of the way to the text colour
        (table rules, header shading)."""
        a, b = self.background.lstrip("#"), self.text.lstrip("#")
        return "#" + "".join(
            f"{round(int(a[i:i + 2], 16) * (1 - amount) + int(b[i:i + 2], 16) * amount):02x}"
            for i in (0, 2, 4))


class HtmlOptions:
    """What :func:`render_html` needs besides the transcript.  ``lexer`` is a
    pygments lexer name or a lexer already built (the console's own: building
    one costs ~150 ms, and looking up ``ipython3`` imports IPython); ``style``
    the pygments style of the inputs; ``colours`` the page's colours (the
    light theme's by default; ``palette`` and ``stderr_colour`` override
    theirs); ``no_color`` drops the outputs' ANSI colours and the colours
    of rich outputs' HTML and Markdown (``colors = NoColor``: weight, slant
    and underline stay, links are underlined, as on screen)."""

    def __init__(self, *, title: str = "embedcon session", lexer="python",
                 style: str = "default", in_prompt: str = "In [%i]: ",
                 out_prompt: str = "Out[%i]: ", continuation_prompt: str = "...: ",
                 palette: Callable[[int], str] | None = None, stderr_colour: str | None = None,
                 image_url: ImageUrl = inline_image_url, xhtml: bool = False,
                 markdown: Callable[[str], str] | None = None, external_images: bool = False,
                 font_family: str = "monospace", mime_order: Iterable[str] = MIME_ORDER,
                 colours: PageColours | None = None, no_color: bool = False):
        self.title = title
        self.lexer = lexer
        self.style = style
        self.in_prompt = in_prompt
        self.out_prompt = out_prompt
        self.continuation_prompt = continuation_prompt
        self.colours = colours or PageColours.for_theme("light")
        self.palette = palette or self.colours.palette
        self.stderr_colour = stderr_colour or self.colours.stderr
        self.image_url = image_url
        self.xhtml = xhtml
        self.markdown = markdown
        self.external_images = external_images
        self.font_family = font_family
        self.mime_order = tuple(mime_order)
        self.no_color = no_color


def _default_palette(n: int) -> str:
    return xterm_colour(n)


def _prompt(template: str, n) -> str:
    try:
        return template % n if "%" in template else template
    except (TypeError, ValueError):
        return template


# -- ANSI text ---------------------------------------------------------------------------
def _css(style: Style, palette, page: tuple[str, str] = ("#ffffff", "#202020")) -> str:
    """The inline CSS of ``style``; ``palette`` None: no colour (``NoColor``),
    weight, slant and underline only."""
    fg, bg = style.fg, style.bg
    if palette is None:
        fg = bg = None
    elif style.inverse:  # the page's background and text colours where none is set
        fg, bg = (bg if bg is not None else page[0]), (fg if fg is not None else page[1])
    out = []
    if bg is not None:  # text on a background of its own is read against it (ink_on)
        back, ink = _hex_of(bg, xterm_colour), _hex_of(fg, xterm_colour) or page[1]
        if back:
            ink_here = ink_on(ink, back)
            colour = [f"color:{ink_here}"] if fg is not None or ink_here != ink else []
            return ";".join(colour + [f"background-color:{back}"] + _css_font(style))
    for prop, c in (("color", fg), ("background-color", bg)):
        c = _hex_of(c, palette)
        if c:
            out.append(f"{prop}:{c}")
    out += _css_font(style)
    if style.faint and fg is None and palette is not None:
        out.append("color:#808080")
    return ";".join(out)


def _hex_of(c, palette) -> str | None:
    """An ANSI colour (index, (r, g, b) or a colour name) as CSS; None for none."""
    if isinstance(c, int):
        return palette(c)
    if isinstance(c, tuple) and len(c) == 3:
        return "#%02x%02x%02x" % c
    return c if isinstance(c, str) else None


def _css_font(style: Style) -> list:
    out = []
    if style.bold:
        out.append("font-weight:bold")
    if style.italic:
        out.append("font-style:italic")
    if style.underline:
        out.append("text-decoration:underline")
    return out


def _take(spans: list, start: int, end: int | None) -> list:
    """The spans covering characters ``[start, end)`` of a line."""
    out = []
    pos = 0
    for text, style, stream in spans:
        n = len(text)
        a, b = max(start - pos, 0), n if end is None else min(end - pos, n)
        if a < b:
            out.append((text[a:b], style, stream))
        pos += n
        if end is not None and pos >= end:
            break
    return out


class _Terminal:
    """Stream text applied as the console's writer applies it on screen: one
    cursor for the region (a cell's stream outputs between two other
    outputs), carriage return, backspace, erase in line, cursor up (never
    above the region's first line), erase display (the region's lines go);
    text written away from the end overwrites, a line feed away from the last
    line moves to the start of the next one.  ``lines`` holds, per line, a
    list of ``(text, Style, stream)`` spans."""

    def __init__(self) -> None:
        self.lines: list[list] = [[]]
        self.row = 0
        self.col: int | None = None  # None: at the end of the line
        self.width = [0]  # characters per line
        self._parsers: dict[str, AnsiParser] = {}

    def feed(self, text: str, stream: str = "stdout") -> None:
        parser = self._parsers.get(stream)
        if parser is None:
            parser = self._parsers[stream] = AnsiParser()
        for action in parser.feed(text):
            kind = type(action)
            if kind is Text:
                for k, seg in enumerate(action.text.split("\n")):
                    if k:
                        self._line_feed()
                    if seg:
                        self._write(seg, action.style, stream)
            elif kind is CarriageReturn:
                self.col = 0 if self.width[self.row] else None
            elif kind is Backspace:
                at = self.width[self.row] if self.col is None else self.col
                self.col = max(at - 1, 0)
            elif kind is EraseLine:
                self._erase_line(action.mode)
            elif kind is CursorUp:
                at = self.width[self.row] if self.col is None else self.col
                self.row = max(self.row - action.lines, 0)
                self.col = at if at < self.width[self.row] else None
            elif kind is EraseDisplay:
                self.lines, self.width, self.row, self.col = [[]], [0], 0, None

    def _line_feed(self) -> None:
        if self.row + 1 < len(self.lines):
            self.row += 1
            self.col = 0 if self.width[self.row] else None
        else:
            self.lines.append([])
            self.width.append(0)
            self.row += 1
            self.col = None

    def _write(self, seg: str, style: Style, stream: str) -> None:
        row, col = self.row, self.col
        cur, width = self.lines[row], self.width[row]
        if col is None:
            cur.append((seg, style, stream))
            self.width[row] = width + len(seg)
            return
        if col > width:
            cur.append((" " * (col - width), style, stream))
            width = col
        self.lines[row] = _take(cur, 0, col) + [(seg, style, stream)] + \
            _take(cur, col + len(seg), None)
        col += len(seg)
        self.width[row] = max(width, col)
        self.col = None if col >= self.width[row] else col

    def _erase_line(self, mode: int) -> None:
        row = self.row
        at = self.width[row] if self.col is None else self.col
        if mode == 0:
            self.lines[row], self.width[row] = _take(self.lines[row], 0, at), at
        elif mode == 1:
            self.lines[row] = [(" " * at, Style(), "stdout")] + _take(self.lines[row], at, None)
        else:
            self.lines[row], self.width[row] = [], 0
        self.col = None if at == self.width[row] else at  # the cursor keeps its column


def _terminal_lines(text: str) -> list:
    """Apply ``text``'s escapes as the console does: a list of lines, each a
    list of (text, Style, stream) spans."""
    term = _Terminal()
    term.feed(text)
    return term.lines


def _has_controls(text: str) -> bool:
    return "\x1b" in text or "\r" in text or "\b" in text or bool(_CONTROL.search(text))


def _lines_html(lines: list, palette, page: tuple[str, str], main: str = "stdout") -> str:
    """Terminal lines as escaped HTML: ``<span style>`` for colours, and
    ``<span class>`` for text of a stream other than ``main``."""
    out = []
    styles: dict = {}
    for line in lines:
        parts = []
        for seg, style, stream in line:
            css = styles.get(style)
            if css is None:
                css = styles[style] = _css(style, palette, page)
            seg = escape(seg, quote=False)
            if css:
                seg = f'<span style="{css}">{seg}</span>'
            parts.append(seg if stream == main else f'<span class="{stream}">{seg}</span>')
        out.append("".join(parts))
    return "\n".join(out)


def ansi_to_html(text: str, palette=_default_palette,
                 page: tuple[str, str] = ("#ffffff", "#202020")) -> str:
    """Terminal text as escaped HTML with ``<span style>`` for its colours
    (``page``: the background and text colours, for inverse video;
    ``palette`` None: no colours, only weight, slant and underline)."""
    if not _has_controls(text):
        return escape(text, quote=False)
    return _lines_html(_terminal_lines(text), palette, page)


# -- the page ------------------------------------------------------------------------------
_CSS = """
body { font-family: %(font)s; font-size: 10pt; color: %(text)s; background: %(background)s; margin: 8px; }
pre { margin: 0; font-family: %(font)s; white-space: pre-wrap; overflow-wrap: anywhere; }
a { color: %(link)s; }
.cell { margin: 0 0 0.4em 0; }
.in-prompt { color: %(prompt)s; font-weight: bold; }
.out-prompt { color: %(out_prompt)s; font-weight: bold; }
.stderr, .error { color: %(stderr)s; }
.notice { color: %(notice)s; font-style: italic; }
.rich { margin: 0.2em 0; font-family: sans-serif; }
.rich table { border-collapse: collapse; }
.rich th, .rich td { border: 1px solid %(rule)s; padding: 2px 6px; text-align: right; }
.rich thead th { background: %(shade)s; }
img, svg { max-width: 100%%; }
"""


class _Page:
    def __init__(self, opts: HtmlOptions):
        self.o = opts
        self._page = (opts.colours.background, opts.colours.text)
        self._palette = None if opts.no_color else opts.palette  # None: no ANSI colours
        self._formatter = self._lexer = None
        self._pictures = 0

    # inputs -------------------------------------------------------------------------
    def _highlight(self, source: str) -> str:
        try:
            if self._formatter is None:
                from pygments.formatters import HtmlFormatter
                from pygments.lexers import get_lexer_by_name
                from pygments.util import ClassNotFound

                try:
                    self._lexer = self.o.lexer if not isinstance(self.o.lexer, str) else \
                        get_lexer_by_name(self.o.lexer, stripnl=False, ensurenl=False)
                except ClassNotFound:
                    from pygments.lexers.special import TextLexer
                    self._lexer = TextLexer(stripnl=False, ensurenl=False)
                try:
                    self._formatter = HtmlFormatter(nowrap=True, noclasses=True,
                                                    style=self.o.style)
                except ClassNotFound:
                    self._formatter = HtmlFormatter(nowrap=True, noclasses=True)
            from pygments import highlight

            html = highlight(source, self._lexer, self._formatter)
        except Exception:  # a lexer's bug never costs the export
            html = escape(source, quote=False)
        return html[:-1] if html.endswith("\n") and not source.endswith("\n") else html

    def cell(self, cell: Cell) -> str:
        o = self.o
        parts = ['<div class="cell">']
        if cell.trimmed_lines:
            parts.append(f'<pre class="notice">[{cell.trimmed_lines:,} earlier lines of this '
                         f"output were beyond the scrollback and are not kept]</pre>")
        if cell.source is not None:
            prompt = _prompt(o.in_prompt, cell.execution_count
                             if cell.execution_count is not None else " ")
            if cell.origin == "other":
                prompt = "[other client] " + prompt
            cont = o.continuation_prompt.rjust(len(prompt))
            lines = self._highlight(cell.source).split("\n")
            body = ("\n" + f'<span class="in-prompt">{escape(cont)}</span>').join(lines)
            parts.append(f'<pre class="input"><span class="in-prompt">{escape(prompt)}</span>'
                         f"{body}</pre>")
        outputs = cell.outputs
        k = 0
        while k < len(outputs):
            out = outputs[k]
            if isinstance(out, StreamOutput):  # a region: the stream outputs that follow
                j = k + 1
                while j < len(outputs) and isinstance(outputs[j], StreamOutput):
                    j += 1
                parts.append(self.streams(outputs[k:j]))
                k = j
                continue
            parts.append(self.output(out))
            k += 1
        parts.append("</div>")
        return "\n".join(parts)

    # outputs ------------------------------------------------------------------------
    def streams(self, outs: list) -> str:
        """A region of stream outputs: each as its own ``<pre>``, or, when one
        moves the cursor (a carriage return, cursor up...), all of them
        through one terminal, as the screen shows them (``<pre>`` of the first
        stream, the other stream's text in a ``<span class>``)."""
        if not any(_has_controls(o.text) for o in outs):
            return "\n".join(self.output(o) for o in outs)
        term = _Terminal()
        for o in outs:
            term.feed(o.text, o.name)
        lines = term.lines
        if len(lines) > 1 and not lines[-1]:
            lines = lines[:-1]  # the line the cursor waits on
        main = outs[0].name
        if all(stream != main for line in lines for _, _, stream in line) and lines != [[]]:
            main = next(stream for line in lines for _, _, stream in line)
        return f'<pre class="{main}">{_lines_html(lines, self._palette, self._page, main)}</pre>'

    def output(self, out) -> str:
        if isinstance(out, StreamOutput):
            text = out.text
            if text.endswith("\n"):
                text = text[:-1]
            body = ansi_to_html(text, self._palette, self._page)
            return f'<pre class="{out.name}">{body}</pre>'
        if isinstance(out, ErrorOutput):
            text = "\n".join(out.traceback) or f"{out.ename}: {out.evalue}"
            body = ansi_to_html(text.rstrip(chr(10)), self._palette, self._page)
            return f'<pre class="error">{body}</pre>'
        if isinstance(out, NoticeOutput):
            cls = "banner" if out.role == "banner" else "notice"
            body = ansi_to_html(out.text.rstrip(chr(10)), self._palette, self._page)
            return f'<pre class="{cls}">{body}</pre>'
        if isinstance(out, RichOutput):
            return self.rich(out)
        return ""

    def rich(self, out: RichOutput) -> str:
        data = out.data if isinstance(out.data, dict) else {}
        prompt = ""
        if out.kind == "execute_result":
            n = out.execution_count if out.execution_count is not None else " "
            prompt = f'<span class="out-prompt">{escape(_prompt(self.o.out_prompt, n))}</span>'
        for mime in self.o.mime_order:
            if mime not in data:
                continue
            body = self.mime(mime, data[mime], out.metadata)
            if body is None:
                continue
            if mime in ("text/plain", "text/latex", "application/json"):
                # a multi-line value starts on the line below its prompt, as on screen
                newline = "\n" if prompt and "\n" in body else ""
                return f"<pre>{prompt}{newline}{body}</pre>"
            head = f"<pre>{prompt}</pre>" if prompt else ""
            return f'{head}<div class="rich">{body}</div>'
        return f"<pre>{prompt}</pre>" if prompt else ""

    def mime(self, mime: str, value, metadata: dict) -> str | None:
        """The HTML of one MIME type's value, or None if it cannot be shown."""
        if isinstance(value, list) and mime != "application/json":
            value = "".join(v for v in value if isinstance(v, str))
        if mime == "text/plain":
            if value is None:
                return None
            return ansi_to_html(str(value).rstrip("\n"), self._palette, self._page)
        if mime == "application/json":
            try:
                return escape(json.dumps(value, indent=1, ensure_ascii=False), quote=False)
            except (TypeError, ValueError):
                return None
        if not isinstance(value, str):
            return None
        if mime == "text/html":
            return sanitize_html(value, no_color=self.o.no_color)
        if mime == "text/markdown":
            if self.o.markdown is None:
                return None
            try:
                return sanitize_html(self.o.markdown(value), no_color=self.o.no_color)
            except Exception:
                return None
        if mime == "text/latex":
            return escape(value, quote=False)
        if mime == "image/svg+xml":
            svg = sanitize_svg(value)
            if svg is None:
                return None
            if self.o.xhtml:
                return svg
            return self._img(mime, svg, metadata)
        if mime in _IMAGE_MIMES:
            if not _B64.match(value):
                return None
            try:
                base64.b64decode(value[:64].rstrip("=") + "=" * (-len(value[:64].rstrip("="))
                                                                  % 4))
            except (binascii.Error, ValueError):
                return None
            return self._img(mime, re.sub(r"\s+", "", value) if "\n" in value else value,
                             metadata)
        return None

    def _img(self, mime: str, payload: str, metadata: dict) -> str | None:
        url = self.o.image_url(mime, payload)
        if url is None:
            return None
        self._pictures += 1
        meta = metadata.get(mime) if isinstance(metadata, dict) else None
        size = ""
        if isinstance(meta, dict):
            for key in ("width", "height"):
                v = meta.get(key)
                if isinstance(v, (int, float)) and not isinstance(v, bool) and v > 0:
                    size += f' {key}="{int(v)}"'
        return f'<img src="{escape(url, quote=True)}" alt="figure {self._pictures}"{size} />'

    # the page -----------------------------------------------------------------------
    def document(self, transcript: Transcript, tail: str = "") -> str:
        o = self.o
        img_src = "data: file:" if o.external_images else "data:"
        csp = (f"default-src 'none'; img-src {img_src}; style-src 'unsafe-inline'; "
               "script-src 'none'; object-src 'none'; frame-src 'none'; form-action 'none'")
        c = o.colours
        css = _CSS % {"font": escape(o.font_family, quote=False) + ", monospace",
                      "stderr": o.stderr_colour, "text": c.text, "background": c.background,
                      "link": c.link, "prompt": c.prompt, "out_prompt": c.out_prompt,
                      "notice": c.notice, "rule": c.mix(0.3), "shade": c.mix(0.08)}
        if o.no_color:  # links without their colour: underlined, whatever their style says
            css += "a[href] { text-decoration: underline !important; }\n"
        if o.xhtml:
            head = ('<?xml version="1.0" encoding="utf-8"?>\n'
                    '<html xmlns="http://www.w3.org/1999/xhtml">\n<head>\n'
                    '<meta http-equiv="Content-Type" content="application/xhtml+xml; '
                    'charset=utf-8" />\n')
        else:
            head = '<!DOCTYPE html>\n<html>\n<head>\n<meta charset="utf-8" />\n'
        parts = [head,
                 f'<meta http-equiv="Content-Security-Policy" content="{csp}" />\n',
                 '<meta name="generator" content="embedcon" />\n'
                 f"<title>{escape(o.title, quote=False)}</title>\n"
                 f"<style type=\"text/css\">{css}</style>\n</head>\n"
                 f'<body style="background-color:{c.background}; color:{c.text}">\n']
        if transcript.trimmed_cells or (transcript.trimmed_lines and not any(
                c.trimmed_lines for c in transcript.cells)):
            parts.append(f'<pre class="notice">[{transcript.trimmed_lines:,} earlier lines '
                         f"were beyond the scrollback and are not kept]</pre>\n")
        for cell in transcript.cells:
            parts.append(self.cell(cell))
            parts.append("\n")
        if tail:
            parts.append(tail)
        parts.append("</body>\n</html>\n")
        return "".join(parts)

    def live_input(self, prompt: str, text: str) -> str:
        cont = self.o.continuation_prompt.rjust(len(prompt))
        lines = self._highlight(text).split("\n") if text else [""]
        body = ("\n" + f'<span class="in-prompt">{escape(cont)}</span>').join(lines)
        return (f'<div class="cell"><pre class="input"><span class="in-prompt">'
                f"{escape(prompt)}</span>{body}</pre></div>\n")


def render_html(transcript: Transcript, options: HtmlOptions | None = None,
                live_input: tuple[str, str] | None = None) -> str:
    """The page for ``transcript``; ``live_input`` is the (prompt, text) being
    edited, shown last as on screen."""
    page = _Page(options or HtmlOptions())
    tail = page.live_input(*live_input) if live_input else ""
    return page.document(transcript, tail)
