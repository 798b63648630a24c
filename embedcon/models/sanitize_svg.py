"""Make a kernel's SVG safe to embed in an exported page: nothing runs, nothing loads.

Pure Python, no Qt.  The SVG is parsed with ``xml.etree`` (never with a DTD:
a document with ``<!DOCTYPE`` or ``<!ENTITY`` is refused, so entity-expansion
bombs and external entities are never read) and written out again without
scripts, ``foreignObject``, links, ``<style>`` elements, event handlers or
references outside the document.  The HTML counterpart is
:mod:`embedcon.models.sanitize`.
"""

from __future__ import annotations

import re

__all__ = ["sanitize_svg"]

_IMAGE_DATA = re.compile(r"data:image/(png|jpeg|jpg|gif);base64,[A-Za-z0-9+/=\s]*\Z", re.I)
_UNSAFE_CSS = re.compile(r"url\s*\(|expression|@import|\\|javascript:|behavior|-moz-binding|"
                         r"image-set|src\s*:", re.I)
_URL_JUNK = re.compile(r"[\x00-\x20\x7f]+")


def _data_image(url: str) -> bool:
    return bool(_IMAGE_DATA.match(_URL_JUNK.sub("", url)))


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
                    _local(el.tag) == "image" and _data_image(value)):
                del el.attrib[name]
            elif "url(" in value.replace(" ", "") and not re.fullmatch(
                    r"\s*url\(\s*['\"]?#[\w\-.:]+['\"]?\s*\)\s*", value):
                del el.attrib[name]
    ET.register_namespace("", _SVG_NS)
    ET.register_namespace("xlink", _XLINK_NS)
    return ET.tostring(root, encoding="unicode")


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""
