"""The kernel side of embedcon: one home per transport, one client interface.

Every transport hands the widgets a *kernel client* with the same shape (see
``docs/architecture.md``, "The seam"): channels whose messages arrive on the
GUI thread as ``messages_received(list)`` signals, request methods that return
a msg_id at once (``execute``, ``complete``, ``inspect``, ``history``,
``is_complete``, ``kernel_info``, ``input``), ``hb_channel.kernel_died`` and
``started_channels``; and, optionally, a *kernel manager* with
``kernel_died`` / ``kernel_restarted`` / ``restart_failed`` signals and
``interrupt_kernel`` / ``restart_kernel`` / ``shutdown_kernel``.

* :mod:`embedcon.kernels.server` — kernels behind a Jupyter Server or
  Enterprise Gateway (REST + WebSocket).
"""
