"""CacheLock, the cross-process lock, driven by blocking and by asynchronous cache I/O.

Both kinds of caller must exclude each other: the sync and the async client refresh one token.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

import pytest
from asgiref.sync import async_to_sync
from django.core.cache import cache
from django.core.cache.backends.locmem import LocMemCache

from djwechat._internal.cacheio import AsyncCacheIO, CacheIO
from djwechat._internal.cachelock import CacheLock
from djwechat._internal.concurrency import run_sync
from djwechat.exceptions import SharedStateError

pytestmark = pytest.mark.django_db(transaction=True)

T = TypeVar("T")
KEY = "djwechat-test:lock"


def run_async(coroutine: Coroutine[Any, Any, T]) -> T:
    async def main() -> T:
        return await coroutine

    return async_to_sync(main)()


#: How each kind of caller runs a lock operation: (cache I/O class, runner).
KINDS: dict[str, tuple[type[CacheIO], Callable[[Coroutine[Any, Any, Any]], Any]]] = {
    "sync": (CacheIO, run_sync),
    "async": (AsyncCacheIO, run_async),
}


@pytest.fixture(params=sorted(KINDS))
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def test_release_only_by_its_owner(kind: str) -> None:
    io_class, run = KINDS[kind]
    first = CacheLock(io_class(cache), KEY, timeout=5)
    second = CacheLock(io_class(cache), KEY, timeout=5)
    assert run(first.acquire())
    assert not run(second.acquire())
    run(second.release())  # not held: nothing happens
    assert cache.get(KEY) == first.owner
    # The lock expired and someone else took it: the old owner must not release theirs.
    cache.set(KEY, second.owner, timeout=5)
    second.held = True
    run(first.release())
    assert cache.get(KEY) == second.owner
    run(second.release())
    assert cache.get(KEY) is None


@pytest.mark.parametrize("holder", sorted(KINDS))
def test_sync_and_async_callers_exclude_each_other(kind: str, holder: str) -> None:
    held = CacheLock(KINDS[holder][0](cache), KEY, timeout=5)
    assert KINDS[holder][1](held.acquire())
    io_class, run = KINDS[kind]
    other = CacheLock(io_class(cache), KEY, timeout=5)
    assert not run(other.acquire())
    KINDS[holder][1](held.release())
    assert run(other.acquire())
    run(other.release())


class BrokenCache(LocMemCache):
    """A real cache whose writes fail as a cache server that went away does."""

    def add(self, *args: Any, **kwargs: Any) -> bool:
        raise ConnectionError("cache server is down")


def test_a_broken_cache_is_a_shared_state_error(kind: str) -> None:
    io_class, run = KINDS[kind]
    lock = CacheLock(io_class(BrokenCache("broken", {})), "djwechat:lock:test", timeout=5)
    with pytest.raises(SharedStateError) as excinfo:
        run(lock.acquire())
    assert excinfo.value.status_code == 503
    assert not lock.held


class FlakyCache(LocMemCache):
    """A real cache whose first ``add`` fails; with ``applied`` it was stored all the same (the
    reply was lost on the way back)."""

    def __init__(self, *, applied: bool) -> None:
        super().__init__("flaky", {})
        self.failures = 1
        self.applied = applied

    def add(self, key: Any, value: Any, timeout: Any = 300, version: Any = None) -> bool:
        if self.failures:
            self.failures -= 1
            if self.applied:
                super().add(key, value, timeout, version)
            raise ConnectionError("cache server blip")
        return super().add(key, value, timeout, version)


@pytest.mark.parametrize("applied", [False, True], ids=["lost-request", "lost-reply"])
def test_a_transient_cache_failure_is_tried_again(kind: str, applied: bool) -> None:
    io_class, run = KINDS[kind]
    flaky = FlakyCache(applied=applied)
    lock = CacheLock(io_class(flaky), KEY, timeout=5)
    assert run(lock.acquire()) is True
    assert flaky.get(KEY) == lock.owner
    assert not run(CacheLock(io_class(flaky), KEY, timeout=5).acquire())
    run(lock.release())
    assert flaky.get(KEY) is None


def test_run_sync_refuses_a_coroutine_that_suspends() -> None:
    finished = []

    async def suspends() -> None:
        await asyncio.sleep(0)  # hands control to an event loop: there is none
        finished.append(True)

    with pytest.raises(RuntimeError, match="asynchronous I/O"):
        run_sync(suspends())
    assert finished == []
