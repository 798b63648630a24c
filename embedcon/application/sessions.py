"""Sessions of the window: what is saved of the tabs, and reopening them.

A mixin of :class:`~embedcon.application.window.MainWindow`, with
:class:`TabNames` (a tab's title for another tab's inputs).  The state itself
is the pure model :mod:`embedcon.models.session_store`.
"""

from __future__ import annotations

from qtpy import QtCore

__all__ = ["SessionTabs", "TabNames"]


class SessionTabs:
    """Save and restore the window's tabs and geometry."""

    def session_tabs(self):
        from ..models.session_store import SavedTab

        out, kernels = [], {}  # id(handle) -> its number in the saved session
        for c in self.consoles():
            h = self._handle_of.get(id(c))
            if h is None or not h.kernel_name or h.server is not None:
                continue  # a server's kernel is not restored as a local one
            out.append(SavedTab(self.tabs.tabText(self.tabs.indexOf(c)), h.kernel_name,
                                list(c.history.items), kernels.setdefault(id(h), len(kernels))))
        return out

    def _save_state(self) -> None:
        if self.store is None or self.state is None:
            return
        if self.tabs.count():
            self.state.tabs = self.session_tabs()
            self.state.current = self.tabs.currentIndex()
        self.state.geometry = bytes(self.saveGeometry().toBase64()).decode("ascii")
        self.store.save(self.state)

    def restore_geometry(self) -> None:
        if self.state is not None and self.state.geometry:
            self.restoreGeometry(QtCore.QByteArray.fromBase64(self.state.geometry.encode()))

    def restore_tabs(self, saved=None, opened=None):
        """Reopen saved tabs (default: the last session's) on fresh kernels of the
        same kernelspecs, with their input history; tabs that shared a kernel
        share a fresh one; nothing runs.  Returns the first console opened
        (None when none could be).  ``opened``: saved kernel number -> a console
        already open on a fresh kernel for it (the application's first tab)."""
        if saved is None:
            saved = self.state.tabs if self.state is not None else []
        first = None
        opened = dict(opened or {})  # saved kernel number -> a console on its fresh kernel
        for tab in saved:
            on = opened.get(tab.kernel) if tab.kernel >= 0 else None
            handle = self._handle_of.get(id(on)) if on is not None else None
            console = self.add_tab(handle) if handle is not None else \
                self.new_tab(tab.kernel_name)
            if console is None:
                continue
            if tab.kernel >= 0:
                opened.setdefault(tab.kernel, console)
            console.history.load(tab.history)
            self.rename_tab(self.tabs.indexOf(console), tab.title)
            first = first or console
        current = self.state.current if self.state is not None else 0
        if first is not None and 0 <= current < self.tabs.count():
            self.tabs.setCurrentIndex(current)
        return first


class TabNames:
    """Session id -> tab title, for the label of another tab's inputs."""

    def __init__(self, window):
        self._window = window

    def __bool__(self) -> bool:
        return True

    def get(self, session: str, default: str = "other client") -> str:
        tabs = self._window.tabs
        for i in range(tabs.count()):
            kc = tabs.widget(i).kernel_client
            if kc is not None and kc.session.session == session:
                return f"tab {tabs.tabText(i)}"
        return default
