"""Attempt counters on the shared cache (the database cache on SQLite and MariaDB runs, Redis on PostgreSQL runs)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.conf import settings
from django.core.cache.backends.base import BaseCache
from django.core.cache.backends.locmem import LocMemCache
from django.db import connection
from django.test import RequestFactory, override_settings

from djwechat._internal import throttling
from djwechat.exceptions import ThrottledError

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("rate", "expected"),
    [
        ("30/minute", (30, 60)),
        ("5/s", (5, 1)),
        ("100/hour", (100, 3600)),
        ("2/day", (2, 86400)),
        ("7/min", (7, 60)),
    ],
)
def test_parse_rate(rate: str, expected: tuple[int, int]) -> None:
    assert throttling.parse_rate(rate) == expected


@pytest.mark.parametrize("rate", ["", "30", "x/minute", "30/fortnight", "-1/minute"])
def test_parse_rate_rejects(rate: str) -> None:
    with pytest.raises(ValueError, match="rate"):
        throttling.parse_rate(rate)


def test_limit_and_retry_after() -> None:
    for _ in range(3):
        throttling.throttle("test", "client-a", "3/hour")
    with pytest.raises(ThrottledError) as caught:
        throttling.throttle("test", "client-a", "3/hour")
    assert caught.value.wait is not None
    assert 1 <= caught.value.wait <= 2 * 3600  # refused attempts count: may reach into the next hour
    # Other identities and other scopes have their own counts.
    throttling.throttle("test", "client-b", "3/hour")
    throttling.throttle("other", "client-a", "3/hour")


def test_none_rate_is_unlimited() -> None:
    for _ in range(50):
        throttling.throttle("test", "client", None)


def test_identities_are_not_stored_in_clear() -> None:
    key = throttling._key("login-ip", "203.0.113.7", 1)
    assert "203.0.113.7" not in key
    assert throttling._key("s", "\udcff weird \x00 ident", 1).isascii()


def login_settings(**login: Any) -> override_settings:
    return override_settings(WECHAT={**settings.WECHAT, "LOGIN": {**settings.WECHAT["LOGIN"], **login}})


def test_throttle_login_per_ip_and_account() -> None:
    factory = RequestFactory()
    request = factory.post("/", REMOTE_ADDR="203.0.113.7")
    with login_settings(THROTTLE_RATE="4/minute", ACCOUNT_THROTTLE_RATE="2/minute"):
        throttling.throttle_login(request, "Alice")
        throttling.throttle_login(request, " alice ")
        with pytest.raises(ThrottledError):
            throttling.throttle_login(request, "ALICE")
        throttling.throttle_login(request, None)
        with pytest.raises(ThrottledError):
            throttling.throttle_login(request, "bob")
        # Another address, same account: the account limit still applies.
        with pytest.raises(ThrottledError):
            throttling.throttle_login(factory.post("/", REMOTE_ADDR="198.51.100.1"), "alice")


@pytest.mark.server_db
@pytest.mark.django_db(transaction=True)
def test_parallel_attempts_are_all_counted(transactional_db: Any) -> None:
    outcomes: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(10)

    def attempt() -> None:
        try:
            barrier.wait(timeout=10)
            for _ in range(3):
                try:
                    throttling.throttle("parallel", "one-client", "12/hour")
                    result = "ok"
                except ThrottledError:
                    result = "throttled"
                with lock:
                    outcomes.append(result)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert outcomes.count("ok") == 12
    assert outcomes.count("throttled") == 18


def test_a_burst_across_a_window_boundary_does_not_pass_twice_the_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    start = 1_800_000_000 // 60 * 60  # the start of a minute
    moment = {"now": start + 59.5}
    monkeypatch.setattr(throttling.clock, "now", lambda: moment["now"])
    throttling.throttle("test", "bursty", "2/minute")
    throttling.throttle("test", "bursty", "2/minute")
    moment["now"] = start + 60.5  # the next window has just begun
    with pytest.raises(ThrottledError) as caught:
        throttling.throttle("test", "bursty", "2/minute")
    # A plain fixed window would have allowed two more here (four within two seconds).
    assert caught.value.wait is not None
    assert 55 <= caught.value.wait <= 61
    moment["now"] += caught.value.wait
    throttling.throttle("test", "bursty", "2/minute")


def test_retry_after_is_when_an_attempt_is_allowed_again(monkeypatch: pytest.MonkeyPatch) -> None:
    start = 1_800_000_000 // 60 * 60
    moment = {"now": start + 10.0}
    monkeypatch.setattr(throttling.clock, "now", lambda: moment["now"])
    for _ in range(3):
        throttling.throttle("test", "steady", "3/minute")
    with pytest.raises(ThrottledError) as caught:
        throttling.throttle("test", "steady", "3/minute")
    assert caught.value.wait is not None
    moment["now"] += caught.value.wait
    throttling.throttle("test", "steady", "3/minute")  # allowed exactly when Retry-After said


class ReadThenWriteIncrCache(LocMemCache):
    """A cache whose ``incr`` is Django's generic get-then-set, like the database cache's."""

    incr = BaseCache.incr


def test_a_cache_without_an_atomic_incr_counts_by_claims() -> None:
    cache = ReadThenWriteIncrCache("read-then-write", {})
    key = "djwechat:throttle:test:claims"
    assert [throttling._count(cache, key, 60) for _ in range(3)] == [1, 2, 3]
    cache.set(key, 1)  # a slower concurrent attempt wrote its (lower) number last
    assert throttling._read(cache, key) == 3
    assert throttling._count(cache, key, 60) == 4
    assert throttling._read(cache, key) == 4
