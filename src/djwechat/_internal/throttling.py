"""Attempt counters on the shared cache: login throttling for every login endpoint, and a per-user
limit for every endpoint that calls WeChat on behalf of a logged-in user.

A sliding-window counter per (scope, identity): attempts are counted in fixed windows, and the
limit applies to the current window's count plus the previous window's count weighted by how
much of it still overlaps the last ``period`` seconds.  Unlike a plain fixed window, a burst
at the end of one window and another at the start of the next cannot pass twice the limit.

Each window's counter is created with ``cache.add`` (atomic "set if absent") and bumped with
``cache.incr`` where that is atomic (Redis, memcached, locmem).  The database cache's ``incr`` is
Django's generic read-then-write, which loses increments under concurrency; there the n-th
attempt claims the key ``<counter>:n`` with ``cache.add`` instead (a primary-key insert), so
concurrent workers and hosts share one count and never lose an attempt on either kind of
backend.  Identities are hashed with a key (:func:`~djwechat._internal.cachekeys.keyed_digest`)
before they become cache keys: keys stay short and valid for every backend, and no IP address or
account name can be read back from them.
"""

from __future__ import annotations

import math
import unicodedata
from typing import Any, Final

from django.core.cache import caches
from django.core.cache.backends.base import BaseCache

from djwechat._internal import clock
from djwechat._internal.cachekeys import keyed_digest
from djwechat._internal.client_ip import client_ip
from djwechat.conf import get_settings
from djwechat.exceptions import SharedStateError, ThrottledError

KEY_PREFIX: Final = "djwechat:throttle"

_PERIODS: Final = {"s": 1, "m": 60, "h": 3600, "d": 86400}
#: Longest walk over claimed numbers in one attempt (see :func:`_claim`).
_MAX_WALK: Final = 100


def parse_rate(rate: str) -> tuple[int, int]:
    """``"30/minute"`` → ``(30, 60)``: allowed attempts and window length in seconds.

    Accepts DRF's spelling (``s``/``sec``/``second``, ``m``/``min``/``minute``, ``h``/``hour``,
    ``d``/``day``); raises ``ValueError`` for anything else.
    """
    count, _, period = rate.partition("/")
    seconds = _PERIODS.get(period.strip()[:1].lower())
    if not count.strip().isdigit() or seconds is None:
        raise ValueError(f"Not a rate: {rate!r} (expected something like '30/minute').")
    return int(count), seconds


def _key(scope: str, ident: str, window: int) -> str:
    digest = keyed_digest("throttle", ident)
    return f"{KEY_PREFIX}:{scope}:{digest}:{window}"


def _incr_is_atomic(cache: BaseCache) -> bool:
    # BaseCache.incr is get() then set(): two concurrent calls may both write the same count.
    return type(cache).incr is not BaseCache.incr


def _count(cache: BaseCache, key: str, ttl: int) -> int:
    """Add one to the counter at ``key`` (created with ``ttl``) and return the new count."""
    if not _incr_is_atomic(cache):
        return _claim(cache, key, ttl)
    if cache.add(key, 1, timeout=ttl):
        return 1
    try:
        return int(cache.incr(key))
    except ValueError:  # expired between add() and incr(): this attempt opens a new count
        cache.add(key, 1, timeout=ttl)
        return 1


def _claim(cache: BaseCache, key: str, ttl: int) -> int:
    """Count one attempt with ``cache.add`` alone: the n-th attempt claims ``key:n``.

    Each number is claimed once (``add`` is atomic) and the claimed numbers run from 1 without a
    gap, so the number claimed is the count.  ``key`` holds the highest number seen so far, only
    as the place to start: a racing writer may leave it low, and the walk steps over numbers
    already taken.  A cache that refuses every ``add`` ends the walk after :data:`_MAX_WALK` steps
    with a count that errs on the side of throttling.
    """
    start = int(cache.get(key) or 0) + 1
    number = start
    while not cache.add(f"{key}:{number}", 1, timeout=ttl) and number < start + _MAX_WALK:
        number += 1
    cache.set(key, number, timeout=ttl)
    return number


