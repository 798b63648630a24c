"""The Jupyter Qt Console guide's colours section: ``colors`` schemes (the
kernel told too), style-sheet classes, fonts and zoom."""

import re

import pytest
from qtpy import QtCore, QtGui

from embedcon.models.stylesheet import console_classes


def _fragments(doc):
    """(text, foreground name or None) of every fragment in the document."""
    out = []
    block = doc.begin()
    while block.isValid():
        it = block.begin()
        while not it.atEnd():
            frag = it.fragment()
            fmt = frag.charFormat()
            fg = fmt.foreground().color().name() if fmt.hasProperty(
                QtGui.QTextFormat.Property.ForegroundBrush) else None
            out.append((frag.text(), fg))
            it += 1
        block = block.next()
    return out


def _coloured_pixels(image: QtGui.QImage) -> int:
    """Pixels whose red, green and blue differ by more than a little (not grey)."""
    n = 0
    for y in range(0, image.height(), 2):
        for x in range(0, image.width(), 2):
            c = image.pixelColor(x, y)
            if max(c.red(), c.green(), c.blue()) - min(c.red(), c.green(), c.blue()) > 40:
                n += 1
    return n


def _kernel_colors(console):
    console.run("print('scheme=' + str(get_ipython().colors))")
    lines = [ln for ln in console.output_of_last_cell().splitlines()
             if ln.startswith("scheme=")]
    return lines[-1][len("scheme="):].strip() if lines else None


def test_nocolor_shows_no_colour_at_all_and_tells_the_kernel(kernel, make_console, qtbot):
    km, kc = kernel
    c = make_console(km, kc, colors="NoColor")
    qtbot.waitUntil(lambda: _kernel_colors(c) == "NoColor", timeout=10000)
    c.run("print('\\x1b[31;44mred on blue\\x1b[0m \\x1b[1mbold\\x1b[0m')")
    c.run("1/0")
    c.type("def f(x): return 'string'  # comment")
    qtbot.wait(200)
    assert "ZeroDivisionError" in c.text()
    image = c.w.grab().toImage()
    assert _coloured_pixels(image) == 0
    # bold survives: weight is not colour
    assert any(t == "bold" for t, _ in _fragments(c.w.control.document()))


def test_colors_switch_at_run_time_theme_and_kernel(kernel, make_console, qtbot):
    km, kc = kernel
    c = make_console(km, kc, colors="LightBG")
    qtbot.waitUntil(lambda: _kernel_colors(c) == "LightBG", timeout=10000)
    assert c.w.theme_name == "light"
    c.w.colors = "Linux"
    assert c.w.theme_name == "dark"
    base = c.w.control.palette().color(QtGui.QPalette.ColorRole.Base)
    assert base.lightness() < 80
    qtbot.waitUntil(lambda: _kernel_colors(c) == "Linux", timeout=10000)
    c.w.colors = "NoColor"
    qtbot.waitUntil(lambda: _kernel_colors(c) == "NoColor", timeout=10000)
    c.run("print('\\x1b[32mgreen?\\x1b[0m')")
    green = [fg for t, fg in _fragments(c.w.control.document()) if t == "green?"]
    assert green and green[-1] in (None, c.w.control.palette().color(
        QtGui.QPalette.ColorRole.Text).name(), c.w._prompt_format.foreground().color().name())


