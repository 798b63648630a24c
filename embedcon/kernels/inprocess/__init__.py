"""In-process kernel: a Jupyter kernel in the host's process and GUI thread.

``QtInProcessKernelManager`` / ``QtInProcessKernelClient`` have the same
names as in the Jupyter Qt Console and the same Qt signals as
:class:`embedcon.client.QtKernelClient`, so ``RichJupyterWidget`` takes them
like any other manager and client.  See ``docs/inprocess.md``.
"""

from .client import QtInProcessChannel, QtInProcessHBChannel, QtInProcessKernelClient
from .kernel import QtInProcessInteractiveShell, QtInProcessKernel
from .manager import QtInProcessKernelManager

__all__ = [
    "QtInProcessKernelManager",
    "QtInProcessKernelClient",
    "QtInProcessKernel",
    "QtInProcessInteractiveShell",
    "QtInProcessChannel",
    "QtInProcessHBChannel",
]
