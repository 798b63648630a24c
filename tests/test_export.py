"""Export and printing: HTML, XHTML, text, notebook, PDF; the sanitizer; long lines.

One real kernel and one console run a session with what a user makes
(highlighted input, colours, a DataFrame, hostile HTML, a traceback, PNG and
SVG figures, a display updated in place, a line too long to draw); the
exports of that session are then checked.  The sanitizer, the transcript's
bound and the ANSI rendering are checked as pure models too.
"""

import json
import os
import re
import xml.dom.minidom

import pytest
from conftest import Console, start_kernel, stop_kernel
from qtpy import QtCore, QtGui

from embedcon.models.contrast import contrast_ratio
from embedcon.models.export_html import PageColours, ansi_to_html, render_html
from embedcon.models.export_notebook import to_notebook
from embedcon.models.sanitize import sanitize_html
from embedcon.models.sanitize_svg import sanitize_svg
from embedcon.models.transcript import Transcript

HOSTILE = ("<b>kept bold</b><script>alert('s')</script>"
           "<img src=\"http://evil.example/x.png\" onerror=\"alert('e')\">"
           "<a href=\"javascript:alert('j')\">js link</a>"
           "<a href=\" JaVa\tScript:alert('k')\">js2</a>"
           "<a href=\"https://example.org/\" onclick=\"alert('c')\">web link</a>"
           "<iframe src=\"https://evil.example/\"></iframe>"
           "<div style=\"background:url(http://evil.example/bg.png)\">styled</div>"
           "<svg onload=\"alert('v')\"></svg><form action=\"http://evil\"><input></form>")

SVG = ('<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
       'width="60" height="40" onload="alert(1)"><script>alert(2)</script>'
       '<defs><path id="m" d="M0 0 L5 5"/></defs><rect width="60" height="40" fill="#3060c0"/>'
       '<use xlink:href="#m"/><image xlink:href="https://evil.example/a.png"/></svg>')

LONG = 30_000  # max_line_chars of the session's console (the default is 1M)


# -- the pure models ---------------------------------------------------------------------
def test_sanitizer_keeps_markup_and_drops_what_runs_or_loads():
    out = sanitize_html(HOSTILE)
    assert "<b>kept bold</b>" in out
    assert '<a href="https://example.org/">web link</a>' in out
    low = out.lower()
    for bad in ("<script", "alert(", "onerror", "onclick", "onload", "javascript:",
                "evil.example", "<iframe", "<form", "<input", "url(", "<svg", "<img"):
        assert bad not in low, bad
    assert "styled" in out and "js link" in out
    xml.dom.minidom.parseString(f"<div>{out}</div>")  # well-formed: fits in XHTML


def test_sanitizer_tables_entities_and_pictures():
    out = sanitize_html("<table><tr><th>i</th><td>1 &amp; 2</td><td>&lt;x&gt;</td></tr></table>"
                        "<ul><li>one<li>two</ul><unknown>text</unknown></b>")
    assert out.startswith("<table><tr><th>i</th><td>1 &amp; 2</td><td>&lt;x&gt;</td></tr>"
                          "</table><ul><li>one")
    assert out.endswith("text")
    xml.dom.minidom.parseString(f"<div>{out}</div>")
    png = "data:image/png;base64,iVBORw0KGgo="
    assert f'src="{png}"' in sanitize_html(f'<img src="{png}" alt="x">')
    assert sanitize_html('<img src="file:///etc/passwd" alt="pw">') == "pw"
    assert "src=" not in sanitize_html('<img src="data:text/html;base64,PHNjcmlwdD4=">')


def test_svg_sanitizer():
    out = sanitize_svg(SVG)
    assert out is not None and "<rect" in out and 'href="#m"' in out
    for bad in ("script", "onload", "alert", "evil.example"):
        assert bad not in out, bad
    bomb = ('<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;">]>'
            '<svg xmlns="http://www.w3.org/2000/svg"><text>&b;</text></svg>')
    assert sanitize_svg(bomb) is None
    assert sanitize_svg("<svg><unclosed") is None
    assert sanitize_svg("<html/>") is None


