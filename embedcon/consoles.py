"""One call per wiring mode: a ready console widget.

>>> console = embedcon.subprocess_console()              # a kernel in its own process
>>> console = embedcon.inprocess_console({"data": data})  # same process and thread, no sockets
>>> console = embedcon.in_app_console({"window": win})    # a real kernel hosted in the app
>>> console = embedcon.server_console("https://hub/user/me/", token=tok)  # on a Jupyter Server

Each returns a :class:`~embedcon.widgets.RichJupyterWidget` whose kernel is
already started; keyword arguments are the widget's traits (``font_size``,
``buffer_size``, ...).  A kernel the call started is stopped when the
application quits, or earlier with ``console.shutdown_kernel()``.
"""

from __future__ import annotations

from qtpy import QtWidgets

__all__ = ["subprocess_console", "inprocess_console", "in_app_console", "server_console"]


def _app() -> QtWidgets.QApplication:
    app = QtWidgets.QApplication.instance()
    if app is None:
        raise RuntimeError("create the QApplication before the console")
    return app


def _stop_on_quit(console) -> None:
    def stop():
        try:
            if getattr(console, "keep_kernel_on_exit", False):  # exit(keep_kernel=True)
                kc = console.kernel_client
                if kc is not None:
                    kc.stop_channels()
            else:
                console.shutdown_kernel()
        except RuntimeError:  # widget already deleted
            pass
    _app().aboutToQuit.connect(stop)


def subprocess_console(kernel_name: str = "python3", parent=None, spare_pool=None, **traits):
    """A console on a new kernel process (crash isolation, interrupt, restart),
    or on the warm spare of ``spare_pool`` (a pool the host's consoles share).

    ``spare_pool``: a :class:`~embedcon.kernels.local.spare.SpareKernels` the
    host shares between its consoles.  The console's kernel is the pool's
    waiting spare of ``kernel_name`` when there is one (a fresh kernel that has
    run no code; the pool starts its successor in the background), else a new
    kernel; the console restarts from the pool (``spare_kernels`` on unless
    given False) and leaves it running when it closes: the host stops it with
    ``pool.shutdown()``, or it stops when the application quits.
    """
    _app()
    pair = spare_pool.take(kernel_name) if spare_pool is not None else None
    # with a shared pool the setting is turned on once the pool is given
    spare_on = traits.pop("spare_kernels", True) if spare_pool is not None else None
    km, kc = pair if pair is not None else _new_kernel(kernel_name)
    # the widget modules are imported while the kernel process starts
    from .widgets import RichJupyterWidget

    console = RichJupyterWidget(parent, kernel_manager=km, kernel_client=kc, **traits)
    if spare_pool is not None:
        console.spare_pool = spare_pool  # shared: the console does not stop it
        console.spare_kernels = spare_on
    _stop_on_quit(console)
    return console


def _new_kernel(kernel_name: str) -> tuple:
    """A started kernel of ``kernel_name`` and its client (channels started)."""
    from . import head_start

    # the kernel's process starts importing now, while we import jupyter_client
    head = head_start.start_early(kernel_name, again=True)
    from .manager import QtKernelManager

    head = head_start.claim_early() if head is not None else None

    try:
        km = QtKernelManager(kernel_name=kernel_name, head_start=head)
        km.start_kernel()
    finally:
        if head is not None:
            head.discard()  # unused (no-op when the manager took it)
    kc = km.client()
    kc.start_channels()
    return km, kc


def inprocess_console(namespace: dict | None = None, parent=None, show_banner: bool = True,
                      **traits):
    """A console on an in-process kernel sharing this thread and ``namespace``."""
    from .inprocess import QtInProcessKernelManager
    from .widgets import RichJupyterWidget

    _app()
    km = QtInProcessKernelManager()
    km.start_kernel(show_banner=show_banner, namespace=namespace)
    kc = km.client()
    kc.start_channels()
    console = RichJupyterWidget(parent, kernel_manager=km, kernel_client=kc, **traits)
    _stop_on_quit(console)
    return console


def in_app_console(namespace: dict | None = None, parent=None, **traits):
    """A console on the kernel hosted in this application (started if needed).

    The kernel outlives the console: closing and reopening a console keeps
    the namespace, and other Jupyter clients can attach with
    ``console.in_app_kernel.connection_file``.  The console does not own the
    kernel, so it will not restart or stop it.
    """
    from .kernel_in_app import InAppKernel, current_in_app_kernel
    from .widgets import RichJupyterWidget

    _app()
    kernel = current_in_app_kernel()
    if kernel is None:
        kernel = InAppKernel(namespace)
        kernel.start()
    elif namespace:
        kernel.push(namespace)
    kc = kernel.client()
    kc.start_channels()
    console = RichJupyterWidget(parent, kernel_client=kc, **traits)
    console.in_app_kernel = kernel
    return console


def server_console(url: str, token: str | None = None, kernel_name: str | None = None,
                   kernel_id: str | None = None, ca_file: str | None = None, parent=None,
                   **traits):
    """A console on a kernel of a Jupyter Server (or Enterprise Gateway, or a
    JupyterHub single-user server) at ``url``.

    Starts a kernel of ``kernel_name`` (the server's default spec when None),
    or attaches to the running kernel ``kernel_id``.  ``token``: the server's
    token (else the URL's ``?token=``, else ``JUPYTER_TOKEN``); it is sent in
    a header only.  ``ca_file``: CA certificates (PEM) to trust for https.
    Waits for the server's answer (at most about 5 s) and raises
    :class:`embedcon.kernels.server.ServerError` with a one-line message
    when the server is unreachable, refuses the token, or has no such kernel
    or spec.  A kernel this call started is shut down when the application
    quits; one it attached to is left running.
    """
    from .kernels.server import JupyterServer, ServerKernelManager
    from .widgets import RichJupyterWidget

    _app()
    if kernel_name and kernel_id:
        raise ValueError("give kernel_name (start a kernel) or kernel_id (attach), not both")
    km = ServerKernelManager(JupyterServer(url, token=token, ca_file=ca_file))
    if kernel_id:
        km.attach(kernel_id)
    else:
        km.start_kernel(kernel_name)
    kc = km.client()
    kc.start_channels()
    console = RichJupyterWidget(parent, kernel_manager=km, kernel_client=kc, **traits)
    if km.owns_kernel:
        _stop_on_quit(console)
    return console
