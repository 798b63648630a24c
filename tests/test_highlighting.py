"""Input highlighting: the kernel's lexer, IPython syntax without IPython, and
pygments styles switched at run time.  Colours are read from the input
lines' layouts, where the highlighter puts them."""

import pytest
from conftest import Key, Mod
from fake_kernel import FakeKernel
from pygments.styles import get_style_by_name
from pygments.token import Comment, Keyword, Name, Operator


def colour_at(w, needle, offset=0):
    """Foreground colour the highlighter gave the character ``offset`` into
    the last occurrence of ``needle`` in the input (None: uncoloured)."""
    doc = w.control.document()
    block = doc.findBlock(w._input_cursor.position())
    found = None
    while block.isValid():
        col = block.text().rfind(needle)
        if col >= 0:
            found = (block, col + offset)
        block = block.next()
    assert found, needle
    block, col = found
    for r in block.layout().formats():
        if r.start <= col < r.start + r.length:
            return r.format.foreground().color().name()
    return None


def style_colour(style, token):
    return ("#" + get_style_by_name(style).style_for_token(token)["color"]).lower()


def wait_colour(console, needle, want, offset=0):
    console.qtbot.waitUntil(lambda: colour_at(console.w, needle, offset) == want, timeout=5000)


def test_ipython_magics_shell_and_help_are_highlighted(console):
    deco = style_colour("default", Name.Decorator)
    op = style_colour("default", Operator)
    console.type("%timeit sorted(x)")
    wait_colour(console, "timeit", deco)
    console.key(Key.Key_Return, Mod.ControlModifier)
    console.type("files = !ls -l")
    wait_colour(console, "!ls", op)
    assert colour_at(console.w, "files") != op
    console.key(Key.Key_Return, Mod.ControlModifier)
    console.type("len??")
    wait_colour(console, "??", op)
    console.key(Key.Key_Return, Mod.ControlModifier)
    console.type("%%time")
    wait_colour(console, "%%time", deco, offset=2)


def test_style_switches_at_run_time(console):
    console.type("def f(): pass")
    wait_colour(console, "def", style_colour("default", Keyword))
    console.w.syntax_style = "monokai"
    wait_colour(console, "def", style_colour("monokai", Keyword))
    console.w.syntax_style = "no-such-style"  # falls back to default, no error
    wait_colour(console, "def", style_colour("default", Keyword))


@pytest.fixture
def julia_console(qapp, make_console, tmp_path):
    info = {"status": "ok", "protocol_version": "5.3", "implementation": "fake",
            "implementation_version": "0", "banner": "fake julia\n", "help_links": [],
            "language_info": {"name": "julia", "version": "1.10", "mimetype": "text/julia",
                              "file_extension": ".jl", "pygments_lexer": "julia"}}
    fk = FakeKernel(tmp_path, replies={"kernel_info_request": info})
    kc = fk.client()
    try:
        yield make_console(None, kc)
    finally:
        kc.stop_channels()
        fk.close()


def test_lexer_comes_from_the_kernels_language_info(julia_console):
    w = julia_console.w
    julia_console.qtbot.waitUntil(lambda: type(w._highlighter.lexer).__name__ == "JuliaLexer",
                                  timeout=5000)
    julia_console.type("function f(x) x end")
    wait_colour(julia_console, "function", style_colour("default", Keyword))


def test_cell_magic_body_is_lexed_in_its_language(console):
    builtin = style_colour("default", Name.Builtin)
    console.type("%%bash")
    console.key(Key.Key_Return, Mod.ControlModifier)
    console.type("echo $HOME")
    console.type("  # a comment")
    wait_colour(console, "echo", builtin)  # bash's builtin, not a Python name
    assert colour_at(console.w, "$HOME") == style_colour("default", Name.Variable)
    # bash ends a comment at a line end, which a line lexed alone lacks
    assert colour_at(console.w, "# a comment") == style_colour("default", Comment.Single)
    # the first line no longer a bash cell: the body is Python again
    console.key(Key.Key_Up)
    console.key(Key.Key_End)
    for _ in range(4):
        console.key(Key.Key_Backspace)
    console.type("time")  # %%time: Python body
    console.qtbot.waitUntil(lambda: colour_at(console.w, "echo") is None, timeout=5000)


def test_a_highlighting_pass_repaints_only_the_typed_line(console):
    """A pass while typing used to repaint the whole view (every visible line
    painted again, once per pass): now only the line it coloured, and the
    colours are on screen."""
    from qtpy import QtCore

    w = console.w
    w.input_buffer = "if x:\n" + "    y = 1\n" * 40  # input lines fill the view
    console.key(Key.Key_End, Mod.ControlModifier)
    view = w.control.viewport()
    console.qtbot.waitUntil(lambda: colour_at(w, "= 1", 2) is not None, timeout=5000)
    console.qtbot.wait(100)
    rects = []

    class Spy(QtCore.QObject):
        def eventFilter(self, obj, ev):
            if ev.type() == QtCore.QEvent.Type.Paint:
                rects.append(ev.rect())
            return False

    spy = Spy()
    view.installEventFilter(spy)
    try:
        console.type("pass")
        keyword = style_colour("default", Keyword)
        wait_colour(console, "pass", keyword)
        console.qtbot.wait(50)  # the pass's repaint
    finally:
        view.removeEventFilter(spy)
    assert rects and all(r.height() < view.height() // 2 for r in rects), \
        [(r.y(), r.height()) for r in rects]
    # the keyword's colour is painted where "pass" is
    c = w.control.textCursor()
    c.setPosition(c.position() - 4)
    at = w.control.cursorRect(c)
    img = view.grab(QtCore.QRect(at.left(), at.top(), 40, at.height())).toImage()
    colours = {img.pixelColor(x, y).name() for x in range(img.width()) for y in range(img.height())}
    assert keyword in colours or any(_close(keyword, c) for c in colours), colours


def _close(a, b, tol=40):
    from qtpy import QtGui

    x, y = QtGui.QColor(a), QtGui.QColor(b)
    return abs(x.red() - y.red()) + abs(x.green() - y.green()) + abs(x.blue() - y.blue()) < tol
