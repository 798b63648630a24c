"""Make a kernel's HTML safe to show or to export: nothing runs, nothing loads.

:func:`sanitize_html` parses the markup with the standard library's
``html.parser`` and writes it out again keeping only an allow-list of tags
and attributes (the rich text Qt draws: text markup, headings, lists, tables,
links, pictures).  Everything else is dropped:

* elements that run or load things go together with their content:
  ``script``, ``style``, ``iframe``, ``object``, ``embed``, ``form`` controls,
  ``svg``/``math`` islands, ``template``, ``head``...;
* unknown elements lose their tags but keep their text;
* every ``on*`` handler and every attribute not on the list;
* URLs: links keep only ``http:``, ``https:``, ``mailto:`` and in-page ``#``
  targets; pictures keep only ``data:image/(png|jpeg|gif)`` URLs (a remote or
  ``file:`` picture becomes its ``alt`` text); ``style`` attributes keep only
  declarations without ``url(``, ``expression``, ``@import`` or ``\\``.

``no_color=True`` (``colors = NoColor``) drops colours too: ``color`` and
``bgcolor`` attributes, and colour declarations of ``style`` attributes
(``color``, ``background``..., and the colour of ``border`` shorthands).

Text is re-escaped, comments, doctypes and processing instructions are dropped.
End tags that HTML lets an author leave out are implied as a browser's parser
implies them (``<p>a<p>b``, ``<li>`` without ``</li>``, unclosed ``<td>`` and
``<tr>``, as pandas and hand-written HTML produce): a new paragraph, list item,
cell or row closes the open one; a cell outside a row gets its row; table parts
outside any table lose their tags (their text stays); an end tag never closes
anything outside the table cell it is in.  Open tags are closed at the end.  The output is meant for Qt's rich text
(``QTextDocument.setHtml``) and for exported HTML files.  Pure Python, no Qt.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

__all__ = ["sanitize_html", "safe_link", "SanitizeReport"]

# tags kept (with the attributes below); void tags have no end tag
_VOID = frozenset({"br", "hr", "img", "col", "wbr"})
_ALLOWED = frozenset({
    "a", "abbr", "b", "big", "blockquote", "br", "caption", "center", "cite", "code", "col",
    "colgroup", "dd", "del", "dfn", "div", "dl", "dt", "em", "font", "h1", "h2", "h3", "h4",
    "h5", "h6", "hr", "i", "img", "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "s",
    "samp", "small", "span", "strike", "strong", "sub", "sup", "table", "tbody", "td",
    "tfoot", "th", "thead", "tr", "tt", "u", "ul", "var", "wbr", "details", "summary",
    "figure", "figcaption", "section", "article", "header", "footer", "main", "nav",
    "label",
})
# dropped together with everything inside them
_DROP_CONTENT = frozenset({
    "script", "style", "iframe", "frame", "frameset", "object", "embed", "applet",
    "noscript", "noembed", "noframes", "template", "svg", "math", "head", "title",
    "textarea", "select", "option", "button", "canvas", "audio", "video", "picture",
    "source", "track", "map", "area", "xml", "portal", "dialog",
})
# dropped (void, or their text is kept): form machinery, document-level tags
_DROP_TAG = frozenset({"form", "input", "meta", "link", "base", "param", "keygen",
                       "html", "body", "fieldset", "legend", "datalist", "output"})

# -- implied end tags (the WHATWG parser's rules, for the elements kept here) --
# an end tag or an implied end never reaches past these ("scope" boundaries)
_SCOPE = frozenset({"table", "td", "th", "caption"})
_CELLS = frozenset({"td", "th"})
_SECTIONS = frozenset({"thead", "tbody", "tfoot"})
_TABLE_PARTS = frozenset({"caption", "colgroup", "col", "tr"}) | _CELLS | _SECTIONS
# start tags that end an open paragraph
_ENDS_P = frozenset({
    "article", "blockquote", "center", "details", "div", "dl", "dd", "dt", "figcaption",
    "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main",
    "nav", "ol", "p", "pre", "section", "summary", "table", "ul",
})
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
# where an end tag looks for its element: the boundary it never crosses
_END_BOUNDARY = {"li": _SCOPE | {"ul", "ol"}, "dd": _SCOPE | {"dl"}, "dt": _SCOPE | {"dl"},
                 "table": frozenset()}
for _part in _TABLE_PARTS:
    _END_BOUNDARY[_part] = frozenset({"table"})

_COMMON_ATTRS = frozenset({"class", "title", "align", "dir", "lang", "style", "id"})
_TAG_ATTRS = {
    "a": frozenset({"href", "name"}),
    "img": frozenset({"src", "alt", "width", "height"}),
    "td": frozenset({"colspan", "rowspan", "valign", "width", "bgcolor", "nowrap"}),
    "th": frozenset({"colspan", "rowspan", "valign", "width", "bgcolor", "nowrap"}),
    "table": frozenset({"border", "cellpadding", "cellspacing", "width", "bgcolor"}),
    "tr": frozenset({"valign", "bgcolor"}),
    "col": frozenset({"span", "width"}),
    "colgroup": frozenset({"span", "width"}),
    "font": frozenset({"color", "size", "face"}),
    "ol": frozenset({"start", "type"}),
    "ul": frozenset({"type"}),
    "li": frozenset({"value"}),
    "details": frozenset({"open"}),
}

_LINK_SCHEMES = ("http:", "https:", "mailto:")
_DATA_IMAGE = re.compile(r"data:image/(png|jpeg|jpg|gif);base64,[A-Za-z0-9+/=\s]*\Z", re.I)
_CSS_BAD = re.compile(r"url\s*\(|expression\s*\(|@import|\\|javascript:|behavior\s*:|"
                      r"-moz-binding|image-set|src\s*\(", re.I)
# characters browsers ignore inside a URL scheme ("java\tscript:")
_URL_JUNK = re.compile(r"[\x00-\x20\x7f]+")


class SanitizeReport:
    """What :func:`sanitize_html` removed (for logging and tests)."""

    def __init__(self) -> None:
        self.dropped_tags: dict[str, int] = {}
        self.dropped_attrs: dict[str, int] = {}

    def tag(self, name: str) -> None:
        self.dropped_tags[name] = self.dropped_tags.get(name, 0) + 1

    def attr(self, name: str) -> None:
        self.dropped_attrs[name] = self.dropped_attrs.get(name, 0) + 1

    def __bool__(self) -> bool:
        return bool(self.dropped_tags or self.dropped_attrs)

    def summary(self) -> str:
        """One line, e.g. ``removed <script>×2, onerror=×1``."""
        parts = [f"<{t}>\u00d7{n}" for t, n in sorted(self.dropped_tags.items())]
        parts += [f"{a}=\u00d7{n}" for a, n in sorted(self.dropped_attrs.items())]
        return "removed " + ", ".join(parts) if parts else "nothing removed"


def safe_link(url: str) -> str | None:
    """``url`` if a click on it may open it (http, https, mailto, or an
    in-page ``#`` target), else None."""
    if not isinstance(url, str):
        return None
    clean = _URL_JUNK.sub("", html.unescape(url))
    low = clean.lower()
    if low.startswith("#") or low.startswith(_LINK_SCHEMES):
        return url.strip()
    return None


def _safe_image(url: str) -> bool:
    return bool(_DATA_IMAGE.match(url.strip()))


# CSS properties that are a colour (or paint one) and go under no_color
_CSS_COLOUR = re.compile(r"(.*-)?colou?r|background(-.*)?|fill|stroke|(text|box)-shadow|filter|"
                         r"outline|mix-blend-mode", re.I)
# shorthands whose colour part goes (their width and style stay)
_CSS_BORDER = re.compile(r"border(-(top|right|bottom|left|block|inline)(-(start|end))?)?|"
                         r"column-rule|text-decoration", re.I)
_CSS_NOT_COLOUR = re.compile(
    r"[-+]?[\d.]+[a-z%]*|thin|medium|thick|none|hidden|dotted|dashed|solid|double|groove|"
    r"ridge|inset|outset|inherit|initial|unset|currentcolor|underline|overline|line-through|"
    r"blink|wavy", re.I)
_CSS_TOKEN = re.compile(r"[a-z-]+\([^)]*\)|[^\s()]+", re.I)


def _colourless(decl: str) -> str | None:
    """A declaration without its colour: None if it is a colour, the
    shorthand without its colour token(s) for ``border`` and the like."""
    name, _, value = decl.partition(":")
    name = name.strip()
    if _CSS_BORDER.fullmatch(name):
        kept = [t for t in _CSS_TOKEN.findall(value) if _CSS_NOT_COLOUR.fullmatch(t)]
        return f"{name}: {' '.join(kept)}" if kept else None
    if _CSS_COLOUR.fullmatch(name):
        return None
    return decl


def _safe_style(style: str, no_color: bool = False) -> str | None:
    decls = []
    for decl in style.split(";"):
        decl = decl.strip()
        if not decl or ":" not in decl:
            continue
        if _CSS_BAD.search(html.unescape(decl)):
            return None
        if no_color:
            decl = _colourless(decl)
            if decl is None:
                continue
        decls.append(decl)
    return "; ".join(decls) if decls else None


class _Sanitizer(HTMLParser):
    def __init__(self, report: SanitizeReport, max_depth: int, no_color: bool = False):
        super().__init__(convert_charrefs=True)
        self.no_color = no_color
        self.out: list[str] = []
        self.report = report
        self.skip = 0  # depth inside a dropped-with-content element
        self.skip_tag: str | None = None
        self.open: list[str] = []
        self.max_depth = max_depth

    # -- tags -----------------------------------------------------------
    def handle_starttag(self, tag, attrs):
        self._start(tag, attrs, self_closing=False)

    def handle_startendtag(self, tag, attrs):
        self._start(tag, attrs, self_closing=True)

    def _start(self, tag, attrs, self_closing):
        if self.skip:
            if tag == self.skip_tag and not self_closing:
                self.skip += 1
            return
        if tag in _DROP_CONTENT:
            self.report.tag(tag)
            if not self_closing and tag not in _VOID:
                self.skip, self.skip_tag = 1, tag
            return
        if tag not in _ALLOWED:  # the tag goes, its text stays
            self.report.tag(tag)
            return
        kept = self._attrs(tag, attrs)
        if kept is None:  # a picture that would load from elsewhere
            alt = next((v for k, v in attrs if k == "alt" and v), None)
            if alt:
                self.out.append(html.escape(alt))
            return
        if not self._imply_ends(tag):
            return  # a table part outside any table: its text stays
        if tag not in _VOID and not self_closing:
            if len(self.open) >= self.max_depth:
                self.report.tag("deep-" + tag)
                return
            self.open.append(tag)
        text = "".join(f' {k}="{html.escape(v, quote=True)}"' for k, v in kept)
        self.out.append(f"<{tag}{text}>" if tag not in _VOID else f"<{tag}{text} />")

    def _attrs(self, tag, attrs):
        allowed = _TAG_ATTRS.get(tag, frozenset())
        kept = []
        for name, value in attrs:
            name = name.lower()
            value = "" if value is None else value
            if name not in _COMMON_ATTRS and name not in allowed:
                self.report.attr(name if not name.startswith("on") else "on*")
                continue
            if self.no_color and name in ("color", "bgcolor"):
                continue  # colors = NoColor (not reported: nothing unsafe)
            if name == "href":
                if safe_link(value) is None:
                    self.report.attr("href")
                    continue
            elif name == "src":
                if not _safe_image(value):
                    self.report.attr("src")
                    return None
            elif name == "style":
                clean = _safe_style(value, self.no_color)
                if clean is None:
                    if _safe_style(value) is None:  # unsafe, not only colour
                        self.report.attr("style")
                    continue
                value = clean
            elif name == "id" or name == "name":
                value = re.sub(r"[^\w\-.:]", "", value)[:100]
            kept.append((name, value))
        if tag == "img" and not any(k == "src" for k, _ in kept):
            return None
        return kept

    # -- implied end tags ------------------------------------------------
    def _find(self, names, boundary=_SCOPE) -> int | None:
        """Index of the innermost open element named in ``names``, looking
        outward no further than an element in ``boundary``."""
        for i in range(len(self.open) - 1, -1, -1):
            name = self.open[i]
            if name in names:
                return i
            if name in boundary:
                return None
        return None

    def _close_from(self, i: int) -> None:
        """Close the open elements from index ``i`` inward."""
        while len(self.open) > i:
            self.out.append(f"</{self.open.pop()}>")

    def _imply_ends(self, tag: str) -> bool:
        """Close what a start ``tag`` ends, as a browser does; False when
        the tag itself is to be dropped."""
        if tag in _TABLE_PARTS:
            table = self._find(("table",), ())
            if table is None:
                return False
            if tag in _CELLS:
                # the cell's row, else the table (or its section): cells go in a row
                at = self._find(("tr", "table") + tuple(_SECTIONS), ())
                self._close_from(at + 1)
                if self.open[at] != "tr" and len(self.open) < self.max_depth:
                    self.open.append("tr")
                    self.out.append("<tr>")
            elif tag == "tr":
                self._close_from(self._find(("table",) + tuple(_SECTIONS), ()) + 1)
            elif tag == "col":
                self._close_from(self._find(("colgroup", "table"), ()) + 1)
            else:  # caption, colgroup, thead, tbody, tfoot
                self._close_from(table + 1)
            return True
        if tag == "li":
            i = self._find(("li",), _SCOPE | {"ul", "ol"})
            if i is not None:
                self._close_from(i)
        elif tag in ("dd", "dt"):
            i = self._find(("dd", "dt"), _SCOPE | {"dl"})
            if i is not None:
                self._close_from(i)
        elif tag == "a":
            i = self._find(("a",))
            if i is not None:
                self._close_from(i)
        if tag in _ENDS_P:
            i = self._find(("p",))
            if i is not None:
                self._close_from(i)
        if tag in _HEADINGS and self.open and self.open[-1] in _HEADINGS:
            self._close_from(len(self.open) - 1)
        return True

    def handle_endtag(self, tag):
        if self.skip:
            if tag == self.skip_tag:
                self.skip -= 1
                if not self.skip:
                    self.skip_tag = None
            return
        i = self._find((tag,), _END_BOUNDARY.get(tag, _SCOPE))
        if i is None:
            return  # never opened, dropped, or outside the cell it is in: ignored
        self._close_from(i)  # with what was left open inside it

    # -- content ---------------------------------------------------------
    def handle_data(self, data):
        if not self.skip:
            self.out.append(html.escape(data, quote=False))

    def handle_comment(self, data):
        pass

    def handle_decl(self, decl):
        pass

    def handle_pi(self, data):
        pass

    def unknown_decl(self, data):
        pass

    def result(self) -> str:
        self.close()
        while self.open:
            self.out.append(f"</{self.open.pop()}>")
        return "".join(self.out)


def sanitize_html(markup: str, report: SanitizeReport | None = None,
                  max_depth: int = 200, no_color: bool = False) -> str:
    """Markup that keeps the text, tables, lists, links and inline pictures of
    ``markup`` and nothing that runs or loads from elsewhere (see the module
    docstring).  ``report`` collects what was removed.  Elements nested more
    than ``max_depth`` deep lose their tags (their text stays).  ``no_color``:
    without colours (``colors = NoColor``)."""
    if not isinstance(markup, str):
        raise TypeError(f"markup must be str, not {type(markup).__name__}")
    parser = _Sanitizer(report if report is not None else SanitizeReport(), max_depth, no_color)
    parser.feed(markup)
    return parser.result()
