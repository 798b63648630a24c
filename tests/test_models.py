"""Console models: pure Python, no display needed."""

import pytest

from embedcon.models.ansi import (PLAIN, AnsiParser, Backspace, CarriageReturn, CursorUp,
                                  EraseLine, Text, strip_ansi)
from embedcon.models.history import History
from embedcon.models.keymap import DEFAULT_BINDINGS, KeyMap, normalize_chord
from embedcon.models.killring import KillRing


def test_plain_text_takes_the_fast_path():
    p = AnsiParser()
    assert p.feed("hello\nworld\t!") == [Text("hello\nworld\t!", PLAIN)]


def test_sgr_colours_and_reset():
    p = AnsiParser()
    out = p.feed("a\x1b[1;31mb\x1b[38;5;208mc\x1b[48;2;1;2;3md\x1b[0me")
    assert [t.text for t in out] == ["a", "b", "c", "d", "e"]
    assert out[1].style.fg == 1 and out[1].style.bold
    assert out[2].style.fg == 208
    assert out[3].style.bg == (1, 2, 3)
    assert out[4].style == PLAIN


def test_escape_split_across_chunks():
    p = AnsiParser()
    assert p.feed("x\x1b[3") == [Text("x", PLAIN)]
    out = p.feed("2mgreen")
    assert out[0].text == "green" and out[0].style.fg == 2


def test_controls_and_cursor_movement():
    p = AnsiParser()
    out = p.feed("10%\r20%\x1b[K\b\x1b[999999999A\x07z\x00")
    kinds = [type(a) for a in out]
    assert kinds == [Text, CarriageReturn, Text, EraseLine, Backspace, CursorUp, Text]
    assert out[5].lines == 10_000  # clamped
    assert out[6].text == "z\u2400"  # NUL shown, bell dropped


def test_crlf_is_a_newline_and_osc_is_dropped():
    p = AnsiParser()
    assert p.feed("a\r\nb\x1b]8;;http://x\x07link\x1b]8;;\x07") == [Text("a\nblink", PLAIN)]


def test_an_osc_sequence_split_between_messages_is_still_dropped():
    # "\x1b]" used to match as a two-character escape when the rest had not
    # arrived yet, and the title then showed as text
    p = AnsiParser()
    assert p.feed("a\x1b]") == [Text("a", PLAIN)]
    assert p.feed("0;title") == []
    assert p.feed("\x07b") == [Text("b", PLAIN)]


def test_colour_only_text_parses_the_same_on_the_fast_path():
    # text whose only escapes are colours takes a split-based fast path; a bell
    # (which shows nothing) forces the general path: both must give the same
    import random

    def merged(actions):
        out = []
        for a in actions:
            if out and out[-1].style == a.style:
                out[-1] = Text(out[-1].text + a.text, a.style)
            elif a.text:
                out.append(a)
        return out

    rnd = random.Random(11)
    tokens = ["ab", "\x1b[31m", "\x1b[0m", "\x1b[m", "\x1b[1;32m", "\n", "\x1b[38;5;200m",
              "\x1b[48;2;1;2;3m", "\x1b[99m", "\x1b[;m", "\x1b[1:3m", "\u00e9", "\x01", "\t"]
    for _ in range(3000):
        text = "".join(rnd.choice(tokens) for _ in range(rnd.randint(1, 15)))
        fast, general = AnsiParser(), AnsiParser()
        assert merged(fast.feed(text)) == merged(general.feed(text + "\x07")), repr(text)
        assert fast.style == general.style


def test_garbage_escapes_never_raise():
    import random

    rnd = random.Random(1)
    alphabet = "\x1b[];0123456789mABCDHJKfGhl?\r\n\b\x07x"
    p = AnsiParser()
    for _ in range(2000):
        p.feed("".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 40))))
    assert strip_ansi("\x1b[31mred\x1b[0m") == "red"


def test_history_prefix_and_substring():
    h = History()
    for e in ["import os", "x = 1", "import sys", "print(x)"]:
        h.append(e)
    assert h.previous("", "imp") == "import sys"
    assert h.previous("import sys", "imp") == "import os"
    assert h.previous("import os", "imp") is None
    assert h.next("import os", "imp") == "import sys"
    assert h.next("import sys", "imp") == ""  # back to the live line
    h.reset()
    assert h.previous("", "= 1", substring=True) == "x = 1"


