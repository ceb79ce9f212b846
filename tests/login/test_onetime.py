"""The one-time store: tokens, hashed keys, and a value that exactly one of many concurrent takers gets,
on the database cache and on Redis."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import caches
from django.core.management import call_command
from django.db import connection

from djwechat._internal.cacheio import CacheIO
from djwechat._internal.concurrency import run_sync
from djwechat.exceptions import LoginStateError, PollSecretError, SharedStateError
from djwechat.login.onetime import OneTimeStore, digest, new_token, parse_token

BACKENDS = ["database"] + (["redis"] if os.environ.get("REDIS_URL") else [])


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, settings: Any, transactional_db: None) -> Iterator[OneTimeStore]:
    """A store on a database cache (in the test database) or on the suite's Redis."""
    if request.param == "database":
        settings.CACHES = {
            **settings.CACHES,
            "onetime": {
                "BACKEND": "django.core.cache.backends.db.DatabaseCache",
                "LOCATION": "djwechat_onetime",
            },
        }
        call_command("createcachetable", "--database", "default", verbosity=0)
    else:
        settings.CACHES = {**settings.CACHES, "onetime": {**settings.CACHES["default"]}}
    yield OneTimeStore("test", CacheIO("onetime"))
    if request.param == "database":
        caches["onetime"].clear()


def test_tokens_are_random_hex_and_keys_never_hold_them() -> None:
    tokens = {new_token() for _ in range(100)}
    assert len(tokens) == 100
    token = tokens.pop()
    assert parse_token(token, "thing") == token
    key = OneTimeStore("test", CacheIO()).key(token)
    assert token not in key
    assert digest(token)[:40] in key
    for bad in (None, "", 42, token.upper(), token[:-1], token + "0", "../" + token[3:], token[:-1] + "\x00"):
        with pytest.raises(LoginStateError, match="thing"):
            parse_token(bad, "thing")
    with pytest.raises(PollSecretError):
        parse_token("nope", "poll_secret", error=PollSecretError)


def test_a_value_is_taken_once_and_a_replay_is_told_apart(store: OneTimeStore) -> None:
    token = new_token()
    run_sync(store.put(token, {"n": 1}, 60))
    assert run_sync(store.get(token)) == {"n": 1}
    assert run_sync(store.take(token, seconds=60, what="code")) == {"n": 1}
    assert run_sync(store.get(token)) is None
    with pytest.raises(LoginStateError, match="already used"):
        run_sync(store.take(token, seconds=60, what="code"))
    with pytest.raises(LoginStateError, match="unknown or has expired"):
        run_sync(store.take(new_token(), seconds=60, what="code"))


def test_a_value_of_another_kind_is_refused_and_not_used_up(store: OneTimeStore) -> None:
    token = new_token()
    run_sync(store.put(token, {"alias": "web"}, 60))
    with pytest.raises(LoginStateError, match="unknown"):
        run_sync(store.take(token, seconds=60, what="state", expect={"alias": "other"}))
    assert run_sync(store.take(token, seconds=60, what="state", expect={"alias": "web"})) == {"alias": "web"}


def test_put_never_overwrites(store: OneTimeStore) -> None:
    token = new_token()
    run_sync(store.put(token, {"n": 1}, 60))
    with pytest.raises(SharedStateError):
        run_sync(store.put(token, {"n": 2}, 60))
    assert run_sync(store.get(token)) == {"n": 1}


def race_to_take(store: OneTimeStore, token: str, threads: int) -> tuple[list[Any], list[Exception]]:
    """``threads`` threads (one database connection each) take ``token`` at the same moment."""
    barrier = threading.Barrier(threads)
    won: list[Any] = []
    lost: list[Exception] = []
    lock = threading.Lock()

    def take() -> None:
        barrier.wait()
        try:
            value = run_sync(store.take(token, seconds=60, what="code"))
            with lock:
                won.append(value)
        except LoginStateError as exc:
            with lock:
                lost.append(exc)
        finally:
            connection.close()

    workers = [threading.Thread(target=take) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(30)
    return won, lost


@pytest.mark.server_db
def test_concurrent_takers_get_the_value_once(store: OneTimeStore) -> None:
    for _ in range(10):
        token = new_token()
        run_sync(store.put(token, {"tokens": "pair"}, 60))
        won, lost = race_to_take(store, token, 16)
        assert won == [{"tokens": "pair"}]
        assert len(lost) == 15
        assert all("already used" in str(exc) for exc in lost)


def test_a_failing_cache_is_a_shared_state_error(settings: Any) -> None:
    settings.CACHES = {
        **settings.CACHES,
        "broken": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.2},
        },
    }
    store = OneTimeStore("test", CacheIO("broken"))
    with pytest.raises(SharedStateError):
        run_sync(store.get(new_token()))
