"""Transport: a kernel in its own local process (and its Qt event-loop fix).

* ``manager.py`` — :class:`QtKernelManager` (start, watch, interrupt, restart);
* ``head_start.py`` — :class:`HeadStart`, a kernel process launched before
  the console's own imports;
* ``kernel_launcher.py`` + ``_kernel_entry.py`` — the kernel command that
  registers embedcon's Qt event-loop integration in ipykernel.

Nothing is imported here: ``embedcon/__main__.py`` imports ``head_start``
before anything heavy.
"""