def test_ansi_to_html_colours_and_overwrites():
    html = ansi_to_html("\x1b[1;31mbold red\x1b[0m \x1b[38;5;208mo\x1b[0m\x1b[42mbg\x1b[0m <&>")
    assert '<span style="color:#cd3131;font-weight:bold">bold red</span>' in html
    assert '<span style="color:#ff8700">o</span>' in html
    assert '<span style="background-color:#0dbc79">bg</span>' in html
    assert html.endswith(" &lt;&amp;&gt;")
    assert ansi_to_html("10%\r20%\r30%\ndone") == "30%\ndone"
    assert ansi_to_html("abcdef\rxy") == "xycdef"
    assert ansi_to_html("abc\bd") == "abd"
    assert ansi_to_html("a\x00b") == "a\u2400b"  # no control character reaches the page


def test_transcript_is_bounded_and_collapses_progress_bars():
    t = Transcript(max_lines=1000)
    for i in range(200):
        t.start_cell(f"print({i})", i + 1)
        t.add_stream("stdout", "".join(f"{i}:{j}\n" for j in range(50)))
    assert 1000 <= t.lines <= 1400
    assert t.trimmed_lines > 0 and t.cells[-1].source == "print(199)"
    kept = "".join(o.text for c in t.cells for o in c.outputs)
    assert "199:49\n" in kept and "\n0:0\n" not in kept
    t.start_cell("flood")
    t.add_stream("stdout", "x\n" * 100_000)
    assert t.lines <= 1400 and t.cells[0].source == "flood" and t.cells[0].trimmed_lines > 0
    bar = Transcript()
    bar.start_cell("tqdm")
    for i in range(20_000):
        bar.add_stream("stderr", f"\r{i:6d} |{'#' * (i // 400)}|")
    bar.add_stream("stderr", "\n")
    text = bar.cells[0].outputs[0].text
    assert len(text) < 500 and ansi_to_html(text).startswith(" 19999 |")


def test_notebook_of_a_synthetic_transcript_validates():
    nbformat = pytest.importorskip("nbformat")
    t = Transcript()
    t.add_notice("banner", role="banner")
    c = t.start_cell("x = 1\nx", msg_id="m1")
    t.add_stream("stdout", "a\n")
    t.add_stream("stdout", "b\n")
    t.add_rich("execute_result", {"text/plain": "1", "application/json": {"a": [1]}}, {}, 1)
    t.add_rich("display_data", {"image/png": "iVBORw0KGgo=", "text/plain": "<fig>"},
               {"image/png": {"width": 10}}, display_id="d1")
    t.update_display("d1", {"text/plain": "new"})
    t.add_error("ValueError", "bad", ["\x1b[31mValueError\x1b[0m: bad"])
    t.finish_cell(1, "error", c)
    nb = to_notebook(t)
    nbformat.validate(nbformat.from_dict(nb))
    (cell,) = nb["cells"]
    assert cell["execution_count"] == 1 and cell["source"] == "x = 1\nx"
    kinds = [o["output_type"] for o in cell["outputs"]]
    assert kinds == ["stream", "execute_result", "display_data", "error"]
    assert cell["outputs"][0]["text"] == "a\nb\n"
    assert cell["outputs"][2]["data"] == {"text/plain": "new"}


# -- a real session ----------------------------------------------------------------------
CELLS = [
    "def greet(name):\n    return 'hello ' + name",
    "print('\\x1b[1;31malarm\\x1b[0m and \\x1b[34mblue\\x1b[0m <tag> & more')",
    "greet('you')",
    "import pandas as pd; pd.DataFrame({'alpha': [1, 2, 3], 'beta': [4.5, 5.5, 6.5]})",
    "from IPython.display import HTML, SVG, display, update_display, clear_output\n"
    f"display(HTML({HOSTILE!r}))",
    "1/0",
    "%matplotlib inline\nimport matplotlib.pyplot as plt\n"
    "fig, ax = plt.subplots(figsize=(2, 1.5)); ax.plot([1, 3, 2]); plt.show()",
    f"display(SVG({SVG!r}))",
    "h = display('first state', display_id=True)\nh.update('second state')",
    "print('gone'); clear_output(); print('after clear')",
    f"print('H' + 'm' * {LONG * 2} + 'TAILEND')",
    "for i in range(300): print('row', i)",
    "from IPython.display import Markdown\n"
    "display(Markdown('# Markdown title\\n\\n| key | val |\\n|---|---|\\n| k1 | v1 |'))",
]


