"""The console widgets.

``RichJupyterWidget`` is the one to embed; ``JupyterWidget`` (text only) and
``ConsoleWidget`` (no kernel) are the layers under it.
"""

from .console_widget import ConsoleWidget
from .jupyter_widget import JupyterWidget
from .rich_widget import RichJupyterWidget

__all__ = ["ConsoleWidget", "JupyterWidget", "RichJupyterWidget"]
