"""The app access token, shared by every process and host through the Django cache.

WeChat's rules (doc/offiaccount/Basic_Information/Get_access_token.html and
doc/service/api/base/api_getstableaccesstoken):

* ``cgi-bin/token`` issues a new token on every call and the previous one dies 5 minutes later,
  so workers that each fetch their own token keep invalidating each other: exactly one caller
  may fetch at a time, and everyone else must use what it stored.
* ``cgi-bin/stable_token`` (the default here) returns the same token until its last 5 minutes,
  which makes concurrent fetches harmless, but its quota is still shared: fetch once, share it.
* Tokens may be revoked early; an API answering 40001/40014/42001 means "refresh, then retry".

How this module does it: the token lives under one cache key with its expiry and a random
``generation``.  A caller that finds it missing or inside ``TOKEN_REFRESH_MARGIN`` of its expiry
takes the cross-process :class:`~djwechat._internal.cachelock.CacheLock` (``cache.add`` with TTL
``LOCK_TIMEOUT``), re-reads the cache (someone may have just stored a new one), fetches, stores
and releases.  Everyone else polls the cache with backoff until a usable token appears or the lock
expires (a holder that died) and they can take it themselves.  Threads of one process first queue
on a local lock so that only one of them polls the cache.  A 40001 storm refreshes once because
the refresh is compare-and-refresh: it only fetches if the cached token is still the generation
that failed.

The logic is written once (:class:`TokenKeeper`, coroutines over a
:class:`~djwechat._internal.cacheio.CacheIO`): :class:`AccessTokenManager` runs it with blocking I/O
for the sync client, :class:`AsyncAccessTokenManager` with Django's async cache API for the async
client.  Both use the same cache key and the same cross-process lock, so sync and async callers
of one app share the token and its single-flight refresh.
"""

from __future__ import annotations

import logging
import uuid
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar, Final, Generic, TypeVar

from django.core.cache.backends.base import BaseCache

from djwechat._internal import clock
from djwechat._internal.backoff import Backoff
from djwechat._internal.cacheio import AsyncCacheIO, CacheIO
from djwechat._internal.cachelock import CacheLock
from djwechat._internal.concurrency import run_sync
from djwechat.client.errors import mask
from djwechat.client.types import AccessToken
from djwechat.exceptions import UpstreamTimeoutError

__all__ = [
    "AccessTokenManager",
    "AsyncAccessTokenManager",
    "AsyncTokenFetcher",
    "CachedToken",
    "TokenFetcher",
    "TokenKeeper",
]

logger = logging.getLogger("djwechat.client")

#: ``(force_refresh) -> AccessToken``: one upstream token request (see :meth:`WeChatClient.fetch_access_token`).
TokenFetcher = Callable[[bool], AccessToken]
#: The same, as a coroutine function (:meth:`AsyncWeChatClient.fetch_access_token`).
AsyncTokenFetcher = Callable[[bool], Awaitable[AccessToken]]
F = TypeVar("F", bound=Callable[[bool], Any])

_POLL_START: Final = 0.02
_POLL_CAP: Final = 0.5
_STORE_ATTEMPTS: Final = 5


@dataclass(frozen=True, slots=True)
class CachedToken:
    """A token as stored in the cache: the value, when to refresh it, when it dies, its generation."""

    token: str = field(repr=False)
    expires_at: float
    refresh_at: float
    #: Random id of this fetch: tells "the token that failed" from "a token fetched since",
    #: even when ``stable_token`` hands back the same value.
    generation: str

    def usable(self, now: float) -> bool:
        """Still accepted by WeChat (before its expiry)."""
        return now < self.expires_at

    def fresh(self, now: float) -> bool:
        """Not yet inside the refresh margin."""
        return now < self.refresh_at

    def to_cache(self) -> dict[str, Any]:
        """A plain dict every cache backend can store."""
        return {"t": self.token, "e": self.expires_at, "r": self.refresh_at, "g": self.generation}

    @classmethod
    def from_cache(cls, value: Any) -> CachedToken | None:
        """The record stored by :meth:`to_cache`; ``None`` for anything else."""
        if not isinstance(value, dict):
            return None
        try:
            return cls(
                token=str(value["t"]),
                expires_at=float(value["e"]),
                refresh_at=float(value["r"]),
                generation=str(value["g"]),
            )
        except (KeyError, TypeError, ValueError):
            return None