@pytest.fixture(scope="module")
def session(qapp):
    """A console after the cells above (shared by the tests of this module)."""
    from pytestqt.qtbot import QtBot

    from embedcon.widgets import RichJupyterWidget

    km, kc = start_kernel()
    qtbot = QtBot(None)
    w = RichJupyterWidget(max_line_chars=LONG)
    w.resize(900, 700)
    w.show()
    w.kernel_manager = km
    w.kernel_client = kc
    c = Console(qtbot, w, km, kc)
    c.wait_prompt(1)
    c.wait_ready()
    for code in CELLS:
        c.run_source(code, timeout=60000)
    yield c
    w.close()
    w.deleteLater()
    stop_kernel(km, kc)


def _body(html):
    return re.split(r"<body[^>]*>", html, maxsplit=1)[1]


def test_export_html_is_faithful_and_safe(session, tmp_path):
    path = tmp_path / "session.html"
    html = session.w.export_html(str(path))
    assert path.read_text(encoding="utf-8") == html
    body = _body(html)
    # highlighted input (pygments spans with inline styles) with its prompts
    assert re.search(r'<span class="in-prompt">In \[1\]: </span><span style="[^"]+">def</span>',
                     body)
    assert '<span class="in-prompt">   ...: </span>' in body
    # ANSI colours survive, text is escaped
    assert '<span style="color:#cd3131;font-weight:bold">alarm</span>' in body
    assert '<span style="color:#2472c8">blue</span> &lt;tag&gt; &amp; more' in body
    assert '<span class="out-prompt">Out[3]: </span>\'hello you\'' in body
    # the DataFrame as a table, with header and index cells
    table = re.search(r"<table[^>]*>.*?</table>", body, re.S).group()
    assert "<th>alpha</th>" in table and "<th>2</th>" in table and "<td>6.5</td>" in table
    # nothing that runs or loads from elsewhere (the inputs show the hostile
    # code, escaped: checked apart)
    for tag in ("<script", "<iframe", "<form", "<input", "<svg"):
        assert tag not in body.lower()
    outputs = re.sub(r'<pre class="input">.*?</pre>', "", body, flags=re.S)
    low = outputs.lower()
    for bad in ("alert(", "javascript:", "evil.example", "url("):
        assert bad not in low, bad
    assert not re.search(r"<[^>]*\son\w+\s*=", low)  # no event handler attribute
    assert not re.search(r"""(src|href)=["'](?!data:|https://example\.org|#)""", low)
    assert "Content-Security-Policy" in html and "script-src 'none'" in html
    assert "<b>kept bold</b>" in body and "web link" in body
    # the traceback, coloured; the figures; the updated display; clear_output
    assert "ZeroDivisionError" in body and 'class="error"' in body
    assert len(re.findall(r'<img src="data:image/png;base64,', body)) == 1
    assert len(re.findall(r'<img src="data:image/svg\+xml;base64,', body)) == 1
    assert "second state" in outputs and "first state" not in outputs
    assert "after clear" in outputs and "gone" not in outputs
    # Markdown in its rich form: a heading and a table
    assert re.search(r"<h1[^>]*>(<[^>]+>)*Markdown title", outputs)
    assert re.search(r"<td[^>]*>\s*(<[^>]+>\s*)*k1", outputs) and "# Markdown" not in outputs


def test_export_html_keeps_long_lines_whole(session):
    body = _body(session.w.export_html())
    # the line elided on screen after LONG characters is whole in the export
    assert "H" + "m" * (LONG * 2) + "TAILEND" in body
    assert "earlier lines" not in body  # nothing was trimmed in this session


