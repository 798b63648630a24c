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
``default`` style uses ``monokai``, made for dark backgrounds).  A switch of
theme or style colours the inputs already executed again too, a slice at a
time (see :class:`~embedcon.widgets.highlighter.InputHighlighter`).

``colors`` takes the Jupyter Qt Console guide's schemes: ``LightBG`` (the
light theme), ``Linux`` (the dark theme) and ``NoColor`` (no colour at all:
prompts, output escapes, tracebacks and input in the text colour, input
highlighting with pygments' ``bw`` style, rich outputs (HTML, Markdown,
DataFrames) without their own colours, links underlined; switched at run
time, it applies to what is already shown too, and switching back gives the
colours again).
An IPython kernel is told the same scheme (``%colors``, silently) when it
connects and whenever ``colors`` changes, so its tracebacks and ``%colors``
match.  A style sheet may style
the guide's classes (``.in-prompt``, ``.in-prompt-number``, ``.out-prompt``,
``.out-prompt-number``, ``.error``, ``.inverted``: see
:mod:`embedcon.models.stylesheet`); they are applied over the theme.
"""

from __future__ import annotations

from qtpy import QtCore, QtGui, QtWidgets
from traitlets import CaselessStrEnum, Enum, Unicode
from traitlets.config import LoggingConfigurable

from ..models.contrast import THEMES, ansi_palette, is_dark, readable
from ..models.stylesheet import console_classes
from .output import (ROLE_KEY, ROLE_NOTICE, ROLE_OTHER_PROMPT, ROLE_OUT_PROMPT,
                     ROLE_OUT_PROMPT_NUMBER, ROLE_PROMPT,
                     ROLE_PROMPT_NUMBER, STYLE_KEY)

__all__ = ["ThemeMixin", "ThemeSettings"]

_FG = QtGui.QTextFormat.Property.ForegroundBrush
_BG = QtGui.QTextFormat.Property.BackgroundBrush


class ThemeSettings(LoggingConfigurable):
    theme = Enum(("auto", "light", "dark"), "auto", config=True,
                 help="Colours: light, dark, or auto (follow the host application's palette, "
                      "also when it changes).")
    style_sheet = Unicode("", config=True,
                          help="A Qt style sheet applied to the console widget; it may also "
                               "style .in-prompt, .in-prompt-number, .out-prompt, "
                               ".out-prompt-number, .error and .inverted.")
    colors = CaselessStrEnum(
        ("", "LightBG", "Linux", "NoColor"), "", config=True,
        help="A colour scheme as in the Jupyter Qt Console: LightBG (light), Linux (dark) or "
             "NoColor (no colour at all); the IPython kernel is told too. Empty: `theme` "
             "decides and the kernel keeps its own.")


class ThemeMixin:
    def _init_theme(self) -> None:
        self._theme_name = ""
        self._applying_theme = False
        self.settings.observe(self._theme_setting_changed, ["theme", "style_sheet", "colors"])
        if self.settings.style_sheet:
            self.setStyleSheet(self.settings.style_sheet)
        # what the first prompt (written before the theme) was drawn with
        w = self.writer
        self._theme_colours = list(w.ansi_colours) + [
            self._prompt_format.foreground().color().name(),
            self._out_prompt_format.foreground().color().name(),
            QtGui.QColor(w.stderr_colour).name(),
            self._notice_format.foreground().color().name()]
        ThemeMixin.apply_theme(self)  # not an override: hosts (napari) name their own apply_theme

    @property
    def theme_name(self) -> str:
        """The theme in use: ``light`` or ``dark`` (auto resolved)."""
        return self._theme_name

    def _theme_setting_changed(self, change) -> None:
        if change["name"] == "style_sheet":
            self.setStyleSheet(change["new"])
            self._restyle_written = True  # the prompts' classes may have changed
        ThemeMixin.apply_theme(self)  # not an override: hosts (napari) name their own apply_theme
        if change["name"] == "colors":
            self._tell_kernel_colors()

    # -- the kernel's own colours (tracebacks, %colors) ------------------------
    def _on_kernel_info(self, content: dict, show_banner: bool) -> None:
        super()._on_kernel_info(content, show_banner)
        self._kernel_is_ipython = content.get("implementation") == "ipython" or \
            "IPython" in str(content.get("banner", ""))
        self._tell_kernel_colors()

    def _tell_kernel_colors(self) -> None:
        scheme = self._colors_scheme()
        kc = self._kernel_client
        if not scheme or kc is None or not getattr(self, "_kernel_is_ipython", False):
            return
        try:  # silent: no output, no execution count, nothing in the history
            kc.execute(f"%colors {scheme}", silent=True, store_history=False)
        except Exception as exc:  # a closed client: next connect tells it
            self.log.debug("could not set the kernel's colours: %s", exc)

    def _colors_scheme(self) -> str:
        """The ``colors`` value spelled as IPython's ``%colors`` wants it."""
        value = (self.settings.colors or "").lower()
        return {"lightbg": "LightBG", "linux": "Linux", "nocolor": "NoColor"}.get(value, "")

    def changeEvent(self, ev):  # noqa: N802 (Qt's name)
        super().changeEvent(ev)
        if ev.type() in (QtCore.QEvent.Type.PaletteChange,
                         QtCore.QEvent.Type.ApplicationPaletteChange) \
                and not self._applying_theme and self.settings.theme == "auto":
            ThemeMixin.apply_theme(self)  # not an override: hosts (napari) name their own apply_theme

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
        scheme = self._colors_scheme()
        choice = {"LightBG": "light", "Linux": "dark"}.get(scheme, self.settings.theme)
        if choice == "auto":
            edit.setPalette(QtGui.QPalette())  # back to the inherited one
            self._palette_for_parts(None)
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
            # the pager, completion columns and find bar's buttons and hints
            text, back = QtGui.QColor(colours["text"]), QtGui.QColor(colours["background"])
            mid = QtGui.QColor((text.red() + back.red()) // 2, (text.green() + back.green()) // 2,
                               (text.blue() + back.blue()) // 2)
            for role, colour in ((QtGui.QPalette.ColorRole.Button, back),
                                 (QtGui.QPalette.ColorRole.ButtonText, text),
                                 (QtGui.QPalette.ColorRole.AlternateBase, back),
                                 (QtGui.QPalette.ColorRole.PlaceholderText, mid)):
                pal.setColor(role, colour)
            edit.setPalette(pal)
            self._palette_for_parts(pal)
            bg = colours["background"]
        theme = THEMES[name]
        new = ansi_palette(bg) + [readable(theme[k], bg) for k in
                                  ("prompt", "out_prompt", "stderr", "notice")]
        old = self._theme_colours
        self._theme_colours = new
        self._theme_name = name
        no_color = scheme == "NoColor"
        was_no_color = self.writer.no_color
        if no_color:  # every theme colour becomes the text colour
            new = new[:16] + [readable(theme["text"], bg)] * 4
        w = self.writer
        w.ansi_colours = new[:16]
        w.stderr_colour = new[18]
        w.text_colour = edit.palette().color(QtGui.QPalette.ColorRole.Text).name()
        w.no_color = no_color
        w._formats.clear()
        self._prompt_format.setForeground(QtGui.QColor(new[16]))
        self._out_prompt_format.setForeground(QtGui.QColor(new[17]))
        self._notice_format.setForeground(QtGui.QColor(new[19]))
        self._apply_style_sheet_classes()
        self._set_input_style()
        forced, self._restyle_written = getattr(self, "_restyle_written", False), False
        if (old and old != new) or no_color != was_no_color or forced:
            self._recolour({QtGui.QColor(a).rgb(): QtGui.QColor(b)
                            for a, b in zip(old, new) if a != b})
        self._restyle_rich(no_color)
        edit.viewport().update()

    def _restyle_rich(self, no_color: bool) -> None:
        """Rich outputs already shown take the theme: links its link colour,
        formulas the text colour, and under NoColor no colour at all (their
        documents' colours are taken out, and given back after it: see
        :mod:`.rich_colour`)."""
        for block in getattr(self, "_rich_blocks", {}).values():
            block._cache = None
            if block.kind == "doc" and block.mime != "text/plain":
                self._restyle_docs(block.all_docs(), no_color)
        cache = getattr(self, "_band_cache", None)
        if cache is not None:
            cache.clear()  # pictures of big outputs' bands (NoColor keeps the text colour)

    def _restyle_docs(self, docs, no_color: bool) -> None:
        """One rich output's documents in the current theme and ``colors``."""
        from .rich_build import colour_links, recolour_math
        from .rich_colour import set_no_color
        link, ink = self._link_colour(), self._text_colour().name()
        for doc in docs:
            set_no_color(doc, no_color)
            if not no_color:
                colour_links(doc, link)
            recolour_math(doc, ink)

    def _set_input_style(self) -> None:
        """The inputs' pygments style: ``syntax_style``, ``bw`` for NoColor,
        ``monokai`` for ``default`` on the dark theme.  A new style colours
        the executed inputs again too (see ``InputHighlighter.set_style``)."""
        style = self.settings.syntax_style
        if self.writer.no_color:
            style = "bw"
        elif getattr(self, "_theme_name", "") == "dark" and style == "default":
            style = "monokai"
        self._highlighter.set_style(style)

    def _palette_for_parts(self, pal) -> None:
        """The console's other parts (pager, completion columns, find and
        search bars) take the light/dark palette too; ``None`` (auto) gives
        back the palette the widget had before, and the parts take the
        widget's.  Each part gets it explicitly: under a style sheet Qt does
        not pass a palette on to children."""
        if pal is not None:
            if not hasattr(self, "_own_palette"):
                self._own_palette = QtGui.QPalette(self.palette()) if self.testAttribute(
                    QtCore.Qt.WidgetAttribute.WA_SetPalette) else None
            self.setPalette(pal)
        elif hasattr(self, "_own_palette"):
            self.setPalette(self._own_palette or QtGui.QPalette())
            del self._own_palette
        self._parts_palette = QtGui.QPalette(pal if pal is not None else self.palette())
        for child in self.findChildren(QtWidgets.QWidget, "",
                                       QtCore.Qt.FindChildOption.FindDirectChildrenOnly):
            self._palette_part(child)

    def _palette_part(self, part) -> None:
        if part is self._control or part.isWindow():
            return  # the editor has its own; windows keep theirs
        edit, pal = self._control, self._parts_palette
        for w in [part] + part.findChildren(QtWidgets.QWidget):
            if w is not edit and not edit.isAncestorOf(w):
                w.setPalette(pal)
        popup = getattr(self, "completion_widget", None)
        if popup is not None and (popup is part or part.isAncestorOf(popup)):
            self._apply_inverted()  # the style sheet's selection colours stay on top

    def childEvent(self, ev):  # noqa: N802 (Qt's name)
        super().childEvent(ev)
        if ev.type() == QtCore.QEvent.Type.ChildPolished and \
                hasattr(self, "_parts_palette") and isinstance(ev.child(), QtWidgets.QWidget):
            self._palette_part(ev.child())  # a part made later (the find bar)

    def _apply_style_sheet_classes(self) -> None:
        """The guide's classes from ``style_sheet``, over the theme's colours."""
        classes = console_classes(self.settings.style_sheet)

        def styled(base, props):
            fmt = QtGui.QTextCharFormat(base)
            if "color" in props and QtGui.QColor(props["color"]).isValid():
                fmt.setForeground(QtGui.QColor(props["color"]))
            if "background-color" in props and QtGui.QColor(props["background-color"]).isValid():
                fmt.setBackground(QtGui.QColor(props["background-color"]))
            weight = props.get("font-weight", "")
            if weight:
                fmt.setFontWeight(QtGui.QFont.Weight.Bold if weight in ("bold", "bolder", "700",
                                                                          "800", "900")
                                  else QtGui.QFont.Weight.Normal)
            return fmt
        for name, attr in (("in-prompt", "_prompt_format"), ("out-prompt", "_out_prompt_format")):
            if name in classes:
                setattr(self, attr, styled(getattr(self, attr), classes[name]))
        self._prompt_number_format = styled(self._prompt_format, classes["in-prompt-number"]) \
            if "in-prompt-number" in classes else None
        self._out_prompt_number_format = \
            styled(self._out_prompt_format, classes["out-prompt-number"]) \
            if "out-prompt-number" in classes else None
        for fmt, role in ((self._prompt_number_format, ROLE_PROMPT_NUMBER),
                          (self._out_prompt_number_format, ROLE_OUT_PROMPT_NUMBER)):
            if fmt is not None:
                fmt.setProperty(ROLE_KEY, role)
        error = classes.get("error", {}).get("color")
        if error and QtGui.QColor(error).isValid():
            self.writer.stderr_colour = QtGui.QColor(error).name()
        self._apply_inverted(classes)
        if getattr(self, "_prompt_kind", None) == "input" and self._prompt_cursor is not None:
            self._replace_prompt(self._prompt_text(), restyle=True)

    def _apply_inverted(self, classes=None) -> None:
        """``.inverted``: the selected completion's colours."""
        if classes is None:
            classes = console_classes(self.settings.style_sheet)
        inverted = classes.get("inverted")
        popup = getattr(self, "completion_widget", None)
        if inverted and popup is not None:
            pal = QtGui.QPalette(popup.palette())
            if QtGui.QColor(inverted.get("background-color", "")).isValid():
                pal.setColor(QtGui.QPalette.ColorRole.Highlight,
                             QtGui.QColor(inverted["background-color"]))
            if QtGui.QColor(inverted.get("color", "")).isValid():
                pal.setColor(QtGui.QPalette.ColorRole.HighlightedText,
                             QtGui.QColor(inverted["color"]))
            popup.setPalette(pal)

    def _recolour(self, mapping: dict) -> None:
        """Switch the theme colours already in the transcript (one pass over
        its fragments; only those with a theme colour are touched).  Output
        the writer coloured (ANSI escapes, stderr) gets its format rebuilt
        for the current palette and ``colors`` (NoColor: no colour; back
        from NoColor: its colours again), and prompts and notices the
        console's current format for them (theme, NoColor, style sheet)."""
        doc = self._doc
        c = QtGui.QTextCursor(doc)
        changes = []
        writer = self.writer
        keys = writer.style_keys
        rebuilt: dict = {}
        roles = {ROLE_PROMPT: self._prompt_format, ROLE_OUT_PROMPT: self._out_prompt_format,
                 ROLE_NOTICE: self._notice_format,
                 ROLE_PROMPT_NUMBER: self._prompt_number_format or self._prompt_format,
                 ROLE_OUT_PROMPT_NUMBER: self._out_prompt_number_format or
                 self._out_prompt_format,
                 ROLE_OTHER_PROMPT: self._other_prompt_format}
        block = doc.begin()
        while block.isValid():
            it = block.begin()
            while not it.atEnd():
                frag = it.fragment()
                fmt = frag.charFormat()
                if fmt.hasProperty(STYLE_KEY):
                    index = fmt.intProperty(STYLE_KEY)
                    if 0 <= index < len(keys):
                        new = rebuilt.get(index)
                        if new is None:
                            new = rebuilt[index] = writer.char_format(*keys[index])
                        changes.append((frag.position(), frag.length(), new, True))
                        it += 1
                        continue
                if fmt.hasProperty(ROLE_KEY):  # a prompt or notice: today's format for it
                    new = roles.get(fmt.intProperty(ROLE_KEY))
                    if new is not None:
                        changes.append((frag.position(), frag.length(), new, True))
                        it += 1
                        continue
                patch = None
                for prop, setter in ((_FG, "setForeground"), (_BG, "setBackground")):
                    if fmt.hasProperty(prop):
                        colour = mapping.get(fmt.brushProperty(prop).color().rgb())
                        if colour is not None:
                            patch = patch or QtGui.QTextCharFormat()
                            getattr(patch, setter)(colour)
                if patch is not None:
                    changes.append((frag.position(), frag.length(), patch, False))
                it += 1
            block = block.next()
        if not changes:
            return
        c.beginEditBlock()
        for pos, length, fmt, whole in changes:
            c.setPosition(pos)
            c.setPosition(pos + length, QtGui.QTextCursor.MoveMode.KeepAnchor)
            if whole:
                c.setCharFormat(fmt)
            else:
                c.mergeCharFormat(fmt)
        c.endEditBlock()
