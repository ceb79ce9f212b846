"""Cached copies of sessions, which a revocation or a change never leaves behind.

Each session's :class:`SessionRecord` lives in the shared cache (``WECHAT["CACHE_ALIAS"]``) and,
with ``JWT.SESSION_CACHE_SECONDS`` or ``JWT.SESSION_INVALIDATION = "pubsub"``, in a per-process
dictionary.  Dropping the entry when the
row changes is not enough on its own: a request that read the row just *before* a logout and
writes the cache just *after* it would put the revoked session back, for as long as the entry
lives.  Two counters close that window:

* **Shared cache - generations.**  Next to each record the cache holds a generation token, and
  every record is stored with the token that was current *before* its row was read.
  :func:`purge` replaces the token with a new random one (and drops the record), so a record
  read from the database before the purge no longer matches, whenever it is written, and is
  ignored by every reader.  Reading costs one round trip for the keys (``get_many``).
* **Per process - an epoch.**  :func:`purge` increments a process-wide counter, and so does
  every message of the invalidation channel and every (re)subscription to it; a reader only
  keeps its record in the process if the counter did not move since it started.
* **Across processes - the invalidation channel** (``SESSION_INVALIDATION = "pubsub"``,
  :mod:`djwechat.jwt.invalidation`).  Every purge publishes the session's cache name once it
  has committed (after the shared cache was purged), and each process drops its copy on
  receipt.  Memory is used only while the process's subscription is serving: a record read
  before a revocation was published is either dropped by its message or (read while the
  message was being handled) refused by the epoch; one read after it sees the purge.

* **Against a cache that goes back in time - the revocation count.**  The database counts
  every deleted session (:class:`~djwechat.jwt.models.RevocationCount`, bumped in the
  deletion's transaction, under its row lock) and each revocation writes the new count to the
  cache (``COUNT_KEY``) after its purge.  Every read fetches the count with the record (the
  same ``get_many``) and each process remembers the highest count it has seen (read from the
  database on its first lookup).  A count *lower* than that means the cache lost writes - it
  was restored from an older snapshot (RDB/AOF), failed over to a lagging replica, or lost the
  key: the process reads the database's count and, if the cache is behind it, replaces the
  cache's **trust token** (``TRUST_KEY``), which every record must carry, so every record
  cached before is ignored by every process from then on.  Since a snapshot that holds a
  count holds the purges written before it, a cache whose count is not behind the database's
  has lost no revocation.

A purge inside a transaction runs again when the transaction commits: until then the old row is
still visible to other connections, and what they cache meanwhile carries the generation that
the second purge retires.

Losing a key is always safe: a record without its generation is ignored (one extra database
read), and a generation without its record is just a miss.

Key names carry a keyed hash of the session key (:func:`cache_name`), never the key itself: the
session key is a bearer secret.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final

from asgiref.sync import sync_to_async
from django.core.cache import BaseCache, caches
from django.db import transaction

from djwechat._internal import clock
from djwechat._internal.cachekeys import keyed_digest
from djwechat.conf import get_settings, on_settings_reset
from djwechat.exceptions import SharedStateError
from djwechat.jwt import invalidation

CACHE_KEY_PREFIX: Final = "djwechat.jwt.session:"
#: Generation tokens: ``GENERATION_PREFIX + cache_name(session_key)``.
GENERATION_PREFIX: Final = CACHE_KEY_PREFIX + "gen:"
#: The cache's copy of the database's revocation count.
COUNT_KEY: Final = CACHE_KEY_PREFIX + "revoked"
#: The token every cached record must carry; replaced when the cache lost revocations.
TRUST_KEY: Final = CACHE_KEY_PREFIX + "trust"
#: Upper bound of the per-process record cache (entries); it is emptied when full.
LOCAL_CACHE_SIZE: Final = 10_000
#: Seconds a record lives in process memory under the invalidation channel: a bound for the
#: one loss the channel cannot see (a publish that failed while subscribers stayed connected).
INVALIDATED_SECONDS: Final = 60


@dataclass(frozen=True, slots=True)
class SessionRecord:
    """What one request needs to know about a session, as cached."""

    session_key: str
    user_id: Any
    data: dict[str, Any] = field(repr=False)
    #: Epoch seconds.
    expires: float
    last_seen: float


_local: dict[str, tuple[float, SessionRecord]] = {}
#: cache name -> session key of the records in ``_local`` (channel messages carry the name).
_local_names: dict[str, str] = {}
_local_lock = threading.Lock()
_local_epoch = 0
#: The highest revocation count this process has seen (``None``: ask the database first).
_seen_count: int | None = None

logger = logging.getLogger("djwechat.jwt")


def cache_name(session_key: str) -> str:
    """What stands for ``session_key`` in cache key names (:func:`~djwechat._internal.cachekeys.keyed_digest`)."""
    return keyed_digest("jwt-session", session_key)


def record_key(session_key: str) -> str:
    """The shared cache's key of the record of ``session_key``."""
    return CACHE_KEY_PREFIX + cache_name(session_key)


