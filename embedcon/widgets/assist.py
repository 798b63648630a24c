"""AssistCommands: call tips, completion styles, reverse search and the pager,
wired into :class:`~embedcon.widgets.jupyter_widget.JupyterWidget` (a mixin).

The parts live in their own modules (``calltip``, ``completion``,
``reverse_search``, ``pager``); this one creates them, holds their settings,
routes keys and kernel replies to them, and implements their key-map
commands.  Public attributes: ``call_tip``, ``completer`` (with
``completion_widget`` for the list of the current style), ``reverse_search``
and ``pager``; the signals ``custom_page_requested(str)`` and
``custom_page_data_requested(dict)`` are on the widget.
"""

from __future__ import annotations

from traitlets import Bool, Enum, HasTraits, Integer

from .calltip import CallTip
from .completion import COMPLETION_STYLES, Completer
from .pager import PAGING_MODES, Pager
from .reverse_search import ReverseSearchBar

__all__ = ["AssistCommands", "AssistSettings"]

# Run silently in an IPython kernel when it connects: pydoc's pager (help(obj),
# help('topic')) sends its text to IPython's pager while a cell runs, so it
# arrives as a ``page`` payload and goes where ``paging`` says, as obj? does.
# Inside the interactive ``help>`` loop (whose payloads would wait for the
# loop's end) and outside a cell (a host's own call into pydoc when the kernel
# lives in its process) it writes the plain text to stdout, as pydoc's plain
# pager did.  It runs in a namespace of its own: nothing is added to the user's.
HELP_TO_PAGER = """
import pydoc, sys
def _install():
    if getattr(pydoc.pager, "_embedcon_page", False):
        return
    from IPython.core import page
    from IPython.core.interactiveshell import InteractiveShell
    interact = pydoc.Helper.interact.__code__
    run_code = InteractiveShell.run_code.__code__
    def pager(text, title=""):
        text = pydoc.plain(text)
        f, in_cell = sys._getframe(1), False
        while f is not None and f.f_code is not interact:
            in_cell = in_cell or f.f_code is run_code
            f = f.f_back
        if f is None and in_cell:
            page.page(text)
        else:
            sys.stdout.write(text)
    pager._embedcon_page = True
    pydoc.pager = pager
_install()
"""


class AssistSettings(HasTraits):
    """The traits of these features (mixed into the widget's settings class)."""

    gui_completion = Enum(
        COMPLETION_STYLES, "droplist", config=True,
        help="How several completions are shown: 'droplist' (a popup list), 'ncurses' "
             "(columns under the input, walked with Tab and the arrows) or 'plain' "
             "(written into the transcript). May change at any time.")
    gui_completion_height = Integer(
        10, config=True, help="Rows of completions shown at once (droplist and ncurses).")
    enable_calltips = Bool(
        True, config=True, help="Show the signature and docstring after typing '(' "
                                "(Shift+Tab inside a call shows it in any case).")
    paging = Enum(
        PAGING_MODES, "inside", config=True,
        help="Where pager text (obj?, %less, help()) goes: 'inside' (over the console), "
             "'hsplit' (beside it), 'vsplit' (below it), 'inline' or 'none' (into the "
             "transcript), 'custom' (the custom_page_requested signal only). "
             "May change at any time.")


class AssistCommands:
    """Mixin of JupyterWidget (needs the console's document helpers)."""

    def _init_assist(self) -> None:
        self.pager = Pager(self)
        self.completer = Completer(self)
        self.call_tip = CallTip(self)
        self.reverse_search = ReverseSearchBar(self)
        self.settings.observe(self._assist_setting_changed,
                              names=["gui_completion", "paging", "enable_calltips"])

    @property
    def completion_widget(self):
        """The completion list of the current ``gui_completion`` style (None for 'plain')."""
        return self.completer.widget

    def _assist_setting_changed(self, change) -> None:
        name = change["name"]
        if name == "gui_completion":
            self.completer.set_style(change["new"])
        elif name == "paging":
            self.pager.set_mode(change["new"])
        elif name == "enable_calltips" and not change["new"]:
            self.call_tip.cancel()

    # -- keys ------------------------------------------------------------------
    def _assist_key(self, ev) -> bool:
        """Keys for an open reverse search or completion list; True when used."""
        if self.reverse_search.active:
            return self.reverse_search.handle_key(ev)
        if self.completer.isVisible() and self.completer.handle_key(ev):
            return True
        return False

    def _assist_after_key(self, ev) -> None:
        """After the editor typed a key itself."""
        if self.completer.isVisible():
            self.completer.refilter()
        if ev.text() == "(":
            self.call_tip.request()

    def _assist_cancel(self) -> bool:
        """Escape / Ctrl+G: close what is open; True when something was."""
        shown = False
        if self.completer.isVisible():
            self.completer.hide()
            shown = True
        if self.call_tip.isVisible():
            self.call_tip.cancel()
            shown = True
        return shown

    def _assist_reset(self) -> None:
        """The input was executed (or the prompt went away)."""
        self.completer.cancel()
        self.call_tip.cancel()
        self.reverse_search.abandon()

    def cmd_reverse_search(self):
        if self.reverse_search.start(backwards=True):
            self.completer.cancel()
            self.call_tip.cancel()
        return True

    def cmd_forward_search(self):
        if self.reverse_search.start(backwards=False):
            self.completer.cancel()
            self.call_tip.cancel()
        return True

    def cmd_call_tip_or_dedent(self):
        """Shift+Tab: the call tip when the cursor is inside a call, else dedent."""
        c = self._cursor()
        if not c.hasSelection() and self.call_tip.request(force=True):
            return True
        return self.cmd_dedent()

    def cmd_focus_pager(self):
        """Ctrl+O: to the pager when one is shown (and back from it)."""
        if self.pager.isVisible():
            self.pager.view.setFocus()
        return True

    # -- kernel replies --------------------------------------------------------
    def _assist_kernel_info(self, content: dict) -> None:
        """An IPython kernel answered kernel_info: help() is to page (HELP_TO_PAGER)."""
        kc = self.kernel_client
        if kc is None or content.get("implementation") != "ipython":
            return
        try:  # silent: no output, no execution count, nothing in the history
            kc.execute(f"exec({HELP_TO_PAGER!r}, {{}})", silent=True, store_history=False)
        except Exception as exc:  # a closed client: the next connect does it
            self.log.debug("could not send help() to the pager: %s", exc)

    def _assist_reply(self, kind: str, msg_id: str, content: dict) -> None:
        if kind == "complete":
            self.completer.on_reply(msg_id, content)
        elif kind == "inspect":
            self.call_tip.show_reply(msg_id, content)
        elif kind == "history_search":
            self.reverse_search.on_history(content)

    def page(self, text: str, html: str | None = None) -> None:
        """Show pager text (or HTML, shown sanitized) where the ``paging`` trait says."""
        self.pager.page(text, html)

    def page_data(self, data: dict) -> None:
        """Show a ``page`` payload's MIME bundle: its text/html as rich text
        when the kernel sent one, else its text/plain (ANSI colours kept)."""
        text, html = data.get("text/plain"), data.get("text/html")
        text = text if isinstance(text, str) else None
        html = html if isinstance(html, str) and html.strip() else None
        if text is not None or html is not None:
            self.pager.page(text, html)
