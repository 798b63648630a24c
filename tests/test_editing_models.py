"""The pure models behind the editing features: paste cleaning, undo, brackets,
find, key profiles and the key reference."""

import pytest

from embedcon.models.brackets import BracketScanner
from embedcon.models.find import MAX_MATCHES, find_all, next_match
from embedcon.models.keymap import (COMMANDS, DEFAULT_BINDINGS, PROFILES, SELECTION_BINDINGS,
                                    SELECTION_COMMANDS, KeyMap)
from embedcon.models.keyref import markdown_reference, text_reference
from embedcon.models.paste import clean_paste, strip_session_prompts
from embedcon.models.undo import InputState, UndoStack


def test_paste_strips_ipython_prompts_and_drops_outputs():
    text = ("In [3]: def f(x):\n   ...:     return x + 1\n   ...: \n\n"
            "In [4]: f(1)\nOut[4]: 2\n\nIn [5]: for i in range(2):\n   ...:     print(i)\n"
            "   ...: \n0\n1\n")
    assert clean_paste(text) == ("def f(x):\n    return x + 1\n\nf(1)\n"
                                 "for i in range(2):\n    print(i)")


def test_paste_strips_classic_prompts():
    text = ">>> for i in x:\n...     print(i)\n...\n1\n2\n>>> y = 1\n"
    assert clean_paste(text) == "for i in x:\n    print(i)\n\ny = 1"
    # a bare "..." line in classic text is an empty continuation
    assert strip_session_prompts(">>> a\n...\n>>> b") == "a\n\nb"


def test_paste_without_prompts_is_only_dedented():
    code = "    def f():\n        '''>>> f()'''\n        return 1\n\n"
    assert clean_paste(code) == "def f():\n    '''>>> f()'''\n    return 1"
    # a doctest inside code is not a session: nothing removed
    assert strip_session_prompts("x = '''\n>>> 1\n'''") == "x = '''\n>>> 1\n'''"
    assert clean_paste("a\r\nb\r\n") == "a\nb"
    assert clean_paste("\n\n") == ""


def test_paste_indents_like_the_cursor_line():
    assert clean_paste("if a:\n    b\nc", indent="    ") == "if a:\n        b\n    c"


def test_undo_groups_words_and_skips_no_op_steps():
    u = UndoStack()
    states = ["", "a", "ab", "ab ", "ab c"]
    word = 0
    for i, ch in enumerate("ab c"):
        if ch == "c":
            word += 1
        u.note(lambda i=i: InputState(states[i], i), ("type", word))
    def now(state):
        return lambda _s: state
    assert u.undo(now(InputState("ab c", 4))) == InputState("ab ", 3)
    assert u.undo(now(InputState("ab ", 3))) == InputState("", 0)
    assert u.undo(now(InputState("", 0))) is None
    assert u.redo(now(InputState("", 0))) == InputState("ab ", 3)
    assert u.redo(now(InputState("ab ", 3))) == InputState("ab c", 4)
    assert u.redo(now(InputState("ab c", 4))) is None
    u.note(lambda: InputState("ab c", 4))  # a command that changed nothing
    assert u.undo(now(InputState("ab c", 4))) == InputState("ab ", 3)
    u.note(lambda: InputState("ab ", 3))
    assert not u.can_redo  # a new edit drops what could be redone


def test_undo_mixes_line_and_whole_input_snapshots():
    u = UndoStack()
    lines = {0: "abc", 1: ""}
    u.note(lambda: InputState("", 0, row=0), ("type", 0))  # typing "abc" on line 0
    u.note(lambda: InputState("abc", 3))  # a newline: the whole input before it
    u.note(lambda: InputState("", 0, row=1), ("type", 1))  # typing "d" on line 1
    lines[1] = "d"

    def current(s):
        if s.row is None:
            return InputState("\n".join(v for v in lines.values()), 0)
        return InputState(lines[s.row], 0, s.row) if s.row in lines else None
    assert u.undo(current) == InputState("", 0, row=1)
    lines[1] = ""
    assert u.undo(current) == InputState("abc", 3)
    del lines[1]
    assert u.undo(current) == InputState("", 0, row=0)
    lines[0] = ""
    assert u.redo(current) == InputState("abc", 0, row=0)
    # a line that is gone is skipped, not restored somewhere else
    u2 = UndoStack()
    u2.note(lambda: InputState("x", 0, row=5))
    assert u2.undo(lambda s: None) is None


def test_undo_stack_is_bounded():
    u = UndoStack(limit=5)
    for i in range(20):
        u.note(lambda i=i: InputState(str(i), 0))
    assert len(u._undo) == 5


@pytest.fixture(scope="module")
def scanner():
    from pygments.lexers import get_lexer_by_name

    lexer = get_lexer_by_name("python", stripnl=False, ensurenl=False)
    return BracketScanner(lambda: lexer)


