"""A lock shared by every process and host that shares a Django cache.

The access token's refresh (:mod:`djwechat.client.access_tokens`) and a person's first login
(:mod:`djwechat.login.pipeline.locks`) both hold one.

``cache.add`` is atomic on every backend that matters (Redis ``SET NX``, a unique key in the
database cache, memcached ``add``), so it is the lock: the first caller stores its owner value
with a TTL, everyone else fails.  The TTL means a holder that dies never blocks the others for
longer than ``timeout``.  Only the owner releases the lock (an atomic compare-and-delete script on
django-redis, see :meth:`~djwechat._internal.cacheio.CacheIO.delete_if`).

The lock is the same for sync and async callers: it is written once over a
:class:`~djwechat._internal.cacheio.CacheIO` (blocking, run with
:func:`~djwechat._internal.concurrency.run_sync`) or an :class:`~djwechat._internal.cacheio.AsyncCacheIO`.
"""

from __future__ import annotations

import uuid
from typing import Final

from djwechat._internal.backoff import Backoff
from djwechat._internal.cacheio import CacheIO
from djwechat.exceptions import SharedStateError

__all__ = ["CacheLock"]

_ATTEMPTS: Final = 3
_PAUSE: Final = 0.02


class CacheLock:
    """A non-blocking lock on ``key`` of the cache behind ``io`` that expires after ``timeout`` seconds."""

    def __init__(self, io: CacheIO, key: str, *, timeout: float) -> None:
        self.io = io
        self.key = key
        self.timeout = max(1.0, timeout)
        #: A value nobody else holds: proves ownership on release.
        self.owner = uuid.uuid4().hex
        self.held = False

    async def acquire(self) -> bool:
        """Take the lock if it is free; ``True`` when this object now holds it.

        A failing cache is tried again twice, a few milliseconds apart: SQLite answers "table is
        locked" to concurrent writers at once, and a Redis failover takes a moment.  Raises
        :class:`SharedStateError` when it keeps failing: without a working lock every caller would
        fetch its own token.
        """
        failure: Exception | None = None
        for attempt in range(_ATTEMPTS):
            try:
                added = await self.io.add(self.key, self.owner, timeout=self.timeout)
                # A failed attempt may have been applied all the same (its reply was lost).
                self.held = added or (failure is not None and await self.io.get(self.key) == self.owner)
            except Exception as exc:  # the cache backend's own errors (redis.ConnectionError …)
                failure = exc
                await self.io.sleep(_PAUSE * (attempt + 1))
                continue
            return self.held
        raise SharedStateError(
            f"The cache holding lock {self.key!r} failed: {type(failure).__name__}"
        ) from failure

    async def wait(self, timeout: float, *, start: float = 0.005, cap: float = 0.1) -> bool:
        """Take the lock, trying again with jittered :class:`Backoff` for up to ``timeout`` seconds.

        ``False`` when someone else still holds it then; raises what :meth:`acquire` raises.
        """
        backoff = Backoff(timeout, start=start, cap=cap, jitter=True)
        while not await self.acquire():
            pause = backoff.pause()
            if pause is None:
                return False
            await self.io.sleep(pause)
        return True

    async def release(self) -> None:
        """Give the lock back, unless it expired and someone else holds it now."""
        if not self.held:
            return
        self.held = False
        await self.io.delete_if(self.key, self.owner)