def shared_cache() -> BaseCache:
    """The cache that all processes share (``WECHAT["CACHE_ALIAS"]``)."""
    return caches[get_settings().cache_alias]


def _generation_timeout() -> int:
    # A record lives at most REFRESH_TOKEN_LIFETIME; its generation must not expire first
    # (which would be safe, only slower: the record would be ignored).
    return int(get_settings().jwt.refresh_token_lifetime.total_seconds()) + 60


@on_settings_reset
def clear_local_cache() -> None:
    """Forget every record cached in this process (and the revocation count it has seen)."""
    global _seen_count
    with _local_lock:
        _local.clear()
        _local_names.clear()
        _seen_count = None


def _invalidated(name: str) -> None:
    """Handle a message of the invalidation channel: forget one record, or all of them."""
    global _local_epoch
    with _local_lock:
        _local_epoch += 1  # a record being read now was read before this change
        if name == invalidation.FLUSH_ALL:
            _local.clear()
            _local_names.clear()
        elif (key := _local_names.pop(name, None)) is not None:
            _local.pop(key, None)


def channel() -> invalidation.Subscriber | None:
    """This process's subscriber to the invalidation channel (started on first use), or ``None``.

    ``None`` unless ``JWT.SESSION_INVALIDATION`` is ``"pubsub"`` and the shared cache is Redis.
    """
    conf = get_settings()
    if conf.jwt.session_invalidation != "pubsub":
        return None
    return invalidation.subscriber(conf.cache_alias, _invalidated)


def _local_seconds() -> int:
    """How long a record read now may be served from process memory (0: not at all)."""
    conf = get_settings().jwt
    if conf.session_invalidation != "pubsub":
        return conf.session_cache_seconds
    subscriber = channel()
    return INVALIDATED_SECONDS if subscriber is not None and subscriber.serving() else 0


def load(
    session_key: str,
    loader: Callable[[str], SessionRecord | None],
    revocations: Callable[[], int],
) -> SessionRecord | None:
    """The live record of ``session_key``: from this process, the shared cache, or ``loader``.

    ``loader(session_key)`` reads the row from the database (``None``: no live session); what
    it returns is cached only if no purge ran while it read (see the module docstring for
    the ordering this function owns).  ``revocations()`` reads the database's revocation
    count; it runs on a process's first lookup and when the cache's count goes backwards.
    A cache outage reads as a miss: sessions are then served from the database alone.
    """
    epoch = _local_epoch  # before any read: a purge from now on wins
    now = clock.now()
    local_seconds = _local_seconds()
    if local_seconds and (hit := _read_local(session_key, now)) is not None:
        return hit
    record, generation, trust = _read_shared(session_key, now, revocations)
    if record is None:
        # Reserved before the row is read: a purge after this point retires what we cache.
        generation = _reserve_generation(session_key, generation) if trust else None
        record = loader(session_key)
        if record is not None and generation is not None and trust is not None:
            _write_shared(record, generation, trust, now)
    if record is not None and local_seconds:
        _write_local(record, now + local_seconds, epoch)
    return record


