"""Single-use values in the shared cache: QR login tickets, OAuth states, one-time login codes.

Each value lives under its own key, named by a random token (:func:`new_token`) that the store
never writes in clear: the key holds a SHA-256 of the token, so a cache dump names no live
ticket, state or code.  Values are small JSON-able dicts with a lifetime.

Taking a value is race-safe on every shared cache: :meth:`OneTimeStore.take` claims it with
``cache.add`` of a marker key, which is atomic on Redis (``SET NX``) and on the database cache
(an ``INSERT`` into its primary key), so of any number of concurrent takers exactly one gets the
value and the others learn that it was already used.  The winner then deletes the value.

The store is written once, as coroutines over the cache I/O of the shared access token
(:class:`~djwechat._internal.cacheio.CacheIO` blocking, :class:`~djwechat._internal.cacheio.AsyncCacheIO`
awaited); sync code runs them with :func:`~djwechat._internal.concurrency.run_sync`.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final, TypeVar

from asgiref.sync import sync_to_async
from django.core.cache import caches
from django.core.cache.backends.db import DatabaseCache

from djwechat._internal.cacheio import AsyncCacheIO, CacheIO
from djwechat.conf import get_settings
from djwechat.exceptions import LoginStateError, SharedStateError, WeChatError

__all__ = ["OneTimeStore", "PooledCacheIO", "digest", "new_token", "parse_token", "waiting_io"]

T = TypeVar("T")

#: Random bytes in a token: 160 bits, written as 40 hex digits (an Official Account ``state``
#: may only hold letters and digits, at most 128 bytes).
TOKEN_BYTES: Final = 20
_TOKEN_RE: Final = re.compile(r"[0-9a-f]{40}")
KEY_PREFIX: Final = "djwechat:login"


def new_token() -> str:
    """A fresh random token (160 bits, 40 lowercase hex digits)."""
    return secrets.token_hex(TOKEN_BYTES)


def parse_token(value: Any, what: str, *, error: type[WeChatError] = LoginStateError) -> str:
    """``value`` if it has the shape of a token, else ``error`` naming ``what``."""
    if not isinstance(value, str) or not _TOKEN_RE.fullmatch(value):
        raise error(f"The {what} is missing or malformed.")
    return value


def digest(token: str) -> str:
    """The SHA-256 of ``token`` in hex: what keys (and stored secrets) hold instead of the token."""
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def waiting_io(alias: str) -> AsyncCacheIO:
    """The awaited cache I/O for a caller that keeps looking at the cache while it waits.

    Django's async cache API runs each call in the request's own thread under ASGI
    (``thread_sensitive=True``), made on the request's first call and kept until it ends, so a
    poll looking at the cache twice a second for 25 s would hold a thread per waiting browser.
    On Redis (or any cache without database connections) the calls go to the process's shared
    thread pool instead (:class:`PooledCacheIO`).  The database cache keeps Django's way: its
    calls need the request's database connection, which Django closes when the request ends.
    """
    if isinstance(caches[alias], DatabaseCache):
        return AsyncCacheIO(alias)
    return PooledCacheIO(alias)


class PooledCacheIO(AsyncCacheIO):
    """Awaited cache calls on the process's shared thread pool (``thread_sensitive=False``)."""

    async def _pooled(self, method: str, *args: Any, **kwargs: Any) -> Any:
        alias = self._cache

        def call() -> Any:
            # Looked up in the pool's thread: Django's cache handles are per thread.
            cache = caches[alias] if isinstance(alias, str) else alias
            return getattr(cache, method)(*args, **kwargs)

        return await sync_to_async(call, thread_sensitive=False)()

    async def get(self, key: str) -> Any:
        """``cache.get(key)`` on the shared pool."""
        return await self._pooled("get", key)

    async def set(self, key: str, value: Any, timeout: float) -> None:
        """``cache.set(...)`` on the shared pool."""
        await self._pooled("set", key, value, timeout=timeout)

    async def add(self, key: str, value: Any, timeout: float) -> bool:
        """``cache.add(...)`` on the shared pool: the same atomic add."""
        return bool(await self._pooled("add", key, value, timeout=timeout))

    async def delete(self, key: str) -> None:
        """``cache.delete(key)`` on the shared pool."""
        await self._pooled("delete", key)


@dataclass(frozen=True, slots=True)
class OneTimeStore:
    """The values of one kind (``namespace``: ``"qr"``, ``"state"`` …) in the shared cache."""

    namespace: str
    io: CacheIO

    @classmethod
    def blocking(cls, namespace: str) -> OneTimeStore:
        """A store on ``WECHAT["CACHE_ALIAS"]`` with blocking I/O (run its coroutines with ``run_sync``)."""
        return cls(namespace, CacheIO(get_settings().cache_alias))

    def key(self, token: str) -> str:
        """The cache key of ``token``'s value."""
        return f"{KEY_PREFIX}:{self.namespace}:{digest(token)[:40]}"

    async def _guard(self, call: Callable[[], Awaitable[T]]) -> T:
        try:
            return await call()
        except WeChatError:
            raise
        except Exception as exc:  # the cache backend's own errors (redis.ConnectionError, DatabaseError …)
            raise SharedStateError(
                f"The cache holding {self.namespace} values failed: {type(exc).__name__}"
            ) from exc

    async def put(self, token: str, value: Mapping[str, Any], seconds: float) -> None:
        """Store ``value`` under a new ``token`` for ``seconds``; never overwrites another value."""
        added = await self._guard(lambda: self.io.add(self.key(token), dict(value), timeout=seconds))
        if not added:
            raise SharedStateError(f"A {self.namespace} value could not be stored.")

    async def get(self, token: str) -> dict[str, Any] | None:
        """The value of ``token`` (``None`` when unknown or expired); it stays there."""
        value = await self._guard(lambda: self.io.get(self.key(token)))
        return dict(value) if isinstance(value, Mapping) else None

    async def replace(self, token: str, value: Mapping[str, Any], seconds: float) -> None:
        """Overwrite ``token``'s value (for the one caller that owns it, e.g. after :meth:`take`)."""
        await self._guard(lambda: self.io.set(self.key(token), dict(value), timeout=seconds))

    async def take(
        self, token: str, *, seconds: float, what: str, expect: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        """The value of ``token``, to exactly one caller; afterwards it is gone.

        ``expect`` are fields the value must have (its app, its flow): a value of another app is
        refused without being used up.  ``seconds`` is how long the "used" marker is kept, at
        least the value's remaining lifetime, so that a replay is told apart from a typo.
        Raises :class:`LoginStateError` naming ``what`` when the token is unknown, expired, not
        what was expected, or already taken (by a concurrent caller too).
        """
        value = await self.get(token)
        if value is not None and expect and any(value.get(k) != v for k, v in expect.items()):
            value = None
        used_key = self.key(token) + ":used"
        if value is None:
            if await self._guard(lambda: self.io.get(used_key)) is not None:
                raise LoginStateError(f"This {what} was already used.")
            raise LoginStateError(f"This {what} is unknown or has expired.")
        if not await self._guard(lambda: self.io.add(used_key, 1, timeout=max(1.0, seconds))):
            raise LoginStateError(f"This {what} was already used.")
        await self._guard(lambda: self.io.delete(self.key(token)))
        return value
