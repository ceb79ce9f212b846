"""``JWT.SESSION_INVALIDATION = "pubsub"``: sessions in process memory, dropped by a Redis pub/sub message.

The ordering is asserted, not the speed: once an invalidation is delivered the session is
refused (in this process and in another one), a lookup racing a delivery keeps nothing, and
while the channel is down - or after it comes back, before anything else - requests take the
strict path.  Most tests run on a private redis-server (:mod:`tests.jwt.private_redis`) that
they stop or whose subscriber connection they kill; the cross-process test needs a database
that two processes share (PostgreSQL or MySQL) and the suite's Redis.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest
from asgiref.sync import async_to_sync
from django.conf import settings
from django.core.cache import caches
from django.core.checks import Warning as CheckWarning
from django.db import connection
from django.test import RequestFactory, override_settings

import djwechat.jwt
from djwechat.checks import check_wechat_settings
from djwechat.conf import parse_settings
from djwechat.jwt import invalidation, record_cache
from djwechat.jwt.session_store import SessionStore
from tests.jwt.conftest import API
from tests.jwt.private_redis import PrivateRedis, cache_settings, private_redis
from tests.jwt.test_cache_races import after_session_read

pytestmark = [pytest.mark.urls("tests.jwt.views"), pytest.mark.django_db(transaction=True)]

PUBSUB_JWT = {**settings.WECHAT["JWT"], "SESSION_INVALIDATION": "pubsub"}


def pubsub_settings(alias: str) -> dict[str, Any]:
    return {**settings.WECHAT, "CACHE_ALIAS": alias, "JWT": PUBSUB_JWT}


@pytest.fixture
def server(tmp_path: Path) -> Iterator[PrivateRedis]:
    with (
        private_redis(tmp_path) as redis_server,
        override_settings(
            CACHES={**settings.CACHES, "private": cache_settings(redis_server)},
            WECHAT=pubsub_settings("private"),
        ),
    ):
        yield redis_server


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout:g} s: {what}")
        time.sleep(0.01)


def serving() -> bool:
    channel = record_cache.channel()
    return channel is not None and channel.serving()


def subscriptions() -> int:
    channel = record_cache.channel()
    assert channel is not None
    return channel.subscriptions


def login(user: Any) -> tuple[str, str]:
    """A new session of ``user``: its access token and session key."""
    access = djwechat.jwt.login(RequestFactory().post("/"), user)["access"]
    return access, str(jwt.decode(access, options={"verify_signature": False})["sid"])


def vanish(session_key: str, alias: str = "private") -> None:
    """Delete a session behind djwechat's back (raw SQL, no purge, no message): only memory has it now."""
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM djwechat_jwt_jwtsession WHERE session_key = %s", [session_key])
    caches[alias].delete(record_cache.record_key(session_key))


def in_memory(session_key: str) -> bool:
    return session_key in record_cache._local


def test_a_session_is_served_from_memory_until_its_invalidation_is_delivered(
    server: PrivateRedis, api: API, user: Any
) -> None:
    access, key = login(user)
    wait_until(serving, "the subscription serves")
    assert api.get("/auth/me/", access).status_code == 200
    assert in_memory(key)
    vanish(key)
    # Neither the database nor the shared cache has the session: only this process's memory.
    assert api.get("/auth/me/", access).status_code == 200
    assert async_to_sync(SessionStore.aload_live)(key) is not None  # the async path, in the event loop

    invalidation.publish("private", record_cache.cache_name(key))  # what another process's logout sends
    wait_until(lambda: not in_memory(key), "the invalidation is delivered")
    assert api.get("/auth/me/", access).status_code == 401
    assert async_to_sync(SessionStore.aload_live)(key) is None


def test_a_lookup_that_reads_the_row_while_an_invalidation_arrives_keeps_nothing(
    server: PrivateRedis, user: Any
) -> None:
    _, key = login(user)
    wait_until(serving, "the subscription serves")

    def deliver() -> None:  # between the read of the row and the write to memory
        epoch = record_cache._local_epoch
        invalidation.publish("private", record_cache.cache_name(key))
        wait_until(lambda: record_cache._local_epoch != epoch, "the invalidation is handled")

    with after_session_read(deliver) as delivered:
        assert SessionStore.load_live(key) is not None  # read before the change: answered
    assert delivered
    assert not in_memory(key)  # ... but not remembered past it


def test_a_dropped_channel_falls_back_to_the_strict_check_until_it_is_back(
    server: PrivateRedis, api: API, user: Any, make_user: Any
) -> None:
    access, key = login(user)
    other, _ = login(make_user("bob"))
    wait_until(serving, "the subscription serves")
    assert api.get("/auth/me/", access).status_code == 200
    assert in_memory(key)
    first = subscriptions()

    server.stop()
    wait_until(lambda: not serving(), "the lost channel is noticed")
    with connection.cursor() as cursor:  # the shared cache cannot be told: it is down
        cursor.execute("DELETE FROM djwechat_jwt_jwtsession WHERE session_key = %s", [key])
    # Strict again: with the cache down, the database alone decides, on every request.
    assert api.get("/auth/me/", access).status_code == 401
    assert api.get("/auth/me/", other).status_code == 200
    assert api.get("/auth/me/", other).status_code == 200

    server.start()
    wait_until(serving, "the channel is back")
    assert subscriptions() == first + 1
    assert api.get("/auth/me/", other).status_code == 200


