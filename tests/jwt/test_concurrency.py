"""Concurrent refreshes of one refresh token (PostgreSQL: real row locks, many connections)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import jwt
import pytest
from django.db import connection

from djwechat.jwt.models import JWTSession
from tests.jwt.conftest import API

pytestmark = [pytest.mark.urls("tests.jwt.views"), pytest.mark.server_db]

THREADS = 20


def run_parallel(count: int, work: Callable[[int], Any]) -> list[Any]:
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count

    def worker(index: int) -> None:
        try:
            barrier.wait(timeout=10)
            results[index] = work(index)
        except BaseException as exc:  # reported by the assertion below
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.mark.django_db(transaction=True)
def test_parallel_refreshes_of_one_token(transactional_db: Any, issue: Callable[..., dict[str, Any]]) -> None:
    pair = issue()

    def refresh(_: int) -> tuple[int, dict[str, Any]]:
        response = API().post("/auth/token/refresh/", {"refresh": pair["refresh"]})
        return response.status_code, response.json()

    results = run_parallel(THREADS, refresh)
    assert all(isinstance(r, tuple) for r in results), results
    assert [status for status, _ in results] == [200] * THREADS, results
    refresh_ids = {
        jwt.decode(body["refresh"], options={"verify_signature": False})["jti"] for _, body in results
    }
    # One rotation happened: everybody holds a refresh token carrying the new current id.
    session = JWTSession.objects.get()
    assert refresh_ids == {session.refresh_id}
    assert (
        session.previous_refresh_id == jwt.decode(pair["refresh"], options={"verify_signature": False})["jti"]
    )
    assert JWTSession.objects.count() == 1
    # ... and any of them keeps working.
    assert API().post("/auth/token/refresh/", {"refresh": results[0][1]["refresh"]}).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_parallel_logins_create_one_session_each(transactional_db: Any, user: Any) -> None:
    def login(_: int) -> int:
        return int(
            API()
            .post("/auth/token/", {"username": "alice", "password": "correct horse battery staple"})
            .status_code
        )

    assert run_parallel(8, login) == [200] * 8
    assert JWTSession.objects.filter(user=user).count() == 8
    assert len(set(JWTSession.objects.values_list("public_id", flat=True))) == 8


@pytest.mark.django_db(transaction=True)
def test_single_session_parallel_logins_leave_exactly_one_session(
    transactional_db: Any, user: Any, settings: Any
) -> None:
    settings.WECHAT = {**settings.WECHAT, "JWT": {**settings.WECHAT["JWT"], "SINGLE_SESSION": True}}

    def login(_: int) -> tuple[int, dict[str, Any]]:
        response = API().post(
            "/auth/token/", {"username": "alice", "password": "correct horse battery staple"}
        )
        return response.status_code, response.json()

    results = run_parallel(THREADS, login)
    assert all(isinstance(r, tuple) for r in results), results
    assert [status for status, _ in results] == [200] * THREADS, results
    survivor = JWTSession.objects.get(user=user)  # exactly one
    # ... and exactly one caller holds working tokens: the survivor's.
    working = [body for _, body in results if API().get("/auth/me/", body["access"]).status_code == 200]
    assert len(working) == 1
    assert (
        jwt.decode(working[0]["access"], options={"verify_signature": False})["sid"] == survivor.session_key
    )