def test_history_keeps_edits_and_dedups():
    h = History()
    h.load(["a", "a", "b"])
    assert h.items == ["a", "b"]
    assert h.previous("draft") == "b"
    assert h.previous("b edited") == "a"
    assert h.next("a") == "b edited"
    assert h.next("b edited") == "draft"


def test_kill_ring_rotates():
    k = KillRing()
    k.kill("one")
    k.kill("two")
    assert k.yank() == "two"
    assert k.rotate() == "one"
    assert k.rotate() == "two"


def test_keymap_overrides_and_errors():
    km = KeyMap({"ctrl+enter": "execute", "Ctrl+L": None})
    assert km.lookup("Ctrl+Return") == "execute"
    assert km.lookup("Ctrl+L") is None
    assert km.lookup("Return") == "enter"
    with pytest.raises(ValueError):
        KeyMap({"Ctrl+Q": "no_such_command"})
    assert normalize_chord("shift+ctrl+escape") == "Ctrl+Shift+Esc"


def test_every_default_binding_names_a_known_command():
    from embedcon.models.keymap import COMMANDS
    from embedcon.widgets import RichJupyterWidget  # the widget to embed (export is there)

    for chord, cmd in DEFAULT_BINDINGS.items():
        assert cmd in COMMANDS, chord
        assert hasattr(RichJupyterWidget, "cmd_" + cmd), cmd


# -- reverse search, completion lists, call tips (embedcon/models/) --------------
from embedcon.models.calltip import call_still_open, open_call, tip_text  # noqa: E402
from embedcon.models.completion import columns, parse_reply, reconcile  # noqa: E402
from embedcon.models.reverse_search import ReverseSearch  # noqa: E402


def test_reverse_search_type_repeat_backspace_and_new_entries():
    rs = ReverseSearch(["import os", "x = 1", "import sys", "import sys", "y"], original="dr")
    assert rs.match == "dr" and rs.prompt() == "(reverse-i-search)`': "
    rs.type("imp")
    assert rs.match == "import sys" and rs.match_offset == 0
    rs.older()  # the duplicate is skipped
    assert rs.match == "import os"
    rs.older()
    assert rs.match == "import os" and rs.failing and rs.prompt().startswith("(failing")
    rs.newer()
    assert rs.match == "import sys" and not rs.failing and rs.prompt().startswith("(i-search)")
    rs.type("q")
    assert rs.failing and rs.match == "import sys"
    rs.backspace()
    assert not rs.failing and rs.query == "imp"
    rs.set_entries(["import zlib", "import os", "x = 1", "import sys", "y"])
    assert rs.match == "import sys"
    assert rs.accept() == "import sys" and rs.cancel() == "dr"
    rs2 = ReverseSearch(["a"])
    rs2.type("zl")
    assert rs2.failing
    rs2.set_entries(["zlib stuff", "a"])  # found in what arrived later
    assert rs2.match == "zlib stuff" and not rs2.failing


def test_reverse_search_line_shows_the_line_that_matched():
    """A multi-line entry: the search line shows the line holding the query,
    marked when there are more lines, not the entry's first line."""
    cell = "def f(x):\n    y = x + 1\n    return print(y)"
    rs = ReverseSearch(["a = 1", cell])
    rs.type("print")
    assert rs.match == cell
    assert rs.match_line() == "\u2026 return print(y)"
    rs.backspace()
    rs.type("def")
    assert rs.match_line() == "def f(x): \u2026"
    rs.backspace()
    rs.type("y =")
    assert rs.match_line() == "\u2026 y = x + 1 \u2026"
    assert ReverseSearch(["a = 1"]).match_line() == ""  # nothing typed: the draft
    rs = ReverseSearch(["a = 1"], original="dr")
    rs.type("a")
    assert rs.match_line() == "a = 1"


def test_reverse_search_10k_entries_is_fast():
    import time

    rs = ReverseSearch([f"value_{i} = {i}" for i in range(10_000)])
    t0 = time.perf_counter()
    for ch in "value_1234":
        rs.type(ch)
    rs.older()
    assert rs.match == "value_1234 = 1234" or rs.match.startswith("value_1234")
    assert time.perf_counter() - t0 < 0.5  # generous: about 1 ms per key here


