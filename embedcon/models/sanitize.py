"""Make a kernel's HTML and SVG safe to show or save: nothing runs, nothing loads.

Pure Python, no Qt.  Allow-list based: markup is parsed with the standard
library (``html.parser`` for HTML, ``xml.etree`` for SVG) and written out
again with only known-harmless elements and attributes.

* Elements that run code or embed other documents (``script``, ``style``,
  ``iframe``, ``object``, ``embed``, ``form`` and its controls, ``template``,
  ``noscript``, SVG ``foreignObject`` ...) are dropped with their content;
  unknown elements are dropped but their text is kept.
* Event handlers (``on*``), ``srcdoc``, ``formaction`` and any attribute not on
  the allow-list are dropped.
* Links keep ``href`` only for ``http``, ``https`` and ``mailto`` URLs and
  in-page ``#anchors``; ``javascript:``, ``data:``, ``file:`` and relative URLs
  are dropped.
* Pictures keep ``src`` only for ``data:image/png|jpeg|gif`` URLs: a remote or
  local picture (``http(s):``, ``file:``, relative) is never loaded; its ``alt``
  text, or ``[image not loaded]``, is shown instead.
* ``style`` attributes are kept only when they cannot load anything
  (no ``url(``, ``expression``, ``@import``, backslash escapes).

The output is well-formed XHTML (quoted, escaped attributes, void elements
closed, open elements closed at the end, stray end tags dropped), so it can
be embedded in an XHTML export as is, and Qt's rich-text engine reads it too.
"""

from __future__ import annotations

import re
from html import escape
from html.parser import HTMLParser

__all__ = ["sanitize_html", "sanitize_svg", "safe_url", "IMAGE_NOT_LOADED"]

IMAGE_NOT_LOADED = "[image not loaded]"

# elements kept (with their allowed attributes, on top of _COMMON)
_COMMON = frozenset({"class", "title", "lang", "dir", "align", "valign", "style", "id"})
_TAGS: dict[str, frozenset] = {t: frozenset() for t in (
    "p div span b i em strong u s del ins small big sub sup code pre kbd samp var tt "
    "h1 h2 h3 h4 h5 h6 blockquote q cite abbr dfn mark br hr ul ol li dl dt dd "
    "table thead tbody tfoot tr caption figure figcaption center font "
    "details summary section article header footer nav aside main address wbr ruby rt rp"
).split()}
_TAGS.update({
    "a": frozenset({"href", "name", "target"}),
    "img": frozenset({"src", "alt", "width", "height"}),
    "td": frozenset({"colspan", "rowspan", "width", "height", "nowrap", "bgcolor"}),
    "th": frozenset({"colspan", "rowspan", "width", "height", "nowrap", "bgcolor", "scope"}),
    "table": frozenset({"border", "cellpadding", "cellspacing", "width", "bgcolor", "summary"}),
    "col": frozenset({"span", "width"}),
    "colgroup": frozenset({"span", "width"}),
    "ol": frozenset({"start", "type", "reversed"}),
    "ul": frozenset({"type"}),
    "li": frozenset({"value"}),
    "font": frozenset({"color", "size", "face"}),
    "tr": frozenset({"bgcolor"}),
})
# dropped together with everything inside them
_DROP_WITH_CONTENT = frozenset({
    "script", "style", "iframe", "frame", "frameset", "object", "embed", "applet", "noscript",
    "template", "form", "input", "button", "select", "textarea", "option", "title", "head",
    "svg", "math", "canvas", "audio", "video", "source", "track", "portal", "noembed",
    "noframes", "xmp", "plaintext", "meta", "link", "base", "param",
})
_VOID = frozenset({"br", "hr", "img", "col", "wbr", "area", "base", "link", "meta", "input",
                   "param", "source", "track", "embed"})