def test_nocolor_at_run_time_takes_the_colour_from_what_is_shown_and_back(kernel,
                                                                          make_console, qtbot):
    km, kc = kernel
    c = make_console(km, kc, colors="LightBG")
    c.run("print('\\x1b[31mredtext\\x1b[0m \\x1b[38;5;27mblue256\\x1b[0m')")
    c.run("import sys; print('errtext', file=sys.stderr)")
    c.run("40 + 2")
    doc = c.w.control.document()

    def colours():
        return {t.strip(): fg for t, fg in _fragments(doc)
                if t.strip() in ("redtext", "blue256", "errtext", "Out[3]:", "In [1]:")}
    shown = colours()
    assert shown["redtext"] == c.w.writer.ansi_colours[1] and shown["blue256"] == "#005fff"
    c.w.colors = "NoColor"
    image = c.w.grab().toImage()
    image.save("/tmp/embedcon-nocolor-at-run-time.png")
    assert _coloured_pixels(image) == 0  # earlier output, prompts and inputs too
    text = c.w.control.palette().color(QtGui.QPalette.ColorRole.Text).name()
    ink = c.w._prompt_format.foreground().color().name()
    assert all(fg in (None, text, ink) for fg in colours().values()), colours()
    # and back: the colours of before
    c.w.colors = "LightBG"
    assert colours() == shown
    assert _coloured_pixels(c.w.grab().toImage()) > 0


# -- NoColor and rich outputs (HTML, Markdown, DataFrames) -------------------------------
RICH_CELL = (
    "from IPython.display import HTML, Markdown, display\n"
    "display(HTML('<p><span style=\"color:red\">redspan</span> and "
    "<font color=\"#0000ff\">bluefont</font> and "
    "<span style=\"background:#00c000\">greenback</span></p>"
    "<table border=\"1\"><tr><th style=\"background:#ff8000\">orangehead</th></tr>"
    "<tr><td style=\"background:#ff0\">yellowcell</td></tr></table>'))\n"
    "display(Markdown('A [mdlink](https://example.org/page) here.\\n\\n"
    "```python\\ndef f():\\n    return 42\\n```\\n'))\n"
    "try:\n"
    "    import pandas as pd\n"
    "    display(pd.DataFrame({'dfcol': [1, 2], 'b': [3.5, 4.5]}))\n"
    "except ImportError:\n"
    "    pass\n")


def _rich_outputs(c):
    """{marker text: block} of the cell's HTML and Markdown outputs, once built."""
    c.qtbot.waitUntil(lambda: c.w._builder.pending == 0 and len(c.w.rich_blocks()) >= 2 and all(
        b.kind == "doc" and not b.building for b in c.w.rich_blocks()), timeout=20000)
    found = {}
    for block in c.w.rich_blocks():
        text = "".join(d.toPlainText() for d in block.all_docs())
        for marker in ("redspan", "mdlink", "dfcol"):
            if marker in text:
                found[marker] = block
    assert "redspan" in found and "mdlink" in found, found
    return found


def _block_rect(c, block) -> QtCore.QRect:
    """Where ``block`` is drawn, in the console's grab() coordinates."""
    edit = c.w._control
    tb = c.w._doc.findBlock(block.cursor.position())
    geo = edit.blockBoundingGeometry(tb).translated(edit.contentOffset())
    size = block.size(*c.w._rich_metrics())
    rect = QtCore.QRect(int(geo.left()), int(geo.top()), int(size.width()),
                        int(min(size.height(), geo.height())))
    rect = rect.intersected(edit.viewport().rect())
    assert not rect.isEmpty(), "the output is not in view"
    return rect.translated(edit.viewport().mapTo(c.w, QtCore.QPoint(0, 0)))


def _count(image, rect, test) -> int:
    r = image.devicePixelRatio()
    rect = QtCore.QRect(int(rect.left() * r), int(rect.top() * r), int(rect.width() * r),
                        int(rect.height() * r)).intersected(image.rect())
    n = 0
    for y in range(rect.top(), rect.bottom() + 1):
        for x in range(rect.left(), rect.right() + 1):
            if test(image.pixelColor(x, y)):
                n += 1
    return n


def _saturated(c) -> bool:
    return max(c.red(), c.green(), c.blue()) - min(c.red(), c.green(), c.blue()) > 40


def _ink(background):
    """Pixels far from the background: drawn text or rules."""
    bg = background.lightness()
    return lambda c: abs(c.lightness() - bg) > 80


def _grab(c, qtbot):
    qtbot.wait(50)
    return c.w.grab().toImage()


