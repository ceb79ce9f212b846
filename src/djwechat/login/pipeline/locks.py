"""A per-unionid lock on the shared cache, so that one person's concurrent first logins in two
apps cannot create two users.

Within one app the ``(app_id, openid)`` unique constraint is the guard (see
:func:`~djwechat.login.pipeline.steps.associate_identity`).  Across apps there is nothing to be
unique: a first Mini Program login and a first website login of the same person insert two
different identity rows, and each would create its own user if both looked for the unionid
before either committed.  No row exists yet that ``select_for_update`` could lock, so the lock
lives in the shared cache (``cache.add`` is atomic on Redis and on the database cache) and is
held until the login's transaction has committed, when the other login can see its identity.

The guarantee needs every process to share the cache, which is the production setup anyway
(Redis).  The lock expires after :data:`LOCK_TTL` seconds should its holder die.

A returning user's login has nothing to race for, so :func:`first_login_lock` takes the lock
only when the app has no identity for the openid yet: the common login pays one indexed read
instead of three cache round trips.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from typing import Final

from django.core.cache import BaseCache, caches
from django.db import transaction

from djwechat._internal.backoff import Backoff
from djwechat.accounts.models import Identity
from djwechat.conf import get_settings
from djwechat.exceptions import ThrottledError

#: Seconds before a lock whose holder died frees itself.
LOCK_TTL: Final = 30
#: Seconds a login waits for another login of the same person before giving up (429).
LOCK_WAIT: Final = 10.0

_local = threading.local()


@dataclass(slots=True)
class _Held:
    token: str
    depth: int = 0
    awaiting_commit: bool = False


def _held() -> dict[str, _Held]:
    held: dict[str, _Held] | None = getattr(_local, "held", None)
    if held is None:
        held = _local.held = {}
    return held


def first_login_lock(app_id: str, openid: str, unionid: str | None) -> AbstractContextManager[None]:
    """:func:`unionid_lock` for a first login in ``app_id``; nothing for a returning user."""
    if not unionid or Identity.objects.filter(app_id=app_id, openid=openid).exists():
        return nullcontext()
    return unionid_lock(unionid)


def _key(unionid: str) -> str:
    # Hashed: unionids are fine as cache keys today, but a key must not depend on that.
    return "djwechat:login:unionid:" + hashlib.sha256(unionid.encode()).hexdigest()[:40]


@contextmanager
def unionid_lock(unionid: str | None, *, wait: float = LOCK_WAIT) -> Iterator[None]:
    """Hold the lock of ``unionid`` (nothing to do when it is ``None``) for the ``with`` block.

    Leaving the block normally inside an open transaction keeps the lock until that transaction
    commits (``on_commit``), since before that no other connection can see the identity just
    made; leaving it with an exception frees it at once (the block's writes were rolled back),
    unless an earlier block of the same transaction still waits for the commit.

    A thread that holds the lock, or still waits to release it at commit, takes it again for
    free: the flows take it around their whole transaction and the pipeline runner takes it
    again inside, and a thread sees its own uncommitted rows anyway.

    Raises :class:`ThrottledError` (429) when another login of the same person holds the lock
    for more than ``wait`` seconds.
    """
    if not unionid:
        yield
        return
    key = _key(unionid)
    cache = caches[get_settings().cache_alias]
    held = _held()
    mine = held.get(key)
    if mine is None or (mine.depth == 0 and cache.get(key) != mine.token):
        mine = held[key] = _Held(token=_acquire(cache, key, wait))
    mine.depth += 1

    def release() -> None:
        if held.get(key) is mine:
            del held[key]
        # Only our own lock: after an expiry another login may hold the key by now.
        if cache.get(key) == mine.token:
            cache.delete(key)

    failed = False
    try:
        yield
    except BaseException:
        failed = True
        raise
    finally:
        mine.depth -= 1
        if mine.depth == 0:
            if not transaction.get_connection().in_atomic_block:
                release()
            elif not failed:
                if not mine.awaiting_commit:
                    mine.awaiting_commit = True
                    transaction.on_commit(release)
            elif not mine.awaiting_commit:
                release()


def _acquire(cache: BaseCache, key: str, wait: float) -> str:
    token = secrets.token_hex(8)
    backoff = Backoff(wait, start=0.005, cap=0.1, jitter=True)
    while not cache.add(key, token, LOCK_TTL):
        pause = backoff.pause()
        if pause is None:
            raise ThrottledError("Another login of this WeChat user is in progress; try again.", wait=1)
        time.sleep(pause)
    return token
