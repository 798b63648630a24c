"""Call tips, completion styles, reverse history search and the pager,
driven with keys typed into the editor against real ipykernel kernels."""

import logging
import os

import pytest
from conftest import Key, Mod, stop_kernel
from qtpy import QtCore, QtGui

from embedcon.widgets.pager import PAGING_MODES

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def history_kernel(qapp, tmp_path_factory):
    """One kernel for the tests of this module, with a history database of its
    own (IPYTHONDIR); each console gets its own client."""
    env = dict(os.environ, IPYTHONDIR=str(tmp_path_factory.mktemp("ipython")))
    km, kc = _kernel_with_env(env)
    kc.stop_channels()
    yield km
    if km.has_kernel:
        km.shutdown_kernel(now=True)


@pytest.fixture
def con(history_kernel, make_console):
    """A console on the shared kernel, waiting at its prompt."""
    made = []

    def make(**traits):
        kc = history_kernel.client()
        kc.start_channels()
        c = make_console(None, kc, wait=False, **traits)
        c.wait_prompt()
        c.wait_ready()
        made.append(kc)
        return c

    yield make
    for kc in made:
        kc.stop_channels()


def ctrl(c, key):
    c.key(key, Mod.ControlModifier)


# -- call tips -------------------------------------------------------------------
def test_call_tip_shown_and_hidden(con):
    c = con()
    tip = c.w.call_tip
    c.run_source('def tipfunc(alpha, beta=2):\n    "First doc line.\\n\\nMore."\n    return alpha')
    c.type("tipfunc(")
    c.qtbot.waitUntil(tip.isVisible, timeout=10000)
    assert "alpha" in tip.text() and "First doc line." in tip.text()
    c.type("1, ")  # typing the arguments keeps it
    c.qtbot.wait(50)
    assert tip.isVisible()
    c.key(Key.Key_Escape)  # Escape hides it and keeps the input
    assert not tip.isVisible() and c.w.input_buffer == "tipfunc(1, "
    c.key(Key.Key_Backtab, Mod.ShiftModifier)  # Shift+Tab inside the call: on demand
    c.qtbot.waitUntil(tip.isVisible, timeout=10000)
    c.type("2)")  # leaving the parentheses hides it
    assert not tip.isVisible()
    c.key(Key.Key_Left)  # back inside: the tip does not come back by itself
    c.qtbot.wait(100)
    assert not tip.isVisible()
    c.key(Key.Key_Backtab, Mod.ShiftModifier)
    c.qtbot.waitUntil(tip.isVisible, timeout=10000)
    for _ in range(len("tipfunc(1, 2")):  # moving before the "(" hides it
        c.key(Key.Key_Left)
    assert not tip.isVisible()
    c.key(Key.Key_End)
    c.key(Key.Key_Backspace)  # "tipfunc(1, 2": inside the call again
    c.key(Key.Key_Backtab, Mod.ShiftModifier)
    c.qtbot.waitUntil(tip.isVisible, timeout=10000)
    c.key(Key.Key_Return, Mod.ShiftModifier)  # executing hides it
    c.qtbot.waitUntil(lambda: not tip.isVisible(), timeout=5000)
    c.wait_prompt()
    # Shift+Tab outside a call still dedents
    c.type("    x")
    c.key(Key.Key_Home)
    c.key(Key.Key_Backtab, Mod.ShiftModifier)
    assert c.w.input_buffer == "x"


def test_call_tip_late_reply_is_dropped_and_disabled_tips(con):
    c = con()
    tip = c.w.call_tip
    c.type("print()")  # ")" leaves the call before the reply can arrive
    c.qtbot.wait(800)
    assert not tip.isVisible()
    c.key(Key.Key_Escape)
    c.w.enable_calltips = False
    c.type("print(")
    c.qtbot.wait(800)
    assert not tip.isVisible()
    c.key(Key.Key_Backtab, Mod.ShiftModifier)  # on demand still works
    c.qtbot.waitUntil(tip.isVisible, timeout=10000)