def _link_format(block, text):
    doc = block.doc
    found = doc.find(text)
    cur = QtGui.QTextCursor(doc)
    cur.setPosition(found.selectionStart() + 1)
    return cur.charFormat()


def _rich_parts(html: str) -> str:
    """The rich outputs of an exported page."""
    return "\n".join(re.findall(r'<div class="rich">(.*?)</div>\n', html, re.S))


def test_nocolor_takes_the_colour_from_rich_outputs_and_back(kernel, make_console, qtbot):
    km, kc = kernel
    c = make_console(km, kc, colors="LightBG")
    c.run_source(RICH_CELL)
    outputs = _rich_outputs(c)
    html, md = outputs["redspan"], outputs["mdlink"]
    before = _grab(c, qtbot)
    before.save("/tmp/embedcon-rich-lightbg.png")
    coloured = {k: _count(before, _block_rect(c, b), _saturated) for k, b in outputs.items()}
    assert coloured["redspan"] > 50 and coloured["mdlink"] > 5, coloured  # text, cells, link
    html_area = before.copy(_block_rect(c, html))

    c.w.colors = "NoColor"
    image = _grab(c, qtbot)
    image.save("/tmp/embedcon-rich-nocolor.png")
    assert _coloured_pixels(image) == 0
    bg = c.w.control.palette().color(QtGui.QPalette.ColorRole.Base)
    for key, block in outputs.items():
        rect = _block_rect(c, block)
        assert _count(image, rect, _saturated) == 0, key
        assert _count(image, rect, _ink(bg)) > 20, key  # still drawn: in the text colour
    # a link is still a link: underlined, in the text colour
    fmt = _link_format(md, "mdlink")
    assert fmt.isAnchor() and fmt.fontUnderline()
    assert not fmt.hasProperty(QtGui.QTextFormat.Property.ForegroundBrush)

    # the exports of the session have none of the kernel's colours either
    pages = [c.w.export_html(), c.w.export_xhtml(), c.w.export_html(theme="dark")]
    for page in pages:
        rich = _rich_parts(page)
        for marker in ("redspan", "bluefont", "greenback", "orangehead", "yellowcell",
                       "mdlink", "return"):
            assert marker in rich, marker
        for colour in ("color", "background", "bgcolor", "#ff0", "#0000ff", "red"):
            assert colour not in rich.lower().replace("redspan", ""), (colour, rich)
        assert "a[href] { text-decoration: underline" in page
    printed = c.w.print_document()
    source = printed.toHtml()
    assert "redspan" in source and "yellowcell" in source
    # the colours of Qt's formats (style and bgcolor attributes, not the input's text)
    styled = [m for style in re.findall(r'(?:style|bgcolor)="([^"]*)"', source)
              for m in re.findall(r"#[0-9a-fA-F]{6}", style)]
    assert styled  # (Qt writes the text colour of every span)
    for hex_colour in styled:
        assert not _saturated(QtGui.QColor(hex_colour)), hex_colour
    printed.deleteLater()

    # and back: the colours as before
    c.w.colors = "LightBG"
    after = _grab(c, qtbot)
    assert _count(after, _block_rect(c, md), _saturated) == coloured["mdlink"]
    assert after.copy(_block_rect(c, html)) == html_area
    assert _link_format(md, "mdlink").foreground().color().name() == c.w._link_colour()
    assert "color:red" in _rich_parts(c.w.export_html()).replace(" ", "")


