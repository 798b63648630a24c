"""The main window: tabs of consoles, their kernels, menus and the status bar.

Each tab is a console on a :class:`~embedcon.application.kernels.KernelHandle`;
several tabs may share one handle (one kernel), each with its own client.
Public actions are methods named in the menu table
(:mod:`embedcon.application.menus`), so tests and users drive the same code.
"""

from __future__ import annotations

import json
import logging
import os

from qtpy import QtCore, QtGui, QtWidgets

from .chrome import ChromeTheme, theme_choice
from .dialogs import CLOSE_KEEP, CLOSE_SHUTDOWN, AttachDialog, ask_close_kernel
from ..kernels.local.spare import reap_kernel, retire_kernel
from .kernels import KernelHandle, kernel_name_of_file
from .magics import MagicMenu
from .picker import KernelChoice, pick_kernel
from .server_tabs import ServerTabs
from .sessions import SessionTabs, TabNames
from .menus import ACTIONS, CHOICES, MENUS
from .status import StatusBar
from .view_help import ViewHelp

__all__ = ["MainWindow"]

log = logging.getLogger("embedcon.application")



class MainWindow(MagicMenu, SessionTabs, ServerTabs, ViewHelp, QtWidgets.QMainWindow):
    """Tabs of consoles; ``app`` (an :class:`~embedcon.app.EmbedconApp`) makes
    consoles (``make_console()``) and kernel managers (``make_manager(name)``)."""

    tab_added = QtCore.Signal(object)  # the console
    tab_closed = QtCore.Signal(object)

    def __init__(self, app, confirm_exit: bool = True, spares=None, store=None):
        super().__init__()
        self.app = app
        self.confirm_exit = confirm_exit
        self.spares = spares  # SpareKernels or None
        self.store = store  # SessionStore or None
        self.state = store.load() if store is not None else None
        self.quit_on_close = True
        self.handles: list[KernelHandle] = []
        self._handle_of: dict[int, KernelHandle] = {}  # id(console) -> handle
        self._magics: dict[int, dict | None] = {}  # id(handle) -> lsmagic info
        self._closing = False
        self._retired: list = []  # replaced kernels being stopped (see _retire)
        self._chosen: dict = {}  # console settings chosen in the View menu (new tabs take them)
        self.chrome = ChromeTheme()  # the application's palette follows the tabs' theme
        self._init_server_tabs()
        self.tabs = QtWidgets.QTabWidget(self)
        self.tabs.setMovable(True)
        self.tabs.setTabsClosable(True)
        self.tabs.setDocumentMode(True)
        self.tabs.setTabBarAutoHide(True)
        self.tabs.tabCloseRequested.connect(self.close_tab)
        self.tabs.currentChanged.connect(self._current_changed)
        self.tabs.tabBarDoubleClicked.connect(lambda i: i >= 0 and self.rename_tab(i))
        self.setCentralWidget(self.tabs)
        self.status = StatusBar(self)
        self.setStatusBar(self.status)
        self._watcher = QtCore.QFileSystemWatcher(self)
        self._watcher.fileChanged.connect(self._connection_file_changed)
        self.actions: dict[str, QtGui.QAction] = {}
        self.menus: dict[str, QtWidgets.QMenu] = {}
        self._build_menus()
        self.resize(900, 700)
        self.setWindowTitle("embedcon")

    # ------------------------------------------------------------------
    # menus
    def _build_menus(self) -> None:
        bar = self.menuBar()
        for name in MENUS:
            self.menus[name] = bar.addMenu("&" + name)
        for row in ACTIONS:
            menu = self.menus[row.menu]
            if row.separator_before:
                menu.addSeparator()
            act = QtGui.QAction(row.label, self)
            act.setObjectName(row.name)
            act.setCheckable(row.checkable)
            act.triggered.connect(lambda _checked=False, r=row: self.run_command(r.command))
            if row.shortcut:
                act.setShortcut(QtGui.QKeySequence(row.shortcut))
            elif row.keys:
                # the console handles these keys itself: the menu only shows them
                act.setShortcutContext(QtCore.Qt.ShortcutContext.WidgetShortcut)
            menu.addAction(act)
            self.addAction(act)  # shortcuts work with the menu bar hidden
            self.actions[row.name] = act
        self.actions["show_menu_bar"].setChecked(True)
        self.actions["show_status_bar"].setChecked(True)
        self.menus["View"].addSeparator()
        self._choice_menus = {}
        for label, setting in CHOICES:
            sub = self.menus["View"].addMenu(label)
            sub.setObjectName(f"choose_{setting}")
            sub.aboutToShow.connect(lambda m=sub, n=setting: self._fill_choice_menu(m, n))
            self._choice_menus[setting] = sub
        self.menus["Magic"].menuAction().setVisible(False)
        self.menus["Kernel"].aboutToShow.connect(self._update_kernel_menu)

    def _update_key_hints(self, console) -> None:
        for row in ACTIONS:
            if row.keys and not row.shortcut:
                chords = console.keymap.chords_for(row.keys)
                self.actions[row.name].setShortcut(
                    QtGui.QKeySequence(chords[0]) if chords else QtGui.QKeySequence())

    def run_command(self, command: str):
        """Run a menu command by name: ``window.<method>`` or ``console.<method>``."""
        where, _, method = command.partition(".")
        if where == "window":
            return getattr(self, method)()
        fn = getattr(self.current_console, method, None)
        return fn() if fn is not None else None

    def choices(self, setting: str) -> list[str]:
        """The values a console setting of a View choice submenu can take."""
        if setting == "syntax_style":
            from pygments.styles import get_all_styles

            return sorted(get_all_styles())
        c = self.current_console
        trait = c.settings.traits().get(setting) if c is not None else None
        return list(getattr(trait, "values", None) or ())

    def _fill_choice_menu(self, menu, setting: str) -> None:
        menu.clear()
        c = self.current_console
        current = getattr(c.settings, setting, None) if c is not None else None
        group = QtGui.QActionGroup(menu)
        for value in self.choices(setting):
            act = menu.addAction(str(value))
            act.setCheckable(True)
            act.setChecked(value == current)
            group.addAction(act)
            act.triggered.connect(lambda _c=False, v=value: self.set_console_setting(setting, v))

    def set_console_setting(self, setting: str, value) -> None:
        """Set a console setting (theme, syntax style, ...) in every tab and the
        tabs opened later; ``theme`` and ``colors`` restyle the window too."""
        self._chosen[setting] = value
        for c in self.consoles():
            if setting in c.settings.traits():
                setattr(c.settings, setting, value)
        if setting in ("theme", "colors"):
            self._follow_theme()

    def _follow_theme(self) -> None:
        """The window's chrome (tab bar, menus, status bar, dialogs) in the
        current tab's theme (:mod:`embedcon.application.chrome`)."""
        c = self.current_console
        if c is not None and not self._closing:
            self.chrome.apply(theme_choice(c.settings))

    def _update_kernel_menu(self) -> None:
        h = self.current_handle
        owned = h is not None and h.owned
        self.actions["restart"].setEnabled(owned)
        self.actions["restart_clear"].setEnabled(owned)
        self.actions["connect_file"].setEnabled(h is not None and not owned and h.server is None)

    def _show_console_actions(self, console) -> None:
        """Hide the rows whose console method this console lacks (no disabled stubs)."""
        for row in ACTIONS:
            where, _, method = row.command.partition(".")
            if where == "console":
                self.actions[row.name].setVisible(hasattr(console, method))
        for setting, menu in self._choice_menus.items():
            menu.menuAction().setVisible(setting in console.settings.traits())

    # ------------------------------------------------------------------
    # tabs
    @property
    def current_console(self):
        return self.tabs.currentWidget()

    @property
    def current_handle(self) -> KernelHandle | None:
        c = self.current_console
        return self._handle_of.get(id(c)) if c is not None else None

    def consoles(self) -> list:
        return [self.tabs.widget(i) for i in range(self.tabs.count())]

    def handle_of(self, console) -> KernelHandle | None:
        return self._handle_of.get(id(console))

    def add_tab(self, handle: KernelHandle, kc=None, title: str | None = None,
                select: bool = True):
        """A new tab on ``handle``'s kernel (a new client unless ``kc`` is given)."""
        console = self.app.make_console()
        for setting, value in self._chosen.items():
            if setting in console.settings.traits():
                setattr(console.settings, setting, value)
        if handle not in self.handles:
            self.handles.append(handle)
            self._watch(handle)
        shared = bool(handle.widgets)
        handle.widgets.append(console)
        self._handle_of[id(console)] = handle
        if self.app.show_other_clients:
            console.include_other_output = True
        console.other_client_names = TabNames(self)
        console.kernel_restarter = self._restart
        console.exit_requested.connect(self._exit_requested)
        console.prompt_ready.connect(lambda c=console: self._prompt_ready(c))
        self.status.track(console)
        if not handle.owned:
            console.kernel_state_changed.connect(
                lambda state, c=console: state == "wrong key" and c.write_notice(
                    "Try again with Kernel \u25b8 Reconnect, or choose another connection "
                    "file with Kernel \u25b8 Connect to file\u2026"))
        if self.spares is not None:  # the tabs share the window's pool
            console.spare_pool = self.spares
            console.spare_kernels = True
        if handle.owned:
            console.kernel_manager = handle.manager
        if kc is None:
            kc = handle.new_client()
        console.kernel_client = kc
        if title is None:
            title = self._free_title(handle) if shared else handle.label
        index = self.tabs.addTab(console, title)
        self.tabs.setTabToolTip(index, handle.connection_file)
        if select:
            self.tabs.setCurrentIndex(index)
            console.setFocus()
        self._follow_theme()
        self.tab_added.emit(console)
        return console

    def _free_title(self, handle: KernelHandle) -> str:
        """``label \u21c4n``, n the smallest from 2 that no other tab on the kernel
        has (other tabs' inputs are labelled with their titles)."""
        used = {self.tabs.tabText(self.tabs.indexOf(w)) for w in handle.widgets}
        n = 2
        while f"{handle.label} \u21c4{n}" in used:
            n += 1
        return f"{handle.label} \u21c4{n}"

    def start_kernel(self, kernel_name: str) -> tuple:
        """A kernel of ``kernel_name`` (a warm spare when there is one): (handle, client)."""
        pair = self.spares.take(kernel_name) if self.spares is not None else None
        if pair is not None:
            km, kc = pair
        else:
            km = self.app.make_manager(kernel_name)
            km.start_kernel()
            kc = None
            if self.spares is not None:
                self.spares.ensure(kernel_name)
        return KernelHandle.for_manager(km, client_factory=self.app.make_client), kc

    def new_tab(self, kernel_name: str | None = None):
        """A new tab on a new kernel of ``kernel_name`` (default: the current
        tab's, on the current tab's Jupyter Server when it is on one)."""
        if kernel_name is None:
            h = self.current_handle
            if h is not None and h.server is not None:
                return self.open_on_server(KernelChoice(h.kernel_name, h.server))
            kernel_name = (h.kernel_name if h is not None and h.kernel_name else
                           self.app.default_kernel_name)
        try:
            handle, kc = self.start_kernel(kernel_name)
        except Exception as exc:
            QtWidgets.QMessageBox.warning(self, "New tab",
                                          f"Could not start a {kernel_name} kernel: {exc}")
            return None
        return self.add_tab(handle, kc)

    def new_tab_with_kernel(self):
        """Pick a kernel (a kernelspec here or on a Jupyter Server, or a
        server's running kernel), then a new tab on it."""
        h = self.current_handle
        choice = pick_kernel(self, current=h.kernel_name if h is not None else "",
                             servers=self.picker_servers())
        if choice is None:
            return None
        if choice.server is not None:
            return self.open_on_server(choice)
        return self.new_tab(choice.kernel_name)

    def new_tab_same_kernel(self):
        """A new tab on the current tab's kernel."""
        h = self.current_handle
        if h is None:
            return None
        return self.add_tab(h)

    def connect_existing(self):
        """Choose a running kernel (runtime directory or a file) and open a tab on it."""
        from jupyter_core.paths import jupyter_runtime_dir

        dialog = AttachDialog(jupyter_runtime_dir(), self,
                              exclude=[h.connection_file for h in self.handles if h.owned])
        self._attach_dialog = dialog  # for tests and the key reference
        try:
            if dialog.exec() != QtWidgets.QDialog.DialogCode.Accepted or not dialog.chosen:
                return None
        finally:
            self._attach_dialog = None
        return self.attach(dialog.chosen)

    def attach(self, path: str):
        """A tab on the kernel of connection file ``path`` (never shut down without asking)."""
        from ..connect import ConnectionFileError, check_connection_file

        for h in self.handles:
            if h.connection_file and os.path.exists(h.connection_file) and \
                    os.path.samefile(h.connection_file, path):
                return self.add_tab(h)
        try:
            info = check_connection_file(path, allow_insecure_key=self.app.allow_insecure_key)
        except ConnectionFileError as exc:
            QtWidgets.QMessageBox.warning(self, "Connect to a kernel", str(exc))
            return None
        handle = KernelHandle(connection_info=info, connection_file=path,
                              kernel_name=kernel_name_of_file(path), owned=False,
                              client_factory=self.app.make_client)
        return self.add_tab(handle)

    def next_tab(self) -> None:
        n = self.tabs.count()
        if n:
            self.tabs.setCurrentIndex((self.tabs.currentIndex() + 1) % n)

    def previous_tab(self) -> None:
        n = self.tabs.count()
        if n:
            self.tabs.setCurrentIndex((self.tabs.currentIndex() - 1) % n)

    def rename_tab(self, index: int | None = None, title: str | None = None) -> None:
        """Rename a tab (asks for the name when ``title`` is None)."""
        index = self.tabs.currentIndex() if index is None else index
        if index < 0:
            return
        if title is None:
            title, ok = QtWidgets.QInputDialog.getText(self, "Rename tab", "Name:",
                                                       text=self.tabs.tabText(index))
            if not ok:
                return
        title = title.strip()
        if title:
            self.tabs.setTabText(index, title)

    def tab_titles(self) -> list[str]:
        return [self.tabs.tabText(i) for i in range(self.tabs.count())]

    # ------------------------------------------------------------------
    # closing
    def _close_answer(self, text: str, detail: str) -> str | None:
        """Shut down or keep an owned kernel: the remembered answer, the
        confirm_exit setting, or the user's choice (None: cancelled)."""
        if not self.confirm_exit:
            return CLOSE_SHUTDOWN
        if self.state is not None and self.state.close_answer:
            return self.state.close_answer
        answer, remember = ask_close_kernel(self, text, detail)
        if answer is not None and remember and self.state is not None:
            self.state.close_answer = answer
            self._save_state()
        return answer

    def close_tab(self, index: int | None = None, answer: str | None = None) -> bool:
        """Close a tab.  The last tab on a kernel this window started asks
        whether to shut the kernel down; an attached kernel is left running."""
        index = self.tabs.currentIndex() if index is None else index
        console = self.tabs.widget(index)
        if console is None:
            return False
        handle = self._handle_of.get(id(console))
        last = handle is not None and handle.widgets == [console]
        if last and handle.owned and handle.alive() and answer is None:
            running = console.kernel_state == "busy"
            detail = "A cell is still running in it. " if running else ""
            detail += "Other consoles attached to it lose it too." if handle.owned else ""
            answer = self._close_answer(
                f"This is the last tab on the {handle.label} kernel started here.", detail)
            if answer is None:
                return False
        self._remove_tab(console)
        if last:
            self._release(handle, answer or CLOSE_KEEP)
        if self.tabs.count() == 0 and not self._closing:
            self.close()
        return True

    def _remove_tab(self, console):
        """Take a tab out; returns the thread stopping its client (or None)."""
        handle = self._handle_of.pop(id(console), None)
        if handle is not None and console in handle.widgets:
            handle.widgets.remove(console)
        self.status.forget(console)
        index = self.tabs.indexOf(console)
        if index >= 0:
            self.tabs.removeTab(index)
        kc = console.kernel_client
        console.kernel_restarter = None
        console.kernel_client = None
        console.kernel_manager = None
        stopping = None
        if kc is not None:  # the GUI does not wait for its I/O thread to end
            stopping = getattr(kc, "stop_channels_in_background", kc.stop_channels)()
        self.tab_closed.emit(console)
        console.deleteLater()
        return stopping

    def _release(self, handle: KernelHandle, answer: str) -> None:
        """``handle`` has no tab left: shut its kernel down or leave it running."""
        if handle in self.handles:
            self.handles.remove(handle)
        self._unwatch(handle)
        if handle.owned and answer == CLOSE_SHUTDOWN:
            handle.shutdown()
        elif handle.owned and handle.alive():
            log.info("left the kernel running: %s", handle.existing_line())
            self.status.showMessage(f"Kernel left running: {handle.existing_line()}", 8000)

    def _exit_requested(self, console) -> None:
        handle = self._handle_of.get(id(console))
        keep = bool(getattr(console, "keep_kernel_on_exit", False))
        # exit(keep_kernel=True) and kernels not started here: keep, no question;
        # plain `exit` on a kernel started here asks, or follows --confirm-exit
        # and a remembered answer, as closing its last tab does
        answer = CLOSE_KEEP if keep or handle is None or not handle.owned else None
        index = self.tabs.indexOf(console)
        if index >= 0:
            self.close_tab(index, answer=answer)

    def owned_kernels(self) -> list[KernelHandle]:
        return [h for h in self.handles if h.owned and h.alive()]

    def closeEvent(self, ev) -> None:
        owned = self.owned_kernels()
        answer = CLOSE_SHUTDOWN
        if owned and self.tabs.count():
            n = len(owned)
            answer = self._close_answer(
                f"Quit and shut down the {n} kernel{'s' if n > 1 else ''} started here?",
                "Kernels attached with --existing or 'Connect to existing kernel' are left "
                "running.")
            if answer is None:
                ev.ignore()
                return
        self._closing = True
        self._save_state()
        stopping = [self._remove_tab(console) for console in self.consoles()]
        for t in stopping:  # in parallel, before the process may exit
            if t is not None:
                t.join(timeout=3)
        for handle in list(self.handles):
            self._release(handle, answer)
        for km in list(self._retired):
            reap_kernel(km, self._retired)
        if self.spares is not None:
            self.spares.shutdown()
        self.chrome.restore()
        ev.accept()
        if self.quit_on_close:
            QtCore.QTimer.singleShot(0, QtWidgets.QApplication.instance().quit)

    # ------------------------------------------------------------------
    # kernel actions
    def _restart(self, console) -> bool:
        """Restart ``console``'s kernel: every tab on it goes on with the new one.
        With a warm spare of the same kernelspec the spare takes over at once."""
        handle = self._handle_of.get(id(console))
        if handle is None or not handle.owned:
            console.write_notice("This kernel was not started here, so it cannot be restarted "
                                 "from here.")
            return False
        pair = self.spares.take(handle.kernel_name) \
            if self.spares is not None and handle.server is None else None
        old = handle.manager
        if pair is not None:
            km, kc = pair
            handle.replace_manager(km)
            self._unwatch_file(old.connection_file)
            self._watch(handle)
            for i, w in enumerate(list(handle.widgets)):
                w.adopt_kernel(km, kc if i == 0 else handle.new_client(),
                               "Kernel restarted (a fresh kernel).")
            retire_kernel(old, self._retired)
            for w in handle.widgets:  # the new connection file
                self.tabs.setTabToolTip(self.tabs.indexOf(w), handle.connection_file)
        else:
            try:
                old.restart_kernel(now=True)
            except Exception as exc:
                console.write_notice(f"Restart failed: {exc}")
                return False
            for w in list(handle.widgets):
                w.adopt_kernel(old, w.kernel_client)
            self._watch(handle)  # again, after a shut down
        self.status.refresh()
        return True

    def restart_kernel(self) -> bool:
        c = self.current_console
        return c.restart_kernel() if c is not None else False

    def restart_and_clear(self) -> bool:
        c = self.current_console
        if c is not None and c.restart_kernel():
            c.clear()
            return True
        return False

    def shutdown_kernel(self) -> None:
        """Shut down the current tab's kernel (asks first when it was not started here)."""
        handle = self.current_handle
        if handle is None:
            return
        if not handle.owned:
            answer = QtWidgets.QMessageBox.question(
                self, "Shut down kernel", "This kernel was not started here; other programs "
                "may use it. Shut it down?")
            if answer != QtWidgets.QMessageBox.StandardButton.Yes:
                return
            self._unwatch_file(handle.connection_file)  # the kernel removes it
            self.current_console.kernel_client.shutdown()
            handle.dead = True
            for w in handle.widgets:
                w.kernel_shut_down("The kernel was asked to shut down.")
            return
        self._unwatch_file(handle.connection_file)  # its removal is no news
        handle.shutdown()
        for w in handle.widgets:
            w.kernel_shut_down("The kernel was shut down. Restart it from the Kernel menu.")

    def change_kernel(self) -> None:
        """Move the current tab to a new kernel of a chosen kernelspec (here
        or on a Jupyter Server), or to a server's running kernel."""
        console, old = self.current_console, self.current_handle
        if console is None:
            return
        choice = pick_kernel(self, "Change kernel", old.kernel_name if old else "",
                             servers=self.picker_servers())
        if choice is None:
            return
        if choice.server is not None:
            self.open_on_server(choice, then=lambda h: self._move_tab(console, old, h, None))
            return
        try:
            handle, kc = self.start_kernel(choice.kernel_name)
        except Exception as exc:
            console.write_notice(f"Could not start a {choice.kernel_name} kernel: {exc}")
            return
        self._move_tab(console, old, handle, kc)

    def _move_tab(self, console, old, handle, kc) -> None:
        """``console`` (on ``old``) goes on with ``handle``'s kernel."""
        if self.tabs.indexOf(console) < 0:
            return  # closed while the server was asked
        if old is not None:
            old.widgets.remove(console)
        self.handles.append(handle)
        self._watch(handle)
        handle.widgets.append(console)
        self._handle_of[id(console)] = handle
        console.adopt_kernel(handle.manager if handle.owned else None,
                             kc or handle.new_client(),
                             f"Changed to {'a new' if handle.owned else 'the'} {handle.label} "
                             "kernel.")
        self.tabs.setTabText(self.tabs.indexOf(console), handle.label)
        self.tabs.setTabToolTip(self.tabs.indexOf(console), handle.connection_file)
        if old is not None and not old.widgets:
            self._release(old, CLOSE_SHUTDOWN if old.owned else CLOSE_KEEP)
        self.status.show_console(console, handle)

    def copy_connection_info(self) -> None:
        """Copy the current kernel's connection info (JSON) and its --existing line."""
        handle = self.current_handle
        if handle is None:
            return
        info = {k: v.decode() if isinstance(v, bytes) else v
                for k, v in handle.connection_info.items()}
        text = json.dumps(info, indent=1) if info else ""  # a server's kernel: its line
        if handle.existing_line():
            text += ("\n\n" if text else "") + f"{handle.existing_line()}\n"
        QtWidgets.QApplication.clipboard().setText(text)
        self.status.showMessage("Connection info copied", 4000)

    # ------------------------------------------------------------------
    # connection files
    def connect_tab_to_file(self, path: str | None = None) -> bool:
        """Point the current tab (on a kernel it attached to) at another
        connection file: after a wrong key, or a kernel restarted elsewhere."""
        from ..connect import ConnectionFileError, check_connection_file

        console, handle = self.current_console, self.current_handle
        if console is None or handle is None or handle.owned:
            return False
        if path is None:
            from jupyter_core.paths import jupyter_runtime_dir

            path, _ = QtWidgets.QFileDialog.getOpenFileName(
                self, "Connect to a kernel", jupyter_runtime_dir(),
                "Connection files (*.json);;All files (*)")
            if not path:
                return False
        if not console.reconnect(path):
            return False
        try:
            info = check_connection_file(path, allow_insecure_key=self.app.allow_insecure_key)
        except ConnectionFileError:
            return True  # reconnect() checked it; it changed meanwhile: keep the old label
        handle.widgets.remove(console)
        if not handle.widgets:
            self._release(handle, CLOSE_KEEP)
        new = KernelHandle(connection_info=info, connection_file=path,
                           kernel_name=kernel_name_of_file(path), owned=False,
                           client_factory=self.app.make_client)
        self.handles.append(new)
        self._watch(new)
        new.widgets.append(console)
        self._handle_of[id(console)] = new
        self.status.show_console(console, new)
        return True

    # ------------------------------------------------------------------
    # current tab, magics, connection files
    def _current_changed(self, index: int) -> None:
        console = self.tabs.widget(index)
        if console is None:
            return
        handle = self._handle_of.get(id(console))
        self.status.show_console(console, handle)
        self._update_key_hints(console)
        self._show_console_actions(console)
        self._show_magics(handle)
        title = self.app.window_title
        if handle is not None and not handle.owned and handle.connection_file:
            title += f" \u2014 {os.path.basename(handle.connection_file)}"
        self.setWindowTitle(title)

    def _watch(self, handle) -> None:
        if handle.connection_file and os.path.exists(handle.connection_file) and \
                handle.connection_file not in self._watcher.files():
            self._watcher.addPath(handle.connection_file)

    def _unwatch(self, handle) -> None:
        if not any(h.connection_file == handle.connection_file for h in self.handles):
            self._unwatch_file(handle.connection_file)

    def _unwatch_file(self, path: str) -> None:
        if path and path in self._watcher.files():
            self._watcher.removePath(path)

    def _connection_file_changed(self, path: str) -> None:
        if os.path.exists(path):
            return
        for h in self.handles:
            if h.connection_file == path:
                for w in h.widgets:
                    w.write_notice(f"The connection file {os.path.basename(path)} was removed. "
                                   "This console stays connected, but no other console can "
                                   "attach with that file.")