def test_export_html_keeps_the_whole_scrollback(session, make_console):
    c = make_console(session.km, session.kc, buffer_size=200)
    c.run("for i in range(1000): print('line', i)", timeout=60000)
    c.run("print('last')")
    shown = c.w._doc.toPlainText()
    assert "line 999\n" in shown and "line 700\n" not in shown  # the screen keeps 200 blocks
    body = _body(c.w.export_html())
    rows = [int(r) for r in re.findall(r"line (\d+)", body)]
    # the export has at least what the screen has, in order, and says what went
    first_shown = int(re.search(r"line (\d+)", shown).group(1))
    assert rows == list(range(rows[0], 1000)) and rows[0] <= first_shown
    assert "earlier lines of this output were beyond the scrollback" in body
    assert "last" in body


def test_export_html_external_images(session, tmp_path):
    path = tmp_path / "page.html"
    html = session.w.export_html(str(path), images="external")
    files = sorted(os.listdir(tmp_path / "page_files"))
    assert files == ["figure-1.png", "figure-2.svg"]
    assert (tmp_path / "page_files" / "figure-1.png").read_bytes().startswith(b"\x89PNG")
    assert 'src="page_files/figure-1.png"' in html and "data:image/png" not in html
    svg = (tmp_path / "page_files" / "figure-2.svg").read_text()
    assert "<rect" in svg and "script" not in svg
    with pytest.raises(ValueError):
        session.w.export_html(images="external")


def test_export_xhtml_is_well_formed_with_inline_svg(session, tmp_path):
    path = tmp_path / "session.xhtml"
    text = session.w.export_xhtml(str(path))
    dom = xml.dom.minidom.parseString(path.read_bytes())
    assert dom.documentElement.tagName == "html"
    svgs = dom.getElementsByTagNameNS("http://www.w3.org/2000/svg", "svg")
    assert len(svgs) == 1 and svgs[0].getElementsByTagNameNS("*", "rect")
    assert not dom.getElementsByTagNameNS("*", "script")
    for el in dom.getElementsByTagNameNS("*", "*"):
        assert not any(name.lower().startswith("on") for name in el.attributes.keys())
    assert "<svg" in text


def test_export_notebook_validates(session, tmp_path):
    nbformat = pytest.importorskip("nbformat")
    path = tmp_path / "session.ipynb"
    nb = session.w.export_notebook(str(path))
    loaded = nbformat.read(str(path), as_version=4)
    nbformat.validate(loaded)
    cells = loaded.cells
    assert [c.source for c in cells] == CELLS
    assert [c.execution_count for c in cells] == list(range(1, len(CELLS) + 1))
    result = cells[2].outputs[0]
    assert result.output_type == "execute_result" and result.execution_count == 3
    frame = cells[3].outputs[0]
    assert "text/html" in frame.data and "text/plain" in frame.data
    assert cells[5].outputs[0].output_type == "error"
    assert cells[5].outputs[0].ename == "ZeroDivisionError"
    assert "image/png" in cells[6].outputs[0].data
    assert cells[8].outputs[0].data["text/plain"] == "'second state'"
    assert cells[9].outputs[0].text == "after clear\n"
    assert nb["metadata"]["language_info"]["name"] == "python"


def test_export_text_keeps_behaviour_and_writes_a_file(session, tmp_path):
    path = tmp_path / "session.txt"
    text = session.w.export_text(str(path))
    assert path.read_text(encoding="utf-8") == text
    assert text.endswith(f"In [{len(CELLS) + 1}]: ")
    assert "\nrow 299\n" in text and "Markdown title" in text


def test_pdf_has_a_page(session, tmp_path):
    path = tmp_path / "session.pdf"
    session.w.export_pdf(str(path))
    data = path.read_bytes()
    assert data.startswith(b"%PDF")
    assert len(re.findall(rb"/Type\s*/Page\b", data)) >= 1


def test_print_on_a_printer(session, tmp_path):
    from qtpy import QtPrintSupport

    printer = QtPrintSupport.QPrinter()
    printer.setOutputFormat(QtPrintSupport.QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))
    session.w.print_(printer)
    del printer
    assert (tmp_path / "printed.pdf").read_bytes().startswith(b"%PDF")
    doc = session.w.print_document()  # what was printed: the colours and the figures
    html = doc.toHtml()
    assert "alarm" in html and "#cd3131" in html.lower()
    assert doc.resource(QtGui.QTextDocument.ResourceType.ImageResource.value
                        if hasattr(QtGui.QTextDocument.ResourceType.ImageResource, "value")
                        else QtGui.QTextDocument.ResourceType.ImageResource,
                        QtCore.QUrl("embedcon-print-1")) is not None