def test_nocolor_takes_the_colour_from_a_long_table_laid_out_in_pieces(kernel, make_console,
                                                                      qtbot):
    """A table cut into pieces (ruled by TableGrid, drawn through the band cache)."""
    km, kc = kernel
    c = make_console(km, kc, colors="LightBG")
    c.run_source(
        "from IPython.display import HTML, display\n"
        "rows = ''.join(f'<tr><td style=\"background:#{\"ff0\" if i % 2 else \"0cf\"}\">'"
        "f'<font color=\"red\">cell{i}</font></td><td>{i * i}</td></tr>' for i in range(30))\n"
        "display(HTML('<table border=\"1\" style=\"border-color:#ff0000\">"
        "<thead><tr><th>n</th><th>sq</th></tr></thead><tbody>' + rows + '</tbody></table>'))\n")
    c.qtbot.waitUntil(lambda: c.w._builder.pending == 0 and any(
        b.kind == "doc" and not b.building and len(b.docs) > 1 for b in c.w.rich_blocks()),
        timeout=20000)
    block = next(b for b in c.w.rich_blocks() if len(b.docs) > 1)
    assert any(d.grid is not None for d in block.all_docs())
    before = _grab(c, qtbot)
    assert _count(before, _block_rect(c, block), _saturated) > 200
    c.w.colors = "NoColor"
    image = _grab(c, qtbot)
    image.save("/tmp/embedcon-rich-nocolor-long-table.png")
    rect = _block_rect(c, block)
    assert _count(image, rect, _saturated) == 0
    assert _count(image, rect, _ink(c.w.control.palette().color(
        QtGui.QPalette.ColorRole.Base))) > 100
    c.w.colors = "LightBG"
    assert _grab(c, qtbot).copy(_block_rect(c, block)) == before.copy(_block_rect(c, block))


def test_rich_outputs_shown_under_nocolor_on_dark_get_colour_with_linux(kernel, make_console,
                                                                        qtbot):
    km, kc = kernel
    c = make_console(km, kc, theme="dark", colors="NoColor")
    c.run_source(RICH_CELL)
    outputs = _rich_outputs(c)
    assert c.w.theme_name == "dark"
    image = _grab(c, qtbot)
    image.save("/tmp/embedcon-rich-nocolor-dark.png")
    assert _coloured_pixels(image) == 0
    bg = c.w.control.palette().color(QtGui.QPalette.ColorRole.Base)
    assert bg.lightness() < 80
    for key, block in outputs.items():
        rect = _block_rect(c, block)
        assert _count(image, rect, _saturated) == 0, key
        assert _count(image, rect, _ink(bg)) > 20, key
    c.w.colors = "Linux"
    image = _grab(c, qtbot)
    image.save("/tmp/embedcon-rich-linux.png")
    assert _count(image, _block_rect(c, outputs["redspan"]), _saturated) > 50
    assert _count(image, _block_rect(c, outputs["mdlink"]), _saturated) > 5


SHEET = """
QPlainTextEdit { font-family: monospace; }
.in-prompt { color: #0000ff; }
.in-prompt-number { color: #ff0000; font-weight: bold; }
.out-prompt { color: #008000; }
.out-prompt-number { color: #800080; }
.error { color: #aa5500; }
"""


def test_the_guide_style_sheet_classes_restyle_prompts_and_errors(console, qtbot):
    console.w.style_sheet = SHEET
    console.run("40 + 2")
    console.run("import sys; print('to stderr', file=sys.stderr)")
    frags = _fragments(console.w.control.document())
    assert ("In [", "#0000ff") in frags
    assert any(t.isdigit() and fg == "#ff0000" for t, fg in frags)
    assert ("Out[", "#008000") in frags
    assert any(t.isdigit() and fg == "#800080" for t, fg in frags)
    assert any("to stderr" in t and fg == "#aa5500" for t, fg in frags)


def test_style_sheet_classes_parser():
    got = console_classes("/* x */ .error, .inverted { color: red; background-color: #fff }"
                          " .in-prompt { font-weight: bold } QLabel { color: blue }")
    assert got == {"error": {"color": "red", "background-color": "#fff"},
                   "inverted": {"color": "red", "background-color": "#fff"},
                   "in-prompt": {"font-weight": "bold"}}


