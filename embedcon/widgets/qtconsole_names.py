"""The Jupyter Qt Console's widget names, as thin aliases onto embedcon's API.

Code written for qtconsole's ``RichJupyterWidget`` (napari's console plugin,
Spyder-style hosts, in-house tools) reaches into a few names, private ones
included.  They are all here, in one place, so that porting is a change of
imports; each one is a thin alias for embedcon's own API:

=========================  ===============================================================
qtconsole name             in embedcon
=========================  ===============================================================
``_control``               the editor, ``console.control`` (also ``focusProxy()``)
``_page_control``          the pager's text view (``console.pager.view``)
``style_sheet``            trait (same name, ``widgets/theme.py``): a Qt style sheet for the
                           console; it may style ``.in-prompt``, ``.out-prompt``, ``.error``...
                           as qtconsole's style sheets do
``syntax_style``           trait (same name): the pygments style of the input
``enable_calltips``        trait (same name, ``widgets/assist.py``): whether call tips show
``_bracket_matcher``       the same name: the bracket matcher (``widgets/brackets.py``); its
                           ``format`` (a ``QTextCharFormat``) draws the bracket pair
``_completion_widget``     the completion list (``console.completion_widget``; None with
                           ``gui_completion = 'plain'``)
``_call_tip_widget``       the call tip (``console.call_tip``)
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

__all__ = ["QtConsoleNames", "QTCONSOLE_NAMES"]

# qtconsole name -> what it is here (the table above, for tools and tests)
QTCONSOLE_NAMES: dict[str, str] = {
    "_control": "control",
    "_page_control": "pager.view",
    "style_sheet": "settings.style_sheet",
    "syntax_style": "settings.syntax_style",
    "enable_calltips": "settings.enable_calltips",
    "_bracket_matcher": "_bracket_matcher",
    "_completion_widget": "completion_widget",
    "_call_tip_widget": "call_tip",
    "_append_plain_text": "write_text",
    "_append_html": "(HTML above the prompt)",
    "_execute": "execute",
    "banner": "settings.banner",
    "kernel_banner": "(kernel_info reply's banner)",
}


class QtConsoleNames:
    """Mixin of :class:`~embedcon.widgets.console_widget.ConsoleWidget`: the
    qtconsole names of the table above that embedcon does not already carry
    under the same name (``_control``, ``_bracket_matcher``, ``style_sheet``,
    ``syntax_style``, ``enable_calltips`` and ``banner`` are embedcon's own)."""

    # -- widgets -------------------------------------------------------------
    @property
    def _page_control(self):
        pager = getattr(self, "pager", None)
        return getattr(pager, "view", None)

    @property
    def _completion_widget(self):
        return getattr(self, "completion_widget", None)

    @property
    def _call_tip_widget(self):
        return getattr(self, "call_tip", None)

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
        return getattr(self, "_kernel_banner", "")

    @kernel_banner.setter
    def kernel_banner(self, text: str) -> None:
        self._kernel_banner = text
