"""embedcon: a fast Jupyter console for Qt applications.

Importing the package is cheap; the widgets and kernels are imported from
their modules (``embedcon.widgets``, ``embedcon.manager``, ...).
"""

__version__ = "0.1.0"

from . import _moved  # noqa: E402  (old module names of the kernel side)

__all__ = ["keep", "release", "subprocess_console", "inprocess_console", "in_app_console",
           "server_console", "__version__"]


def __getattr__(name):
    # one call per wiring mode, imported on first use (keeps `import embedcon` cheap)
    if name in ("subprocess_console", "inprocess_console", "in_app_console", "server_console"):
        from . import consoles

        return getattr(consoles, name)
    raise AttributeError(f"module 'embedcon' has no attribute {name!r}")


def keep(obj):
    """Hold a Qt object (e.g. a window made in the console) until it is
    destroyed or, for a top-level window, closed.  Returns ``obj``."""
    from .references import keep as _keep

    return _keep(obj)


def release(obj):
    """Let go of an object held by :func:`keep`."""
    from .references import release as _release

    return _release(obj)
