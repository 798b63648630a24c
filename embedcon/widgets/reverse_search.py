"""Ctrl+R: incremental reverse history search with a visible search line.

The search line sits under the console's editor and shows
``(reverse-i-search)`query': match``; the match is also put in the input
buffer, cursor on the query.  While it is open the console's keys come here
first: typing extends the query, Backspace shortens it, Ctrl+R finds an older
match and Ctrl+S a newer one, Enter keeps the match in the input buffer
without running it, Escape or Ctrl+G put back what was typed before, and any
other key keeps the match and then does what it does (as in a shell).

The entries are the console's history.  The first search of a session also
asks the kernel for its longer history (``history_request``, the last
``history_size`` inputs of every earlier session); when it arrives the search
runs again over it.  A kernel with no history, or one that answers with an
error, leaves the search on this session's inputs.
"""

from __future__ import annotations

from qtpy import QtCore, QtGui, QtWidgets

from ..models.reverse_search import ReverseSearch
from .editor import key_chord

__all__ = ["ReverseSearchBar"]

_K = QtCore.Qt.Key


class ReverseSearchBar(QtWidgets.QLabel):
    """The search line and the keys of a reverse-i-search session."""

    def __init__(self, console):
        super().__init__(console)
        self._console = console
        self.setTextFormat(QtCore.Qt.TextFormat.PlainText)
        self.setContentsMargins(4, 2, 4, 2)
        self.setFocusPolicy(QtCore.Qt.FocusPolicy.NoFocus)
        # one line high: a label's default policy takes a share of the console's height
        self.setSizePolicy(QtWidgets.QSizePolicy.Policy.Preferred,
                           QtWidgets.QSizePolicy.Policy.Fixed)
        self.search: ReverseSearch | None = None
        self._asked_kernel = False  # the kernel's long history was asked for (once)
        console.layout().addWidget(self)
        self.hide()

    @property
    def active(self) -> bool:
        return self.search is not None

    # -- session ------------------------------------------------------------
    def start(self, backwards: bool = True) -> bool:
        console = self._console
        if not console._editing() or console._prompt_kind != "input":
            return False
        self.search = ReverseSearch(console.history.items, console.input_buffer)
        self.search.backwards = backwards
        self.setFont(console._control.font())
        self._ask_kernel()
        self._update()
        self.show()
        return True

    def _ask_kernel(self) -> None:
        console = self._console
        kc = console.kernel_client
        if self._asked_kernel or kc is None:
            return
        self._asked_kernel = True
        try:
            msg_id = kc.history(hist_access_type="tail", n=console.settings.history_size,
                                raw=True, output=False)
        except Exception as exc:
            console.log.debug("history_request failed: %s", exc)
            return
        console._requests[msg_id] = "history_search"

    def on_history(self, content: dict) -> None:
        """The kernel's long history arrived (or an error: keep ours)."""
        console = self._console
        items = content.get("history") if isinstance(content, dict) and \
            content.get("status", "ok") == "ok" else None
        entries = [h[2] for h in items or [] if isinstance(h, (list, tuple)) and len(h) >= 3
                   and isinstance(h[2], str)]
        if not entries:
            return  # no history in the kernel: this session's inputs stay
        console.history.merge_kernel(entries)
        if self.search is not None:
            self.search.set_entries(console.history.items)
            self._update()

    def finish(self, keep: bool = True) -> None:
        """End the search: keep the match in the input, or put back the original."""
        search, self.search = self.search, None
        self.hide()
        if search is None:
            return
        console = self._console
        text = search.accept() if keep else search.cancel()
        if console._editing() and console.input_buffer != text:
            console.input_buffer = text
        console.history.reset()

    def abandon(self) -> None:
        """End the search leaving the input as it is (the input is being run)."""
        self.search = None
        self.hide()

    # -- keys ----------------------------------------------------------------
    def handle_key(self, ev: QtGui.QKeyEvent) -> bool:
        """Keys while searching; False lets the key do its usual job afterwards."""
        search = self.search
        chord = key_chord(ev)
        command = self._console.keymap.lookup(chord)
        # Ctrl+R / Ctrl+S step through matches inside a search whatever they
        # are bound to outside it (Ctrl+S saves the session there), as in readline
        if command == "reverse_search" or chord == "Ctrl+R":
            search.older()
        elif command == "forward_search" or chord == "Ctrl+S":
            search.newer()
        elif ev.key() in (_K.Key_Return, _K.Key_Enter) and not ev.modifiers() & \
                QtCore.Qt.KeyboardModifier.ShiftModifier:
            self.finish(keep=True)
            return True
        elif ev.key() == _K.Key_Escape or chord == "Ctrl+G":
            self.finish(keep=False)
            return True
        elif ev.key() == _K.Key_Backspace:
            search.backspace()
        elif ev.text() and ev.text().isprintable() and not ev.modifiers() & (
                QtCore.Qt.KeyboardModifier.ControlModifier | QtCore.Qt.KeyboardModifier.AltModifier):
            search.type(ev.text())
        elif not chord:  # a modifier alone
            return True
        else:
            self.finish(keep=True)
            return False
        self._update()
        return True

    def _update(self) -> None:
        search = self.search
        console = self._console
        match = search.match
        line = search.match_line()  # the line holding the query, not the first
        self.setText(search.prompt() + (line if len(line) < 300 else line[:299] + "\u2026"))
        if console.input_buffer != match:
            console.input_buffer = match
        # the cursor on the query in the match, as a shell does
        offset = search.match_offset
        before = match[:offset]
        c = console._cursor()
        pos = console._input_cursor.position() + len(before) + \
            before.count("\n") * len(console._cont_prompt)
        c.setPosition(min(pos, console._end()))
        console._set_cursor(c)
