"""Retry and replay dedupe for pushes, shared by every process through the Django cache.

WeChat re-sends a push it got no answer for within 5 seconds (three attempts in all), and a
captured push can be replayed while its timestamp is still accepted.  Either way the handler must
run once.  Each push gets one cache key (by ``MsgId``; events by sender + ``CreateTime`` + event,
see "消息排重" on developers.weixin.qq.com/doc/offiaccount/Message_Management/Receiving_standard_messages.html):

1. ``cache.add(key, PENDING, lease)`` - atomic on every backend - elects the one delivery that
   runs the handler.  The claim is a **lease**: it expires after ``lease`` seconds (the handler
   budget), and its owner answers before then;
2. that delivery stores its answer (the rendered plaintext reply, ``""`` for ``success``) under
   the same key, for the whole TTL, with :meth:`DeliveryLedger.record`;
3. every other delivery of the same push polls the key until the answer is there and returns
   it.  If the key vanishes instead, the lease ran out without an answer: its owner died (a
   killed worker), and the retry claims the push again and runs the handler.

So a handler runs at most once per live owner, and at least once as long as WeChat retries.

:meth:`DeliveryLedger.admit` binds the request's signed nonce and claims the push together: on
a django-redis cache that is one Lua script (one round trip, which also brings back a stored
answer); on every other cache it is today's sequence of ``add``/``get`` calls.
"""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass
from typing import Any, Final

from django.core.cache import BaseCache

from djwechat._internal.backoff import Backoff
from djwechat._internal.deferred import flusher
from djwechat._internal.rediscache import LuaScript, raw_redis

__all__ = ["Admission", "DeliveryLedger"]

_PENDING: Final = "pending"
_DONE: Final = "done"
#: Seconds between two looks at a pending key (short: a retry waits at most a few seconds).
_POLL_START: Final = 0.02
_POLL_MAX: Final = 0.2

#: KEYS: nonce key, push key, then the keys of deferred answers.  ARGV: the nonce's use, the TTL
#: (ms) of nonces and answers, the pending value, the lease (ms), then the deferred answers.
#: ``{0}``: the nonce came with another use; ``{1, 1}``: claimed; ``{1, 0, value}``: already
#: claimed, with what the key holds (pending, or the stored answer).
_ADMIT_SCRIPT: Final = LuaScript("""
for i = 3, #KEYS do redis.call('SET', KEYS[i], ARGV[i + 2], 'PX', ARGV[2]) end
if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  if redis.call('GET', KEYS[1]) ~= ARGV[1] then return {0} end
end
if redis.call('SET', KEYS[2], ARGV[3], 'NX', 'PX', ARGV[4]) then return {1, 1} end
return {1, 0, redis.call('GET', KEYS[2])}
""")


