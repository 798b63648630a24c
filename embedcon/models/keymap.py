"""Key bindings as data: a table of key chords to command names.

Chords are written the way :class:`QKeySequence` prints them in portable
form ("Ctrl+Return", "Shift+Up", "Alt+Y", "Ctrl+.").  The table is plain
data so it can be overridden from traitlets configuration::

    c.ConsoleWidget.key_bindings = {"Ctrl+Return": "execute", "Ctrl+L": None}

A value of ``None`` (or "") unbinds a chord and lets the editor handle it.

Two profiles: ``emacs`` (the default table, the Jupyter Qt Console's chords)
and ``standard``, which gives the host application's usual chords back
(Ctrl+A selects all, Ctrl+F finds; Ctrl+P/N/B/E/K/D/L/H do not edit).  A
:class:`KeyMap` stacks four layers: defaults, profile, configuration
(``key_bindings``) and run-time ``bind``/``unbind``.

The commands of ``SELECTION_COMMANDS`` act on a selection (or a caret) inside
a rich output: their chords (``SELECTION_BINDINGS`` by default: Shift+arrows,
Shift+Home/End) are a second table of the same key map, looked up first while
such a selection lives (``KeyMap.lookup_selection``); otherwise the chord does
what the console's table says.  A binding goes to the table of its command,
so ``{"Ctrl+A": "select_line_start"}`` extends a rich selection to its line's
start and leaves Ctrl+A's ``home`` in the input; an unbound chord (``None``)
is left out of both.
"""

from __future__ import annotations

__all__ = ["DEFAULT_BINDINGS", "NATIVE_KEYS", "SELECTION_BINDINGS", "SELECTION_COMMANDS", "KeyMap", "COMMANDS",
           "PROFILES", "Command", "normalize_chord"]

from typing import NamedTuple

DEFAULT_BINDINGS: dict[str, str] = {
    # execution and line editing
    "Return": "enter",
    "Shift+Return": "execute",
    "Ctrl+Return": "newline",
    "Tab": "complete_or_indent",
    "Shift+Backtab": "call_tip_or_dedent",
    "Backtab": "call_tip_or_dedent",
    "Backspace": "backspace",
    "Shift+Backspace": "backspace",
    "Del": "delete",
    "Ctrl+H": "backspace",
    "Left": "left",
    "Right": "right",
    "Ctrl+B": "left",
    "Ctrl+F": "right",
    "Home": "home",
    "Ctrl+A": "home",
    "End": "end",
    "Ctrl+E": "end",
    "Alt+<": "buffer_start",
    "Alt+>": "document_end",
    "Ctrl+Up": "scroll_top",
    "Ctrl+Down": "scroll_bottom",
    "Esc": "cancel",
    "Ctrl+G": "cancel",
    # history
    "Up": "history_previous",
    "Down": "history_next",
    "Ctrl+P": "history_previous",
    "Ctrl+N": "history_next",
    "Shift+Up": "history_search_previous",
    "Shift+Down": "history_search_next",
    # assistance: reverse search, call tips, pager (embedcon/widgets/assist.py)
    "Ctrl+R": "reverse_search",
    "Ctrl+O": "focus_pager",
    # kill ring
    "Ctrl+K": "kill_line",
    "Ctrl+U": "kill_line_backward",
    "Ctrl+Backspace": "kill_word_backward",
    "Alt+Backspace": "kill_word_backward",
    "Ctrl+Del": "kill_word_forward",
    "Alt+D": "kill_word_forward",
    "Ctrl+Y": "yank",
    "Alt+Y": "yank_pop",
    "Alt+B": "word_left",
    "Alt+F": "word_right",
    # clipboard
    "Ctrl+C": "interrupt_or_copy",
    "Ctrl+Shift+C": "copy_raw",
    "Ctrl+X": "cut",
    "Ctrl+V": "paste",
    "Shift+Ins": "paste",
    "Ctrl+Shift+A": "select_all",
    # editing: undo, find, prompts (see widgets/undo.py, findbar.py, prompts)
    "Ctrl+Z": "undo",
    "Ctrl+Shift+Z": "redo",
    "Ctrl+Shift+F": "find",
    "F3": "find_next",
    "Shift+F3": "find_previous",
    "Alt+Up": "prompt_previous",
    "Alt+Down": "prompt_next",
    # kernel and console
    "Ctrl+.": "restart_kernel",
    "Ctrl+L": "clear",
    "Ctrl+D": "exit_or_delete",
    "Ctrl+=": "zoom_in",
    "Ctrl++": "zoom_in",
    "Ctrl+-": "zoom_out",
    "Ctrl+0": "zoom_reset",
    "Ctrl+S": "save_session",
    "Ctrl+Shift+P": "print",
}