def test_completion_parse_reconcile_and_columns():
    content = {"status": "ok", "matches": ["path", "pardir", "path", 5], "cursor_start": 3,
               "cursor_end": 5, "metadata": {"_jupyter_types_experimental": [
                   {"text": "path", "type": "module", "signature": ""},
                   {"text": "pardir", "type": "<unknown>", "signature": "x" * 500}]}}
    comps = parse_reply(content, "os.pa")
    assert comps.texts == ["path", "pardir"] and (comps.start, comps.end) == (3, 5)
    assert comps.match(0).type == "module" and comps.match(1).type == ""
    assert len(comps.match(1).signature) == 200
    assert parse_reply({"matches": ["a", ["x"], "a", "b"]}, "").texts == ["a", "b"]
    assert comps.common_prefix() == "pa" and comps.filter("pat") == [0]
    assert parse_reply({"status": "ok", "matches": ["a"], "cursor_start": 9, "cursor_end": 1},
                       "ab").start == 2  # bad positions: complete at the end
    assert parse_reply({"status": "error"}, "x") is None
    assert reconcile("os.pa", 5, "os.pa", 5) == ""
    assert reconcile("os.pa", 5, "os.path", 7) == "th"
    assert reconcile("os.pa", 5, "os.pa(", 6) is None  # a word break
    assert reconcile("os.pa", 5, "xos.pa", 6) is None  # changed elsewhere
    assert reconcile("os.pa", 5, "os.p", 4) is None
    rows, colw = columns(["a", "bbb", "c", "d", "e"], width=10)
    assert colw == 5 and rows == [[0, 3], [1, 4], [2]]  # filled top to bottom



def test_completion_types_in_order_out_of_order_and_missing():
    names = [f"zq_name_{i}" for i in range(5000)]
    meta = [{"text": n, "type": "instance", "signature": ""} for n in names]
    meta[7] = {"text": "zq_name_7", "type": "function", "signature": "(a, b)"}
    comps = parse_reply({"matches": names, "metadata": {"_jupyter_types_experimental": meta}},
                        "zq_na")
    assert (comps.match(7).type, comps.match(7).signature) == ("function", "(a, b)")
    assert comps.match(4999).type == "instance"
    assert comps._info is None  # in IPython's order: no name index built for 5,000 matches
    # another order, fewer entries, junk entries: looked up by name
    shuffled = [{"text": "b", "type": "module"}, "junk", {"text": "a", "type": "class"}]
    comps = parse_reply({"matches": ["a", "b", "c"],
                         "metadata": {"_jupyter_types_experimental": shuffled}}, "")
    assert [comps.match(i).type for i in range(3)] == ["class", "module", ""]
    # a duplicate dropped from the matches shifts the order: still by name
    comps = parse_reply({"matches": ["a", "a", "b"], "metadata": {"_jupyter_types_experimental": [
        {"text": "a", "type": "class"}, {"text": "a", "type": "class"},
        {"text": "b", "type": "module"}]}}, "")
    assert comps.texts == ["a", "b"] and comps.match(1).type == "module"

def test_call_tip_text_and_call_detection():
    assert open_call("f(a, g(1), '(' # (\n") == 1
    assert open_call("f(a)") is None and open_call("x = [1, (2") == 8
    assert call_still_open("(a, (b)") and not call_still_open("(a)")
    big = {"status": "ok", "found": True,
           "data": {"text/plain": "\x1b[31mSignature:\x1b[0m f(a)\n" + "doc " * 300_000}}
    text = tip_text(big)
    assert text.startswith("Signature: f(a)") and len(text) < 2500
    assert tip_text({"status": "ok", "found": False, "data": {}}) == ""
    assert tip_text({"status": "error"}) == "" and tip_text(None) == ""


def test_history_merge_kernel_keeps_entries_the_kernel_lacks():
    h = History()
    h.load(["a", "b"])
    h.append("host-loaded")
    h.merge_kernel(["old1", "a", "b", "c"])
    assert h.items == ["old1", "a", "b", "c", "host-loaded"]
