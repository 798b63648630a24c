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

Text is re-escaped, comments, doctypes and processing instructions are dropped,
and open tags are closed at the end.  The output is meant for Qt's rich text
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


def _safe_style(style: str) -> str | None:
    decls = []
    for decl in style.split(";"):
        decl = decl.strip()
        if not decl or ":" not in decl:
            continue
        if _CSS_BAD.search(html.unescape(decl)):
            return None
        decls.append(decl)
    return "; ".join(decls) if decls else None


class _Sanitizer(HTMLParser):
    def __init__(self, report: SanitizeReport, max_depth: int):
        super().__init__(convert_charrefs=True)
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
            if name == "href":
                if safe_link(value) is None:
                    self.report.attr("href")
                    continue
            elif name == "src":
                if not _safe_image(value):
                    self.report.attr("src")
                    return None
            elif name == "style":
                value = _safe_style(value)
                if value is None:
                    self.report.attr("style")
                    continue
            elif name == "id" or name == "name":
                value = re.sub(r"[^\w\-.:]", "", value)[:100]
            kept.append((name, value))
        if tag == "img" and not any(k == "src" for k, _ in kept):
            return None
        return kept

    def handle_endtag(self, tag):
        if self.skip:
            if tag == self.skip_tag:
                self.skip -= 1
                if not self.skip:
                    self.skip_tag = None
            return
        if tag not in self.open:
            return  # never opened (or dropped): ignore
        while self.open:  # close what was left open inside it
            name = self.open.pop()
            self.out.append(f"</{name}>")
            if name == tag:
                break

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
                  max_depth: int = 200) -> str:
    """Markup that keeps the text, tables, lists, links and inline pictures of
    ``markup`` and nothing that runs or loads from elsewhere (see the module
    docstring).  ``report`` collects what was removed.  Elements nested more
    than ``max_depth`` deep lose their tags (their text stays)."""
    if not isinstance(markup, str):
        raise TypeError(f"markup must be str, not {type(markup).__name__}")
    parser = _Sanitizer(report if report is not None else SanitizeReport(), max_depth)
    parser.feed(markup)
    return parser.result()