async def aload(
    session_key: str,
    loader: Callable[[str], SessionRecord | None],
    revocations: Callable[[], int],
) -> SessionRecord | None:
    """:func:`load` for async code: a hit in this process's memory is answered in the event loop;
    anything else (the shared cache, then perhaps the database) runs in one ``sync_to_async`` hop.
    """
    if _local_seconds() and (hit := _read_local(session_key, clock.now())):
        return hit
    return await sync_to_async(load)(session_key, loader, revocations)


def _read_local(session_key: str, now: float) -> SessionRecord | None:
    hit = _local.get(session_key)
    if hit is not None and hit[0] > now and hit[1].expires > now:
        return hit[1]
    return None


def _write_local(record: SessionRecord, until: float, epoch: int) -> None:
    name = cache_name(record.session_key)
    with _local_lock:
        if _local_epoch != epoch:
            return
        if len(_local) >= LOCAL_CACHE_SIZE:
            _local.clear()
            _local_names.clear()
        _local[record.session_key] = (until, record)
        _local_names[name] = record.session_key


def _read_shared(
    session_key: str, now: float, revocations: Callable[[], int]
) -> tuple[SessionRecord | None, str | None, str | None]:
    """The shared cache's valid record for ``session_key``, its generation and the trust token.

    A ``None`` trust token means "do not cache" (an outage, or a cache that lost revocations).
    """
    name = cache_name(session_key)
    records, generations = CACHE_KEY_PREFIX + name, GENERATION_PREFIX + name
    try:
        found = shared_cache().get_many([records, generations, COUNT_KEY, TRUST_KEY])
    except Exception:
        return None, None, None
    trust = _trusted(found.get(COUNT_KEY), found.get(TRUST_KEY), revocations)
    if trust is None:
        return None, None, None
    raw, generation = found.get(records), found.get(generations)
    if not isinstance(generation, str):
        return None, None, trust
    if not isinstance(raw, dict) or raw.get("g") != generation or raw.get("t") != trust:
        return None, generation, trust
    record = SessionRecord(session_key, raw["u"], raw["d"], raw["e"], raw["s"])
    return (record if record.expires > now else None), generation, trust


def _trusted(count: Any, trust: Any, revocations: Callable[[], int]) -> str | None:
    """The trust token that valid records carry, given the count and token the cache holds.

    ``None``: use no record of the cache and cache nothing now.
    """
    global _seen_count
    seen = _seen_count
    if seen is None:
        seen = _seen_count = revocations()
    if isinstance(count, int) and isinstance(trust, str) and count >= seen:
        if count > seen:
            _seen_count = count
        return trust
    # Behind what this process has seen, or missing: ask the database who is right.
    committed = revocations()
    fresh = secrets.token_hex(8)
    cache = shared_cache()
    try:
        if isinstance(count, int) and count < committed:
            logger.warning(
                "The session cache lost revocations (its count is %s, the database's %s; "
                "restored from an older snapshot?): every cached session record is retired.",
                count,
                committed,
            )
        if not isinstance(count, int) and committed == 0:
            # A cache that never saw a revocation, and none ever happened: nothing to retire.
            cache.add(COUNT_KEY, 0, timeout=None)
        elif not isinstance(count, int) or count < committed:
            # Revocations the cache does not know of (or cannot prove it knows): retire every
            # record it holds.  A cache that simply started empty loses nothing by this.
            cache.set_many({COUNT_KEY: committed, TRUST_KEY: fresh}, timeout=None)
            clear_local_cache()
            _seen_count = committed
            _announce(invalidation.FLUSH_ALL)  # other processes read from the same cache
            return fresh
        if not isinstance(trust, str):
            return fresh if cache.add(TRUST_KEY, fresh, timeout=None) else None
    except Exception:
        return None
    # What this process had seen came from a transaction that rolled back: the cache is right.
    _seen_count = count if isinstance(count, int) else 0
    return trust