class TokenKeeper(ABC, Generic[F]):
    """One app's access token in the cache, refreshed single-flight: the logic of both managers.

    ``fetch`` performs one upstream request (``force_refresh`` only matters in stable mode).
    ``key`` names the cache entry (one per AppID and token mode, since the two pools are
    isolated at WeChat) in the cache ``cache_alias``.  ``refresh_margin`` seconds before expiry
    the token is renewed; ``lock_timeout`` bounds how long a dead holder blocks the others;
    ``wait_timeout`` bounds how long a caller waits for someone else's refresh before giving up
    with :class:`UpstreamTimeoutError`.  The coroutines here are driven by the public methods of
    :class:`AccessTokenManager` and :class:`AsyncAccessTokenManager`.
    """

    #: The I/O the subclass runs this logic with.
    io_class: ClassVar[type[CacheIO]] = CacheIO

    def __init__(
        self,
        *,
        fetch: F,
        key: str,
        cache_alias: str = "default",
        refresh_margin: float = 300,
        lock_timeout: float = 10.0,
        wait_timeout: float = 30.0,
    ) -> None:
        self._fetcher = fetch
        self.key = key
        self.lock_key = f"{key}:lock"
        self.cache_alias = cache_alias
        self.refresh_margin = refresh_margin
        self.lock_timeout = lock_timeout
        self.wait_timeout = wait_timeout
        self.io = self.io_class(cache_alias)
        #: Callers of this manager in this process queue here, so only one of them polls the cache.
        self._local = self.io.local_lock()
        #: The last record this process saw, trusted until its refresh time: most calls then
        #: need no cache round trip.  A token revoked early elsewhere is caught by the refused
        #: call's compare-and-refresh, which reads the cache again.
        self._memo: CachedToken | None = None

    @property
    def cache(self) -> BaseCache:
        """The Django cache holding the token."""
        return self.io.cache

    @abstractmethod
    async def _fetch(self, force: bool) -> AccessToken:
        """Ask WeChat for a token (``force``: a forced ``stable_token`` refresh)."""

    def _fresh_memo(self) -> CachedToken | None:
        memo = self._memo
        return memo if memo is not None and memo.fresh(clock.now()) else None

    async def _peek(self) -> CachedToken | None:
        # A cache that fails to answer counts as "nothing stored": the caller then goes through
        # the lock, so a transient failure (SQLite's "database table is locked") heals on the
        # next poll, and a cache that is down fails at the lock instead of letting every caller fetch.
        try:
            value = await self.io.get(self.key)
        except Exception as exc:
            logger.warning(
                "Reading the access token from cache %s failed: %s", self.io.describe(), type(exc).__name__
            )
            return None
        return CachedToken.from_cache(value)

    async def _current(self) -> CachedToken:
        # Inside the refresh margin the current token is still valid: one caller renews it while
        # the others keep using the old one instead of waiting.
        now = clock.now()
        memo = self._memo
        if memo is not None and memo.fresh(now):
            return memo
        record = await self._peek()
        if record is not None and record.fresh(now):
            self._memo = record
            return record
        if record is not None and record.usable(now):
            return await self._try_renew(record)
        return await self._refresh(None, False)

    async def _refresh(self, stale: CachedToken | str | None, force: bool) -> CachedToken:
        backoff = Backoff(self.wait_timeout, start=_POLL_START, cap=_POLL_CAP, jitter=True)
        if not await self._local.acquire(self.wait_timeout):
            raise UpstreamTimeoutError("Timed out waiting for the access token refresh.")
        try:
            while True:
                record = self._satisfying(await self._peek(), stale, force)
                if record is not None:
                    return record
                lock = CacheLock(self.io, self.lock_key, timeout=self.lock_timeout)
                if await lock.acquire():
                    try:
                        record = self._satisfying(await self._peek(), stale, force)
                        return record or await self._fetch_and_store(force)
                    finally:
                        await lock.release()
                pause = backoff.pause()
                if pause is None:
                    raise UpstreamTimeoutError(
                        "Timed out waiting for another worker to refresh the access token."
                    )
                await self.io.sleep(pause)
        finally:
            self._local.release()

    async def _invalidate(self, if_token: CachedToken | str | None) -> bool:
        # Under the refresh lock, so it cannot delete a token another worker just stored.
        lock = CacheLock(self.io, self.lock_key, timeout=self.lock_timeout)
        if not await lock.wait(self.wait_timeout, start=_POLL_START, cap=_POLL_CAP):
            raise UpstreamTimeoutError("Timed out waiting for the access token lock.")
        try:
            self._memo = None
            record = await self._peek()
            if record is None or (if_token is not None and not _same(record, if_token)):
                return False
            await self.io.delete(self.key)
            return True
        finally:
            await lock.release()

    def _satisfying(
        self, record: CachedToken | None, stale: CachedToken | str | None, force: bool
    ) -> CachedToken | None:
        """``record`` when it is what the refresh asks for (and is then remembered), else ``None``."""
        if record is None or not record.usable(clock.now()):
            return None
        # A refused token wants any other record; otherwise a fresh one, unless forced.
        replaced = not _same(record, stale) if stale is not None else not force and record.fresh(clock.now())
        if not replaced:
            return None
        self._memo = record
        return record

    async def _try_renew(self, current: CachedToken) -> CachedToken:
        """Renew ahead of expiry unless someone else is; meanwhile (or on failure) ``current`` serves."""
        if not await self._local.acquire(0):
            return current
        try:
            lock = CacheLock(self.io, self.lock_key, timeout=self.lock_timeout)
            if not await lock.acquire():
                return current
            try:
                record = await self._peek()
                if record is not None and record.fresh(clock.now()):
                    self._memo = record
                    return record
                return await self._fetch_and_store(False)
            except Exception:
                # The old token is still valid: keep serving it and let a later call retry.
                logger.warning("Renewing the access token ahead of expiry failed", exc_info=True)
                return current
            finally:
                await lock.release()
        finally:
            self._local.release()

    async def _fetch_and_store(self, force: bool) -> CachedToken:
        started = clock.now()
        fetched = await self._fetch(force)
        # Never wait until less than half the lifetime is left: a stable token handed out in its
        # last 5 minutes has expires_in of about 300, the same as the default margin.
        margin = min(self.refresh_margin, fetched.expires_in / 2)
        record = CachedToken(
            token=fetched.token,
            expires_at=started + fetched.expires_in,
            refresh_at=started + fetched.expires_in - margin,
            generation=uuid.uuid4().hex,
        )
        await self._store(record, ttl=max(1, fetched.expires_in))
        self._memo = record
        logger.info(
            "Fetched access token %s for %s (expires in %s s)",
            mask(record.token),
            self.key,
            fetched.expires_in,
        )
        return record

    async def _store(self, record: CachedToken, *, ttl: int) -> None:
        """Write ``record`` and read it back.

        Django's database cache swallows database errors on write (SQLite answers "table is
        locked" under concurrent readers), and a token that silently failed to be stored would
        be fetched again by the next caller: retry a few times, then carry on with a warning.
        """
        for attempt in range(_STORE_ATTEMPTS):
            await self.io.set(self.key, record.to_cache(), timeout=ttl)
            stored = await self._peek()
            if stored is not None and stored.generation == record.generation:
                return
            await self.io.sleep(_POLL_START * (attempt + 1))
        logger.warning("The access token could not be stored in the cache %s", self.io.describe())


