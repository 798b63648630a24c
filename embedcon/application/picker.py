"""The kernel picker: installed kernelspecs, and a Jupyter Server's specs and kernels.

Used by "New tab with kernel…" and "Change kernel".  It lists every
installed kernelspec by display name (this computer), and for each Jupyter
Server the window knows (``embedcon --server URL``) that server's kernelspecs
(a new kernel there) and its running kernels (a tab attached to one).  The
server is asked in the background (:class:`Background`): its rows say
"asking the server…" until it answers, or why it could not.  The choice is a
:class:`KernelChoice`.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from qtpy import QtCore, QtWidgets

from .kernels import kernel_specs

__all__ = ["KernelChoice", "KernelPicker", "Background"]


@dataclass(frozen=True)
class KernelChoice:
    """What the user picked: a kernelspec here (``server`` None), a kernelspec
    on ``server`` (a new kernel there), or the running kernel ``kernel_id`` on it."""

    kernel_name: str
    server: object = None  # a JupyterServer
    kernel_id: str = ""

    @property
    def where(self) -> str:
        return "here" if self.server is None else self.server.base_url


class Background(QtCore.QObject):
    """Runs a blocking call on a thread; ``on_done(result, error)`` on the GUI thread."""

    _finished = QtCore.Signal(object, object, object)  # callback, result, error

    def __init__(self, parent=None):
        super().__init__(parent)
        self._finished.connect(lambda cb, result, error: cb(result, error))

    def run(self, fn, on_done) -> None:
        def work():
            try:
                result, error = fn(), None
            except Exception as exc:  # ServerError: one line for the user
                result, error = None, exc
            try:
                self._finished.emit(on_done, result, error)
            except RuntimeError:  # the receiver is gone (dialog closed)
                pass
        threading.Thread(target=work, name="embedcon-server-query", daemon=True).start()


_ROLE = QtCore.Qt.ItemDataRole.UserRole


class KernelPicker(QtWidgets.QDialog):
    """Choose a kernel to start (here or on a server) or a server's running kernel."""

    def __init__(self, parent=None, title: str = "New tab with kernel", current: str = "",
                 servers=(), running: bool = True):
        super().__init__(parent)
        self.setObjectName("kernel_picker")
        self.setWindowTitle(title)
        self.resize(620, 400)
        self.chosen: KernelChoice | None = None
        self.tree = QtWidgets.QTreeWidget(self)
        self.tree.setHeaderLabels(("Kernel", "Name", "State"))
        self.tree.setRootIsDecorated(False)
        self.tree.setUniformRowHeights(True)
        self.tree.itemDoubleClicked.connect(lambda item, _col: self._accept_item(item))
        self.tree.currentItemChanged.connect(self._update_ok)
        buttons = QtWidgets.QDialogButtonBox(
            QtWidgets.QDialogButtonBox.StandardButton.Ok |
            QtWidgets.QDialogButtonBox.StandardButton.Cancel)
        self._ok = buttons.button(QtWidgets.QDialogButtonBox.StandardButton.Ok)
        buttons.accepted.connect(lambda: self._accept_item(self.tree.currentItem()))
        buttons.rejected.connect(self.reject)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(self.tree)
        layout.addWidget(buttons)
        self._background = Background(self)
        self._pending: dict[str, QtWidgets.QTreeWidgetItem] = {}

        here = self._group("Kernelspecs on this computer")
        specs = kernel_specs(refresh=True)
        if not specs:
            self._note(here, "No kernelspec is installed.")
        for name, display in specs.items():
            item = self._row(here, display, name, "", KernelChoice(name))
            if name == current:
                self.tree.setCurrentItem(item)
        for server in servers:
            self._ask_server(server, running)
        if self.tree.currentItem() is None and specs:
            self.tree.setCurrentItem(here.child(0))
        self.tree.expandAll()
        for col in range(3):
            self.tree.resizeColumnToContents(col)
        self._update_ok()

    # -- rows -------------------------------------------------------------
    def _group(self, text: str) -> QtWidgets.QTreeWidgetItem:
        item = QtWidgets.QTreeWidgetItem(self.tree, [text])
        item.setFirstColumnSpanned(True)
        item.setFlags(QtCore.Qt.ItemFlag.ItemIsEnabled)
        font = item.font(0)
        font.setBold(True)
        item.setFont(0, font)
        return item

    def _row(self, group, *cells_and_choice) -> QtWidgets.QTreeWidgetItem:
        *cells, choice = cells_and_choice
        item = QtWidgets.QTreeWidgetItem(group, [str(c) for c in cells])
        item.setData(0, _ROLE, choice)
        return item

    def _note(self, group, text: str) -> QtWidgets.QTreeWidgetItem:
        item = QtWidgets.QTreeWidgetItem(group, [text])
        item.setFirstColumnSpanned(True)
        item.setFlags(QtCore.Qt.ItemFlag.ItemIsEnabled)
        item.setForeground(0, self.palette().color(self.palette().ColorRole.PlaceholderText))
        return item

    # -- a server, asked in the background -----------------------------------
    def _ask_server(self, server, running: bool) -> None:
        specs_group = self._group(f"Kernelspecs on {server.base_url}")
        asking = self._note(specs_group, "asking the server\u2026")
        kernels_group = self._group(f"Running on {server.base_url}") if running else None
        self._pending[server.base_url] = asking

        def query():
            return server.kernelspecs(), (server.kernels() if running else [])

        def done(result, error):
            self._pending.pop(server.base_url, None)
            specs_group.removeChild(asking)
            if error is not None:
                self._note(specs_group, f"could not list: {error}")
                if kernels_group is not None:
                    self.tree.invisibleRootItem().removeChild(kernels_group)
                return
            specs, kernels = result
            default = specs.get("default")
            for name, spec in sorted(specs["kernelspecs"].items()):
                display = (spec.get("spec") or {}).get("display_name", name) \
                    if isinstance(spec, dict) else name
                mark = " (default)" if name == default else ""
                self._row(specs_group, display + mark, name, "new kernel",
                          KernelChoice(name, server))
            if kernels_group is not None:
                if not kernels:
                    self._note(kernels_group, "no kernel running")
                for k in kernels:
                    kid, name = str(k.get("id", "")), str(k.get("name", ""))
                    state = f"{k.get('execution_state', '?')}, " \
                            f"{k.get('connections', 0)} connected"
                    self._row(kernels_group, f"{name} {kid[:8]}", kid, state,
                              KernelChoice(name, server, kid))
            self.tree.expandAll()
            for col in range(3):
                self.tree.resizeColumnToContents(col)
            self.server_answered.emit(server.base_url)
        self._background.run(query, done)

    server_answered = QtCore.Signal(str)

    @property
    def waiting(self) -> bool:
        """True while a server has not answered yet."""
        return bool(self._pending)

    def choices(self) -> list[KernelChoice]:
        """Every row that can be chosen, in order."""
        out = []
        it = QtWidgets.QTreeWidgetItemIterator(self.tree)
        while it.value() is not None:
            choice = it.value().data(0, _ROLE)
            if isinstance(choice, KernelChoice):
                out.append(choice)
            it += 1
        return out

    def select(self, choice: KernelChoice) -> None:
        """Make ``choice``'s row the current one (as a click would)."""
        it = QtWidgets.QTreeWidgetItemIterator(self.tree)
        while it.value() is not None:
            if it.value().data(0, _ROLE) == choice:
                self.tree.setCurrentItem(it.value())
                return
            it += 1
        raise LookupError(choice)

    def _update_ok(self, *_args) -> None:
        item = self.tree.currentItem()
        self._ok.setEnabled(item is not None and
                            isinstance(item.data(0, _ROLE), KernelChoice))

    def _accept_item(self, item) -> None:
        choice = item.data(0, _ROLE) if item is not None else None
        if isinstance(choice, KernelChoice):
            self.chosen = choice
            self.accept()


def pick_kernel(parent, title: str = "New tab with kernel", current: str = "",
                servers=(), running: bool = True) -> KernelChoice | None:
    """Show the picker (modal); the choice or None."""
    dialog = KernelPicker(parent, title, current, servers, running)
    parent._kernel_picker = dialog  # for tests and screenshots
    try:
        if dialog.exec() != QtWidgets.QDialog.DialogCode.Accepted:
            return None
        return dialog.chosen
    finally:
        parent._kernel_picker = None
        dialog.deleteLater()