def _reserve_generation(session_key: str, generation: str | None) -> str | None:
    """The generation under which a record read from the database *now* may be cached.

    When there is none yet, one is created (``cache.add``: if another request wins, this one
    does not cache).  ``None`` means "do not cache".
    """
    if generation is not None:
        return generation
    fresh = secrets.token_hex(8)
    try:
        added = shared_cache().add(GENERATION_PREFIX + cache_name(session_key), fresh, _generation_timeout())
    except Exception:
        return None
    return fresh if added else None


def _write_shared(record: SessionRecord, generation: str, trust: str, now: float) -> None:
    timeout = int(record.expires - now)
    if timeout <= 0:
        return
    # A cache outage is survivable: serving from the database alone is only slower.
    with contextlib.suppress(Exception):
        shared_cache().set(
            record_key(record.session_key),
            {
                "u": record.user_id,
                "d": record.data,
                "e": record.expires,
                "s": record.last_seen,
                "g": generation,
                "t": trust,
            },
            timeout,
        )


def purge(session_key: str, using: str, *, revoked: int | None = None) -> None:
    """Invalidate every cached copy of a session that changed or was deleted.

    The shared cache gets a new generation (so records read before now are ignored wherever
    they are written) and loses the record; this process forgets its copy and turns away
    copies being read.  ``revoked`` (a deletion: the database's new revocation count) is then
    written to the cache's count.  Inside a transaction on the database ``using`` (the alias
    the session row lives on) the purge runs again at commit (see the module docstring); that
    second run never raises.  Raises :class:`~djwechat.exceptions.SharedStateError` when the
    shared cache is unreachable.
    """
    global _seen_count

    def drop() -> None:
        global _local_epoch
        name = cache_name(session_key)
        with _local_lock:
            _local_epoch += 1
            _local.pop(session_key, None)
            _local_names.pop(name, None)
        cache = shared_cache()
        cache.set(GENERATION_PREFIX + name, secrets.token_hex(8), _generation_timeout())
        cache.delete(CACHE_KEY_PREFIX + name)

    def drop_and_announce() -> None:
        try:
            drop()
        finally:
            _announce(cache_name(session_key))

    in_transaction = transaction.get_connection(using).in_atomic_block
    try:
        drop()
        if revoked is not None:
            shared_cache().set(COUNT_KEY, revoked, timeout=None)
    except Exception as exc:
        raise SharedStateError("The session cache cannot be reached; nothing was changed.") from exc
    if revoked is not None and (_seen_count is None or revoked > _seen_count):
        _seen_count = revoked
    if in_transaction:
        # Published once committed: until then other processes could read the old row again.
        transaction.on_commit(drop_and_announce, using=using, robust=True)
    else:
        _announce(cache_name(session_key))


def _announce(message: str) -> None:
    """Publish ``message`` on the invalidation channel, if it is on (never raises).

    A publish that fails is retried by this process's subscriber once Redis answers.  It can
    only fail after the purge itself succeeded when Redis became unreachable in between; the
    other processes' subscriptions to that Redis then fail too and they check strictly, and a
    process that stays subscribed regardless forgets the record within
    :data:`INVALIDATED_SECONDS`.
    """
    conf = get_settings()
    if conf.jwt.session_invalidation != "pubsub":
        return
    try:
        invalidation.publish(conf.cache_alias, message)
    except Exception as exc:
        logger.warning("A session invalidation could not be published (%s): retried when Redis is back.", exc)
        subscriber = channel()
        if subscriber is not None:
            subscriber.retry_later(message)