class AccessTokenManager(TokenKeeper[TokenFetcher]):
    """The app's access token for blocking callers (threads), shared through the Django cache.

    Threads of one process first queue on a thread lock, so that only one of them polls the
    cache while another process refreshes.
    """

    async def _fetch(self, force: bool) -> AccessToken:
        return self._fetcher(force)

    def peek(self) -> CachedToken | None:
        """The record in the shared cache, whatever its age, without fetching (``None``: nothing usable)."""
        return run_sync(self._peek())

    def get(self) -> CachedToken:
        """A usable token: the cached one, or a fresh one fetched by exactly one caller.

        Inside the refresh margin one caller renews it while the others keep using the old one.
        """
        return self._fresh_memo() or run_sync(self._current())

    def token(self) -> str:
        """The token value (see :meth:`get`)."""
        return self.get().token

    def refresh(self, *, stale: CachedToken | str | None = None, force: bool = False) -> CachedToken:
        """Fetch a new token unless someone already replaced ``stale``.

        ``stale`` is the token that WeChat refused (a record or its value); ``None`` means
        "whatever is cached is not fresh enough".  Exactly one caller across processes fetches;
        the others return the token it stores.  ``force`` asks ``stable_token`` to revoke the
        current token (limited by WeChat to 20 a day, 30 s apart: for leaked tokens only).
        Raises what the fetch raises, or :class:`UpstreamTimeoutError` after ``wait_timeout``.
        """
        return run_sync(self._refresh(stale, force))

    def invalidate(self, *, if_token: CachedToken | str | None = None) -> bool:
        """Drop the cached token; with ``if_token`` only if it is still that token.

        Done under the refresh lock.  Returns whether something was dropped.
        """
        return run_sync(self._invalidate(if_token))


class AsyncAccessTokenManager(TokenKeeper[AsyncTokenFetcher]):
    """The same token for coroutines: the methods of :class:`AccessTokenManager`, awaited.

    ``fetch`` is a coroutine function.  Cache calls go through Django's async cache API (see
    :class:`~djwechat._internal.cacheio.AsyncCacheIO`); the tasks of one event loop queue on an
    ``asyncio.Lock``, so only one of them polls the cache while another caller refreshes.
    """

    io_class = AsyncCacheIO

    async def _fetch(self, force: bool) -> AccessToken:
        return await self._fetcher(force)

    async def peek(self) -> CachedToken | None:
        """See :meth:`AccessTokenManager.peek`."""
        return await self._peek()

    async def get(self) -> CachedToken:
        """See :meth:`AccessTokenManager.get`."""
        return self._fresh_memo() or await self._current()

    async def token(self) -> str:
        """See :meth:`AccessTokenManager.token`."""
        return (await self.get()).token

    async def refresh(self, *, stale: CachedToken | str | None = None, force: bool = False) -> CachedToken:
        """See :meth:`AccessTokenManager.refresh`."""
        return await self._refresh(stale, force)

    async def invalidate(self, *, if_token: CachedToken | str | None = None) -> bool:
        """See :meth:`AccessTokenManager.invalidate`."""
        return await self._invalidate(if_token)


def _same(record: CachedToken, other: CachedToken | str) -> bool:
    if isinstance(other, CachedToken):
        return record.generation == other.generation
    return record.token == other