_MAX_DEPTH = 200
# a start tag that ends an open element HTML leaves unclosed: tag -> (ends, unless inside)
_CELL = (frozenset({"td", "th"}), frozenset({"tr", "table"}))
_IMPLIED = {
    "td": _CELL, "th": _CELL,
    "tr": (frozenset({"tr", "td", "th"}), frozenset({"table", "thead", "tbody", "tfoot"})),
    "thead": (frozenset({"thead", "tbody", "tfoot", "tr", "td", "th"}), frozenset({"table"})),
    "li": (frozenset({"li"}), frozenset({"ul", "ol"})),
    "dt": (frozenset({"dt", "dd"}), frozenset({"dl"})),
    "p": (frozenset({"p"}), frozenset({"div", "td", "th", "li", "blockquote"})),
}
_IMPLIED["tbody"] = _IMPLIED["tfoot"] = _IMPLIED["thead"]
_IMPLIED["dd"] = _IMPLIED["dt"]
for _block in ("div", "table", "ul", "ol", "dl", "pre", "blockquote", "h1", "h2", "h3", "h4",
               "h5", "h6", "hr"):
    _IMPLIED[_block] = _IMPLIED["p"]  # a block element ends an open paragraph

_LINK_SCHEMES = ("http:", "https:", "mailto:")
_IMAGE_DATA = re.compile(r"data:image/(png|jpeg|jpg|gif);base64,[A-Za-z0-9+/=\s]*\Z", re.I)
_UNSAFE_CSS = re.compile(r"url\s*\(|expression|@import|\\|javascript:|behavior|-moz-binding|"
                         r"image-set|src\s*:", re.I)
_URL_JUNK = re.compile(r"[\x00-\x20\x7f]+")


def safe_url(url: str, *, image: bool = False) -> str | None:
    """``url`` if it may be kept as a link (``image=False``) or a picture
    source (``image=True``), else None."""
    if not isinstance(url, str):
        return None
    clean = _URL_JUNK.sub("", url)  # "java\tscript:" and " javascript:" tricks
    low = clean.lower()
    if image:
        return clean if _IMAGE_DATA.match(clean) else None
    if low.startswith("#") or low.startswith(_LINK_SCHEMES):
        return url.strip()
    return None


def _attr_ok(tag: str, name: str) -> bool:
    return (name in _COMMON or name in _TAGS.get(tag, ())) and not name.startswith("on")