def test_call_tip_of_a_huge_docstring_is_cut(con, caplog):
    c = con()
    tip = c.w.call_tip
    c.run_source("def huge(a):\n    pass\nhuge.__doc__ = 'word ' * 200_000 + '\\n' * 1000")
    c.type("huge(")
    c.qtbot.waitUntil(tip.isVisible, timeout=20000)
    text = tip.text()
    assert len(text) < 5000 and text.count("\n") <= 14
    c.key(Key.Key_Escape)
    c.key(Key.Key_Escape)
    caplog.set_level(logging.INFO)
    c.type("no_such_name(")  # found: false: nothing shown, nothing logged
    c.qtbot.wait(800)
    assert not tip.isVisible()
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


# -- completion ------------------------------------------------------------------
def _many_names(c, n=10_000):
    c.run(f"globals().update({{f'zq_name_{{i}}': i for i in range({n})}})")


def test_completion_droplist_many_matches_and_types(con):
    c = con()
    _many_names(c)
    c.type("zq_na")
    c.key(Key.Key_Tab)
    comp = c.w.completer
    c.qtbot.waitUntil(comp.isVisible, timeout=20000)
    assert c.w.input_buffer == "zq_name_"  # the common prefix
    lst = c.w.completion_widget
    assert lst is comp.droplist and lst.count() == 10_000
    c.type("999")
    assert lst.texts() == ["zq_name_999", "zq_name_9990", "zq_name_9991", "zq_name_9992",
                           "zq_name_9993", "zq_name_9994", "zq_name_9995", "zq_name_9996",
                           "zq_name_9997", "zq_name_9998", "zq_name_9999"]
    c.key(Key.Key_Down)
    c.key(Key.Key_Return)
    assert c.w.input_buffer == "zq_name_9990" and not comp.isVisible()
    # IPython's metadata: each match has a type
    c.key(Key.Key_Escape)
    c.run("import os")
    c.type("os.pa")
    c.key(Key.Key_Tab)
    c.qtbot.waitUntil(comp.isVisible, timeout=20000)
    model = lst.model()
    kinds = {model.info(r).text: (model.info(r).type, model.info(r).signature)
             for r in range(model.rowCount())}
    assert kinds["path"] == ("module", "") and kinds["pathconf"] == ("function", "(path, name)")


def test_completion_reply_after_typing_on(con):
    c = con()
    _many_names(c, 2000)
    comp = c.w.completer
    c.type("zq_name_1")
    c.key(Key.Key_Tab)
    c.type("23")  # typed before the reply came: it is narrowed to what is typed now
    c.qtbot.waitUntil(comp.isVisible, timeout=20000)
    assert c.w.input_buffer == "zq_name_123"
    assert c.w.completion_widget.texts() == ["zq_name_123"] + [f"zq_name_123{i}" for i in range(10)]
    c.key(Key.Key_Escape)
    c.key(Key.Key_Escape)
    c.type("zq_name_1")
    c.key(Key.Key_Tab)
    c.type(" + 1")  # the word is finished: the reply is dropped
    c.qtbot.wait(1000)
    assert not comp.isVisible() and c.w.input_buffer == "zq_name_1 + 1"


def test_completion_ncurses_columns_walk_with_tab(con):
    c = con(gui_completion="ncurses")
    comp = c.w.completer
    c.run("import os")
    c.type("os.pa")
    c.key(Key.Key_Tab)
    c.qtbot.waitUntil(comp.isVisible, timeout=20000)
    cols = c.w.completion_widget
    assert cols is comp.columns and cols.isVisible() and not comp.droplist.isVisible()
    names = cols.texts()
    assert "path" in names and "pardir" in names
    c.key(Key.Key_Tab)  # Tab walks the names
    assert cols.current_text() == names[0]
    c.key(Key.Key_Tab)
    assert cols.current_text() == names[1]
    c.key(Key.Key_Return)
    assert c.w.input_buffer == "os." + names[1] and not comp.isVisible()
    c.key(Key.Key_Escape)
    c.type("os.pa")
    c.key(Key.Key_Tab)
    c.qtbot.waitUntil(comp.isVisible, timeout=20000)
    c.type("th")  # typing narrows the columns
    assert all(n.startswith("path") for n in cols.texts())
    c.w.gui_completion = "droplist"  # switched while shown: moves to the popup
    assert comp.droplist.isVisible() and not cols.isVisible()
    c.w.gui_completion = "ncurses"
    assert cols.isVisible() and not comp.droplist.isVisible()
    c.key(Key.Key_Escape)
    assert not comp.isVisible() and c.w.input_buffer == "os.path"


