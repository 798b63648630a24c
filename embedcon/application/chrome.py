"""The standalone window's chrome (tab bar, menus, status bar, dialogs) in the console's theme.

``theme = dark`` (or ``colors = Linux``) gives the whole application a dark
palette, ``light`` (or ``LightBG``) a light one, and ``auto`` gives back the
palette and style the application had before, so that the chrome follows the
desktop again.  An explicit theme uses the Fusion style when the style in
use is another (native styles draw their own colours and ignore a palette).

Only the standalone application does this (:class:`~embedcon.application.window.MainWindow`):
the library's console widget never restyles a host's application.
"""

from __future__ import annotations

from qtpy import QtGui, QtWidgets

from ..models.contrast import THEMES

__all__ = ["ChromeTheme", "chrome_palette", "theme_choice"]

Role, Group = QtGui.QPalette.ColorRole, QtGui.QPalette.ColorGroup

#: window (chrome) and button colours of each theme; the rest is THEMES' (the console's)
_CHROME = {
    "dark": {"window": "#2b2b2b", "button": "#353535", "disabled": "#7a7a7a",
             "tooltip": "#3c3c3c", "highlighted_text": "#ffffff"},
    "light": {"window": "#efefef", "button": "#efefef", "disabled": "#8a8a8a",
              "tooltip": "#ffffdc", "highlighted_text": "#1a1a1a"},
}


def theme_choice(settings) -> str:
    """``light``, ``dark`` or ``auto`` from a console's ``colors`` and ``theme``
    (``colors`` wins, as in the console itself)."""
    colors = (getattr(settings, "colors", "") or "").lower()
    return {"lightbg": "light", "linux": "dark"}.get(colors, getattr(settings, "theme", "auto"))


def _style_name(app) -> str:
    """The application style's key (``fusion``, ``windowsvista``, ``macos``, ...)."""
    return app.style().objectName().lower()  # QStyle.name() is Qt 6 only


def chrome_palette(name: str) -> QtGui.QPalette:
    """The application palette of theme ``name`` (``light`` or ``dark``)."""
    theme, chrome = THEMES[name], _CHROME[name]
    col = QtGui.QColor
    # Qt derives the 3D shades (light, mid, dark, shadow) and the disabled group from these two
    pal = QtGui.QPalette(col(chrome["button"]), col(chrome["window"]))
    text = col(theme["text"])
    for role, colour in ((Role.WindowText, text), (Role.Text, text), (Role.ButtonText, text),
                         (Role.Base, col(theme["background"])),
                         (Role.AlternateBase, col(chrome["button"])),
                         (Role.ToolTipBase, col(chrome["tooltip"])), (Role.ToolTipText, text),
                         (Role.Highlight, col(theme["highlight"])),
                         (Role.HighlightedText, col(chrome["highlighted_text"])),
                         (Role.Link, col(theme["link"])),
                         (Role.PlaceholderText, col(chrome["disabled"])),
                         (Role.BrightText, col("#ff5555"))):
        pal.setColor(Group.Active, role, colour)
        pal.setColor(Group.Inactive, role, colour)
    for role in (Role.WindowText, Role.Text, Role.ButtonText):
        pal.setColor(Group.Disabled, role, col(chrome["disabled"]))
    pal.setColor(Group.Disabled, Role.Base, col(chrome["window"]))
    return pal


class ChromeTheme:
    """Applies a theme to the QApplication and gives the host's palette and
    style back on ``auto`` and on :meth:`restore`."""

    def __init__(self):
        self._saved: tuple[QtGui.QPalette, str] | None = None
        self.current = "auto"

    def apply(self, choice: str) -> None:
        """Make the application ``light``, ``dark`` or (``auto``) as it was."""
        app = QtWidgets.QApplication.instance()
        if app is None or choice == self.current:
            return
        if choice not in _CHROME:
            self.restore()
            return
        if self._saved is None:
            self._saved = (QtGui.QPalette(app.palette()), _style_name(app))
        if _style_name(app) != "fusion":
            app.setStyle("Fusion")
        app.setPalette(chrome_palette(choice))
        self.current = choice

    def restore(self) -> None:
        """The palette and style the application had before the first theme."""
        app = QtWidgets.QApplication.instance()
        saved, self._saved = self._saved, None
        self.current = "auto"
        if app is None or saved is None:
            return
        palette, style = saved
        if style and _style_name(app) != style:
            app.setStyle(style)
        app.setPalette(palette)
