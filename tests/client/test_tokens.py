"""AccessTokenManager: caching, single-flight refresh, compare-and-refresh, dead lock holders.

The fetch function stands in for WeChat's token endpoint (a counter of upstream requests);
everything else - the cache, the lock, the waiting - is the real code on the configured cache
(the database cache on SQLite, Redis on the server pass).
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection

from djwechat.client.access_tokens import AccessTokenManager, AsyncAccessTokenManager, CachedToken
from djwechat.client.types import AccessToken
from djwechat.exceptions import AppCredentialsError, UpstreamTimeoutError
from tests.client.support import Blocking

pytestmark = pytest.mark.django_db(transaction=True)


class FakeTokenEndpoint:
    """Counts requests; each returns a new token (or the same one, like stable_token)."""

    def __init__(self, *, expires_in: int = 7200, same: bool = False, delay: float = 0.0) -> None:
        self.expires_in = expires_in
        self.same = same
        self.delay = delay
        self.calls: list[bool] = []
        self._lock = threading.Lock()
        self.fail: Exception | None = None

    def __call__(self, force: bool) -> AccessToken:
        with self._lock:
            self.calls.append(force)
            number = len(self.calls)
        if self.delay:
            time.sleep(self.delay)
        if self.fail is not None:
            raise self.fail
        return AccessToken(token="token-1" if self.same else f"token-{number}", expires_in=self.expires_in)


@pytest.fixture
def endpoint() -> FakeTokenEndpoint:
    return FakeTokenEndpoint()


@pytest.fixture(params=["sync", "async"])
def make_manager(request: pytest.FixtureRequest) -> Iterator[Callable[..., AccessTokenManager]]:
    """Managers of one key (several stand for several processes): AccessTokenManager, or
    AsyncAccessTokenManager behind a blocking view (each call on an event loop of its own)."""

    def make(fetch: FakeTokenEndpoint, **kwargs: float) -> Any:
        options = {"refresh_margin": 300, "lock_timeout": 2.0, "wait_timeout": 5.0, **kwargs}
        if request.param == "sync":
            return AccessTokenManager(fetch=fetch, key="djwechat-test:token:wx1", **options)

        async def fetch_in_thread(force: bool) -> AccessToken:
            return await asyncio.to_thread(fetch, force)

        return Blocking(
            AsyncAccessTokenManager(fetch=fetch_in_thread, key="djwechat-test:token:wx1", **options)
        )

    make.kind = request.param  # type: ignore[attr-defined]
    yield make
    cache.delete("djwechat-test:token:wx1")
    cache.delete("djwechat-test:token:wx1:lock")


def pollers(make_manager: Any, count: int) -> int:
    """``count`` callers of one manager, fewer where they would all poll the cache at once.

    Threads of one process queue on the sync manager's thread lock, so one of them polls the
    cache.  Each call through the async manager's blocking view runs on an event loop of its own,
    and tasks queue per loop, so every such caller polls.  SQLite's shared in-memory test
    database fails concurrent cache writes at once ("table is locked", a SharedStateError at the
    lock) instead of waiting, so the SQLite pass keeps those pollers few.
    """
    return 2 if make_manager.kind == "async" and connection.vendor == "sqlite" else count


def run_threads(count: int, target: Callable[[], object]) -> list[object]:
    results: list[object] = [None] * count
    barrier = threading.Barrier(count)

    def work(index: int) -> None:
        barrier.wait()
        try:
            results[index] = target()
        except Exception as exc:
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def test_in_process_copy_is_dropped_on_invalidate(endpoint, make_manager) -> None:
    manager = make_manager(endpoint)
    first = manager.get()
    assert manager.invalidate(if_token=first) is True
    assert manager.get().token == "token-2"


def test_refused_in_process_copy_picks_up_a_newer_shared_token(endpoint, make_manager) -> None:
    here, elsewhere = make_manager(endpoint), make_manager(endpoint)
    stale = here.get()
    elsewhere.refresh(stale=stale)  # another process renewed it
    assert here.get() == stale  # this process still trusts its copy ...
    assert here.refresh(stale=stale).token == "token-2"  # ... until WeChat refuses it
    assert here.get().token == "token-2"
    assert len(endpoint.calls) == 2


def test_fetches_once_then_serves_from_cache(endpoint, make_manager) -> None:
    manager = make_manager(endpoint)
    first = manager.get()
    assert first.token == "token-1"
    assert manager.get() == first
    assert manager.token() == "token-1"
    # Another manager (another process) sees the same cached token.
    assert make_manager(endpoint).get() == first
    assert len(endpoint.calls) == 1
    assert first.refresh_at == pytest.approx(first.expires_at - 300)


def test_concurrent_first_use_fetches_once(endpoint, make_manager) -> None:
    endpoint.delay = 0.2
    # Several managers stand for several processes.  SQLite's shared in-memory test database
    # fails concurrent cache access at once ("table is locked") instead of waiting, which the
    # manager survives by polling again; the SQLite pass runs fewer pollers to stay fast.
    processes, threads = (2, 4) if connection.vendor == "sqlite" else (4, 5)
    threads = pollers(make_manager, processes * threads) // processes
    managers = [make_manager(endpoint) for _ in range(processes)]
    results = run_threads(
        processes * threads, lambda: managers[threading.get_ident() % processes].get().token
    )
    assert results == ["token-1"] * processes * threads
    assert len(endpoint.calls) == 1


def test_refresh_of_a_stale_token_happens_once(endpoint, make_manager) -> None:
    manager = make_manager(endpoint)
    failed = manager.get()
    endpoint.delay = 0.1
    count = pollers(make_manager, 12)
    results = run_threads(count, lambda: manager.refresh(stale=failed).token)
    assert results == ["token-2"] * count
    assert len(endpoint.calls) == 2


def test_stale_refresh_works_when_stable_token_returns_the_same_value(make_manager) -> None:
    endpoint = FakeTokenEndpoint(same=True)
    manager = make_manager(endpoint)
    failed = manager.get()
    results = run_threads(pollers(make_manager, 8), lambda: manager.refresh(stale=failed))
    assert len(endpoint.calls) == 2  # the generation, not the value, tells the records apart
    assert {r.generation for r in results if isinstance(r, CachedToken)} != {failed.generation}


def test_token_inside_the_margin_is_renewed_by_one_caller(make_manager) -> None:
    endpoint = FakeTokenEndpoint(expires_in=400)
    manager = make_manager(endpoint)
    first = manager.get()
    # margin = min(300, 400 / 2) = 200: refresh due after 200 s, valid for 400 s.
    assert first.refresh_at == pytest.approx(first.expires_at - 200)
    cache.set(manager.key, {**first.to_cache(), "r": time.time() - 1}, timeout=400)
    # This process still trusts its in-memory copy until its own refresh time ...
    assert manager.get() == first
    # ... another process reads the cache and renews.
    renewed = make_manager(endpoint).get()
    assert renewed.token == "token-2"
    assert len(endpoint.calls) == 2


def test_while_someone_renews_the_old_token_is_served(endpoint, make_manager) -> None:
    manager = make_manager(endpoint)
    first = manager.get()
    cache.set(manager.key, {**first.to_cache(), "r": time.time() - 1}, timeout=7200)
    assert cache.add(manager.lock_key, "another-worker", timeout=5)  # someone is renewing
    assert make_manager(endpoint).get().token == "token-1"  # no waiting, no second fetch
    assert len(endpoint.calls) == 1


def test_failed_renewal_keeps_serving_the_valid_token(endpoint, make_manager) -> None:
    manager = make_manager(endpoint)
    first = manager.get()
    cache.set(manager.key, {**first.to_cache(), "r": time.time() - 1}, timeout=7200)
    endpoint.fail = AppCredentialsError(errcode=40125)
    assert make_manager(endpoint).get().token == "token-1"
    assert len(endpoint.calls) == 2


def test_missing_token_fetch_error_propagates_and_releases_the_lock(endpoint, make_manager) -> None:
    manager = make_manager(endpoint)
    endpoint.fail = AppCredentialsError(errcode=40125)
    with pytest.raises(AppCredentialsError):
        manager.get()
    assert cache.get(manager.lock_key) is None
    endpoint.fail = None
    assert manager.get().token == "token-2"


def test_dead_lock_holder_blocks_only_until_its_lock_expires(endpoint, make_manager) -> None:
    manager = make_manager(endpoint, lock_timeout=1.0)
    # A worker took the lock and died: nobody will release it.
    assert cache.add(manager.lock_key, "dead-worker", timeout=1)
    assert manager.get().token == "token-1"
    assert len(endpoint.calls) == 1


def test_waiting_is_bounded(endpoint, make_manager) -> None:
    manager = make_manager(endpoint, wait_timeout=0.3)
    assert cache.add(manager.lock_key, "slow-worker", timeout=30)
    with pytest.raises(UpstreamTimeoutError):
        manager.get()
    assert endpoint.calls == []


def test_invalidate_compares_before_dropping(endpoint, make_manager) -> None:
    manager = make_manager(endpoint)
    first = manager.get()
    assert manager.invalidate(if_token="someone-else") is False
    assert manager.peek() == first
    assert manager.invalidate(if_token=first.token) is True
    assert manager.peek() is None
    second = manager.get()
    assert manager.invalidate(if_token=first) is False  # the old record no longer matches
    assert manager.invalidate() is True
    assert manager.get().token == "token-3"
    assert second.token == "token-2"


def test_force_refresh_is_passed_through(endpoint, make_manager) -> None:
    manager = make_manager(endpoint)
    first = manager.get()
    manager.refresh(stale=first, force=True)
    assert endpoint.calls == [False, True]


def test_garbage_in_the_cache_is_ignored(endpoint, make_manager) -> None:
    manager = make_manager(endpoint)
    cache.set(manager.key, {"t": "x"}, timeout=60)
    assert manager.get().token == "token-1"
    cache.set(manager.key, "not a record", timeout=60)
    assert make_manager(endpoint).get().token == "token-2"