# The defaults of the rich selection's table: while a selection (or a caret,
# after a click) lives inside a rich output (HTML, Markdown, a DataFrame
# table), these chords move its free end, as in any text view; they come before
# the console's table (Shift+Up is a history search otherwise).  Without such a
# selection they do what the console's table says.  Profiles, key_bindings and
# bind/unbind change them like any binding (see SELECTION_COMMANDS).
# Commands that, in the cases they do not handle themselves (a plain move or
# deletion of one character), leave the key to the text editor: the key the
# editor must then see.  A chord bound to one of them (Ctrl+B for ``left``)
# reaches the editor as this key, since the editor has no emacs chords.
NATIVE_KEYS: dict[str, str] = {
    "left": "Left",
    "right": "Right",
    "backspace": "Backspace",
    "delete": "Delete",
    "exit_or_delete": "Delete",
    "home": "Home",
    "end": "End",
    "history_previous": "Up",
    "history_next": "Down",
}

SELECTION_BINDINGS: dict[str, str] = {
    "Shift+Left": "select_left",
    "Shift+Right": "select_right",
    "Shift+Up": "select_up",
    "Shift+Down": "select_down",
    "Shift+Home": "select_line_start",
    "Shift+End": "select_line_end",
    "Ctrl+Shift+Left": "select_word_left",
    "Ctrl+Shift+Right": "select_word_right",
    "Ctrl+Shift+Home": "select_output_start",
    "Ctrl+Shift+End": "select_output_end",
}

# Every command a binding may name, with a one-line description (for --help and docs).
COMMANDS: dict[str, str] = {
    "enter": "execute if the kernel says the input is complete, else new indented line",
    "execute": "execute the input now",
    "newline": "insert a new line, never execute",
    "complete_or_indent": "ask the kernel for completions, or indent at line start",
    "dedent": "remove one level of indentation",
    "backspace": "delete left (four spaces in leading indentation); joins lines",
    "delete": "delete right; joins lines at line end",
    "left": "move left, across continuation prompts",
    "right": "move right, across continuation prompts",
    "home": "move to the first non-blank after the prompt, then to the prompt",
    "end": "move to the end of the line",
    "buffer_start": "move to the start of the input",
    "document_end": "move to the end of the input",
    "scroll_top": "scroll to the top of the transcript",
    "scroll_bottom": "scroll to the bottom",
    "cancel": "close the completion list or call tip, else clear the input",
    "history_previous": "previous history entry starting with the text left of the cursor",
    "history_next": "next history entry starting with the text left of the cursor",
    "history_search_previous": "previous history entry containing the input typed so far",
    "history_search_next": "next history entry containing the input typed so far",
    "reverse_search": "incremental search back through history (again: older match)",
    "forward_search": "incremental search forward through history (inside a Ctrl+R search Ctrl+S always does this)",
    "call_tip_or_dedent": "show the call tip inside a call, else remove one indentation level",
    "focus_pager": "move the focus to the pager when it is shown",
    "kill_line": "cut to the end of the line into the kill ring",
    "kill_line_backward": "cut to the start of the line into the kill ring",
    "kill_word_backward": "cut the previous word into the kill ring",
    "kill_word_forward": "cut the next word into the kill ring",
    "yank": "paste the last killed text",
    "yank_pop": "replace the text just yanked with the previous kill",
    "word_left": "move one word left",
    "word_right": "move one word right",
    "interrupt_or_copy": "copy the selection, or interrupt the kernel while a cell runs",
    "copy_raw": "copy the selection with its prompts",
    "cut": "cut the selection (inside the input)",
    "paste": "paste, with continuation prompts",
    "select_all": "select the current input, then everything (all at once if the input is empty)",
    "undo": "undo the last edit of the input",
    "redo": "redo what undo took back",
    "find": "open the find bar (search the transcript)",
    "find_next": "go to the next match of the find bar's text",
    "find_previous": "go to the previous match of the find bar's text",
    "prompt_previous": "move to the previous input prompt in the transcript",
    "prompt_next": "move to the next input prompt (the live input at the end)",
    "restart_kernel": "restart the kernel",
    "clear": "clear the transcript, keep the input",
    "exit_or_delete": "exit when the input is empty, else delete right",
    "zoom_in": "bigger font",
    "zoom_out": "smaller font",
    "zoom_reset": "default font size",
    "interrupt": "interrupt the kernel",
    "take_back_queued": "take the last queued cell back into the input (undo does it too "
                        "on an empty input)",
    "save_session": "save the session as HTML, XHTML or text (a file dialog)",
    "print": "print the session (a print dialog)",
    # a selection inside a rich output (SELECTION_COMMANDS; embedcon/widgets/rich_select.py)
    "select_left": "inside a rich output's selection: extend it one character left",
    "select_right": "inside a rich output's selection: extend it one character right",
    "select_up": "inside a rich output's selection: extend it one line up",
    "select_down": "inside a rich output's selection: extend it one line down",
    "select_line_start": "inside a rich output's selection: extend it to the start of the line",
    "select_line_end": "inside a rich output's selection: extend it to the end of the line",
    "select_word_left": "inside a rich output's selection: extend it one word left",
    "select_word_right": "inside a rich output's selection: extend it one word right",
    "select_output_start": "inside a rich output's selection: extend it to the output's start",
    "select_output_end": "inside a rich output's selection: extend it to the output's end",
}


