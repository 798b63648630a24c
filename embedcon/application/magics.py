"""The Magic menu: the magics of the current tab's kernel, from its ``%lsmagic``.

A mixin of :class:`~embedcon.application.window.MainWindow`.  When a tab's
first prompt is ready, the window asks its kernel (a silent execution with a
user expression, once per kernel) for the names of its line and cell magics; a
kernel that is not IPython answers with an error and the menu stays hidden.
Choosing a magic puts it in the input; the user runs it.
"""

from __future__ import annotations

import ast

__all__ = ["MagicMenu", "parse_lsmagic"]

# the magics of an IPython kernel, as a literal: {"line": [names], "cell": [names]}
_LSMAGIC = "{k: sorted(v) for k, v in get_ipython().magics_manager.lsmagic().items()}"


class MagicMenu:
    """Fills ``self.menus["Magic"]`` for the current tab's kernel."""

    def _prompt_ready(self, console) -> None:
        handle = self._handle_of.get(id(console))
        if handle is None or id(handle) in self._magics or console.kernel_client is None:
            return
        self._magics[id(handle)] = None
        kc = console.kernel_client
        msg_id = kc.execute("", silent=True, store_history=False, allow_stdin=False,
                            user_expressions={"m": _LSMAGIC})

        def on_reply(msgs, kc=kc, handle=handle):
            for msg in msgs:
                if msg["parent_header"].get("msg_id") == msg_id:
                    kc.shell_channel.messages_received.disconnect(on_reply)
                    self._magics[id(handle)] = parse_lsmagic(msg["content"])
                    if handle is self.current_handle:
                        self._show_magics(handle)
        kc.shell_channel.messages_received.connect(on_reply)

    def _show_magics(self, handle) -> None:
        info = self._magics.get(id(handle)) if handle is not None else None
        menu = self.menus["Magic"]
        menu.clear()
        menu.menuAction().setVisible(bool(info))
        if not info:
            return
        for kind, prefix in (("line", "%"), ("cell", "%%")):
            names = sorted(info.get(kind) or ())
            if not names:
                continue
            sub = menu.addMenu(f"{kind.capitalize()} magics")
            for name in names:
                sub.addAction(prefix + name).triggered.connect(
                    lambda _c=False, text=prefix + name: self.insert_magic(text))

    def insert_magic(self, text: str) -> None:
        """Put a magic into the current input (the user runs it)."""
        c = self.current_console
        if c is not None and c._prompt_kind == "input":
            c.input_buffer = text + " "
            c.setFocus()


def parse_lsmagic(content: dict) -> dict | None:
    """The magics named in an execute_reply's user_expressions (None when not IPython)."""
    expr = (content.get("user_expressions") or {}).get("m") or {}
    if expr.get("status") != "ok":
        return None
    text = (expr.get("data") or {}).get("text/plain", "")
    try:
        info = ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None
    if not isinstance(info, dict):
        return None
    return {k: [n for n in v if isinstance(n, str)] for k, v in info.items()
            if k in ("line", "cell") and isinstance(v, list)}
