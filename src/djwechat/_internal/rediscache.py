"""Server-side Lua scripts on the Redis behind a django-redis cache.

Some decisions need several cache commands in a row (bind a nonce, then claim a push); through
Django's cache API each is one network round trip, and on loopback a round trip costs the client
about as much CPU as the rest of the request.  A Lua script runs them in one round trip, and
atomically.  :func:`raw_redis` finds out whether a cache can do that: a django-redis cache with a
single primary (its default and Sentinel clients).  Everything else - the database cache,
memcached, locmem, Django's own Redis backend, django-redis's sharded and herd clients - gets
``None``, and callers keep to the portable cache API.

Values are written with the cache's own serializer and compressor, so ``cache.get`` reads what
a script stored and a script can compare what ``cache.set`` stored byte for byte.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.cache import BaseCache

__all__ = ["LuaScript", "RawRedis", "raw_redis"]


@dataclass(frozen=True, slots=True)
class LuaScript:
    """A Lua script and its SHA1, the name ``EVALSHA`` runs it by once the server has it."""

    source: str
    sha: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "sha", hashlib.sha1(self.source.encode()).hexdigest())  # noqa: S324 - Redis's script id


class RawRedis:
    """The redis-py client of one django-redis cache, with its key and value encodings."""

    def __init__(self, client: Any) -> None:
        from redis.exceptions import NoScriptError

        self._client = client
        self._no_script = NoScriptError

    def key(self, name: str) -> str:
        """The Redis key of cache key ``name`` (``KEY_PREFIX`` and ``VERSION`` applied)."""
        return str(self._client.make_key(name))

    def encode(self, value: Any) -> bytes:
        """``value`` as the cache stores it (never the bare integer form: scripts compare bytes)."""
        return bytes(self._client.encode(value, allow_int=False))

    def decode(self, raw: bytes | None) -> Any:
        """A stored value read by a script; ``None`` for a missing key."""
        return None if raw is None else self._client.decode(raw)

    def set_many(self, items: Sequence[tuple[str, bytes]], *, px: int) -> None:
        """``SET key value PX px`` for each encoded item, in one pipeline (one round trip)."""
        pipe = self._client.get_client(write=True).pipeline(transaction=False)
        for key, value in items:
            pipe.set(key, value, px=px)
        pipe.execute()

    def run(self, script: LuaScript, keys: Sequence[str], args: Sequence[Any]) -> Any:
        """Run ``script`` on the primary: one round trip (``EVALSHA``).

        A server that does not know the script yet (first use, a restart, ``SCRIPT FLUSH``) gets
        its source with ``EVAL``, which also keeps it for the next ``EVALSHA``.  The command goes
        straight to the client's ``execute_command`` (its connection pool and retry policy):
        redis-py's ``Script`` object adds as much client CPU again as the round trip's own.
        """
        client = self._client.get_client(write=True)
        try:
            return client.execute_command("EVALSHA", script.sha, len(keys), *keys, *args)
        except self._no_script:
            return client.execute_command("EVAL", script.source, len(keys), *keys, *args)


def raw_redis(cache: BaseCache) -> RawRedis | None:
    """The script runner of ``cache`` when it is a single-primary django-redis cache, else ``None``.

    ``cache`` may be Django's per-thread proxy: the client found through it shares its
    connection pool with every thread (django-redis keeps one pool per server URL).
    """
    try:
        from django_redis.client import DefaultClient
        from django_redis.client.herd import HerdClient
        from django_redis.client.sharded import ShardClient
    except ImportError:
        return None
    client = getattr(cache, "client", None)
    if not isinstance(client, DefaultClient) or isinstance(client, (HerdClient, ShardClient)):
        return None
    return RawRedis(client)