def test_brackets_in_strings_and_comments_are_ignored(scanner):
    lines = ["f(a, ')', [1,  # ( ]", "   {'}': 2}])", "x)"]

    def at(i):
        return lines[i]
    assert scanner.brackets(lines[0]) == ((1, "("), (10, "["))
    assert scanner.partner(at, 3, 0, 1) == (1, 12)
    assert scanner.partner(at, 3, 1, 12) == (0, 1)
    assert scanner.partner(at, 3, 0, 10) == (1, 11)
    assert scanner.partner(at, 3, 1, 3) == (1, 10)
    assert scanner.partner(at, 3, 0, 6) is None  # inside a string
    assert scanner.partner(at, 3, 2, 1) is None  # no partner
    assert scanner.partner(lambda i: "(]", 1, 0, 0) is None  # mismatched


def test_find_all_and_wrapping_steps():
    text = "abc ABC abc"
    assert find_all(text, "abc") == [0, 4, 8]
    assert find_all(text, "abc", case_sensitive=True) == [0, 8]
    assert find_all(text, "") == [] and find_all(text, "zz") == []
    assert find_all("a.c abc", ".") == [1]  # literal, not a pattern
    assert next_match([0, 4, 8], 0) == 1
    assert next_match([0, 4, 8], 8) == 0  # wraps
    assert next_match([0, 4, 8], 4, backwards=True) == 0
    assert next_match([0, 4, 8], 0, backwards=True) == 2
    assert len(find_all("x" * (MAX_MATCHES + 10), "x")) == MAX_MATCHES


def test_profiles_and_layers():
    km = KeyMap()
    assert km.profile == "emacs" and km.lookup("Ctrl+A") == "home"
    km.profile = "standard"
    assert km.lookup("Ctrl+A") == "select_all" and km.lookup("Ctrl+F") == "find"
    for letter in "PNBEKDL":
        assert km.lookup("Ctrl+" + letter) is None, letter
    km.set_overrides({"ctrl+l": "clear"})
    km.bind("Ctrl+J", "newline")
    km.unbind("Ctrl+Z")
    assert km.lookup("Ctrl+L") == "clear" and km.lookup("Ctrl+J") == "newline"
    assert km.lookup("Ctrl+Z") is None
    km.profile = "emacs"  # configuration and run-time layers stay on top
    assert km.lookup("Ctrl+A") == "home" and km.lookup("Ctrl+J") == "newline"
    assert km.lookup("Ctrl+Z") is None
    with pytest.raises(ValueError):
        km.profile = "vi"
    with pytest.raises(ValueError):
        km.bind("Ctrl+Q", "no_such_command")
    cmds = {c.name: c for c in km.commands()}
    assert set(cmds) == set(COMMANDS)
    assert cmds["newline"].chords == ["Ctrl+J", "Ctrl+Return"]
    assert cmds["undo"].description == COMMANDS["undo"]


def test_rich_selection_chords_are_bindings_of_each_key_map():
    """The select_* chords (a selection inside a rich output) were a fixed
    module table: key_bindings, bind and unbind did not reach them."""
    km = KeyMap({"Alt+Right": "select_right", "Shift+Left": None})
    assert km.lookup_selection("Shift+Up") == "select_up"
    assert km.lookup("Shift+Up") == "history_search_previous"  # its input binding stays
    assert km.lookup_selection("Alt+Right") == "select_right" and km.lookup("Alt+Right") is None
    assert km.lookup_selection("Shift+Left") is None  # configuration unbinds it
    km.bind("Ctrl+B", "select_left")  # inside a rich selection; Ctrl+B moves left elsewhere
    assert km.lookup_selection("Ctrl+B") == "select_left" and km.lookup("Ctrl+B") == "left"
    km.unbind("Shift+Up", "select_up")  # only the selection's binding
    assert km.lookup_selection("Shift+Up") is None
    assert km.lookup("Shift+Up") == "history_search_previous"
    km.unbind("Shift+Down")  # the chord, everywhere
    assert km.lookup_selection("Shift+Down") is None and km.lookup("Shift+Down") is None
    with pytest.raises(ValueError):
        km.unbind("Shift+End", "select_left")  # not bound to that
    km.profile = "standard"  # the layers stay on top of another profile
    assert km.lookup_selection("Ctrl+B") == "select_left" and km.lookup("Ctrl+B") is None
    cmds = {c.name: c for c in km.commands()}
    assert cmds["select_left"].chords == ["Ctrl+B"] == km.chords_for("select_left")
    assert cmds["select_right"].chords == ["Alt+Right", "Shift+Right"]
    assert cmds["select_up"].chords == []
    assert cmds["history_search_previous"].chords == ["Shift+Up"]
    # each key map owns its tables: the defaults and another console are untouched
    assert SELECTION_BINDINGS["Shift+Up"] == "select_up"
    other = KeyMap()
    assert other.lookup_selection("Shift+Left") == "select_left"
    assert other.lookup_selection("Ctrl+B") is None
    assert set(SELECTION_BINDINGS.values()) <= SELECTION_COMMANDS <= set(COMMANDS)


