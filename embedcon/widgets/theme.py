"""Themes: light, dark, or following the host application's palette.

A mixin of :class:`~embedcon.widgets.rich_widget.RichJupyterWidget` with its
settings.  ``theme = "auto"`` (the default) keeps the host's palette and
restyles the console whenever the host changes it at run time (a
``PaletteChange`` reaches the widget); ``light`` and ``dark`` set the editor's
palette.  Either way the 16 ANSI colours, the prompts, stderr and notices are
taken from :mod:`embedcon.models.contrast`, readable (4.5:1 or better) on the
background in use, and the colours already in the transcript are switched
to the new ones in one pass.  ``style_sheet`` is a Qt style sheet for the
widget; ``syntax_style`` any pygments style (a dark theme with the
``default`` style uses ``monokai``, made for dark backgrounds).
"""

from __future__ import annotations

from qtpy import QtCore, QtGui
from traitlets import Enum, Unicode
from traitlets.config import LoggingConfigurable

from ..models.contrast import THEMES, ansi_palette, is_dark, readable

__all__ = ["ThemeMixin", "ThemeSettings"]

_FG = QtGui.QTextFormat.Property.ForegroundBrush
_BG = QtGui.QTextFormat.Property.BackgroundBrush


class ThemeSettings(LoggingConfigurable):
    theme = Enum(("auto", "light", "dark"), "auto", config=True,
                 help="Colours: light, dark, or auto (follow the host application's palette, "
                      "also when it changes).")
    style_sheet = Unicode("", config=True, help="A Qt style sheet applied to the console widget.")


class ThemeMixin:
    def _init_theme(self) -> None:
        self._theme_colours: list[str] = []  # the colours in use, for recolouring
        self._theme_name = ""
        self._applying_theme = False
        self.settings.observe(self._theme_setting_changed, ["theme", "style_sheet"])
        if self.settings.style_sheet:
            self.setStyleSheet(self.settings.style_sheet)
        self.apply_theme()

    @property
    def theme_name(self) -> str:
        """The theme in use: ``light`` or ``dark`` (auto resolved)."""
        return self._theme_name

    def _theme_setting_changed(self, change) -> None:
        if change["name"] == "style_sheet":
            self.setStyleSheet(change["new"])
        self.apply_theme()

    def changeEvent(self, ev):  # noqa: N802 (Qt's name)
        super().changeEvent(ev)
        if ev.type() in (QtCore.QEvent.Type.PaletteChange,
                         QtCore.QEvent.Type.ApplicationPaletteChange) \
                and not self._applying_theme and self.settings.theme == "auto":
            self.apply_theme()

    def apply_theme(self) -> None:
        """Restyle the console for the current ``theme`` (and host palette)."""
        if self._applying_theme:
            return
        self._applying_theme = True
        try:
            self._apply_theme()
        finally:
            self._applying_theme = False

    def _apply_theme(self) -> None:
        edit = self._control
        choice = self.settings.theme
        if choice == "auto":
            edit.setPalette(QtGui.QPalette())  # back to the inherited one
            pal = self.palette()
            bg = pal.color(QtGui.QPalette.ColorRole.Base).name()
            name = "dark" if is_dark(bg) else "light"
        else:
            name = choice
            colours = THEMES[name]
            pal = QtGui.QPalette(edit.palette())
            for role, key in ((QtGui.QPalette.ColorRole.Base, "background"),
                              (QtGui.QPalette.ColorRole.Window, "background"),
                              (QtGui.QPalette.ColorRole.Text, "text"),
                              (QtGui.QPalette.ColorRole.WindowText, "text"),
                              (QtGui.QPalette.ColorRole.Highlight, "highlight"),
                              (QtGui.QPalette.ColorRole.Link, "link")):
                pal.setColor(role, QtGui.QColor(colours[key]))
            pal.setColor(QtGui.QPalette.ColorRole.HighlightedText, QtGui.QColor(colours["text"]))
            edit.setPalette(pal)
            bg = colours["background"]
        theme = THEMES[name]
        new = ansi_palette(bg) + [readable(theme[k], bg) for k in
                                  ("prompt", "out_prompt", "stderr", "notice")]
        old = self._theme_colours
        self._theme_colours = new
        self._theme_name = name
        w = self.writer
        w.ansi_colours = new[:16]
        w.stderr_colour = new[18]
        w._formats.clear()
        self._prompt_format.setForeground(QtGui.QColor(new[16]))
        self._out_prompt_format.setForeground(QtGui.QColor(new[17]))
        self._notice_format.setForeground(QtGui.QColor(new[19]))
        style = self.settings.syntax_style
        self._highlighter.set_style("monokai" if name == "dark" and style == "default" else style)
        if old and old != new:
            self._recolour({QtGui.QColor(a).rgb(): QtGui.QColor(b)
                            for a, b in zip(old, new) if a != b})
        from .rich_build import colour_links, recolour_math
        link, ink = self._link_colour(), self._text_colour().name()
        for block in getattr(self, "_rich_blocks", {}).values():
            block._cache = None
            if block.kind == "doc" and block.mime != "text/plain":
                for doc in block.all_docs():
                    colour_links(doc, link)
                    recolour_math(doc, ink)
        edit.viewport().update()

    def _recolour(self, mapping: dict) -> None:
        """Switch the theme colours already in the transcript (one pass over
        its fragments; only those with a theme colour are touched)."""
        doc = self._doc
        c = QtGui.QTextCursor(doc)
        changes = []
        block = doc.begin()
        while block.isValid():
            it = block.begin()
            while not it.atEnd():
                frag = it.fragment()
                fmt = frag.charFormat()
                patch = None
                for prop, setter in ((_FG, "setForeground"), (_BG, "setBackground")):
                    if fmt.hasProperty(prop):
                        colour = mapping.get(fmt.brushProperty(prop).color().rgb())
                        if colour is not None:
                            patch = patch or QtGui.QTextCharFormat()
                            getattr(patch, setter)(colour)
                if patch is not None:
                    changes.append((frag.position(), frag.length(), patch))
                it += 1
            block = block.next()
        if not changes:
            return
        c.beginEditBlock()
        for pos, length, patch in changes:
            c.setPosition(pos)
            c.setPosition(pos + length, QtGui.QTextCursor.MoveMode.KeepAnchor)
            c.mergeCharFormat(patch)
        c.endEditBlock()