def test_a_huge_line_shows_head_and_tail_and_opens_whole(session, tmp_path):
    w = session.w
    whole = "H" + "m" * (LONG * 2) + "TAILEND"
    doc = w._doc
    found = doc.find("\ufffc")
    while not found.isNull() and w._long_output.at(found.selectionStart()) is None:
        found = doc.find("\ufffc", found)
    assert not found.isNull()
    pos = found.selectionStart()
    start, end = w._long_output.line_range(pos)
    shown = w._text_range(start, end)
    # head, the placeholder, the tail (500 characters) on screen
    assert shown.replace("\n", "").startswith("H" + "m" * (LONG - 1) + "\ufffc")
    assert shown.endswith("m" * (500 - 7) + "TAILEND")
    # the placeholder says how much is hidden
    assert w._long_output.hidden_count(w._long_output.at(pos)) == len(whole) - LONG - 500
    # a click on it opens the whole line
    w.control.setTextCursor(QtGui.QTextCursor(doc))
    rect = w.control.cursorRect(_cursor_at(doc, pos))
    w.control.ensureCursorVisible()
    w.control.setTextCursor(_cursor_at(doc, pos))
    w.control.centerCursor()
    rect = w.control.cursorRect(_cursor_at(doc, pos))
    from qtpy.QtTest import QTest

    click = rect.center() + QtCore.QPoint(8, 0)
    # in the pager (paging "inside", the default), in rows of 1,000 characters
    QTest.mouseClick(w.control.viewport(), QtCore.Qt.MouseButton.LeftButton,
                     QtCore.Qt.KeyboardModifier.NoModifier, click)
    assert w.pager.isVisible() and w.pager.text.replace("\n", "") == whole
    assert w.pager.text.count("\n") == len(whole) // 1000
    w.pager.close_page()
    # with paging inline, in a window of its own
    w.paging = "inline"
    before = len(w._viewers)
    w.control.setTextCursor(_cursor_at(doc, pos))
    w.control.centerCursor()
    rect = w.control.cursorRect(_cursor_at(doc, pos))
    QTest.mouseClick(w.control.viewport(), QtCore.Qt.MouseButton.LeftButton,
                     QtCore.Qt.KeyboardModifier.NoModifier, rect.center() + QtCore.QPoint(8, 0))
    w.paging = "inside"
    assert len(w._viewers) == before + 1 and not w.pager.isVisible()
    viewer = w._viewers[-1]
    assert viewer.text == whole
    viewer.save(str(tmp_path / "line.txt"))
    assert (tmp_path / "line.txt").read_text() == whole
    viewer.close()
    assert w.save_long_line(pos, str(tmp_path / "line2.txt"))
    assert (tmp_path / "line2.txt").read_text() == whole
    assert whole + "\n" in w.export_text()  # export_text keeps it whole


def _cursor_at(doc, pos):
    c = QtGui.QTextCursor(doc)
    c.setPosition(pos)
    return c


def test_ctrl_s_saves_and_ctrl_shift_p_prints(session, tmp_path, monkeypatch):
    from qtpy import QtPrintSupport, QtWidgets
    from qtpy.QtTest import QTest

    saved = tmp_path / "keys.html"
    monkeypatch.setattr(QtWidgets.QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a, **k: (str(saved), "HTML (*.html)")))
    QTest.keyClick(session.editor, QtCore.Qt.Key.Key_S, QtCore.Qt.KeyboardModifier.ControlModifier)
    assert saved.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")

    printed = tmp_path / "keys.pdf"

    def accept(dialog):
        dialog.printer().setOutputFormat(QtPrintSupport.QPrinter.OutputFormat.PdfFormat)
        dialog.printer().setOutputFileName(str(printed))
        return 1
    monkeypatch.setattr(QtPrintSupport.QPrintDialog, "exec", accept)
    QTest.keyClick(session.editor, QtCore.Qt.Key.Key_P,
                   QtCore.Qt.KeyboardModifier.ControlModifier | QtCore.Qt.KeyboardModifier.ShiftModifier)
    assert printed.read_bytes().startswith(b"%PDF")


