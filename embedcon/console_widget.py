"""qtconsole's module path ``console_widget``: ``from embedcon.console_widget import
ConsoleWidget``.  The class lives in :mod:`embedcon.widgets.console_widget`; the
qtconsole names it answers to are listed in :mod:`embedcon.widgets.qtconsole_names`."""

from .widgets.console_widget import ConsoleWidget

__all__ = ["ConsoleWidget"]
