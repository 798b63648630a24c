"""The HTML sanitizer (embedcon/models/sanitize.py): nothing runs, nothing loads."""

import re
import xml.dom.minidom

import pytest

from embedcon.models.sanitize import SanitizeReport, safe_link, sanitize_html

PNG_DATA = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGP4z8DwHwAFAAH/iZk9HQAAAABJRU5ErkJggg=="


def _no_active_content(out: str) -> None:
    low = out.lower()
    for bad in ("<script", "<iframe", "<object", "<embed", "<form", "<input", "<style",
                "<svg", "<link", "<meta", "<base", "javascript:", "vbscript:", "http://evil",
                "file:", " on"):
        assert bad not in low, (bad, out)
    assert not re.search(r"\son\w+\s*=", low), out


@pytest.mark.parametrize("markup, kept", [
    ("<script>alert(1)</script>after", "after"),
    ("<SCRIPT type='text/javascript'>alert(1)</SCRIPT>after", "after"),
    ("<img src=x onerror=alert(1)>after", "after"),
    ('<img src="http://evil.example/x.png" alt="remote pic">', "remote pic"),
    ('<img src="https://evil.example/x.png">after', "after"),
    ('<img src="file:///etc/passwd">after', "after"),
    ('<a href="javascript:alert(1)">click</a>', "click"),
    ('<a href="java\tscript:alert(1)">click</a>', "click"),
    ('<a href="&#106;avascript:alert(1)">click</a>', "click"),
    ('<a href="vbscript:x">click</a>', "click"),
    ('<a href="file:///etc/passwd">click</a>', "click"),
    ('<iframe src="http://evil.example/">inside</iframe>after', "after"),
    ('<object data="http://evil.example/x.swf"><embed src="x"></object>after', "after"),
    ('<form action="http://evil.example/"><input name=a value=b>text</form>', "text"),
    ('<style>body{background:url(http://evil.example/x)}</style>after', "after"),
    ('<p style="background: url(http://evil.example/x)">styled</p>', "styled"),
    ('<p style="width: expression(alert(1))">styled</p>', "styled"),
    ('<link rel=stylesheet href="http://evil.example/x.css">after', "after"),
    ('<meta http-equiv="refresh" content="0;url=http://evil.example/">after', "after"),
    ('<base href="http://evil.example/">after', "after"),
    ('<svg><script>alert(1)</script></svg>after', "after"),
    ('<svg onload=alert(1)></svg>after', "after"),
    ('<body onload="alert(1)">body text</body>', "body text"),
    ('<div><!-- <script>alert(1)</script> -->after</div>', "after"),
    ('<math><mi xlink:href="javascript:alert(1)">x</mi></math>after', "after"),
    ('<scr<script>ipt>alert(1)</script>after', "after"),
    ('<table background="http://evil.example/x.png"><tr><td>cell</td></tr></table>', "cell"),
])
def test_active_and_remote_content_is_removed(markup, kept):
    report = SanitizeReport()
    out = sanitize_html(markup, report)
    _no_active_content(out)
    assert kept in out
    assert report or "<!--" in markup, "the removal is reported"


def test_a_dataframe_table_is_kept_whole():
    markup = ('<div><style scoped>.dataframe tbody tr th {vertical-align: top;}</style>'
              '<table border="1" class="dataframe"><thead><tr style="text-align: right;">'
              '<th></th><th>a</th><th>b</th></tr></thead><tbody>'
              '<tr><th>0</th><td>1</td><td>x &amp; y</td></tr></tbody></table></div>')
    out = sanitize_html(markup)
    assert '<table border="1" class="dataframe">' in out
    assert '<tr style="text-align: right">' in out
    assert "<th>0</th><td>1</td><td>x &amp; y</td>" in out
    assert "vertical-align" not in out  # the <style> element went


def test_safe_links_and_inline_pictures_stay():
    out = sanitize_html(f'<a href="https://jupyter.org" title="t">J</a><a href="#sec">in page</a>'
                        f'<img src="{PNG_DATA}" alt="dot" width="10">')
    assert '<a href="https://jupyter.org" title="t">J</a>' in out
    assert '<a href="#sec">' in out
    assert f'<img src="{PNG_DATA}" alt="dot" width="10" />' in out


def test_text_is_escaped_and_tags_are_balanced():
    out = sanitize_html("<b>a &lt;script&gt; <i>b")
    assert out == "<b>a &lt;script&gt; <i>b</i></b>"
    assert sanitize_html("x</b></table>y") == "xy"
    assert sanitize_html("<p title='\"><script>'>t</p>") == '<p title="&quot;&gt;&lt;script&gt;">t</p>'


def test_deep_nesting_is_flattened():
    out = sanitize_html("<div>" * 5000 + "deep" + "</div>" * 5000, max_depth=100)
    assert out.count("<div>") == 100 and "deep" in out


def test_safe_link():
    assert safe_link("https://a.b/c") == "https://a.b/c"
    assert safe_link("HTTP://a") == "HTTP://a"
    for bad in ("javascript:x", " javascript:x", "file:///x", "data:text/html,x", "ftp://x",
                "jav&#x09;ascript:x", None, 5):
        assert safe_link(bad) is None, bad


def test_rejects_non_text():
    with pytest.raises(TypeError):
        sanitize_html(b"<b>x</b>")


