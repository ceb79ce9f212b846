"""Retry and replay dedupe for pushes, shared by every process through the Django cache.

WeChat re-sends a push it got no answer for within 5 seconds (three attempts in all), and a
captured push can be replayed while its timestamp is still accepted.  Either way the handler must
run once.  Each push gets one cache key (by ``MsgId``; events by sender + ``CreateTime`` + event,
see "消息排重" on developers.weixin.qq.com/doc/offiaccount/Message_Management/Receiving_standard_messages.html):

1. ``cache.add(key, PENDING)`` - atomic on every backend - elects the one delivery that runs the
   handler;
2. that delivery stores its answer (the rendered plaintext reply, ``""`` for ``success``) under
   the same key with :meth:`DeliveryLedger.record`;
3. every other delivery of the same push polls the key until the answer is there and returns
   it, or gives up after its wait budget and answers ``success``.

If the electing process dies mid-handler, later deliveries answer ``success`` until the key
expires: a handler runs at most once, never twice.
"""

from __future__ import annotations

import hashlib
import time
from typing import Final

from django.core.cache import BaseCache

from djwechat._internal.backoff import Backoff

__all__ = ["DeliveryLedger"]

_PENDING: Final = "pending"
_DONE: Final = "done"
#: Seconds between two looks at a pending key (short: a retry waits at most a few seconds).
_POLL_START: Final = 0.02
_POLL_MAX: Final = 0.2


def _digest(value: str) -> str:
    # Identities contain pushed text (openid, event name): hash them into a safe, short key.
    return hashlib.blake2b(value.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


class DeliveryLedger:
    """The cache keys of one Official Account's pushes (``prefix`` names the app)."""

    def __init__(self, cache: BaseCache, *, prefix: str, ttl: int) -> None:
        self._cache = cache
        self._prefix = prefix
        self._ttl = max(1, ttl)

    def key(self, push_id: str) -> str:
        """The cache key of one push identity."""
        return f"{self._prefix}:push:{_digest(push_id)}"

    def claim(self, push_id: str) -> bool:
        """``True`` for exactly one caller per push (within the TTL): that caller runs the handler."""
        return bool(self._cache.add(self.key(push_id), (_PENDING, ""), self._ttl))

    def record(self, push_id: str, answer: str) -> None:
        """Store the answer of the push (``""`` for ``success``) for its retries."""
        self._cache.set(self.key(push_id), (_DONE, answer), self._ttl)

    def wait(self, push_id: str, timeout: float) -> str | None:
        """The stored answer, waiting up to ``timeout`` seconds while it is pending.

        ``None`` when it is still pending at the deadline (or was never claimed).
        """
        key = self.key(push_id)
        backoff = Backoff(timeout, start=_POLL_START, cap=_POLL_MAX)
        while True:
            value = self._cache.get(key)
            if isinstance(value, tuple) and len(value) == 2 and value[0] == _DONE:
                return str(value[1])
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
        key = f"{self._prefix}:nonce:{_digest(timestamp + ':' + nonce)}"
        value = _digest(use)  # an echostr or a sender id may be long
        if self._cache.add(key, value, self._ttl):
            return True
        return bool(self._cache.get(key) == value)
