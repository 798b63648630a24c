"""One background thread running a tornado IOLoop for the server transport.

All HTTP and WebSocket traffic to Jupyter Servers happens on this thread, so
the GUI thread never waits on the network.  Code on other threads hands work
over with :meth:`IOLoopThread.submit` (fire and forget, a
``concurrent.futures.Future`` back) or :meth:`IOLoopThread.run` (wait for the
result, for scripts and start-up only).  One thread serves every server
connection in the process; it is a daemon and idles when there is no work.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Awaitable, Callable
from typing import Any

from tornado.ioloop import IOLoop

__all__ = ["IOLoopThread", "io_loop"]


class IOLoopThread:
    """A daemon thread running an asyncio loop (and tornado's IOLoop on it)."""

    def __init__(self, name: str = "embedcon-server-io") -> None:
        self._ready = threading.Event()
        self.loop: asyncio.AbstractEventLoop | None = None
        self.ioloop: IOLoop | None = None
        self.thread = threading.Thread(target=self._main, name=name, daemon=True)
        self.thread.start()
        self._ready.wait()

    def _main(self) -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        self.loop = loop
        self.ioloop = IOLoop.current()
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            loop.close()

    def submit(self, fn: Callable[..., Awaitable[Any]], *args: Any) -> concurrent.futures.Future:
        """Run the coroutine function ``fn(*args)`` on the loop; returns its future."""
        async def call():
            return await fn(*args)
        return asyncio.run_coroutine_threadsafe(call(), self.loop)

    def call_soon(self, fn: Callable[..., Any], *args: Any) -> None:
        """Call ``fn(*args)`` on the loop thread (thread-safe)."""
        self.loop.call_soon_threadsafe(fn, *args)

    def run(self, fn: Callable[..., Awaitable[Any]], *args: Any, timeout: float | None = None) -> Any:
        """Run ``fn(*args)`` on the loop and wait for its result (not on the loop thread)."""
        if threading.current_thread() is self.thread:
            raise RuntimeError("IOLoopThread.run called on its own thread")
        future = self.submit(fn, *args)
        try:
            return future.result(timeout)
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise TimeoutError("timed out") from None

    def in_thread(self) -> bool:
        return threading.current_thread() is self.thread


_shared: IOLoopThread | None = None
_shared_lock = threading.Lock()


def io_loop() -> IOLoopThread:
    """The process's shared server I/O thread (started on first use)."""
    global _shared
    with _shared_lock:
        if _shared is None or not _shared.thread.is_alive():
            _shared = IOLoopThread()
        return _shared