# Each profile is a set of changes to DEFAULT_BINDINGS (None: the chord is left
# to the editor and to the host application's shortcuts).
PROFILES: dict[str, dict[str, str | None]] = {
    "emacs": {},
    "standard": {
        "Ctrl+A": "select_all",
        "Ctrl+F": "find",
        "Ctrl+P": None,
        "Ctrl+N": None,
        "Ctrl+B": None,
        "Ctrl+E": None,
        "Ctrl+K": None,
        "Ctrl+D": None,
        "Ctrl+L": None,
        "Ctrl+H": None,
    },
}


# The commands that act on a selection inside a rich output
# (embedcon/widgets/rich_select.py): their bindings form the key map's second
# table, which only counts while such a selection lives.
SELECTION_COMMANDS = frozenset({
    "select_left", "select_right", "select_up", "select_down", "select_line_start",
    "select_line_end", "select_word_left", "select_word_right", "select_output_start",
    "select_output_end"})

# the key map's tables: the console's own, and the rich selection's
_INPUT, _SELECTION = "input", "rich_selection"
_TABLES = (_INPUT, _SELECTION)


def _table_of(command: str) -> str:
    return _SELECTION if command in SELECTION_COMMANDS else _INPUT


def _layer(bindings: dict) -> dict[tuple[str, str], str | None]:
    """{chord: command or None} -> {(table, chord): command or None}: a
    command goes to its table, None unbinds the chord in both."""
    out: dict[tuple[str, str], str | None] = {}
    for chord, command in bindings.items():
        if command is None:
            out.update({(table, chord): None for table in _TABLES})
        else:
            out[(_table_of(command), chord)] = command
    return out


class Command(NamedTuple):
    """One console command: its name, what it does, and the chords bound to it."""

    name: str
    description: str
    chords: list


