"""Launch ipykernel kernels with embedcon's fixed Qt event-loop integration.

A stock ipykernel subprocess kernel stalls on a good share of requests once
``%gui qt`` or ``%matplotlib qt`` is on (see ``docs/qt-event-loop.md``).
:func:`patch_kernel_cmd` rewrites an ipykernel launch command,
``<python> [python options] -m ipykernel_launcher ARGS``, into
``<python> [python options] <this package>/_kernel_entry.py ARGS``.  That
script registers the fixed integration and then starts the kernel exactly
like ``ipykernel_launcher`` does.

:class:`embedcon.manager.QtKernelManager` applies it to every kernel it
starts unless ``fix_qt_event_loop`` is False.  Setting the environment
variable ``EMBEDCON_NO_QT_LOOP_FIX=1`` turns it off everywhere.
"""

from __future__ import annotations

import logging
import os
import re
from typing import Optional, Sequence

log = logging.getLogger("embedcon.kernel_launcher")

__all__ = ["KERNEL_ENTRY", "DISABLE_ENV", "patch_kernel_cmd", "is_disabled"]

#: Absolute path of the script that starts a kernel with the fix installed.
KERNEL_ENTRY = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_kernel_entry.py")

#: Environment variable that, when set to 1 (or true/yes/on), disables the fix.
DISABLE_ENV = "EMBEDCON_NO_QT_LOOP_FIX"

_PATCHED_MODULES = frozenset({"ipykernel_launcher", "ipykernel"})

# Python command-line options that take a value as the next argument.
_OPTS_WITH_VALUE = frozenset({"-X", "-W", "--check-hash-based-pycs"})
# Short flags without a value; several may be combined ("-uE").
_FLAG_RE = re.compile(r"^-[bBdEiIOPqsSuvR]+$")
_PYTHON_RE = re.compile(r"^(python|pypy)[0-9.]*[dmtw]*(\.exe)?$", re.IGNORECASE)


def is_disabled(environ=None) -> bool:
    """True when ``EMBEDCON_NO_QT_LOOP_FIX`` asks for the stock kernel."""
    value = (os.environ if environ is None else environ).get(DISABLE_ENV, "")
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _module_launch(cmd: Sequence[str], start: int) -> Optional[tuple]:
    """If ``cmd[start]`` is an interpreter run as ``-m MODULE``, return
    ``(index of -m, index after the module name, module name)``."""
    i = start + 1
    n = len(cmd)
    while i < n:
        arg = cmd[i]
        if not isinstance(arg, str):
            return None
        if arg == "-m":
            if i + 1 >= n:
                return None
            return i, i + 2, cmd[i + 1]
        if arg.startswith("-m") and len(arg) > 2:
            return i, i + 1, arg[2:]
        if arg in _OPTS_WITH_VALUE:
            i += 2
            continue
        if arg.startswith(("-X", "-W", "--check-hash-based-pycs=")) or _FLAG_RE.match(arg):
            i += 1
            continue
        # a script, "-c", "-" or anything else: not a module launch
        return None
    return None


def _find_ipykernel_launch(cmd: Sequence[str]) -> Optional[tuple]:
    candidates = [0]
    # Also look behind wrappers such as ``conda run -n env python -m ...``.
    candidates += [
        i for i, arg in enumerate(cmd[1:], 1)
        if isinstance(arg, str) and _PYTHON_RE.match(os.path.basename(arg))
    ]
    for start in candidates:
        found = _module_launch(cmd, start)
        if found is not None and found[2] in _PATCHED_MODULES:
            return found
    return None


def patch_kernel_cmd(cmd: Sequence[str]) -> list:
    """Return the kernel command to run, with the Qt event-loop fix if applicable.

    ``[python, ..., '-m', 'ipykernel_launcher', *args]`` (or ``-m ipykernel``)
    becomes ``[python, ..., KERNEL_ENTRY, *args]``.  Any other command, or
    any command while ``EMBEDCON_NO_QT_LOOP_FIX=1``, is returned unchanged
    (as a new list).
    """
    cmd = list(cmd)
    if not cmd or is_disabled():
        return cmd
    found = _find_ipykernel_launch(cmd)
    if found is None:
        return cmd
    if not os.path.isfile(KERNEL_ENTRY):  # e.g. embedcon imported from a zip
        log.warning("Qt event-loop fix unavailable: %s is not a file", KERNEL_ENTRY)
        return cmd
    m_index, rest_index, _module = found
    return cmd[:m_index] + [KERNEL_ENTRY] + cmd[rest_index:]