def test_completion_plain_writes_the_names(con):
    c = con(gui_completion="plain")
    c.run("import os")
    c.type("os.pa")
    c.key(Key.Key_Tab)
    c.wait_text("pathsep")
    assert "pardir" in c.text() and c.w.input_buffer == "os.pa"
    assert not c.w.completer.isVisible() and c.w.completion_widget is None


# -- reverse search ----------------------------------------------------------------
def test_reverse_search_repeats_enter_and_escape(con):
    c = con()
    for code in ("rsq_alpha_one = 1", "rsq_beta = 2", "rsq_alpha_two = 3", "rsq_gamma = 4"):
        c.run(code)
    bar = c.w.reverse_search
    c.type("typed before")
    ctrl(c, Key.Key_R)
    assert bar.isVisible()
    c.type("rsq_alpha")
    assert c.w.input_buffer == "rsq_alpha_two = 3"
    assert "reverse-i-search" in bar.text() and "`rsq_alpha'" in bar.text()
    ctrl(c, Key.Key_R)  # older
    assert c.w.input_buffer == "rsq_alpha_one = 1"
    ctrl(c, Key.Key_R)  # no older one: stays, says failing
    assert c.w.input_buffer == "rsq_alpha_one = 1" and "failing" in bar.text()
    ctrl(c, Key.Key_S)  # newer
    assert c.w.input_buffer == "rsq_alpha_two = 3"
    c.key(Key.Key_Backspace)
    c.key(Key.Key_Backspace)
    c.key(Key.Key_Backspace)  # back to "rsq_alpha" then "rsq_alph"
    assert bar.search.query.startswith("rsq_alph")
    before = len(c.executed)
    c.key(Key.Key_Return)  # keeps the match, does not run it
    assert not bar.isVisible() and c.w.input_buffer.startswith("rsq_alpha_")
    c.qtbot.wait(300)
    assert len(c.executed) == before
    c.w.input_buffer = "my draft"
    ctrl(c, Key.Key_R)
    c.type("rsq_gam")
    assert c.w.input_buffer == "rsq_gamma = 4"
    c.key(Key.Key_Escape)  # puts back what was typed
    assert c.w.input_buffer == "my draft" and not bar.isVisible()
    ctrl(c, Key.Key_R)
    c.type("rsq_beta")
    assert c.w.input_buffer == "rsq_beta = 2"
    ctrl(c, Key.Key_G)  # Ctrl+G too
    assert c.w.input_buffer == "my draft"
    ctrl(c, Key.Key_R)
    c.type("rsq_beta")
    c.key(Key.Key_End)  # another key: keeps the match and does its job
    assert not bar.isVisible() and c.w.input_buffer == "rsq_beta = 2"


def test_reverse_search_finds_an_earlier_session(qapp, make_console, tmp_path):
    env = dict(os.environ, IPYTHONDIR=str(tmp_path / "ipython"))
    km1, kc1 = _kernel_with_env(env)
    try:
        first = make_console(None, kc1, wait=False)
        first.wait_prompt()
        first.wait_ready()
        first.run("earlier_session_marker = 41")
    finally:
        kc1.stop_channels()
        km1.shutdown_kernel(now=False)  # IPython writes its history database on the way out
    km2, kc2 = _kernel_with_env(env)
    try:
        # no history at connect: what Ctrl+R finds comes from its own history_request
        second = make_console(None, kc2, wait=False, history_load_length=0)
        second.wait_prompt()
        second.wait_ready()
        second.run("later = 1")
        ctrl(second, Key.Key_R)
        second.type("earlier_session")

        second.qtbot.waitUntil(
            lambda: second.w.input_buffer == "earlier_session_marker = 41", timeout=20000)
        second.key(Key.Key_Return)
        assert second.w.input_buffer == "earlier_session_marker = 41"
    finally:
        stop_kernel(km2, kc2)


