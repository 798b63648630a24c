"""Restart from a warm spare kernel: the ``spare_kernels`` setting of the console.

A mixin of :class:`~embedcon.widgets.jupyter_widget.JupyterWidget`.  With
``spare_kernels`` on and a local kernel manager that started its kernel
(:class:`~embedcon.manager.QtKernelManager`), the console keeps one spare
kernel of the same kernelspec, started in the background with the same
launch arguments (environment, working directory).  :meth:`restart_kernel`
then swaps the spare in (the console adopts its manager and client, the old
kernel is stopped without waiting) instead of waiting for a kernel to start
again; without a spare ready it restarts as usual.  After such a restart
``kernel_manager`` and ``kernel_client`` are the spare's: a host that keeps
its own reference reads them again from the console (``kernel_replaced``).

The pool is the console's own (:attr:`spare_pool`), stopped by
:meth:`shutdown_kernel`, when the console is destroyed, when the
QApplication quits and at exit.  A host with several consoles can give them
one shared pool (``console.spare_pool = pool``); the console then does not
stop it.  Off by default in the library; on in the standalone application.
"""

from __future__ import annotations

from traitlets import Bool, HasTraits

__all__ = ["SpareSettings", "SpareRestart"]


class SpareSettings(HasTraits):
    spare_kernels = Bool(
        False, config=True,
        help="Keep a warm spare kernel of the same kernelspec (same environment and working "
             "directory) so that a restart is ready at once. Costs one idle kernel (about "
             "67 MiB for ipykernel). Needs a local kernel manager that started the kernel.")


class SpareRestart:
    """The console's spare kernel (see the module docstring)."""

    SPARE_DELAY = 2000  # ms after a kernel starts before its spare is started

    def _init_spares(self) -> None:
        self._spare_pool = None
        self._spare_pool_owned = False
        self._retired_kernels: list = []
        self.settings.observe(self._spare_setting_changed, ["spare_kernels"])

    @property
    def spare_pool(self):
        """The :class:`~embedcon.kernels.local.spare.SpareKernels` this console
        restarts from (None until one is needed); assign a shared one to use it."""
        return self._spare_pool

    @spare_pool.setter
    def spare_pool(self, pool) -> None:
        if self._spare_pool is not None and self._spare_pool_owned:
            self._spare_pool.shutdown()
        self._spare_pool, self._spare_pool_owned = pool, False

    def _spare_capable(self, km) -> bool:
        return km is not None and getattr(km, "has_kernel", False) and \
            hasattr(km, "launch_kwargs") and getattr(km, "owns_kernel", True)

    def _spare_setting_changed(self, change) -> None:
        if change["new"]:
            self._keep_spare()
        elif self._spare_pool is not None and self._spare_pool_owned:
            self._spare_pool.shutdown()
            self._spare_pool = None

    def _keep_spare(self, delay: int | None = None) -> None:
        """Start (later) a spare like the current kernel, if the setting asks for it."""
        km = self._kernel_manager
        if not self.settings.spare_kernels or not self._spare_capable(km):
            return
        if self._spare_pool is not None and self._spare_pool.closed:
            return  # shut down (a shared pool's host is quitting)
        if self._spare_pool is None:
            from ..kernels.local.spare import spare_pool_like

            pool = spare_pool_like(km)
            self._spare_pool, self._spare_pool_owned = pool, True
            # the pool does not keep the console alive; its spares end with it
            self.destroyed.connect(lambda *_a, p=pool: p.shutdown())
        self._spare_pool.ensure(km.kernel_name, self.SPARE_DELAY if delay is None else delay,
                                **km.launch_kwargs)

    def _stop_spares(self) -> None:
        pool = self._spare_pool
        if pool is not None and self._spare_pool_owned:
            pool.shutdown()
            self._spare_pool = None
        from ..kernels.local.spare import reap_kernel

        for km in list(self._retired_kernels):
            reap_kernel(km, self._retired_kernels)

    def _restart_from_spare(self) -> bool:
        """Swap a waiting spare in for the current kernel (False: none ready)."""
        km, pool = self._kernel_manager, self._spare_pool
        if not self.settings.spare_kernels or pool is None or not self._spare_capable(km):
            return False
        pair = pool.take(km.kernel_name)
        if pair is None:
            return False
        new_km, new_kc = pair
        from ..kernels.local.spare import retire_kernel

        self.adopt_kernel(new_km, new_kc, "Kernel restarted (a fresh kernel).")
        retire_kernel(km, self._retired_kernels)
        self.kernel_replaced.emit(new_km, new_kc)
        return True