def test_object_types_of_the_console_are_distinct(qtbot):
    """Each kind of object character has its own painter: the rich outputs'
    type once equalled the long-input placeholder's, which then was not drawn."""
    from embedcon.widgets import RichJupyterWidget
    from embedcon.widgets.long_input import PLACEHOLDER_TYPE
    from embedcon.widgets.long_output import HIDDEN_TYPE
    from embedcon.widgets.rich_blocks import RICH_OBJECT

    assert len({PLACEHOLDER_TYPE, HIDDEN_TYPE, RICH_OBJECT}) == 3
    w = RichJupyterWidget()
    qtbot.addWidget(w)
    w.resize(700, 300)
    w.show()
    w._show_prompt("In [1]: ", "input", "...: ")
    w.input_buffer = "x = '" + "a" * 6000 + "'"
    qtbot.wait(50)
    img = w.grab().toImage()
    grey = sum(1 for y in range(0, img.height(), 2) for x in range(0, img.width(), 2)
               if QtGui.QColor(img.pixel(x, y)).getRgb()[:3] == (128, 128, 128))
    assert grey > 20  # the boxed grey "... N more characters" label is drawn


def test_transcript_compacts_in_slices_and_exactly():
    bar = "".join(f"\r{i:6d}% [{'#' * (i % 40):<40}]" for i in range(100_000))
    t = Transcript()
    t.start_cell("bars")
    t.add_stream("stdout", "before\nabcdefgh")
    t.add_stream("stdout", bar)  # one big message: recorded as is, nothing collapsed yet
    t.add_stream("stdout", "\rxy\n")
    assert t.needs_compaction
    slices = 0
    while t.compact(max_chars=200_000):
        slices += 1
    assert slices >= 20 and not t.needs_compaction
    out = t.cells[0].outputs[0]
    assert out.chars < 1000 and t.chars < 1000
    # the same look as the whole text collapsed at once, as a terminal shows it
    assert ansi_to_html(out.text) == ansi_to_html("before\nabcdefgh" + bar + "\rxy\n")
    assert ansi_to_html(out.text).endswith("\nxy9999% [" + "#" * 39 + " ]\n")


# -- colours: the export looks like the screen (or the theme asked for) -------------------
def _rule(html: str, selector: str) -> dict:
    """The declarations of ``selector``'s rule in the page's style sheet."""
    m = re.search(re.escape(selector) + r"\s*\{([^}]*)\}", html.split("</style>")[0])
    assert m, selector
    return {k.strip(): v.strip() for k, v in (d.split(":", 1) for d in m.group(1).split(";")
                                              if ":" in d)}


def _span_colour(body: str, text: str) -> str:
    m = re.search(r'<span style="color:(#[0-9a-f]{6})[^"]*">' + re.escape(text) + "<", body)
    assert m, text
    return m.group(1)


def _keyword_colour(body: str) -> str:
    """The colour pygments gave the first input's ``def``."""
    m = re.search(r'<span style="color: ?(#[0-9a-fA-F]{6})[^"]*">def</span>', body)
    assert m
    return m.group(1).lower()