class _Cleaner(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.open: list[str] = []  # kept elements not closed yet
        self.skip: list[str] = []  # elements dropped with their content (nesting)

    # -- elements -------------------------------------------------------------
    def handle_starttag(self, tag, attrs):
        self._start(tag, attrs, closed=False)

    def handle_startendtag(self, tag, attrs):
        self._start(tag, attrs, closed=True)

    def _start(self, tag, attrs, closed):
        if self.skip:
            if tag == self.skip[-1] and not closed and tag not in _VOID:
                self.skip.append(tag)
            return
        if tag in _DROP_WITH_CONTENT:
            if not closed and tag not in _VOID:
                self.skip.append(tag)
            return
        if tag not in _TAGS and tag not in ("a", "img"):
            return  # unknown: the element goes, its text stays
        if tag == "img":
            self._image(attrs)
            return
        if len(self.open) >= _MAX_DEPTH:
            return
        rule = _IMPLIED.get(tag)
        if rule is not None:
            self._close_implied(*rule)
        kept = []
        for name, value in attrs:
            name = name.lower()
            if value is None:
                value = name
            if not _attr_ok(tag, name):
                continue
            if name == "href":
                value = safe_url(value)
                if value is None:
                    continue
            elif name == "style" and _UNSAFE_CSS.search(value):
                continue
            elif name == "target":
                value = "_blank"
            kept.append(f' {name}="{escape(value, quote=True)}"')
        if tag == "a" and any(k.startswith(" target=") for k in kept):
            kept.append(' rel="noopener noreferrer"')
        if tag in _VOID:
            self.out.append(f"<{tag}{''.join(kept)} />")
            return
        self.out.append(f"<{tag}{''.join(kept)}>")
        if closed:
            self.out.append(f"</{tag}>")
        else:
            self.open.append(tag)

    def _close_implied(self, ends, boundary):
        found = None
        for i in range(len(self.open) - 1, -1, -1):
            t = self.open[i]
            if t in boundary:
                break
            if t in ends:
                found = i  # the outermost one below the boundary
        if found is not None:
            for top in reversed(self.open[found:]):
                self.out.append(f"</{top}>")
            del self.open[found:]

    def _image(self, attrs):
        a = {k.lower(): v for k, v in attrs if v is not None}
        src = safe_url(a.get("src", ""), image=True)
        alt = a.get("alt") or ""
        if src is None:
            self.out.append(escape(f"[image not loaded: {alt}]" if alt else IMAGE_NOT_LOADED,
                                   quote=False))
            return
        extra = "".join(f' {k}="{escape(a[k], quote=True)}"' for k in ("width", "height", "title")
                        if k in a and re.fullmatch(r"[0-9.]+%?|[^<>\"]{0,200}", a[k]))
        self.out.append(f'<img src="{escape(src, quote=True)}" alt="{escape(alt, quote=True)}"'
                        f"{extra} />")

    def handle_endtag(self, tag):
        if self.skip:
            if tag == self.skip[-1]:
                self.skip.pop()
            return
        if tag not in self.open:
            return  # stray end tag
        while self.open:
            top = self.open.pop()
            self.out.append(f"</{top}>")
            if top == tag:
                break

    # -- text -------------------------------------------------------------------
    def handle_data(self, data):
        if not self.skip:
            self.out.append(escape(data, quote=False))

    # comments, declarations, processing instructions: dropped
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
        self.out.extend(f"</{t}>" for t in reversed(self.open))
        self.open = []
        return "".join(self.out)


def sanitize_html(html: str) -> str:
    """A safe, well-formed XHTML fragment with the harmless part of ``html``."""
    if not isinstance(html, str):
        return ""
    cleaner = _Cleaner()
    cleaner.feed(html)
    return cleaner.result()


# -- SVG ------------------------------------------------------------------------------
_SVG_NS = "http://www.w3.org/2000/svg"
_XLINK_NS = "http://www.w3.org/1999/xlink"
_SVG_DROP = frozenset({"script", "foreignObject", "iframe", "feImage", "a",
                       "animate", "set", "animateTransform", "animateMotion", "handler",
                       "listener", "style"})
_SVG_MAX_ELEMENTS = 100_000
_SVG_MAX_CHARS = 20_000_000


def sanitize_svg(svg: str) -> str | None:
    """A safe SVG document (no scripts, event handlers, external references,
    DTD or entities), or None when ``svg`` is not one we can read safely.

    Links and ``<style>`` elements are dropped; ``href`` attributes are
    dropped unless they point inside the document (``#id``, as matplotlib's
    ``<use>`` do) or, on ``<image>``, are a ``data:image/png|jpeg|gif`` URL;
    ``url(...)`` in attributes is kept only for ``#id``."""
    import xml.etree.ElementTree as ET

    if not isinstance(svg, str) or len(svg) > _SVG_MAX_CHARS:
        return None
    if "<!DOCTYPE" in svg or "<!ENTITY" in svg or "<!doctype" in svg:
        return None  # entity expansion and external DTDs are never read
    try:
        root = ET.fromstring(svg)
    except ET.ParseError:
        return None
    if _local(root.tag) != "svg":
        return None
    count = 0
    for el in list(root.iter()):
        count += 1
        if count > _SVG_MAX_ELEMENTS:
            return None
        for child in list(el):
            if not isinstance(child.tag, str) or _local(child.tag) in _SVG_DROP:
                el.remove(child)
        for name in list(el.attrib):
            local = _local(name).lower()
            value = el.attrib[name]
            if local.startswith("on") or (local == "style" and _UNSAFE_CSS.search(value)):
                del el.attrib[name]
            elif local == "href" and not value.strip().startswith("#") and not (
                    _local(el.tag) == "image" and safe_url(value, image=True)):
                del el.attrib[name]
            elif "url(" in value.replace(" ", "") and not re.fullmatch(
                    r"\s*url\(\s*['\"]?#[\w\-.:]+['\"]?\s*\)\s*", value):
                del el.attrib[name]
    ET.register_namespace("", _SVG_NS)
    ET.register_namespace("xlink", _XLINK_NS)
    return ET.tostring(root, encoding="unicode")


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""