def test_zoom_keeps_pictures_in_proportion(console, qtbot):
    """Ctrl+plus / Ctrl+minus / Ctrl+0 change the font; a picture grows with it."""
    from conftest import Key, Mod

    console.run_source("from IPython.display import Image, display\n"
                       "import base64, zlib, struct\n"
                       "def png(w, h):\n"
                       "    raw = b''.join(b'\\x00' + b'\\xff\\x00\\x00' * w for _ in range(h))\n"
                       "    def chunk(t, d): return struct.pack('>I', len(d)) + t + d + "
                       "struct.pack('>I', zlib.crc32(t + d) & 0xffffffff)\n"
                       "    return (b'\\x89PNG\\r\\n\\x1a\\n' + chunk(b'IHDR', struct.pack("
                       "'>IIBBBBB', w, h, 8, 2, 0, 0, 0)) + chunk(b'IDAT', zlib.compress(raw)) "
                       "+ chunk(b'IEND', b''))\n"
                       "display(Image(png(60, 40)))")
    editor = console.editor
    w = console.w
    qtbot.waitUntil(lambda: any(b.mime == "image/png" for b in w._rich_blocks.values()),
                    timeout=10000)
    block = [b for b in w._rich_blocks.values() if b.mime == "image/png"][-1]
    pt0 = editor.font().pointSizeF()
    size0 = block.size(*w._rich_metrics())
    console.key(Key.Key_Plus, Mod.ControlModifier)
    console.key(Key.Key_Plus, Mod.ControlModifier)
    pt1 = editor.font().pointSizeF()
    size1 = block.size(*w._rich_metrics())
    assert pt1 > pt0
    # the picture grows with the text, in proportion
    assert size1.width() / size0.width() == pytest.approx(pt1 / pt0, rel=0.02)
    assert size1.height() / size0.height() == pytest.approx(pt1 / pt0, rel=0.05)
    console.key(Key.Key_0, Mod.ControlModifier)
    assert editor.font().pointSizeF() == pytest.approx(pt0)
    assert block.size(*w._rich_metrics()).width() == pytest.approx(size0.width())


def _with_background(doc):
    """(text, foreground, background) of every fragment drawn on a background of its own."""
    out = []
    block = doc.begin()
    while block.isValid():
        it = block.begin()
        while not it.atEnd():
            frag = it.fragment()
            fmt = frag.charFormat()
            if fmt.hasProperty(QtGui.QTextFormat.Property.BackgroundBrush) and frag.text().strip():
                fg = fmt.foreground().color().name() if fmt.hasProperty(
                    QtGui.QTextFormat.Property.ForegroundBrush) else None
                out.append((frag.text(), fg, fmt.background().color().name()))
            it += 1
        block = block.next()
    return out


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_text_on_an_ansi_background_reads_on_it(kernel, make_console, theme):
    """Text on an ANSI background reads at 4.5:1 against that background, not only
    against the console's: IPython 8 marks the failing expression of a traceback
    with a 256-colour grey on ANSI yellow (38;5;241;43), which on the light theme's
    yellow (#8c7200) was 1.3:1; a bare 43 on the dark theme put the light text
    colour on a light yellow. The screen, the HTML export and a switch of theme."""
    from embedcon.models.contrast import contrast_ratio

    km, kc = kernel
    c = make_console(km, kc, theme=theme)
    c.run(r"print('\x1b[38;5;241;43mTBMARK\x1b[39;49m \x1b[43mONYELLOW\x1b[0m "
          r"\x1b[30;40mSAME\x1b[0m \x1b[37;47mWHITE\x1b[0m \x1b[7mINVERSE\x1b[0m "
          r"\x1b[97;103mBRIGHT\x1b[0m')")

    def check(where):
        text_colour = c.w.control.palette().color(QtGui.QPalette.ColorRole.Text).name()
        spans = [s for s in _with_background(c.w.control.document())
                 if s[0] in ("TBMARK", "ONYELLOW", "SAME", "WHITE", "INVERSE", "BRIGHT")]
        assert len(spans) >= 6, spans
        for text, fg, bg in spans:
            assert contrast_ratio(fg or text_colour, bg) >= 4.5, (where, text, fg, bg)

    check(theme)
    body = c.w.export_html().split("<body", 1)[1]
    page_text = re.search(r"color:\s*(#[0-9a-f]{6})", body).group(1)
    for css in re.findall(r'<span style="([^"]*background-color[^"]*)"', body):
        bg = re.search(r"background-color:(#[0-9a-f]{6})", css).group(1)
        fg = re.search(r"(?:^|;)color:(#[0-9a-f]{6})", css)
        assert contrast_ratio(fg.group(1) if fg else page_text, bg) >= 4.5, (theme, css)
    c.w.theme = "dark" if theme == "light" else "light"  # restyled: still readable
    check("switched")


