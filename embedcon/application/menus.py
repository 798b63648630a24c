"""The application's menus as a table of named actions.

Each row names an action, its menu, its label, where its shortcut comes from
and the command it calls by name: ``window.<method>`` on the main window or
``console.<method>`` on the current tab's console.  Adding a menu entry is
adding one row.  Console commands take their shortcut from the console's key
map (``keys`` names the key-map command), so a rebinding shows in the menu;
the console handles those keys itself while it has focus, and the menu shows
them without registering a second shortcut for the same key.  Window commands
have real window shortcuts.

Submenus whose items depend on the running state (syntax styles, magics) are
filled by the window (``MainWindow._fill_*``).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ActionRow", "ACTIONS", "MENUS"]

MENUS = ("File", "Edit", "View", "Kernel", "Magic", "Help")


@dataclass(frozen=True)
class ActionRow:
    menu: str
    name: str  # the action's name: MainWindow.actions[name]
    label: str
    command: str  # "window.<method>" or "console.<method>"
    shortcut: str = ""  # window shortcut (portable QKeySequence text)
    keys: str = ""  # key-map command whose chords the menu shows (console keys)
    checkable: bool = False
    separator_before: bool = False


ACTIONS: tuple[ActionRow, ...] = (
    # File
    ActionRow("File", "new_tab", "&New tab", "window.new_tab", "Ctrl+T"),
    ActionRow("File", "new_tab_with_kernel", "New tab with &kernel\u2026",
              "window.new_tab_with_kernel", "Ctrl+Alt+T"),
    ActionRow("File", "new_tab_same_kernel", "New tab on the &same kernel",
              "window.new_tab_same_kernel", "Ctrl+Shift+T"),
    ActionRow("File", "connect_existing", "&Connect to existing kernel\u2026",
              "window.connect_existing", "Alt+T"),
    ActionRow("File", "save_text", "Save as &text\u2026", "window.save_text",
              separator_before=True),
    ActionRow("File", "close_tab", "&Close tab", "window.close_tab", "Ctrl+W",
              separator_before=True),
    ActionRow("File", "quit", "&Quit", "window.close", "Ctrl+Q"),
    # Edit
    ActionRow("Edit", "cut", "Cu&t", "console.cmd_cut", keys="cut"),
    ActionRow("Edit", "copy", "&Copy", "console.cmd_copy", keys="interrupt_or_copy"),
    ActionRow("Edit", "copy_raw", "Copy &raw text", "console.cmd_copy_raw", keys="copy_raw"),
    ActionRow("Edit", "paste", "&Paste", "console.cmd_paste", keys="paste"),
    ActionRow("Edit", "select_all", "Select &all", "console.cmd_select_all", keys="select_all"),
    ActionRow("Edit", "clear", "C&lear", "console.cmd_clear", keys="clear", separator_before=True),
    # View
    ActionRow("View", "zoom_in", "Zoom &in", "console.cmd_zoom_in", keys="zoom_in"),
    ActionRow("View", "zoom_out", "Zoom &out", "console.cmd_zoom_out", keys="zoom_out"),
    ActionRow("View", "zoom_reset", "&Reset zoom", "console.cmd_zoom_reset", keys="zoom_reset"),
    ActionRow("View", "full_screen", "&Full screen", "window.toggle_full_screen", "F11",
              checkable=True, separator_before=True),
    ActionRow("View", "show_menu_bar", "Show &menu bar", "window.toggle_menu_bar",
              "Ctrl+Shift+M", checkable=True),
    ActionRow("View", "show_status_bar", "Show &status bar", "window.toggle_status_bar",
              checkable=True),
    ActionRow("View", "next_tab", "&Next tab", "window.next_tab", "Ctrl+PgDown",
              separator_before=True),
    ActionRow("View", "previous_tab", "&Previous tab", "window.previous_tab", "Ctrl+PgUp"),
    ActionRow("View", "rename_tab", "Re&name tab\u2026", "window.rename_tab", "Ctrl+R"),
    # Kernel
    ActionRow("Kernel", "interrupt", "&Interrupt", "console.cmd_interrupt",
              keys="interrupt_or_copy"),
    ActionRow("Kernel", "restart", "&Restart", "window.restart_kernel", keys="restart_kernel"),
    ActionRow("Kernel", "restart_clear", "Restart and &clear", "window.restart_and_clear"),
    ActionRow("Kernel", "shutdown", "&Shut down", "window.shutdown_kernel"),
    ActionRow("Kernel", "change_kernel", "C&hange kernel\u2026", "window.change_kernel",
              separator_before=True),
    ActionRow("Kernel", "copy_connection", "Copy c&onnection info", "window.copy_connection_info"),
    # Help
    ActionRow("Help", "key_reference", "&Key reference", "window.show_key_reference", "F1"),
    ActionRow("Help", "about", "&About embedcon", "window.show_about"),
)