def test_a_new_subscription_forgets_what_was_in_memory_before_serving_again(
    server: PrivateRedis, api: API, user: Any
) -> None:
    access, key = login(user)
    wait_until(serving, "the subscription serves")
    assert api.get("/auth/me/", access).status_code == 200
    vanish(key)  # a revocation whose message this process missed ...
    assert api.get("/auth/me/", access).status_code == 200  # ... is served from memory, for now
    first = subscriptions()

    name = f"{invalidation.CLIENT_NAME_PREFIX}{os.getpid()}"
    clients = [c for c in server.client().client_list() if c["name"] == name]
    assert len(clients) == 1, clients
    server.client().client_kill_filter(_id=clients[0]["id"])
    wait_until(lambda: subscriptions() > first and serving(), "subscribed anew")
    assert not in_memory(key)
    assert api.get("/auth/me/", access).status_code == 401


def test_a_publish_that_failed_is_sent_again_once_redis_takes_it(
    server: PrivateRedis, api: API, user: Any
) -> None:
    access, key = login(user)
    wait_until(serving, "the subscription serves")
    listener = server.client().pubsub()
    listener.subscribe(invalidation.channel_of(caches["private"]))
    assert listener.get_message(timeout=5)["type"] == "subscribe"
    server.client().execute_command("ACL", "SETUSER", "default", "-publish")  # only PUBLISH refused
    try:
        assert api.post("/auth/logout/", {}, access).status_code == 204  # purged, not published
        assert listener.get_message(timeout=0.5) is None
    finally:
        server.client().execute_command("ACL", "SETUSER", "default", "+publish")
    message = listener.get_message(timeout=5)  # sent again by this process's subscriber thread
    assert message is not None
    assert message["data"].decode() == record_cache.cache_name(key)
    listener.close()


def test_a_cache_without_a_channel_checks_strictly_and_warns(api: API, user: Any) -> None:
    plain = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "no-channel"}
    with override_settings(CACHES={**settings.CACHES, "plain": plain}, WECHAT=pubsub_settings("plain")):
        (warning,) = [m for m in check_wechat_settings() if m.id == "djwechat.W005"]
        assert isinstance(warning, CheckWarning)
        access, key = login(user)
        assert api.get("/auth/me/", access).status_code == 200
        assert record_cache.channel() is None
        vanish(key, "plain")
        assert api.get("/auth/me/", access).status_code == 401


def test_the_setting_is_validated() -> None:
    _, problems = parse_settings({"JWT": {"SESSION_INVALIDATION": "carrier-pigeon"}})
    assert [p.id for p in problems] == ["djwechat.E003"]
    _, problems = parse_settings({"JWT": {"SESSION_INVALIDATION": "pubsub", "SESSION_CACHE_SECONDS": 5}})
    assert [p.id for p in problems] == ["djwechat.E007"]
    parsed, problems = parse_settings({"JWT": {"SESSION_INVALIDATION": "pubsub"}})
    assert problems == []
    assert parsed.jwt.session_invalidation == "pubsub"
    with override_settings(WECHAT=pubsub_settings("default")):
        redis_default = settings.CACHES["default"]["BACKEND"] == "django_redis.cache.RedisCache"
        warned = any(m.id == "djwechat.W005" for m in check_wechat_settings())
        assert warned is not redis_default


@pytest.mark.skipif(
    "sqlite" in settings.DATABASES["default"]["ENGINE"] or not settings.REDIS_URL,
    reason="two processes need a database they share (PostgreSQL or MySQL) and the suite's Redis",
)
def test_a_logout_in_one_process_is_refused_by_another_once_delivered(api: API, user: Any) -> None:
    access, key = login(user)
    databases = {alias: dict(value) for alias, value in settings.DATABASES.items()}
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    from tests.jwt import invalidation_worker

    worker = context.Process(
        target=invalidation_worker.run,
        args=(databases, settings.CACHES, pubsub_settings("default"), child),
        daemon=True,
    )
    with override_settings(WECHAT=pubsub_settings("default")):
        worker.start()
        try:

            def ask(*command: Any) -> Any:
                parent.send(command)
                assert parent.poll(30), f"the other process did not answer {command}"
                return parent.recv()

            wait_until(lambda: ask("serving"), "the other process's subscription serves", timeout=30)
            assert ask("lookup", key) == "live"
            assert ask("remembers", key)
            assert api.post("/auth/logout/", {}, access).status_code == 204
            wait_until(lambda: not ask("remembers", key), "the other process got the invalidation")
            assert ask("lookup", key) == "refused"
        finally:
            parent.send(("stop",))
            worker.join(10)
            if worker.is_alive():
                worker.kill()
