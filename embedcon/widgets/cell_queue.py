"""Working while a cell runs: type ahead in a live prompt, queue cells, take them back.

A mixin of :class:`~embedcon.widgets.jupyter_widget.JupyterWidget`.  While a
cell runs, the first key typed opens the next input prompt at once (the cell's
output keeps coming above it).  Enter on a complete input there queues the
cell (:class:`~embedcon.models.cell_queue.CellQueue`); the queue is shown under
the console, greyed, each cell marked "queued", in the order it will run.
Escape or undo (Ctrl+Z) on an empty input takes back the last queued cell into
the input before it runs.  When the running cell ends with an error (and
``stop_queue_on_error``), or on an interrupt, a restart or the kernel's death,
the queue is cancelled with a note, and the cancelled cells go to the input
history so nothing is lost.
"""

from __future__ import annotations

from qtpy import QtCore, QtGui, QtWidgets

from ..models.cell_queue import CellQueue
from .editor import key_chord

__all__ = ["CellQueueMixin", "QueuePanel"]

# console commands that type into (or move in) the input: they open the early prompt
_OPENS_PROMPT = frozenset({
    "enter", "execute", "newline", "complete_or_indent", "backspace", "delete", "left", "right",
    "home", "end", "yank", "history_previous", "history_next", "history_search_previous",
    "history_search_next", "paste"})