def _read(cache: BaseCache, key: str) -> int:
    """The count at ``key`` (kept by :func:`_count`), without adding to it."""
    count = int(cache.get(key) or 0)
    if not _incr_is_atomic(cache):
        for _ in range(_MAX_WALK):  # numbers claimed after the last writer's note of the highest
            if cache.get(f"{key}:{count + 1}") is None:
                break
            count += 1
    return count


def throttle(scope: str, ident: str, rate: str | None) -> None:
    """Count one attempt of ``ident`` in ``scope``; raise :class:`ThrottledError` over ``rate``.

    ``rate`` is a DRF rate (``"30/minute"``) or ``None`` (no limit).  ``ThrottledError.wait``
    says how many seconds to wait until an attempt would be allowed again (the ``Retry-After``
    of the answer).  Attempts refused by the limit still count, so hammering does not shorten
    the wait.  A cache that cannot be reached is a :class:`SharedStateError` (503): the limit
    fails closed, it is never skipped.
    """
    if rate is None:
        return
    limit, period = parse_rate(rate)
    now = clock.now()
    window = int(now // period)
    elapsed = (now % period) / period  # fraction of the current window gone by
    cache = caches[get_settings().cache_alias]
    try:
        # A counter is read as "the previous window" during the next one: it must outlive both.
        count = _count(cache, _key(scope, ident, window), 2 * period + 1)
        previous = _read(cache, _key(scope, ident, window - 1))
    except Exception as exc:  # the cache backend's own errors (redis.ConnectionError, DatabaseError …)
        raise SharedStateError(f"The cache holding the {scope} counts failed: {type(exc).__name__}") from exc
    if previous * (1 - elapsed) + count <= limit:
        return
    # When would the next attempt (which adds one to a count) be allowed?
    if count + 1 <= limit:
        # In this window, once enough of the previous one has slid out of the last period.
        wait_fraction = (1 - (limit - count - 1) / previous) - elapsed
    else:
        # Only after this window has become the previous one and slid out far enough.
        wait_fraction = (1 - elapsed) + (1 - (limit - 1) / count)
    raise ThrottledError(wait=max(1, math.ceil(wait_fraction * period)))


def throttle_login(request: Any, account: str | None, *, user_pk: Any = None) -> None:
    """Apply the login limits: ``LOGIN.THROTTLE_RATE`` per client IP, ``ACCOUNT_THROTTLE_RATE`` per account.

    Call it at the start of every login endpoint, before any password check or WeChat call.
    ``account`` is whatever the client named the account with (a username, an email …),
    normalised (NFKC, surrounding spaces, case) before it is counted; ``None`` skips it.
    ``user_pk`` is the primary key of the account that name resolves to, when it resolves to
    one: it is counted too, so that ``alice`` and ``alice@example.com`` share one rate.  A
    request must pass every count.  A name that resolves to no account is counted exactly
    like one that does, so the limits do not tell whether an account exists.  Raises
    :class:`ThrottledError` (429 with ``Retry-After``).

    The trade-off of any per-account limit stays: whoever knows an account's name can use up
    its attempts and keep its owner's password logins waiting (never longer than the rate's
    period after the attempts stop); the per-IP limit bounds how fast one client can do it.
    """
    login = get_settings().login
    throttle("login-ip", client_ip(request) or "unknown", login.throttle_rate)
    if account:
        normalised = unicodedata.normalize("NFKC", account).strip().casefold()
        throttle("login-account", normalised, login.account_throttle_rate)
    if user_pk is not None:
        throttle("login-user", str(user_pk), login.account_throttle_rate)


def throttle_user(user: Any, action: str) -> None:
    """Count one ``action`` of a logged-in ``user``; raise :class:`ThrottledError` over the login rate.

    Call it at the start of every endpoint that spends a WeChat call on behalf of a logged-in
    user (exchanging a phone code, linking an identity …), before anything is checked: each
    such call counts against the app's WeChat quota, so one user must not be able to make
    them without bound.  The limit is ``LOGIN.THROTTLE_RATE`` per user and ``action`` (each
    action counts on its own); ``None`` turns it off.  Raises :class:`ThrottledError` (429
    with ``Retry-After``).
    """
    throttle(f"user-{action}", str(user.pk), get_settings().login.throttle_rate)