def test_font_family_and_mime_preference_traits(qtbot):
    """font_family and font_size set the transcript's font, also at run time;
    mime_preference decides which form is drawn (text/plain only: no rich block)."""
    from embedcon.widgets import RichJupyterWidget

    w = RichJupyterWidget(font_family="DejaVu Serif", font_size=15, mime_preference=["text/plain"])
    qtbot.addWidget(w)
    assert (w.control.font().family(), w.control.font().pointSize()) == ("DejaVu Serif", 15)
    w._iopub_display_data({"data": {"text/html": "<b>H</b>", "text/plain": "PLAINFORM"}}, True)
    assert not w.rich_blocks() and "PLAINFORM" in w.export_text()
    w.font_family = "DejaVu Sans Mono"
    assert w.control.font().family() == "DejaVu Sans Mono"
    w.mime_preference = ["text/html", "text/plain"]
    w._iopub_display_data({"data": {"text/html": "<b>H</b>", "text/plain": "PLAIN2"}}, True)
    assert [b.mime for b in w.rich_blocks()] == ["text/html"]


def test_text_on_an_ansi_background_stays_readable(kernel, make_console, qtbot):
    """Found in the guide's picture (session-light.png): IPython marks the failing
    expression of a traceback in grey on yellow (``38;5;241;43``); the light
    theme's yellow, made dark enough to read as *text* on white, drew it grey on
    dark olive (contrast 1.3:1), and default-coloured text on a yellow background
    was light on yellow on the dark theme.  Text on an ANSI background reads at
    4.5:1 in both themes, also after a run-time switch."""
    from embedcon.models.contrast import contrast_ratio

    km, kc = kernel
    c = make_console(km, kc, colors="LightBG")
    qtbot.waitUntil(lambda: _kernel_colors(c) == "LightBG", timeout=10000)
    c.run("1 / 0")
    c.run("print('\\x1b[43m default on yellow \\x1b[0m \\x1b[30;47m black on white \\x1b[0m "
          "\\x1b[37;40m white on black \\x1b[0m \\x1b[97;44m bright on blue \\x1b[0m')")
    for scheme in ("LightBG", "Linux", "LightBG"):
        c.w.colors = scheme
        qtbot.wait(50)
        text = c.w.control.palette().color(QtGui.QPalette.ColorRole.Text).name()
        frags = [(t, fg or text, bg) for t, fg, bg in _with_background(c.w.control.document())]
        assert any(t.strip() == "0" for t, _, _ in frags), frags  # the traceback's mark
        assert any("default on yellow" in t for t, _, _ in frags), frags
        poor = [(t, fg, bg, round(contrast_ratio(fg, bg), 2)) for t, fg, bg in frags
                if contrast_ratio(fg, bg) < 4.5]
        assert not poor, (scheme, poor)
        for theme in ("screen", "light", "dark"):  # the HTML export too
            pairs = re.findall(r'style="[^"]*?color:(#[0-9a-f]{6});background-color:'
                               r'(#[0-9a-f]{6})', c.w.export_html(theme=theme))
            assert len(pairs) >= 4, (theme, pairs)
            poor = [(fg, bg) for fg, bg in pairs if contrast_ratio(fg, bg) < 4.5]
            assert not poor, (scheme, theme, poor)
