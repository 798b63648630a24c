"""qtconsole's module path ``rich_jupyter_widget``: ``from embedcon.rich_jupyter_widget
import RichJupyterWidget`` works where ``from qtconsole.rich_jupyter_widget import
RichJupyterWidget`` did.  The class lives in :mod:`embedcon.widgets.rich_widget`; the
qtconsole names it answers to are listed in :mod:`embedcon.widgets.qtconsole_names`."""

from .widgets.rich_widget import RichJupyterWidget

__all__ = ["RichJupyterWidget"]
