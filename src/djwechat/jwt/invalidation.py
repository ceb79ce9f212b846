"""The invalidation channel of ``JWT.SESSION_INVALIDATION = "pubsub"``: Redis pub/sub between processes.

Every change or revocation of a session is published on one channel of the shared cache's Redis
(named under the cache's key prefix, so sites and test runs sharing a server stay apart), after
the change commits: the message is the session's :func:`~djwechat.jwt.record_cache.cache_name`
(never its key, a bearer secret), or :data:`FLUSH_ALL` when every record is retired.  Each
process subscribes from a daemon thread and hands each message to the handler that
:mod:`djwechat.jwt.record_cache` gave it, which drops that record from process memory.

A process may answer from memory only while its subscription is **serving**
(:meth:`Subscriber.serving`): subscribed, and something (a message or the answer to its ping,
sent every :data:`PING_SECONDS`) was heard within :data:`LIVENESS_SECONDS`.  Otherwise - while
starting, after the connection dropped, while reconnecting, or when a network partition
silences it - every request takes the strict path.  Each (re)subscription calls the handler
with :data:`FLUSH_ALL` *before* it starts serving, since messages may have been missed while it
was away.  The subscriber's own connection never retries behind its back (redis-py would
re-subscribe silently): any error ends the subscription and a new one starts, with backoff.

Forks (gunicorn's workers) start without the parent's thread: the subscriber is started lazily,
per process, on the first session lookup, and forgotten in a forked child.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final

from django.core.cache import BaseCache, caches

from djwechat.conf import on_settings_reset

if TYPE_CHECKING:
    import redis

#: The channel's name inside the cache's key space (``cache.make_key`` adds prefix and version).
CHANNEL_NAME: Final = "djwechat.jwt.session:invalidate"
#: The message that retires every record a process holds.
FLUSH_ALL: Final = "*"
#: Seconds between the subscriber's pings.
PING_SECONDS: Final = 1.0
#: A subscription that heard nothing for this long is taken as lost (requests go strict).
LIVENESS_SECONDS: Final = 3.0
#: Backoff between attempts to subscribe: first and longest wait, seconds.
RETRY_SECONDS: Final = (0.05, 2.0)
#: The client name of each subscriber connection (``CLIENT LIST``), followed by the process id.
CLIENT_NAME_PREFIX: Final = "djwechat-invalidation-"

#: ``handler(name)``: a record's cache name, or :data:`FLUSH_ALL`.
Handler = Callable[[str], None]

logger = logging.getLogger("djwechat.jwt")


def redis_client(cache: BaseCache) -> redis.Redis | None:
    """The redis-py client behind ``cache`` (django-redis or Django's ``RedisCache``), or ``None``."""
    client = getattr(cache, "client", None)  # django-redis
    if client is None or not hasattr(client, "get_client"):
        client = getattr(cache, "_cache", None)  # django.core.cache.backends.redis
    get_client = getattr(client, "get_client", None)
    if get_client is None:
        return None
    try:
        found = get_client(write=True)
    except TypeError:  # Django's RedisCache: get_client(key=None, *, write=False)
        found = get_client(None, write=True)
    return found if hasattr(found, "pubsub") else None


def channel_of(cache: BaseCache) -> str:
    """The channel's full name on ``cache`` (under its ``KEY_PREFIX`` and ``VERSION``)."""
    return str(cache.make_key(CHANNEL_NAME))


def publish(alias: str, message: str) -> None:
    """Publish ``message`` on the channel of cache ``alias``; raises when Redis cannot be told."""
    cache = caches[alias]
    client = redis_client(cache)
    if client is not None:
        client.publish(channel_of(cache), message)


class Subscriber:
    """One process's subscription to the channel of cache ``alias``, in a daemon thread."""

    def __init__(self, alias: str, handler: Handler) -> None:
        self.alias = alias
        self.handler = handler
        #: Successful subscriptions so far (each began with a ``FLUSH_ALL``).
        self.subscriptions = 0
        self._subscribed = False
        self._heard = 0.0
        self._stopped = threading.Event()
        self._pending: set[str] = set()
        self._pending_lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="djwechat-session-invalidation", daemon=True)
        self._thread.start()

    def serving(self) -> bool:
        """Whether records in process memory may be trusted now (see the module docstring)."""
        return self._subscribed and time.monotonic() - self._heard < LIVENESS_SECONDS

    def stop(self) -> None:
        """End the subscription (the thread exits within :data:`PING_SECONDS`)."""
        self._subscribed = False
        self._stopped.set()

    def retry_later(self, message: str) -> None:
        """Publish ``message`` from the subscriber thread once Redis answers again."""
        with self._pending_lock:
            self._pending.add(message)

    def _run(self) -> None:
        delay = RETRY_SECONDS[0]
        while not self._stopped.is_set():
            try:
                if self._listen():
                    delay = RETRY_SECONDS[0]
            except Exception as exc:
                logger.warning(
                    "Session invalidation channel lost (%s): sessions are checked in the shared cache "
                    "on every request until it is back.",
                    exc,
                )
            finally:
                self._subscribed = False
            self._stopped.wait(delay)
            delay = min(delay * 2, RETRY_SECONDS[1])

    def _connect(self) -> tuple[redis.Redis, redis.client.PubSub, str]:
        import redis

        cache = caches[self.alias]
        client = redis_client(cache)
        if client is None:
            raise RuntimeError(f"the cache {self.alias!r} offers no pub/sub channel")
        pool = client.connection_pool
        kwargs: dict[str, Any] = {
            **pool.connection_kwargs,
            # No silent reconnect and re-subscribe: a lost connection must be noticed.
            "retry": redis.retry.Retry(redis.backoff.NoBackoff(), 0),
            "health_check_interval": 0,
            "client_name": f"{CLIENT_NAME_PREFIX}{os.getpid()}",
        }
        own = redis.Redis(
            connection_pool=redis.ConnectionPool(connection_class=pool.connection_class, **kwargs)
        )
        return client, own.pubsub(), channel_of(cache)  # type: ignore[no-untyped-call]

    def _listen(self) -> bool:
        """Subscribe and handle messages until an error; ``True`` if it got as far as subscribed."""
        client, pubsub, channel = self._connect()
        try:
            pubsub.subscribe(channel)
            deadline = time.monotonic() + LIVENESS_SECONDS
            while True:
                message = pubsub.get_message(timeout=PING_SECONDS)
                if message is not None and message["type"] == "subscribe":
                    break
                if time.monotonic() > deadline or self._stopped.is_set():
                    return False
            # Whatever was published while this process was not listening is lost: forget all first.
            self.handler(FLUSH_ALL)
            self._heard = last_ping = time.monotonic()
            self._subscribed = True
            self.subscriptions += 1
            while not self._stopped.is_set():
                message = pubsub.get_message(timeout=PING_SECONDS)
                now = time.monotonic()
                if message is not None:
                    if message["type"] == "message":
                        data = message["data"]
                        self.handler(data.decode() if isinstance(data, bytes) else str(data))
                    elif message["type"] == "subscribe":  # subscribed anew: messages may be lost
                        self.handler(FLUSH_ALL)
                    self._heard = now
                if now - self._heard >= LIVENESS_SECONDS:
                    raise ConnectionError(f"nothing heard for {LIVENESS_SECONDS:g} s")
                if now - last_ping >= PING_SECONDS:
                    pubsub.ping()
                    last_ping = now
                self._publish_pending(client, channel)
            return True
        finally:
            self._subscribed = False
            pubsub.close()

    def _publish_pending(self, client: redis.Redis, channel: str) -> None:
        with self._pending_lock:
            pending, self._pending = self._pending, set()
        for message in pending:
            try:
                client.publish(channel, message)
            except Exception:
                self.retry_later(message)
                return