def _kernel_with_env(env):
    from embedcon.manager import QtKernelManager

    km = QtKernelManager(kernel_name="python3")
    km.start_kernel(env=env)
    kc = km.client()
    kc.start_channels()
    return km, kc


def test_kernel_without_history_or_inspect(qapp, make_console, tmp_path, caplog):
    """History errors: Ctrl+R searches this session's inputs; inspect errors: no tip,
    nothing logged at warning level."""
    from fake_kernel import FakeKernel

    error = {"status": "error", "ename": "X", "evalue": "not supported", "traceback": []}
    fk = FakeKernel(tmp_path, replies={"history_request": error, "inspect_request": error})
    kc = fk.client()
    try:
        c = make_console(None, kc)
        fk.wait_subscribed()
        c.run("first_input = 1")
        c.run("second_input = 2")
        ctrl(c, Key.Key_R)
        c.type("first")
        assert c.w.input_buffer == "first_input = 1"
        c.qtbot.waitUntil(lambda: fk.last_request("history_request") is not None and
                          "history_search" not in c.w._requests.values(), timeout=5000)
        assert c.w.input_buffer == "first_input = 1"  # the error changed nothing
        c.key(Key.Key_Return)
        assert c.w.history.items[-2:] == ["first_input = 1", "second_input = 2"]
        c.key(Key.Key_Escape)
        caplog.set_level(logging.INFO)
        c.type("print(")
        c.qtbot.waitUntil(lambda: fk.last_request("inspect_request") is not None, timeout=5000)
        c.qtbot.wait(300)
        assert not c.w.call_tip.isVisible()
        c.key(Key.Key_Backtab, Mod.ShiftModifier)
        c.qtbot.wait(300)
        assert not c.w.call_tip.isVisible() and c.w.input_buffer == "print("
        assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
        # a search that is open while the input is run leaves the input alone
        ctrl(c, Key.Key_R)
        c.type("second")
        c.w.execute("third_input = 3")
        assert "third_input = 3" in c.text() and not c.w.reverse_search.isVisible()
    finally:
        kc.stop_channels()
        fk.close()


# -- pager -------------------------------------------------------------------------
PAGE = "\x1b[31mRED HEADER\x1b[0m\n" + "".join(f"page line {i}\n" for i in range(300))


def _page_state(w):
    pager = w.pager
    return dict(shown=pager.isVisible(), editor=w.control.isVisible(),
                orientation=pager.splitter.orientation())


def _check_mode(w, mode, custom, transcript_before):
    state = _page_state(w)
    if mode == "inside":
        assert state["shown"] and not state["editor"]
    elif mode in ("hsplit", "vsplit"):
        assert state["shown"] and state["editor"]
        want = QtCore.Qt.Orientation.Horizontal if mode == "hsplit" else \
            QtCore.Qt.Orientation.Vertical
        assert state["orientation"] == want
    elif mode in ("inline", "none"):
        assert not state["shown"] and state["editor"]
        assert w.export_text().count("page line 299") > transcript_before
    else:
        assert not state["shown"] and state["editor"] and custom and custom[-1] == PAGE


@pytest.mark.parametrize("mode", PAGING_MODES)
def test_pager_modes_with_a_kernel_page(con, mode):
    c = con(paging=mode)
    custom = []
    c.w.custom_page_requested.connect(custom.append)
    c.run("from IPython.core.page import page")
    c.run(f"page({PAGE!r})")
    _check_mode(c.w, mode, custom, 0)
    if mode in ("inside", "hsplit", "vsplit"):
        pager = c.w.pager
        assert pager.view.hasFocus()
        # ANSI colours are kept
        doc = pager.view.document()
        fmt = doc.findBlockByNumber(0).begin().fragment().charFormat()
        assert doc.findBlockByNumber(0).text() == "RED HEADER"
        assert fmt.foreground().color().red() > 150 and fmt.foreground().color().green() < 100
        # searchable: "/" opens the search line, hits are highlighted, Enter goes on
        c.qtbot.keyClick(pager.view, "/")
        assert pager.search_line.hasFocus()
        c.qtbot.keyClicks(pager.search_line, "line 29")
        assert pager.hits() == 11
        first = pager.view.textCursor().blockNumber()
        c.qtbot.keyClick(pager.search_line, Key.Key_Return)
        assert pager.view.textCursor().blockNumber() > first
        c.qtbot.keyClick(pager.search_line, Key.Key_Escape)
        assert pager.view.hasFocus()
        c.qtbot.keyClick(pager.view, "q")  # q closes, focus back to the input
        assert not pager.isVisible() and c.w.control.isVisible() and c.w.control.hasFocus()


