"""How one body of logic serves both the sync and the async client.

The request flow, the retry rules, the token cache and its lock are written once, as coroutines
over an I/O object (an HTTP session, a cache).  The async client awaits them with asynchronous
I/O.  The sync client gives them blocking I/O behind the same coroutine signatures: nothing then
ever suspends, so :func:`run_sync` completes the coroutine in a single step, in the calling
thread, without an event loop.

Objects bound to an event loop (``asyncio.Lock``, ``httpx.AsyncClient``) live in a
:class:`PerLoop`, because one shared client may serve several loops: every ``async_to_sync``
call in a sync view runs its own.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Callable, Coroutine
from typing import Any, Generic, TypeVar

__all__ = ["PerLoop", "run_sync"]

T = TypeVar("T")


def run_sync(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run ``coroutine``, whose I/O is all blocking, to its end in this thread.

    Returns its result or raises its exception.  A coroutine that suspends (it awaited real
    asynchronous I/O) is a programming error: it is closed and :class:`RuntimeError` raised.
    """
    try:
        coroutine.send(None)
    except StopIteration as done:
        result: T = done.value
        return result
    coroutine.close()
    raise RuntimeError("run_sync() got a coroutine that awaits asynchronous I/O")


class PerLoop(Generic[T]):
    """One ``factory()`` object per running event loop (and process).

    Entries of loops that have been closed are dropped when the next one is added, so a
    process that runs many short-lived loops keeps only the live ones.
    """

    def __init__(self, factory: Callable[[], T]) -> None:
        self._factory = factory
        self._lock = threading.Lock()
        self._items: dict[tuple[int, int], tuple[asyncio.AbstractEventLoop, T]] = {}

    def get(self) -> T:
        """The object of the running loop, made on first use.  Call from a coroutine."""
        loop = asyncio.get_running_loop()
        key = (os.getpid(), id(loop))
        entry = self._items.get(key)
        if entry is not None and entry[0] is loop:
            return entry[1]
        with self._lock:
            entry = self._items.get(key)
            if entry is None or entry[0] is not loop:
                live = {k: v for k, v in self._items.items() if not v[0].is_closed() and k[0] == key[0]}
                entry = live[key] = (loop, self._factory())
                self._items = live
            return entry[1]

    def pop(self) -> T | None:
        """Forget the running loop's object and return it (``None`` if there was none)."""
        key = (os.getpid(), id(asyncio.get_running_loop()))
        with self._lock:
            entry = self._items.pop(key, None)
        return None if entry is None else entry[1]
