"""Input highlighting: the kernel's lexer, IPython syntax without IPython, and
pygments styles switched at run time.  Colours are read from the input
lines' layouts, where the highlighter puts them."""

import pytest
from conftest import Key, Mod
from fake_kernel import FakeKernel
from pygments.styles import get_style_by_name
from pygments.token import Comment, Keyword, Name, Operator, Token


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


def test_lexer_falls_back_to_the_language_name(qapp, make_console, tmp_path):
    """No pygments_lexer in language_info: the language's name picks the lexer."""
    info = {"status": "ok", "protocol_version": "5.3", "implementation": "fake",
            "implementation_version": "0", "banner": "fake bash\n", "help_links": [],
            "language_info": {"name": "bash", "version": "5", "mimetype": "text/x-sh",
                              "file_extension": ".sh"}}
    fk = FakeKernel(tmp_path, replies={"kernel_info_request": info})
    kc = fk.client()
    try:
        c = make_console(None, kc)
        c.qtbot.waitUntil(lambda: type(c.w._highlighter.lexer).__name__ == "BashLexer",
                          timeout=5000)
    finally:
        kc.stop_channels()
        fk.close()


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


# -- executed inputs follow a theme or style switch -----------------------------------------
def executed_colour(w, needle, offset=0):
    """Foreground the highlighter gave ``needle`` (+ ``offset``) in the first
    executed input line holding it (None: uncoloured)."""
    block = w.control.document().begin()
    live = w._input_cursor.position() if w._input_cursor is not None else 1 << 60
    while block.isValid() and block.position() < live:
        text = block.text()
        col = text.find(needle)
        if col >= 0 and text.startswith(("In [", " ")):
            col += offset
            for r in block.layout().formats():
                if r.start <= col < r.start + r.length:
                    return r.format.foreground().color().name()
            return None
        block = block.next()
    raise AssertionError(needle)


def _pixels_near(w, needle, size=(60, 0)):
    """The colours painted over the first executed ``needle`` (on screen)."""
    from qtpy import QtCore, QtGui

    edit = w.control
    doc = edit.document()
    found = doc.find(needle)
    assert not found.isNull(), needle
    c = QtGui.QTextCursor(doc)
    c.setPosition(found.selectionStart())
    at = edit.cursorRect(c)
    img = w.grab().toImage()
    origin = edit.viewport().mapTo(w, QtCore.QPoint(0, 0))
    return {img.pixelColor(x, y).name()
            for x in range(origin.x() + at.left(), origin.x() + at.left() + size[0])
            for y in range(origin.y() + at.top(), origin.y() + at.bottom())}


def test_a_theme_or_style_switch_colours_the_executed_inputs_again(kernel, make_console,
                                                                   tmp_path):
    km, kc = kernel
    console = make_console(km, kc, theme="light")
    w = console.w
    console.run("def far(): return 'first'  # scrolled away")
    console.run("for i in range(120): print(i)")  # the first input leaves the screen
    console.run("def near(): return 'last'")
    light = style_colour("default", Keyword)
    dark = style_colour("monokai", Keyword)
    assert executed_colour(w, "def far") == light and executed_colour(w, "def near") == light
    assert any(_close(light, c) for c in _pixels_near(w, "def near"))
    w.grab().save(str(tmp_path / "light.png"))
    w.theme = "dark"
    # the input on screen at once; the one scrolled away in the slices that follow
    assert executed_colour(w, "def near") == dark
    console.qtbot.waitUntil(lambda: not w._highlighter.restyling, timeout=5000)
    assert executed_colour(w, "def far") == dark
    assert executed_colour(w, "'first'") == style_colour("monokai", Token.Literal.String)
    console.qtbot.wait(50)
    w.grab().save(str(tmp_path / "dark.png"))
    near = _pixels_near(w, "def near")
    assert any(_close(dark, c) for c in near) and not any(_close(light, c) for c in near)
    # a syntax_style of its own, at run time: old inputs take it too
    w.syntax_style = "solarized-dark"
    console.qtbot.waitUntil(lambda: not w._highlighter.restyling, timeout=5000)
    for needle in ("def far", "def near"):
        assert executed_colour(w, needle) == style_colour("solarized-dark", Keyword)
    # back to light with the default style
    w.syntax_style = "default"
    w.theme = "light"
    console.qtbot.waitUntil(lambda: not w._highlighter.restyling, timeout=5000)
    assert executed_colour(w, "def far") == light and executed_colour(w, "def near") == light
    # colors = NoColor: the executed inputs lose their colour too (pygments' bw)
    w.colors = "NoColor"
    console.qtbot.waitUntil(lambda: not w._highlighter.restyling, timeout=5000)
    assert executed_colour(w, "def far") in (None, "#000000")
    assert executed_colour(w, "def near") in (None, "#000000")


def test_a_cell_magic_body_keeps_its_language_when_coloured_again(console):
    console.type("%%bash")
    console.key(Key.Key_Return, Mod.ControlModifier)
    console.type("echo $HOME")
    console.key(Key.Key_Return, Mod.ShiftModifier)
    console.wait_prompt(2)
    builtin = {s: style_colour(s, Name.Builtin) for s in ("default", "monokai")}
    assert executed_colour(console.w, "echo") == builtin["default"]
    console.w.syntax_style = "monokai"
    console.qtbot.waitUntil(lambda: executed_colour(console.w, "echo") == builtin["monokai"],
                            timeout=5000)
    assert executed_colour(console.w, "$HOME") == style_colour("monokai", Name.Variable)