def test_every_binding_in_every_profile_names_a_command():
    for table in [DEFAULT_BINDINGS, SELECTION_BINDINGS, *PROFILES.values()]:
        for chord, cmd in table.items():
            assert cmd is None or cmd in COMMANDS, chord


def test_key_reference_lists_every_command():
    text, md = text_reference(), markdown_reference()
    for name in COMMANDS:
        assert name in text and f"`{name}`" in md
    assert "Ctrl+Shift+F" in text and "&lt;" in md


def test_searcher_refines_as_you_type_and_handles_case():
    from embedcon.models.find import Searcher

    s = Searcher("Abc abd ABC aaa aaaa")
    assert s.find("a") == [0, 4, 8, 12, 13, 14, 16, 17, 18, 19]
    assert s.find("ab") == [0, 4, 8]  # filtered from the last matches
    assert s.find("abc") == [0, 8]
    assert s.find("abc", case_sensitive=True) == []
    assert s.find("Abc", case_sensitive=True) == [0]
    assert s.find("aa") == [12, 16, 18]
    assert s.find("aaa") == [12, 16]  # "aa" overlaps itself: scanned again, not filtered
    s.set_text("İx ix")  # lower-cases to a longer string: offsets must not shift
    assert s.find("ix") == [0, 3]  # the regex fallback, on the text itself


def test_ipython_lexer_names_cell_magic_bodies_and_keeps_python():
    from pygments.token import Name, Operator

    from embedcon.models.ipython_lexer import IPythonLineLexer

    lx = IPythonLineLexer()
    assert lx.cell_lexer_name("%%bash") == "bash"
    assert lx.cell_lexer_name("  %%script /usr/bin/perl -w") == "perl"
    assert lx.cell_lexer_name("%%html --isolated") == "html"
    assert lx.cell_lexer_name("%%time") is None and lx.cell_lexer_name("x = 1") is None
    toks = list(lx.get_tokens("%timeit f(1)"))
    assert toks[:2] == [(Operator, "%"), (Name.Decorator, "timeit")]
    assert list(lx.get_tokens("len??"))[-1] == (Operator, "??")
    assert list(lx.get_tokens("x = !ls"))[4] == (Operator, "!")
    assert "".join(v for _, v in lx.get_tokens("a = b ? c")) == "a = b ? c"  # not help


def test_brackets_inside_a_multi_line_string_are_ignored(scanner):
    """The string state is carried from line to line: the middle lines of a
    triple-quoted string are string, and its last line is code after the quotes."""
    lines = ['f(x, """doc (', "middle ) line [ {", "end ''' (\"\"\" + g(1))",
             "y = '\"\"\"' + (2)", "h(3, '''", "  ]''')"]

    def at(i):
        return lines[i]
    assert scanner.states(at, 5) == [None, '"""', '"""', None, None, "'''"]
    assert scanner.brackets(lines[1], '"""') == ()  # the middle line is string
    assert scanner.brackets(lines[1]) != ()  # lexed alone it would be code
    assert scanner.partner(at, 6, 0, 1) == (2, 19)  # f( ... ) over the string
    assert scanner.partner(at, 6, 2, 19) == (0, 1)
    assert scanner.partner(at, 6, 1, 7) is None  # ")" in the string: no bracket
    assert scanner.partner(at, 6, 1, 14) is None
    assert scanner.partner(at, 6, 2, 16) == (2, 18)  # g(1) after the closing quotes
    assert scanner.partner(at, 6, 3, 12) == (3, 14)  # '"""' opens no string
    assert scanner.partner(at, 6, 4, 1) == (5, 6)  # h( ... ''')
    assert scanner.partner(at, 6, 5, 2) is None  # "]" inside the ''' string
    # escaped quotes do not close it
    esc = ['s = """a \\""" (', ') """ + (1)']
    assert scanner.states(lambda i: esc[i], 1) == [None, '"""']
    assert scanner.brackets(esc[1], '"""') == ((8, "("), (10, ")"))


def test_brackets_without_carrying_the_string_state(scanner):
    """carry=False (no triple quote in the input): the same partners, backwards too."""
    lines = ["f(a,", "  [1, 2],", "  {3: (4)})"]

    def at(i):
        return lines[i]
    for carry in (True, False):
        assert scanner.partner(at, 3, 2, 10, carry=carry) == (0, 1)
        assert scanner.partner(at, 3, 0, 1, carry=carry) == (2, 10)
        assert scanner.partner(at, 3, 2, 9, carry=carry) == (2, 2)