# -- implied end tags: the output has the structure a browser gives the input ------------
def _tree(markup: str):
    """The element tree a browser (the WHATWG parser, html5lib) builds from
    ``markup`` in a <body>, as nested (tag, children) and text."""
    html5lib = pytest.importorskip("html5lib")
    body = html5lib.parseFragment(markup, namespaceHTMLElements=False)

    def walk(el):
        out = [el.text] if el.text else []
        for child in el:
            out.append((child.tag, walk(child)))
            if child.tail:
                out.append(child.tail)
        return out
    return walk(body)


UNCLOSED = [
    "<p>one<p>two<p>three",
    "<ul><li>one<li>two<li>three</ul>after",
    "<ol><li>a<ul><li>inner one<li>inner two</ul><li>b</ol>",
    "<dl><dt>term<dd>definition<dt>term 2<dd>definition 2</dl>",
    "<table><tr><td>a<td>b<tr><td>c<td>d</table>",
    "<table><thead><tr><th>h1<th>h2<tbody><tr><td>1<td>2<tr><td>3<td>4</table>",
    "<table><tr><th>i<td>x<tr><th>j<td>y</table><p>after",
    "<table><tr><td>outer<table><tr><td>inner a<td>inner b</table>tail<td>outer 2</table>",
    "<p>para<table><tr><td>cell<p>in cell<td>next</table>",
    "<p>para<ul><li>item<p>item para<li>item 2</ul>",
    "<div><table><tr><td>x</div>y</table>z</div>",
    "<h1>title<h2>sub</h2>text",
    "<li>loose item<li>another",
    "<table><td>no row</table>",
]


@pytest.mark.parametrize("markup", UNCLOSED)
def test_unclosed_tags_get_the_structure_a_browser_gives(markup):
    out = sanitize_html(markup)
    assert _tree(out) == _tree(markup), out
    xml.dom.minidom.parseString(f"<div>{out}</div>")  # every end tag written out


def test_unclosed_cells_and_items_as_written():
    assert sanitize_html("<table><tr><td>a<td>b<tr><td>c<td>d</table>") == (
        "<table><tr><td>a</td><td>b</td></tr><tr><td>c</td><td>d</td></tr></table>")
    assert sanitize_html("<ul><li>one<li>two</ul>") == "<ul><li>one</li><li>two</li></ul>"
    assert sanitize_html("<p>a<p>b") == "<p>a</p><p>b</p>"
    # table parts outside a table lose their tags, as in a browser; text stays
    assert sanitize_html("<td>a</td><tr>b</tr>") == "ab"


def test_unclosed_table_shows_its_rows_and_cells_in_qt(qapp):
    from qtpy import QtGui

    doc = QtGui.QTextDocument()
    doc.setHtml(sanitize_html("<table><tr><th>i<td>x<td>y<tr><th>j<td>z<td>w</table>"
                              "<ul><li>one<li>two<li>three</ul>"))
    tables = [f for f in doc.rootFrame().childFrames() if isinstance(f, QtGui.QTextTable)]
    assert len(tables) == 1 and (tables[0].rows(), tables[0].columns()) == (2, 3)
    assert tables[0].cellAt(1, 2).firstCursorPosition().block().text() == "w"
    items = []
    block = doc.begin()
    while block.isValid():
        if block.textList() is not None:
            items.append(block.text())
        block = block.next()
    assert items == ["one", "two", "three"]


@pytest.mark.parametrize("markup", [
    "<p>a<script>alert(1)<p>b</script><p>c",
    "<table><tr><td><script>alert(1)<td>x</table>",
    "<ul><li><a href=javascript:alert(1)>x<li><img src=x onerror=alert(1)></ul>",
    "<table><td><iframe src=http://evil.example/><td>after</table>",
    "<p><svg><p onload=alert(1)>t</svg><p>after",
])
def test_implied_end_tags_let_nothing_unsafe_through(markup):
    _no_active_content(sanitize_html(markup))


def test_no_color_drops_colours_and_keeps_the_rest():
    """colors = NoColor: the kernel's colours go (attributes, style
    declarations, the colour of border shorthands); layout and weight stay."""
    markup = ('<p style="color: red; font-weight: bold; background: #ff0">a</p>'
              '<font color="#00f" size="4">b</font>'
              '<table bgcolor="yellow" border="1"><tr bgcolor="#0f0">'
              '<td style="border: 1px solid rgb(255, 0, 0); padding: 2px; '
              'background-color: hsl(120, 50%, 50%)">c</td>'
              '<th style="border-top-color: blue; text-decoration: underline red">d</th></tr>'
              '</table><a href="https://example.org" style="color:#f0f">e</a>')
    out = sanitize_html(markup, no_color=True)
    low = out.lower()
    for gone in ("color", "bgcolor", "background", "red", "#ff0", "#00f", "yellow", "#0f0",
                 "rgb(", "hsl(", "blue", "#f0f"):
        assert gone not in low, (gone, out)
    for kept in ("font-weight: bold", 'size="4"', 'border="1"', "border: 1px solid",
                 "padding: 2px", "text-decoration: underline", 'href="https://example.org"'):
        assert kept in out, (kept, out)
    assert [t for t in re.split(r"<[^>]+>", out) if t] == list("abcde")
    # without no_color the colours are kept, and dropping them is not reported as unsafe
    assert 'style="color: red' in sanitize_html(markup)
    report = SanitizeReport()
    sanitize_html(markup, report, no_color=True)
    assert not report, report.summary()
