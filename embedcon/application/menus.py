"""The application's menus as a table of named actions.

Each row names an action, its menu, its label, where its shortcut comes from
and the command it calls by name: ``window.<method>`` on the main window or
``console.<method>`` on the current tab's console.  Adding a menu entry is
adding one row.  Console commands take their shortcut from the console's key
map (``keys`` names the key-map command), so a rebinding shows in the menu;
the console handles those keys itself while it has focus, and the menu shows
them without registering a second shortcut for the same key.  Window commands
have real window shortcuts.

Rows calling a console method the current console lacks (the plain console
has no export) are hidden, not disabled.  The View menu's choice submenus
(:data:`CHOICES`: a console setting and its values) and the Magic menu are
filled by the window when they open.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ActionRow", "ACTIONS", "MENUS", "CHOICES"]

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
    ActionRow("File", "save_session", "&Save as HTML, XHTML or text\u2026",
              "console.cmd_save_session", keys="save_session", separator_before=True),
    ActionRow("File", "save_notebook", "Save as &notebook\u2026", "window.save_notebook"),
    ActionRow("File", "print", "&Print\u2026", "console.cmd_print", keys="print"),
    ActionRow("File", "print_pdf", "Print to P&DF\u2026", "window.print_pdf"),
    ActionRow("File", "close_tab", "&Close tab", "window.close_tab", "Ctrl+W",
              separator_before=True),
    ActionRow("File", "quit", "&Quit", "window.close", "Ctrl+Q"),
    # Edit
    ActionRow("Edit", "undo", "&Undo", "console.cmd_undo", keys="undo"),
    ActionRow("Edit", "redo", "&Redo", "console.cmd_redo", keys="redo"),
    ActionRow("Edit", "cut", "Cu&t", "console.cmd_cut", keys="cut", separator_before=True),
    ActionRow("Edit", "copy", "&Copy", "console.cmd_copy", keys="interrupt_or_copy"),
    ActionRow("Edit", "copy_raw", "Copy &raw text", "console.cmd_copy_raw", keys="copy_raw"),
    ActionRow("Edit", "paste", "&Paste", "console.cmd_paste", keys="paste"),
    ActionRow("Edit", "select_all", "Select &all", "console.cmd_select_all", keys="select_all"),
    ActionRow("Edit", "find", "&Find\u2026", "console.cmd_find", keys="find",
              separator_before=True),
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
    ActionRow("View", "rename_tab", "Re&name tab\u2026", "window.rename_tab", "Ctrl+Shift+R"),
    # Kernel
    ActionRow("Kernel", "interrupt", "&Interrupt", "console.cmd_interrupt",
              keys="interrupt_or_copy"),
    ActionRow("Kernel", "restart", "&Restart", "window.restart_kernel", keys="restart_kernel"),
    ActionRow("Kernel", "restart_clear", "Restart and &clear", "window.restart_and_clear"),
    ActionRow("Kernel", "shutdown", "&Shut down", "window.shutdown_kernel"),
    ActionRow("Kernel", "change_kernel", "C&hange kernel\u2026", "window.change_kernel",
              separator_before=True),
    ActionRow("Kernel", "copy_connection", "Copy c&onnection info", "window.copy_connection_info"),
    ActionRow("Kernel", "reconnect", "Re&connect", "console.reconnect", separator_before=True),
    ActionRow("Kernel", "connect_file", "Connect to &file\u2026", "window.connect_tab_to_file"),
    # Help
    ActionRow("Help", "key_reference", "&Key reference", "window.show_key_reference", "F1"),
    ActionRow("Help", "about", "&About embedcon", "window.show_about"),
)

#: View submenus: (label, console setting); the values are the setting's choices
#: (the pygments styles for syntax_style).  Choosing one sets it in every tab.
CHOICES: tuple[tuple[str, str], ...] = (
    ("&Theme", "theme"),
    ("S&yntax style", "syntax_style"),
    ("C&ompletion style", "gui_completion"),
    ("Pa&ger", "paging"),
)