_subscriber: Subscriber | None = None
#: Cache aliases seen to offer no channel (so the hot path does not ask again).
_unsupported: set[str] = set()
_lock = threading.Lock()


def subscriber(alias: str, handler: Handler) -> Subscriber | None:
    """This process's subscriber to the channel of ``alias`` (started on first use), or ``None``.

    ``None`` when the cache is not Redis: there is no channel, and sessions are checked strictly.
    """
    global _subscriber
    found = _subscriber
    if found is not None and found.alias == alias:
        return found
    if alias in _unsupported:
        return None
    with _lock:
        if _subscriber is not None and _subscriber.alias == alias:
            return _subscriber
        if redis_client(caches[alias]) is None:
            _unsupported.add(alias)
            return None
        if _subscriber is not None:
            _subscriber.stop()
        _subscriber = Subscriber(alias, handler)
        return _subscriber


@on_settings_reset
def reset() -> None:
    """Stop this process's subscriber (a new one starts on the next lookup, with the new settings)."""
    global _subscriber
    with _lock:
        if _subscriber is not None:
            _subscriber.stop()
        _subscriber = None
        _unsupported.clear()


def _forget_after_fork() -> None:
    # The parent's thread does not exist in the child; its lock may be held by it.
    global _subscriber, _lock
    _subscriber = None
    _lock = threading.Lock()


os.register_at_fork(after_in_child=_forget_after_fork)
