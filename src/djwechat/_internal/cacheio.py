"""The I/O of the shared access token: Django cache calls, sleeping, a process-local lock.

:mod:`djwechat.client.access_tokens` and :mod:`djwechat._internal.cachelock` are written once, as coroutines
over this interface (see :mod:`djwechat._internal.concurrency`).  :class:`CacheIO` does blocking
calls for the sync client; :class:`AsyncCacheIO` the same calls through Django's async cache API
for the async client.  Both reach the same cache under the same keys, and the cross-process lock
is the same atomic ``cache.add`` on both sides, so a token is fetched once whichever kind of
caller finds it missing.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from typing import Any, Final, Protocol

from asgiref.sync import sync_to_async
from django.core.cache import caches
from django.core.cache.backends.base import BaseCache

from djwechat._internal.concurrency import PerLoop

__all__ = ["AsyncCacheIO", "CacheIO", "LocalLock", "LoopLock", "ThreadLock"]

logger = logging.getLogger("djwechat.client")

_RELEASE_SCRIPT: Final = """
if redis.call('get', KEYS[1]) == ARGV[1] then
    return redis.call('del', KEYS[1])
end
return 0
"""


class LocalLock(Protocol):
    """A lock among the callers of one process that share a token manager."""

    async def acquire(self, timeout: float | None) -> bool:
        """Take the lock, waiting up to ``timeout`` seconds (``0``: not at all, ``None``: forever)."""
        ...

    def release(self) -> None:
        """Give the lock back."""
        ...


class ThreadLock:
    """A lock for the threads of one process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()

    async def acquire(self, timeout: float | None) -> bool:
        """See :meth:`LocalLock.acquire` (blocks the thread)."""
        if timeout is None:
            return self._lock.acquire()
        if timeout <= 0:
            return self._lock.acquire(blocking=False)
        return self._lock.acquire(timeout=timeout)

    def release(self) -> None:
        """Give the lock back (from any thread)."""
        self._lock.release()


class LoopLock:
    """A lock for the tasks of one event loop (an ``asyncio.Lock`` per running loop)."""

    def __init__(self) -> None:
        self._locks: PerLoop[asyncio.Lock] = PerLoop(asyncio.Lock)

    async def acquire(self, timeout: float | None) -> bool:
        """See :meth:`LocalLock.acquire` (waits without blocking the loop)."""
        lock = self._locks.get()
        if timeout is not None and timeout <= 0 and lock.locked():
            return False
        try:
            async with asyncio.timeout(timeout if timeout is None or timeout > 0 else None):
                await lock.acquire()
        except TimeoutError:
            return False
        return True

    def release(self) -> None:
        """Give the lock back (from the loop that took it)."""
        self._locks.get().release()


class CacheIO:
    """Blocking calls to a Django cache (an alias, or a cache object) behind coroutine signatures.

    Nothing here suspends, so the sync client runs the shared logic with
    :func:`~djwechat._internal.concurrency.run_sync`.
    """

    def __init__(self, cache: str | BaseCache = "default") -> None:
        self._cache = cache

    @property
    def cache(self) -> BaseCache:
        """The cache object (looked up per call for an alias: Django's caches are per thread)."""
        return caches[self._cache] if isinstance(self._cache, str) else self._cache

    def describe(self) -> str:
        """The cache, for log lines."""
        return repr(self._cache) if isinstance(self._cache, str) else type(self._cache).__name__

    async def get(self, key: str) -> Any:
        """``cache.get(key)``."""
        return self.cache.get(key)

    async def set(self, key: str, value: Any, timeout: float) -> None:
        """``cache.set(key, value, timeout)``."""
        self.cache.set(key, value, timeout=timeout)

    async def add(self, key: str, value: Any, timeout: float) -> bool:
        """``cache.add``: atomic on Redis (``SET NX``), memcached and the database cache."""
        return bool(self.cache.add(key, value, timeout=timeout))

    async def delete(self, key: str) -> None:
        """``cache.delete(key)``."""
        self.cache.delete(key)

    async def delete_if(self, key: str, value: Any) -> None:
        """Delete ``key`` only while it holds ``value``.

        One atomic compare-and-delete script on django-redis; elsewhere a read then a delete,
        whose only race is a lock holder that already overran its lifetime.
        """
        if await self._delete_if_atomic(key, value):
            return
        if await self.get(key) == value:
            await self.delete(key)

    async def _delete_if_atomic(self, key: str, value: Any) -> bool:
        return _redis_delete_if(self.cache, key, value)

    async def sleep(self, seconds: float) -> None:
        """Blocking sleep."""
        time.sleep(seconds)

    def local_lock(self) -> LocalLock:
        """A new lock for the callers of this process that use this kind of I/O."""
        return ThreadLock()


class AsyncCacheIO(CacheIO):
    """The same cache calls through Django's async cache API (``cache.aget``, ``cache.aadd`` …).

    Why the async API rather than ``sync_to_async`` around our own code: it is the backend's
    own async entry point, so a backend that implements native async methods is used as such.
    Every backend Django and django-redis ship today implements it as
    ``sync_to_async(thread_sensitive=True)`` of the sync method, which keeps the database cache's
    connection on the thread Django's async layer reserves for blocking database work (closed by
    its request signals) instead of opening one in each worker thread.  Those calls queue on that
    one thread; they happen only when a token is missing or due, since a fresh token is served
    from the in-process copy without touching the cache.
    """

    async def get(self, key: str) -> Any:
        """``await cache.aget(key)``."""
        return await self.cache.aget(key)

    async def set(self, key: str, value: Any, timeout: float) -> None:
        """``await cache.aset(key, value, timeout)``."""
        await self.cache.aset(key, value, timeout=timeout)

    async def add(self, key: str, value: Any, timeout: float) -> bool:
        """``await cache.aadd(...)``: the same atomic add as the sync side."""
        return bool(await self.cache.aadd(key, value, timeout=timeout))

    async def delete(self, key: str) -> None:
        """``await cache.adelete(key)``."""
        await self.cache.adelete(key)

    async def _delete_if_atomic(self, key: str, value: Any) -> bool:
        # Django has no async API for a raw Redis script: run it as its async cache API does.
        result: bool = await sync_to_async(_redis_delete_if, thread_sensitive=True)(self.cache, key, value)
        return result

    async def sleep(self, seconds: float) -> None:
        """``asyncio.sleep``."""
        await asyncio.sleep(seconds)

    def local_lock(self) -> LocalLock:
        """A lock for the tasks of each event loop."""
        return LoopLock()


def _redis_delete_if(cache: BaseCache, key: str, value: Any) -> bool:
    """Compare-and-delete in one Redis script; ``False`` when the cache is not django-redis."""
    client: Any = getattr(cache, "client", None)
    if not all(hasattr(client, name) for name in ("get_client", "make_key", "encode")):
        return False
    try:
        raw = client.get_client(write=True)
        raw.eval(_RELEASE_SCRIPT, 1, client.make_key(key), client.encode(value))
    except Exception:  # an unusual django-redis setup: fall back to read-then-delete
        logger.debug("atomic compare-and-delete unavailable for %s", key, exc_info=True)
        return False
    return True