def test_pager_switches_at_run_time_between_every_pair(qtbot):
    from embedcon.widgets import RichJupyterWidget

    w = RichJupyterWidget()
    qtbot.addWidget(w)
    w.resize(800, 600)
    w.show()
    custom = []
    w.custom_page_requested.connect(custom.append)
    for a in PAGING_MODES:
        for b in PAGING_MODES:
            if a == b:
                continue
            w.pager.close_page()
            w.paging = a
            before = w.export_text().count("page line 299")
            custom.clear()
            w.page(PAGE)
            _check_mode(w, a, custom, before)
            before = w.export_text().count("page line 299")
            custom.clear()
            was_shown = w.pager.isVisible()
            w.paging = b
            if was_shown:  # a shown page moves to the new place
                _check_mode(w, b, custom, before)
            w.page(PAGE)  # and new pages go there
            _check_mode(w, b, custom, before)
    w.pager.close_page()
    w.clear()


def test_pager_escape_and_short_text_inside(qtbot):
    from embedcon.widgets import RichJupyterWidget

    w = RichJupyterWidget(paging="inside")
    qtbot.addWidget(w)
    w.resize(800, 600)
    w.show()
    w.page("short help\n")  # fits in the view: written inline, no pager
    assert not w.pager.isVisible() and "short help" in w.export_text()
    w.page(PAGE)
    assert w.pager.isVisible()
    qtbot.keyClick(w.pager.view, Key.Key_Escape)
    assert not w.pager.isVisible() and w.control.isVisible()
    with pytest.raises(Exception):
        w.paging = "sideways"


def test_grab_pictures_light_and_dark(con, tmp_path):
    """Not a pixel comparison: the widgets render (and the files can be looked at)."""
    c = con(paging="vsplit")
    c.run_source('def tipfunc(alpha, beta=2):\n    "First doc line."\n    return alpha')
    c.run("import os")
    for theme in ("light", "dark"):
        if theme == "dark":
            pal = QtGui.QPalette(QtGui.QColor("#2b2b2b"))
            c.w.setPalette(pal)
        c.type("tipfunc(")
        c.qtbot.waitUntil(c.w.call_tip.isVisible, timeout=10000)
        img = c.w.grab()
        assert not img.isNull()
        img.save(str(tmp_path / f"calltip-{theme}.png"))
        c.key(Key.Key_Escape)
        c.key(Key.Key_Escape)
        c.type("os.pa")
        c.key(Key.Key_Tab)
        c.qtbot.waitUntil(c.w.completer.isVisible, timeout=10000)
        c.w.grab().save(str(tmp_path / f"droplist-{theme}.png"))
        c.key(Key.Key_Escape)
        c.key(Key.Key_Escape)
        ctrl(c, Key.Key_R)
        c.type("tip")
        c.qtbot.wait(50)
        c.w.grab().save(str(tmp_path / f"rsearch-{theme}.png"))
        c.key(Key.Key_Escape)
        c.w.page(PAGE)
        c.qtbot.wait(50)  # the layout settles
        c.w.grab().save(str(tmp_path / f"pager-{theme}.png"))
        c.w.pager.close_page()
    if os.environ.get("EMBEDCON_KEEP_PICTURES"):
        import shutil

        for p in tmp_path.glob("*.png"):
            shutil.copy(p, os.environ["EMBEDCON_KEEP_PICTURES"])
