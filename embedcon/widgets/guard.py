"""Slots that never let an exception escape into the host's event loop."""

from __future__ import annotations

import functools

__all__ = ["guarded"]


def guarded(handler):
    """Run a slot so that no exception leaves it: under PyQt6 an exception
    escaping a slot aborts the host process.  Errors are logged instead."""
    @functools.wraps(handler)
    def run(self, *args):
        try:
            return handler(self, *args)
        except Exception:
            self.log.exception("embedcon: error in %s (the console goes on)", handler.__name__)
    return run