class QueuePanel(QtWidgets.QListWidget):
    """The queued cells, greyed, under the console (hidden when the queue is empty)."""

    MAX_ROWS = 6

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("queue_panel")
        self.setFocusPolicy(QtCore.Qt.FocusPolicy.NoFocus)
        self.setSelectionMode(QtWidgets.QAbstractItemView.SelectionMode.NoSelection)
        self.setHorizontalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setToolTip("Queued cells run in this order when the running cell ends. "
                        "Esc (on an empty input) or Ctrl+Z takes back the last one.")
        self.hide()

    def grey(self) -> QtGui.QColor:
        """Half-way between the text and the background: the console's palette
        (its theme) gives disabled text the text colour, so that role is no grey."""
        pal = self.palette()
        text = pal.color(pal.ColorGroup.Active, pal.ColorRole.Text)
        base = pal.color(pal.ColorGroup.Active, pal.ColorRole.Base)
        return QtGui.QColor((text.red() + base.red()) // 2, (text.green() + base.green()) // 2,
                            (text.blue() + base.blue()) // 2)

    def changeEvent(self, ev) -> None:  # noqa: N802 (Qt's name)
        super().changeEvent(ev)
        if ev.type() == QtCore.QEvent.Type.PaletteChange:  # a theme switch
            grey = self.grey()
            for i in range(self.count()):
                self.item(i).setForeground(grey)

    def show_cells(self, cells) -> None:
        self.clear()
        grey = self.grey()
        for source in cells:
            lines = source.rstrip("\n").split("\n")
            text = "queued \u2502 " + lines[0] + (f"  \u2026 (+{len(lines) - 1} lines)"
                                                    if len(lines) > 1 else "")
            item = QtWidgets.QListWidgetItem(text)
            item.setForeground(grey)
            item.setToolTip(source)
            self.addItem(item)
        rows = min(len(cells), self.MAX_ROWS)
        if rows:
            h = self.sizeHintForRow(0) * rows + 2 * self.frameWidth() + 2
            self.setFixedHeight(h)
        self.setVisible(bool(cells))


class CellQueueMixin:
    """The cell queue of a JupyterWidget (``queued_cells``, ``queue_changed``)."""

    def _init_cell_queue(self) -> None:
        self._exec_queue = CellQueue(self._queue_changed)
        self._early_prompt = False  # an input prompt opened while a cell runs
        self._queue_panel = QueuePanel(self)
        self.layout().addWidget(self._queue_panel)

    @property
    def queued_cells(self) -> tuple[str, ...]:
        """The cells waiting for the running one to end, the next to run first."""
        return self._exec_queue.cells

    def _queue_changed(self, cells) -> None:
        self._queue_panel.show_cells(cells)
        self.queue_changed.emit(cells)

    # -- typing while a cell runs -------------------------------------------
    def _handle_key(self, ev) -> bool:
        if self._prompt_kind is None and self._executing_id is not None and \
                self.settings.type_while_busy and self._handshake_done:
            command = self.keymap.lookup(key_chord(ev))
            text = ev.text()
            if command in _OPENS_PROMPT or (command is None and text and text.isprintable()):
                self._open_early_prompt()
        return super()._handle_key(ev)

    def _early_count(self) -> int:
        """The number the early prompt's cell will get: after the queued ones."""
        return getattr(self, "_next_count", 1) + len(self._exec_queue)

    def _open_early_prompt(self) -> None:
        self._show_prompt(self._format_prompt(self.settings.in_prompt, self._early_count()),
                          "input", self.settings.continuation_prompt, emit=False)
        self._early_prompt = True

    def _renumber_early_prompt(self) -> None:
        if self._early_prompt and self._prompt_kind == "input":
            self._replace_prompt(self._format_prompt(self.settings.in_prompt,
                                                     self._early_count()))

    def _put_early_prompt_aside(self) -> None:
        """Remove the early prompt (an input() prompt comes); its text comes back
        with the next input prompt."""
        if not self._early_prompt or self._prompt_kind != "input":
            return
        text = self.input_buffer
        c = QtGui.QTextCursor(self._doc)
        c.setPosition(self._prompt_cursor.position())
        c.movePosition(QtGui.QTextCursor.MoveOperation.End, QtGui.QTextCursor.MoveMode.KeepAnchor)
        c.removeSelectedText()
        if c.positionInBlock() == 0 and c.position() > 0:
            c.deletePreviousChar()
        self._prompt_cursor = self._input_cursor = None
        self._prompt_kind = None
        self._early_prompt = False
        if text:
            self._pending_input = text

    def _finish_input(self) -> str:
        self._early_prompt = False
        return super()._finish_input()

    def _early_prompt_taken(self) -> None:
        """The running cell ended: the early prompt is now the real one."""
        self._early_prompt = False

    # -- the queue ------------------------------------------------------------
    def _enqueue_input(self, source: str) -> None:
        """Enter on a complete input while a cell runs: queue it, clear the input."""
        self._assist_reset()
        self._exec_queue.append(source)
        self.input_buffer = ""
        self._renumber_early_prompt()
        return None

    def _run_queued(self) -> None:
        if not self._exec_queue or self._executing_id is not None or \
                self._prompt_kind != "input" or not self._handshake_done:
            return
        typed = self.input_buffer
        source = self._exec_queue.pop_next()
        self.input_buffer = source
        self._do_execute(source)
        if typed.strip():  # what the user was typing stays in the next prompt
            self._pending_input = typed
            self._open_early_prompt()

    def cancel_queue(self, why: str = "") -> list[str]:
        """Cancel every queued cell (a note says why); they go to the input history."""
        cells = self._exec_queue.cancel()
        if cells:
            for source in cells:
                self.history.append(source.rstrip("\n"))
            n = len(cells)
            self.write_notice(f"[{n} queued cell{'s' if n > 1 else ''} not run"
                              f"{': ' + why if why else ''}; "
                              f"{'they are' if n > 1 else 'it is'} in the history (Up)]")
        return cells

    def take_back_queued(self) -> str | None:
        """Take the last queued cell back into the input (it will not run)."""
        source = self._exec_queue.take_back()
        if source is None:
            return None
        if self._prompt_kind is None and self._executing_id is not None:
            self._open_early_prompt()
        if self._prompt_kind == "input":
            typed = self.input_buffer
            self.input_buffer = source + (("\n" + typed) if typed.strip() else "")
            self._renumber_early_prompt()
        return source

    def cmd_take_back_queued(self):
        if self._exec_queue and self._prompt_kind != "stdin":
            self.take_back_queued()
            return True
        return False

    def cmd_undo(self):
        """Undo (Ctrl+Z) on an empty input takes back the last queued cell."""
        if self._exec_queue and self._prompt_kind != "stdin" and not self.input_buffer.strip():
            self.take_back_queued()
            return True
        return super().cmd_undo()

    def cmd_cancel(self):
        if self._exec_queue and self._prompt_kind != "stdin" and not self.input_buffer.strip():
            self.take_back_queued()
            return True
        return super().cmd_cancel()