def _digest(value: str) -> str:
    # Identities contain pushed text (openid, event name): hash them into a safe, short key.
    return hashlib.blake2b(value.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


@dataclass(frozen=True, slots=True)
class Admission:
    """What :meth:`DeliveryLedger.admit` decided about one request.

    ``bound``: its nonce is new or came with this same use before (else nothing was claimed);
    ``claimed``: this request owns the push and runs its handler; ``stored``: for a push
    answered before, that answer when the same round trip brought it back (else ``None``).
    """

    bound: bool
    claimed: bool = False
    stored: str | None = None


_REFUSED: Final = Admission(False)
_CLAIMED: Final = Admission(True, True)
_TAKEN: Final = Admission(True, False)


class DeliveryLedger:
    """The cache keys of one Official Account's pushes (``prefix`` names the app).

    ``ttl`` (seconds) is how long answers and nonce bindings are kept, ``lease`` how long a claim
    lasts without an answer (the handler budget; ``None``: the whole ``ttl``).
    """

    def __init__(self, cache: BaseCache, *, prefix: str, ttl: int, lease: float | None = None) -> None:
        self._cache = cache
        self._prefix = prefix
        self._ttl = max(1, ttl)
        self.lease: float = self._ttl if lease is None or lease <= 0 else min(lease, self._ttl)
        self._redis = raw_redis(cache)
        # The script's constant arguments, encoded once.
        self._ttl_ms = self._ttl * 1000
        self._lease_ms = max(1, int(self.lease * 1000))
        self._pending = self._redis.encode((_PENDING, "")) if self._redis is not None else b""
        #: Answers recorded with ``defer``: (Redis key, encoded value), sent with the next admission.
        self._deferred: list[tuple[str, bytes]] = []
        self._deferred_lock = threading.Lock()
        if self._redis is not None:
            flusher.register(self)

    def key(self, push_id: str) -> str:
        """The cache key of one push identity."""
        return f"{self._prefix}:push:{_digest(push_id)}"

    def claim(self, push_id: str) -> bool:
        """``True`` for exactly one caller per push (within the TTL): that caller runs the handler."""
        return bool(self._cache.add(self.key(push_id), (_PENDING, ""), self.lease))

    def record(self, push_id: str, answer: str, *, defer: bool = False) -> None:
        """Store the answer of the push (``""`` for ``success``) for its retries.

        With ``defer`` (on django-redis only; elsewhere it is stored at once) the answer goes out
        with this process's next admission, or within :data:`djwechat._internal.deferred.DELAY`
        seconds: the caller must hold the lease for longer than that.  Until then a retry finds
        the push pending and waits for it.
        """
        if defer and self._redis is not None:
            item = (self._redis.key(self.key(push_id)), self._redis.encode((_DONE, answer)))
            with self._deferred_lock:
                self._deferred.append(item)
            flusher.wake()
            return
        self._cache.set(self.key(push_id), (_DONE, answer), self._ttl)

    def flush(self) -> None:
        """Store the deferred answers now (one pipeline)."""
        items = self._take_deferred()
        if not items or self._redis is None:
            return
        try:
            self._redis.set_many(items, px=self._ttl * 1000)
        except Exception:
            self._give_back(items)
            raise

    def _take_deferred(self) -> list[tuple[str, bytes]]:
        if not self._deferred:
            # Nothing to take (an append racing this read goes out with the flusher instead).
            return []
        with self._deferred_lock:
            items, self._deferred = self._deferred, []
        return items

    def _give_back(self, items: list[tuple[str, bytes]]) -> None:
        with self._deferred_lock:
            self._deferred[:0] = items

    def wait(self, push_id: str, timeout: float) -> str | None:
        """The stored answer, waiting up to ``timeout`` seconds while it is pending.

        ``None`` when it is still pending at the deadline, or when there is no key (never
        claimed, or its lease ran out: :meth:`claim` then tells which).
        """
        key = self.key(push_id)
        backoff = Backoff(timeout, start=_POLL_START, cap=_POLL_MAX)
        while True:
            value = self._cache.get(key)
            answer = _answer(value)
            if answer is not None:
                return answer
            if value is None:
                return None
            pause = backoff.pause()
            if pause is None:
                return None
            time.sleep(pause)

    def bind_nonce(self, timestamp: str, nonce: str, use: str) -> bool:
        """Tie a signed ``(timestamp, nonce)`` pair to the first request that used it.

        ``use`` names that request: the handshake and its ``echostr``, or the push, its mode
        and its identity.  ``False`` when the pair already came with another use: a signature
        covers only the token, timestamp and nonce - not a plaintext body, not ``encrypt_type``,
        not whether it is a handshake - so that is a captured signature (query strings sit in
        access logs) reused for a forged request.  The same request again (WeChat's retry, or
        a replay) is fine (``True``): the dedupe ledger keeps its handler from running twice.

        One ``cache.add`` for a fresh pair, plus one ``get`` when the pair was seen before.
        The signature itself is left out of the key: with the token it follows from the pair
        (and its hex case varies).
        """
        key = self._nonce_key(timestamp, nonce)
        value = _digest(use)  # an echostr or a sender id may be long
        if self._cache.add(key, value, self._ttl):
            return True
        return bool(self._cache.get(key) == value)

    def admit(self, timestamp: str, nonce: str, use: str, push_id: str) -> Admission:
        """:meth:`bind_nonce`, then (when bound) :meth:`claim`, in one round trip where the cache allows.

        On django-redis the same round trip stores the deferred answers first.
        """
        if self._redis is None:
            if not self.bind_nonce(timestamp, nonce, use):
                return _REFUSED
            return _CLAIMED if self.claim(push_id) else _TAKEN
        redis = self._redis
        keys = [redis.key(self._nonce_key(timestamp, nonce)), redis.key(self.key(push_id))]
        args = [redis.encode(_digest(use)), self._ttl_ms, self._pending, self._lease_ms]
        deferred = self._take_deferred()
        for key, value in deferred:
            keys.append(key)
            args.append(value)
        try:
            outcome = redis.run(_ADMIT_SCRIPT, keys, args)
        except Exception:
            self._give_back(deferred)
            raise
        if not outcome[0]:
            return _REFUSED
        if outcome[1]:
            return _CLAIMED
        return Admission(True, False, _answer(redis.decode(outcome[2]) if len(outcome) > 2 else None))

    def _nonce_key(self, timestamp: str, nonce: str) -> str:
        return f"{self._prefix}:nonce:{_digest(timestamp + ':' + nonce)}"


def _answer(value: Any) -> str | None:
    """The stored answer in a push key's value; ``None`` while pending (or for no value)."""
    if isinstance(value, tuple) and len(value) == 2 and value[0] == _DONE:
        return str(value[1])
    return None
