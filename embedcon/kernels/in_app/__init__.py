"""Transport: a real ipykernel hosted inside the application's QApplication.

* ``kernel_in_app.py`` — :class:`InAppKernel`, :func:`current_in_app_kernel`;
* ``qt_asyncio_pump.py`` — the kernel's asyncio loop pumped by Qt;
* ``_in_app_classes.py``, ``_in_app_host.py`` — the ipykernel subclasses and
  the host state saved and restored around the kernel.
"""
