"""Key bindings as data: a table of key chords to command names.

Chords are written the way :class:`QKeySequence` prints them in portable
form ("Ctrl+Return", "Shift+Up", "Alt+Y", "Ctrl+.").  The table is plain
data so it can be overridden from traitlets configuration::

    c.ConsoleWidget.key_bindings = {"Ctrl+Return": "execute", "Ctrl+L": None}

A value of ``None`` (or "") unbinds a chord and lets the editor handle it.
"""

from __future__ import annotations

__all__ = ["DEFAULT_BINDINGS", "KeyMap", "COMMANDS"]

DEFAULT_BINDINGS: dict[str, str] = {
    # execution and line editing
    "Return": "enter",
    "Shift+Return": "execute",
    "Ctrl+Return": "newline",
    "Tab": "complete_or_indent",
    "Shift+Backtab": "dedent",
    "Backtab": "dedent",
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
    # kernel and console
    "Ctrl+.": "restart_kernel",
    "Ctrl+L": "clear",
    "Ctrl+Z": "take_back_queued",
    "Ctrl+D": "exit_or_delete",
    "Ctrl+=": "zoom_in",
    "Ctrl++": "zoom_in",
    "Ctrl+-": "zoom_out",
    "Ctrl+0": "zoom_reset",
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
    "select_all": "select the current input, then everything",
    "restart_kernel": "restart the kernel",
    "clear": "clear the transcript, keep the input",
    "exit_or_delete": "exit when the input is empty, else delete right",
    "zoom_in": "bigger font",
    "zoom_out": "smaller font",
    "zoom_reset": "default font size",
    "interrupt": "interrupt the kernel",
    "take_back_queued": "take the last queued cell back into the input (else undo)",
}


class KeyMap:
    """Chord → command lookup with user overrides on top of the defaults."""

    def __init__(self, overrides: dict | None = None, defaults: dict | None = None):
        self._table = dict(DEFAULT_BINDINGS if defaults is None else defaults)
        if overrides:
            self.update(overrides)

    def update(self, overrides: dict) -> None:
        for chord, command in overrides.items():
            chord = normalize_chord(chord)
            if command in (None, ""):
                self._table.pop(chord, None)
            elif command not in COMMANDS:
                raise ValueError(f"unknown console command {command!r} for key {chord!r}; "
                                 f"known: {', '.join(sorted(COMMANDS))}")
            else:
                self._table[chord] = command

    def lookup(self, chord: str) -> str | None:
        return self._table.get(chord)

    def chords_for(self, command: str) -> list[str]:
        return sorted(c for c, cmd in self._table.items() if cmd == command)

    def as_dict(self) -> dict:
        return dict(self._table)


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
