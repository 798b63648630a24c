"""The Jupyter Qt Console's widget names, as thin aliases onto embedcon's API.

Code written for qtconsole's ``RichJupyterWidget`` (napari's console plugin,
Spyder-style hosts, in-house tools) reaches into a few names, private ones
included.  They are all here, in one place, so that porting is a change of
imports; each one is a thin alias for embedcon's own API:

=========================  ===============================================================
qtconsole name             in embedcon
=========================  ===============================================================
``_control``               the editor, ``console.control`` (also ``focusProxy()``)
``_page_control``          the pager's text view (``console.pager.view``); None until the
                           pager exists (issue 13)
``style_sheet``            trait: a Qt style sheet set on the console (cascades to the
                           editor); ``.in-prompt`` / ``.out-prompt`` ``color`` rules colour
                           the prompts, as in qtconsole's style sheets
``syntax_style``           trait (same name): the pygments style of the input
``enable_calltips``        trait: whether call tips are shown; the call-tip code reads
                           ``console.settings.enable_calltips``
``_bracket_matcher``       the bracket matcher (``console.bracket_matcher``, issue 13); its
                           ``format`` (a ``QTextCharFormat``) colours the partner bracket.
                           Until the matcher exists: an object holding that ``format``
``_completion_widget``     the completion list (``console.completion_widget``)
``_call_tip_widget``       the call tip (``console.call_tip``, issue 13).  Until it exists:
                           a hidden label nothing shows (so host code that moves, styles or
                           deletes it keeps working)
``_append_plain_text``     ``console.write_text(text)``: ANSI text written above the prompt
``_append_html``           HTML (rich text, no scripts, nothing loaded) written above the
                           prompt
``_execute(src, hidden)``  ``console.execute(src, hidden=hidden)``
``banner``                 trait (same name): text above the kernel's banner
``kernel_banner``          the banner the kernel sent in its ``kernel_info`` reply
=========================  ===============================================================

On the in-process manager: ``QtInProcessKernelManager(kernel=existing_kernel)``,
``km.kernel.shell`` and ``km.kernel.gui`` work as in qtconsole (see
``docs/inprocess.md``).  Module paths: ``embedcon.rich_jupyter_widget``,
``embedcon.jupyter_widget``, ``embedcon.console_widget``, ``embedcon.styles``.
Frontend comms: ``kernel_client.comm_manager`` (:mod:`embedcon.comms`).
"""

from __future__ import annotations

import re

from qtpy import QtGui, QtWidgets
from traitlets import Bool, HasTraits, Unicode

__all__ = ["QtConsoleNames", "QtConsoleSettings", "QTCONSOLE_NAMES"]

# qtconsole name -> what it is here (the table above, for tools and tests)
QTCONSOLE_NAMES: dict[str, str] = {
    "_control": "control",
    "_page_control": "pager.view",
    "style_sheet": "settings.style_sheet",
    "syntax_style": "settings.syntax_style",
    "enable_calltips": "settings.enable_calltips",
    "_bracket_matcher": "bracket_matcher",
    "_completion_widget": "completion_widget",
    "_call_tip_widget": "call_tip",
    "_append_plain_text": "write_text",
    "_append_html": "(HTML above the prompt)",
    "_execute": "execute",
    "banner": "settings.banner",
    "kernel_banner": "(kernel_info reply's banner)",
}

_PROMPT_COLOUR = re.compile(r"\.(in|out)-prompt\s*\{[^}]*?(?<![-\w])color\s*:\s*([^;}]+)")


class QtConsoleSettings(HasTraits):
    """Traits with qtconsole's names (mixed into the console's settings)."""

    style_sheet = Unicode(
        "", config=True,
        help="A Qt style sheet for the console (e.g. embedcon.styles.default_dark_style_sheet); "
             "'.in-prompt' and '.out-prompt' color rules colour the prompts.")
    enable_calltips = Bool(
        True, config=True,
        help="Show the signature and docstring of the function being called.")


class _BracketFormat:
    """Holds the format of the partner bracket until the bracket matcher exists."""

    def __init__(self) -> None:
        self.format = QtGui.QTextCharFormat()
        self.format.setBackground(QtGui.QColor("silver"))


class QtConsoleNames:
    """Mixin of :class:`~embedcon.widgets.console_widget.ConsoleWidget`: the
    qtconsole names of the table above."""

    def _init_qtconsole_names(self) -> None:
        self._kernel_banner = ""
        self.settings.observe(lambda change: self._apply_style_sheet(change["new"]),
                              names=["style_sheet"])
        if self.settings.style_sheet:
            self._apply_style_sheet(self.settings.style_sheet)

    def _apply_style_sheet(self, sheet: str) -> None:
        self.setStyleSheet(sheet)
        defaults = self.__dict__.setdefault("_default_prompt_colours", {
            "in": self._prompt_format.foreground().color(),
            "out": self._out_prompt_format.foreground().color()})
        colours = dict(defaults)  # a sheet without a prompt rule gives the default back
        colours.update((kind, QtGui.QColor(c.strip())) for kind, c in _PROMPT_COLOUR.findall(sheet))
        self._prompt_format.setForeground(colours["in"])
        self._out_prompt_format.setForeground(colours["out"])
        self._highlighter.rehighlight()

    # -- widgets -------------------------------------------------------------
    @property
    def _page_control(self):
        pager = getattr(self, "pager", None)
        return getattr(pager, "view", None)

    @property
    def _completion_widget(self):
        if hasattr(type(self), "completion_widget"):
            return self.completion_widget
        return getattr(self, "_completion", None)

    @property
    def _call_tip_widget(self):
        tip = getattr(self, "call_tip", None)
        if tip is not None:
            return tip
        placeholder = self.__dict__.get("_call_tip_placeholder")
        if placeholder is None:
            placeholder = QtWidgets.QLabel(self._control)
            placeholder.hide()
            self.__dict__["_call_tip_placeholder"] = placeholder
        return placeholder

    @property
    def _bracket_matcher(self):
        matcher = getattr(self, "bracket_matcher", None)
        if matcher is not None:
            return matcher
        holder = self.__dict__.get("_bracket_format")
        if holder is None:
            holder = self.__dict__["_bracket_format"] = _BracketFormat()
        return holder

    # -- text ----------------------------------------------------------------
    def _append_plain_text(self, text: str, before_prompt: bool = False) -> None:
        """Write ``text`` (ANSI escapes interpreted) into the transcript.
        Output always goes above a live prompt here, so ``before_prompt``
        changes nothing."""
        self.write_text(text)

    def _append_html(self, html: str, before_prompt: bool = False) -> None:
        """Write ``html`` into the transcript as rich text (above a live prompt)."""
        def write(c):
            c.insertHtml(html)
            c.setCharFormat(self._plain_format)
        self._insert_output(write)

    # -- kernel --------------------------------------------------------------
    def _execute(self, source: str, hidden: bool):
        """qtconsole's ``_execute``: :meth:`execute` with ``hidden``."""
        return self.execute(source, hidden=hidden)

    @property
    def kernel_banner(self) -> str:
        """The banner of the kernel's ``kernel_info`` reply ('' until it came)."""
        return self._kernel_banner

    @kernel_banner.setter
    def kernel_banner(self, text: str) -> None:
        self._kernel_banner = text