def _check_page(html: str, colours: PageColours, keyword: str) -> None:
    body = _body(html)
    rule = _rule(html, "body")
    assert (rule["color"], rule["background"]) == (colours.text, colours.background)
    assert _rule(html, ".in-prompt")["color"] == colours.prompt
    assert _rule(html, ".out-prompt")["color"] == colours.out_prompt
    assert _rule(html, ".stderr, .error")["color"] == colours.stderr
    assert _span_colour(body, "alarm") == colours.ansi[1]
    assert _span_colour(body, "blue") == colours.ansi[4]
    assert _keyword_colour(body) == keyword
    for c in colours.ansi + [colours.prompt, colours.out_prompt, colours.stderr, colours.text]:
        assert contrast_ratio(c, colours.background) >= 4.5, c


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_export_has_the_screens_colours_or_the_theme_asked_for(session, theme):
    w = session.w
    w.theme = theme
    try:
        screen = w._control.palette()
        colours = PageColours.for_theme(theme)
        assert colours.background == screen.color(QtGui.QPalette.ColorRole.Base).name()
        assert colours.ansi == w.writer.ansi_colours
        assert colours.prompt == w._prompt_format.foreground().color().name()
        keyword = {"light": "#008000", "dark": "#66d9ef"}  # pygments default, monokai
        # export_html and export_xhtml: the screen's colours by default
        _check_page(w.export_html(), colours, keyword[theme])
        _check_page(w.export_xhtml(), colours, keyword[theme])
        # or a theme forced: light for printing from a dark screen, and back
        other = "dark" if theme == "light" else "light"
        _check_page(w.export_html(theme=other), PageColours.for_theme(other), keyword[other])
        # print and PDF: light (paper) unless asked
        for asked, want in ((None, "light"), ("screen", theme), ("dark", "dark")):
            doc = w.print_document(asked)
            fmt = doc.rootFrame().frameFormat()
            assert fmt.background().color().name() == PageColours.for_theme(want).background
            assert PageColours.for_theme(want).ansi[1] in doc.toHtml().lower()
            doc.deleteLater()
        with pytest.raises(ValueError):
            w.export_html(theme="purple")
    finally:
        w.theme = "auto"


def test_export_theme_traits(session, tmp_path):
    w = session.w
    w.theme = "dark"
    try:
        w.export_theme = "light"
        _check_page(w.export_html(), PageColours.for_theme("light"), "#008000")
        w.print_theme = "screen"
        doc = w.print_document()
        assert doc.rootFrame().frameFormat().background().color().name() == "#1e1e1e"
        w.export_pdf(str(tmp_path / "dark.pdf"))
        data = (tmp_path / "dark.pdf").read_bytes()
        assert data.startswith(b"%PDF")
        # the page is filled with the dark background (#1e1e1e: 30/255 = 0.1176)
        import zlib
        streams = []
        for m in re.finditer(rb"stream\r?\n(.*?)endstream", data, re.S):
            try:
                streams.append(zlib.decompress(m.group(1)))
            except zlib.error:
                pass
        assert any(re.search(rb"0\.1176\d* 0\.1176\d* 0\.1176\d* scn", t) for t in streams)
    finally:
        w.export_theme, w.print_theme, w.theme = "screen", "light", "auto"


# -- cursor movements: the export ends as the screen ends ---------------------------------
def test_cursor_up_is_replayed_in_the_export_model():
    # two bars redrawn in place (cursor up, carriage return), as tqdm and rich draw them
    assert ansi_to_html("bar0 10%\nbar1 10%\n\x1b[2A\rbar0 50%\n\rbar1 90%") == \
        "bar0 50%\nbar1 90%\n"  # the cursor went back up from the third line
    assert ansi_to_html("one\ntwo\nthree\x1b[2A\rONE\x1b[1B") == "ONE\ntwo\nthree"
    assert ansi_to_html("a\x1b[5Ab") == "ab"  # never above the region's first line
    t = Transcript()
    t.start_cell("x")
    t.add_stream("stdout", "out 1\nout 2\n")
    t.add_stream("stderr", "\x1b[2A\rERR\n")  # another stream moves the same cursor
    body = _body(render_html(t))
    assert '<pre class="stdout">ERR 1\nout 2</pre>' in re.sub(r'<span class="stderr">(.*?)</span>',
                                                               r"\1", body)
    assert '<span class="stderr">ERR</span>' in body


def _html_text(html: str) -> str:
    import html as html_module

    return html_module.unescape(re.sub(r"<[^>]+>", "", html))


