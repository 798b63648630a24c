"""qtconsole's module path ``jupyter_widget``: ``from embedcon.jupyter_widget import
JupyterWidget``.  The class lives in :mod:`embedcon.widgets.jupyter_widget`; the
qtconsole names it answers to are listed in :mod:`embedcon.widgets.qtconsole_names`."""

from .widgets.jupyter_widget import JupyterWidget

__all__ = ["JupyterWidget"]
