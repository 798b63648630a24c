"""The Jupyter Qt Console guide's colours section: ``colors`` schemes (the
kernel told too), style-sheet classes, fonts and zoom."""

import pytest
from qtpy import QtGui

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
