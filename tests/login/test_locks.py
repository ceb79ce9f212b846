"""The per-unionid lock: exclusive, taken once per login, held until commit."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import nullcontext
from typing import Any

import pytest
from django.core.cache import cache
from django.db import transaction

from djwechat.exceptions import ThrottledError
from djwechat.login.pipeline import run_pipeline
from djwechat.login.pipeline.locks import _key, first_login_lock, unionid_lock
from tests.login.helpers import MP_APP, make_context


@pytest.fixture(autouse=True)
def _memory_cache(settings: Any) -> Iterator[None]:
    # Threads below must not share a SQLite connection through the database cache.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    yield
    cache.clear()


def hold_in_thread(unionid: str) -> tuple[threading.Event, threading.Thread]:
    """Another login holds the lock until the returned event is set."""
    taken, release = threading.Event(), threading.Event()

    def other() -> None:
        with unionid_lock(unionid):
            taken.set()
            release.wait(10)

    thread = threading.Thread(target=other)
    thread.start()
    assert taken.wait(5)
    return release, thread


def test_another_login_of_the_same_person_waits_then_gives_up() -> None:
    release, thread = hold_in_thread("u-busy")
    try:
        with pytest.raises(ThrottledError), unionid_lock("u-busy", wait=0.2):
            pass
        with unionid_lock("u-someone-else", wait=0.2):
            pass
    finally:
        release.set()
        thread.join()
    with unionid_lock("u-busy", wait=0.2):
        pass


def held(unionid: str) -> bool:
    return cache.get(_key(unionid)) is not None


def test_held_in_the_block_released_on_exit_and_not_re_entrant() -> None:
    with unionid_lock("u-1"):
        assert held("u-1")
        # A login takes it once: a second take is another login, and waits.
        with pytest.raises(ThrottledError), unionid_lock("u-1", wait=0.05):
            pass
        assert held("u-1")
    assert not held("u-1")


def lock_keys() -> list[str]:
    # The fixture's LocMemCache: every key it holds, whatever the lock would call it.
    return [key for key in cache._cache if "djwechat:login:unionid:" in key]  # type: ignore[attr-defined]


def test_no_unionid_no_lock() -> None:
    with unionid_lock("u-probe"):
        assert len(lock_keys()) == 1, "the probe must see a lock that is taken"
    with unionid_lock(None), unionid_lock(""):
        assert lock_keys() == []


@pytest.mark.django_db(transaction=True)
def test_inside_a_transaction_it_is_held_until_commit() -> None:
    with transaction.atomic():
        with unionid_lock("u-tx"):
            pass
        assert held("u-tx"), "released before the commit"
    assert not held("u-tx")


@pytest.mark.django_db(transaction=True)
def test_an_exception_releases_it_at_once() -> None:
    with transaction.atomic():
        with pytest.raises(RuntimeError), unionid_lock("u-err"):
            raise RuntimeError
        assert cache.get(_key("u-err")) is None


@pytest.mark.django_db(transaction=True)
def test_only_a_first_login_in_the_app_takes_it() -> None:
    run_pipeline(make_context(openid="o-1", unionid="u-2"))
    release, thread = hold_in_thread("u-2")
    try:
        # A returning user does not wait for the person's other logins.
        with first_login_lock(MP_APP.app_id, "o-1", "u-2"):
            pass
        assert isinstance(first_login_lock(MP_APP.app_id, "o-1", "u-2"), nullcontext)
        assert not isinstance(first_login_lock(MP_APP.app_id, "o-new", "u-2"), nullcontext)
        assert isinstance(first_login_lock(MP_APP.app_id, "o-new", None), nullcontext)
    finally:
        release.set()
        thread.join()
