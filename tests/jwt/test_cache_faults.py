"""Revocation against a cache that comes back with old contents, and session writes while it is down.

Each test runs on a private redis-server (:mod:`tests.jwt.private_redis`) that it snapshots,
restores or stops - never the shared Redis of the rest of the suite.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import jwt
import pytest
from django.conf import settings
from django.core.cache import caches
from django.test import RequestFactory, override_settings
from django.utils import timezone

import djwechat.jwt
from djwechat.jwt import record_cache
from djwechat.jwt.models import JWTSession
from tests.jwt.conftest import API, error_code
from tests.jwt.private_redis import PrivateRedis, cache_settings, private_redis

pytestmark = [pytest.mark.urls("tests.jwt.views"), pytest.mark.django_db(transaction=True)]


@pytest.fixture
def server(tmp_path: Path) -> Iterator[PrivateRedis]:
    with (
        private_redis(tmp_path) as redis_server,
        override_settings(
            CACHES={**settings.CACHES, "private": cache_settings(redis_server)},
            WECHAT={**settings.WECHAT, "CACHE_ALIAS": "private"},
        ),
    ):
        yield redis_server


def login(user: Any) -> dict[str, Any]:
    return djwechat.jwt.login(RequestFactory().post("/"), user)


def sid(pair: dict[str, Any]) -> str:
    return str(jwt.decode(pair["access"], options={"verify_signature": False})["sid"])


def cached(key: str) -> bool:
    return caches["private"].get(record_cache.record_key(key)) is not None


def test_a_logout_holds_against_a_cache_restored_from_before_it(
    server: PrivateRedis, api: API, user: Any, make_user: Any
) -> None:
    pair, other = login(user), login(make_user("bob"))
    for access in (pair["access"], pair["access"], other["access"]):
        assert api.get("/auth/me/", access).status_code == 200
    assert cached(sid(pair))
    before_logout = server.snapshot()
    assert api.post("/auth/logout/", {}, pair["access"]).status_code == 204
    assert api.get("/auth/me/", pair["access"]).status_code == 401

    server.restore(before_logout)
    assert cached(sid(pair))  # the revoked session's record is back in the cache
    # This process saw the newer revocation count: it distrusts the cache and retires it.
    assert error_code(api.get("/auth/me/", pair["access"])) == "session_revoked"
    assert api.get("/auth/me/", other["access"]).status_code == 200  # only slower, once

    # A process that starts after the restore asks the database for the count first.
    server.restore(before_logout)
    record_cache.clear_local_cache()  # what a fresh process knows: nothing
    assert error_code(api.get("/auth/me/", pair["access"])) == "session_revoked"
    assert api.get("/auth/me/", other["access"]).status_code == 200


def test_a_logout_while_the_cache_is_down_answers_503_and_changes_nothing(
    server: PrivateRedis, api: API, user: Any
) -> None:
    pair = login(user)
    assert api.get("/auth/me/", pair["access"]).status_code == 200
    server.stop()
    for body in ({}, {"all": True}):
        response = api.post("/auth/logout/", body, pair["access"])
        assert response.status_code == 503, response.content
        assert error_code(response) == "shared_state_unavailable"
    assert JWTSession.objects.filter(session_key=sid(pair)).exists()
    assert api.get("/auth/me/", pair["access"]).status_code == 200  # reads fall back to the database
    server.start()
    assert api.get("/auth/me/", pair["access"]).status_code == 200
    assert api.post("/auth/logout/", {}, pair["access"]).status_code == 204
    assert api.get("/auth/me/", pair["access"]).status_code == 401


def test_a_refresh_while_the_cache_is_down_rotates_from_the_database(
    server: PrivateRedis, api: API, user: Any
) -> None:
    pair = login(user)
    assert api.get("/auth/me/", pair["access"]).status_code == 200
    server.stop()
    response = api.post("/auth/token/refresh/", {"refresh": pair["refresh"]})
    assert response.status_code == 200, response.content
    fresh = response.json()
    server.start()
    assert api.get("/auth/me/", fresh["access"]).status_code == 200
    assert api.post("/auth/token/refresh/", {"refresh": fresh["refresh"]}).status_code == 200


def test_a_refresh_replay_while_the_cache_is_down_answers_503_and_revokes_nothing(
    server: PrivateRedis, api: API, user: Any
) -> None:
    pair = login(user)
    fresh = api.post("/auth/token/refresh/", {"refresh": pair["refresh"]}).json()
    JWTSession.objects.update(rotated_at=timezone.now() - timedelta(hours=1))  # past the grace
    server.stop()
    response = api.post("/auth/token/refresh/", {"refresh": pair["refresh"]})
    assert response.status_code == 503, response.content
    assert JWTSession.objects.filter(session_key=sid(pair)).exists()
    server.start()
    # Once the cache is back the replay is caught as it would have been.
    assert error_code(api.post("/auth/token/refresh/", {"refresh": pair["refresh"]})) == "refresh_reused"
    assert api.get("/auth/me/", fresh["access"]).status_code == 401
