"""A per-unionid lock on the shared cache, so that one person's concurrent first logins in two
apps cannot create two users.

Within one app the ``(app_id, openid)`` unique constraint is the guard (see
:func:`~djwechat.login.pipeline.steps.associate_identity`).  Across apps there is nothing to be
unique: a first Mini Program login and a first website login of the same person insert two
different identity rows, and each would create its own user if both looked for the unionid
before either committed.  No row exists yet that ``select_for_update`` could lock, so the lock
lives in the shared cache: the :class:`~djwechat._internal.cachelock.CacheLock` the access token
uses too (``cache.add`` with a TTL, released only by its owner), held until the login's
transaction has committed, when the other login can see its identity.

A login takes it once, before its transaction opens
(:func:`~djwechat.login.pipeline.runner.login_transaction`): on MySQL's ``REPEATABLE READ`` a
transaction that had read before the lock was taken would not see the identity the other
login committed.

The guarantee needs every process to share the cache, which is the production setup anyway
(Redis).  The lock expires after :data:`LOCK_TTL` seconds should its holder die.

A returning user's login has nothing to race for, so :func:`first_login_lock` takes the lock
only when the app has no identity for the openid yet: the common login pays one indexed read
instead of three cache round trips.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Final

from django.db import transaction

from djwechat._internal.cacheio import CacheIO
from djwechat._internal.cachelock import CacheLock
from djwechat._internal.concurrency import run_sync
from djwechat.accounts.models import Identity
from djwechat.conf import get_settings
from djwechat.exceptions import ThrottledError

#: Seconds before a lock whose holder died frees itself.
LOCK_TTL: Final = 30
#: Seconds a login waits for another login of the same person before giving up (429).
LOCK_WAIT: Final = 10.0

_local = threading.local()


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
    made; leaving it with an exception frees it at once (the block's writes were rolled back).
    A login takes it once (it is not re-entrant); a later login of the same person in the same
    transaction (a test, a data migration) finds it held until that commit and goes ahead.

    Raises :class:`ThrottledError` (429) when another login of the same person holds the lock
    for more than ``wait`` seconds, :class:`~djwechat.exceptions.SharedStateError` (503) when
    the cache keeps failing.
    """
    if not unionid:
        yield
        return
    key = _key(unionid)
    pending = _awaiting_commit()
    earlier = pending.get(key)
    if earlier is not None and run_sync(earlier.io.get(key)) == earlier.owner:
        # An earlier login of this transaction holds it until the commit: nothing to add.
        yield
        return
    lock = CacheLock(CacheIO(get_settings().cache_alias), key, timeout=LOCK_TTL)
    if not run_sync(lock.wait(wait)):
        raise ThrottledError("Another login of this WeChat user is in progress; try again.", wait=1)

    def release() -> None:
        if pending.get(key) is lock:
            del pending[key]
        run_sync(lock.release())

    try:
        yield
    except BaseException:
        release()
        raise
    if transaction.get_connection().in_atomic_block:
        pending[key] = lock
        transaction.on_commit(release)
    else:
        release()


def _awaiting_commit() -> dict[str, CacheLock]:
    """This thread's locks that wait for their transaction to commit, by key."""
    held: dict[str, CacheLock] | None = getattr(_local, "held", None)
    if held is None:
        held = _local.held = {}
    return held