class KeyMap:
    """Chord → command lookup: defaults, a profile, configuration overrides and
    run-time bindings, each on top of the one before.

    Two tables come out of those layers: the console's own (``lookup``) and
    the one of a selection inside a rich output (``lookup_selection``, the
    commands of ``SELECTION_COMMANDS``).  Each binding goes to the table of
    its command.

    ``console.key_map`` is one of these; changing it takes effect at the next
    key press.
    """

    def __init__(self, overrides: dict | None = None, profile: str = "emacs"):
        self._defaults = {**_layer(DEFAULT_BINDINGS), **_layer(SELECTION_BINDINGS)}
        self._profile = self._check_profile(profile)
        self._overrides: dict[tuple[str, str], str | None] = {}
        self._user: dict[tuple[str, str], str | None] = {}
        self._tables: dict[str, dict[str, str]] = {}
        if overrides:
            self._overrides = self._checked(overrides)
        self._rebuild()

    # layers ------------------------------------------------------------------
    @staticmethod
    def _check_profile(profile: str) -> str:
        if profile not in PROFILES:
            raise ValueError(f"unknown key profile {profile!r}; known: {', '.join(PROFILES)}")
        return profile

    @staticmethod
    def _check_command(command: str, chord: str) -> str:
        if command not in COMMANDS:
            raise ValueError(f"unknown console command {command!r} for key {chord!r}; "
                             f"known: {', '.join(sorted(COMMANDS))}")
        return command

    @classmethod
    def _checked(cls, bindings: dict) -> dict:
        out = {}
        for chord, command in bindings.items():
            chord = normalize_chord(chord)
            out[chord] = None if command in (None, "") else cls._check_command(command, chord)
        return _layer(out)

    def _rebuild(self) -> None:
        tables: dict[str, dict[str, str]] = {table: {} for table in _TABLES}
        for layer in (self._defaults, _layer(PROFILES[self._profile]), self._overrides,
                      self._user):
            for (table, chord), command in layer.items():
                if command is None:
                    tables[table].pop(chord, None)
                else:
                    tables[table][chord] = command
        self._tables = tables

    @property
    def profile(self) -> str:
        """The profile in use: ``"emacs"`` or ``"standard"`` (see PROFILES)."""
        return self._profile

    @profile.setter
    def profile(self, name: str) -> None:
        self._profile = self._check_profile(name)
        self._rebuild()

    def set_overrides(self, overrides: dict | None) -> None:
        """Replace the configuration layer (the ``key_bindings`` trait)."""
        self._overrides = self._checked(overrides or {})
        self._rebuild()

    def update(self, overrides: dict) -> None:
        """Add to the configuration layer."""
        self._overrides.update(self._checked(overrides))
        self._rebuild()

    def bind(self, chord: str, command: str) -> None:
        """Bind ``chord`` ("Ctrl+Shift+X") to ``command`` at run time.  A
        ``select_*`` command of a rich output's selection acts only while
        such a selection lives; the chord's other binding stays for the rest."""
        self._user.update(self._checked({chord: command}))
        self._rebuild()

    def unbind(self, chord: str, command: str | None = None) -> None:
        """Leave ``chord`` to the editor and the host application.  With
        ``command``, drop only the chord's binding to it (``unbind("Shift+Up",
        "select_up")`` keeps Shift+Up's history search)."""
        chord = normalize_chord(chord)
        if command is None:
            self._user.update(_layer({chord: None}))
        else:
            table = _table_of(self._check_command(command, chord))
            if self._tables[table].get(chord) != command:
                raise ValueError(f"{chord!r} is not bound to {command!r}")
            self._user[(table, chord)] = None
        self._rebuild()

    # queries -----------------------------------------------------------------
    def lookup(self, chord: str) -> str | None:
        """The console's command for ``chord``, or None."""
        return self._tables[_INPUT].get(chord)

    def lookup_selection(self, chord: str) -> str | None:
        """The command of ``chord`` while a selection lives inside a rich
        output (one of SELECTION_COMMANDS), or None."""
        return self._tables[_SELECTION].get(chord)

    def chords_for(self, command: str) -> list[str]:
        return sorted(c for c, cmd in self._tables[_table_of(command)].items() if cmd == command)

    def as_dict(self) -> dict:
        """The console's table (chord → command), without the rich selection's."""
        return dict(self._tables[_INPUT])

    def describe(self, command: str) -> str:
        """The one-line description of a command."""
        return COMMANDS[command]

    def commands(self) -> list[Command]:
        """Every command, in reference order, with its description and chords."""
        by_command: dict[str, list[str]] = {}
        for table in self._tables.values():
            for chord, command in table.items():
                by_command.setdefault(command, []).append(chord)
        return [Command(name, text, sorted(by_command.get(name, [])))
                for name, text in COMMANDS.items()]


_MOD_ORDER = ("Ctrl", "Alt", "Shift", "Meta")
# QKeySequence's portable names for keys people spell differently
_KEY_ALIASES = {"esc": "Esc", "escape": "Esc", "delete": "Del", "del": "Del", "insert": "Ins",
                "ins": "Ins", "pageup": "PgUp", "pagedown": "PgDown", "pgup": "PgUp",
                "pgdown": "PgDown"}


def normalize_chord(chord: str) -> str:
    """Put modifiers in QKeySequence's order: "shift+ctrl+x" -> "Ctrl+Shift+X"."""
    if chord in ("+", "Ctrl++"):
        return chord
    parts = chord.split("+")
    if chord.endswith("++"):
        parts = parts[:-2] + ["+"]
    mods = {p.capitalize() for p in parts[:-1]}
    mods = {"Ctrl" if m in ("Control", "Ctl") else m for m in mods}
    key = parts[-1]
    if len(key) == 1:
        key = key.upper()
    elif key.lower() in ("enter", "return"):
        key = "Return"
    elif key.lower() in _KEY_ALIASES:
        key = _KEY_ALIASES[key.lower()]
    else:
        key = key[0].upper() + key[1:]
    return "+".join([m for m in _MOD_ORDER if m in mods] + [key])