@pytest.mark.slow
def test_multi_bar_and_raw_cursor_escapes_export_as_the_screen_shows(session, make_console):
    c = make_console(session.km, session.kc)
    c.run_source(
        "import sys\nfrom tqdm import tqdm\nprint('BEGIN', flush=True)\n"
        "bars = [tqdm(total=4, position=i, desc=f'bar{i}', file=sys.stdout, ncols=50,\n"
        "             bar_format='{desc} {n}/{total}', mininterval=0) for i in range(3)]\n"
        "for step in range(4):\n"
        "    for b in bars:\n        b.update(1)\n"
        "for b in reversed(bars):\n    b.close()\n"
        "sys.stdout.write('one\\ntwo\\nthree\\x1b[2A\\rONE\\n\\rTWO\\n'); sys.stdout.flush()\n"
        "sys.stderr.write('\\x1b[1A\\rERR\\n'); sys.stderr.flush()\n"
        "print('\\nEND', flush=True)\n", timeout=60000)
    screen = c.w.export_text()
    region = screen[screen.rindex("BEGIN\n"):screen.rindex("END") + 3]
    for k in range(3):
        assert region.count(f"bar{k} 4/4") == 1, region
    assert "3/4" not in region, region
    assert region.endswith("ONE\nERR\nthree\nEND"), region
    html = c.w.export_html()
    cell = next(d for d in html.split('<div class="cell">') if "BEGIN" in d)
    shown = _html_text(cell)
    assert region in shown, (region, shown)
    assert _html_text(c.w.export_xhtml()).count(region) == 1


# -- colors = NoColor: the export has no colour, as the screen -----------------------------
NOCOLOR_CELLS = (
    "print('\\x1b[31mred\\x1b[0m \\x1b[42mongreen\\x1b[0m \\x1b[38;5;196mx256\\x1b[0m "
    "\\x1b[38;2;10;200;30mrgb\\x1b[0m \\x1b[2mfaint\\x1b[0m \\x1b[7minverse\\x1b[0m "
    "\\x1b[1mbold\\x1b[0m')",
    "import sys; print('\\x1b[34mto stderr\\x1b[0m', file=sys.stderr)",
    "raise ValueError('\\x1b[35mmagenta\\x1b[0m')",
    "def f(): return 'string'  # comment",
    "40 + 2",
)


def test_nocolor_export_has_no_colour(kernel, make_console):
    km, kc = kernel
    c = make_console(km, kc, colors="NoColor")
    for code in NOCOLOR_CELLS:
        c.run(code)
    assert "ValueError" in c.text() and "Out[5]" in c.text()
    w = c.w
    text = w._control.palette().color(QtGui.QPalette.ColorRole.Text).name()
    palettes = set(w.writer.ansi_colours) | set(PageColours.for_theme("light").ansi) | \
        set(PageColours.for_theme("dark").ansi) | {"#ff0000", "#0ac81e", "#808080"}
    pages = [("screen", w.export_html(), text), ("screen", w.export_xhtml(), text)]
    for theme in ("light", "dark"):
        pages.append((theme, w.export_html(theme=theme), PageColours.for_theme(theme).text))
    for theme, html, ink in pages:
        body = _body(html)
        assert "ongreen" in body and "magenta" in body and "to stderr" in body
        # no colour in any span: not the ANSI palette's, 256 or 24-bit ones, faint's
        # grey, inverse video's, nor the syntax style's on the input
        styles = re.findall(r'style="([^"]*)"', body)
        assert styles, theme
        for style in styles:
            assert "color" not in style, (theme, style)
        for colour in palettes:
            assert colour not in body.lower(), (theme, colour)
        assert re.search(r'<span style="[^"]*font-weight: ?bold[^"]*">bold</span>', body)
        # prompts, stderr and tracebacks in the text colour (the screen's prompt
        # format or palette: either is grey)
        for selector in (".in-prompt", ".out-prompt", ".stderr, .error", ".notice"):
            colour = QtGui.QColor(_rule(html, selector)["color"])
            assert _rule(html, selector)["color"] == ink or max(colour.getRgb()[:3]) - min(
                colour.getRgb()[:3]) < 8, (theme, selector)
    # printing too
    doc = w.print_document()
    assert not any(colour in doc.toHtml().lower() for colour in PageColours.for_theme(
        "light").ansi[1:7])
    doc.deleteLater()
