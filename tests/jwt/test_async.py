"""The middleware's and decorator's async path: ASGI (AsyncClient), and once under uvicorn."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any, ClassVar

import httpx
import pytest
from django.conf import settings
from django.core.cache.backends.locmem import LocMemCache
from django.test import AsyncClient, RequestFactory, override_settings

import djwechat.jwt
from djwechat.jwt.middleware import JWTSessionMiddleware

pytestmark = pytest.mark.urls("tests.jwt.views")


class ThreadRecordingCache(LocMemCache):
    """A local-memory cache that notes the thread of every ``get_many`` (the session lookup)."""

    threads: ClassVar[list[int]] = []

    def get_many(self, keys: Any, version: Any = None) -> Any:
        self.threads.append(threading.get_ident())
        return super().get_many(keys, version)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def bearer(pair: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {pair['access']}"}


@pytest.fixture
def pair(user: Any) -> dict[str, Any]:
    return djwechat.jwt.login(RequestFactory().post("/"), user)


@pytest.mark.anyio
@pytest.mark.django_db(transaction=True)
async def test_async_views_see_the_token_user(pair: dict[str, Any], user: Any) -> None:
    client = AsyncClient()
    body = (await client.get("/t/async/whoami/", headers=bearer(pair))).json()
    assert body == {"pk": user.pk, "username": user.get_username(), "error": None}
    assert (await client.get("/t/async/whoami/")).json() == {"pk": None, "username": None, "error": None}
    refused = (await client.get("/t/async/whoami/", headers={"Authorization": "Bearer x"})).json()
    assert refused["error"] == "invalid_token"


@pytest.mark.anyio
@pytest.mark.django_db(transaction=True)
async def test_login_required_on_an_async_view(pair: dict[str, Any], user: Any) -> None:
    client = AsyncClient()
    anonymous = await client.get("/t/async/protected/")
    assert anonymous.status_code == 401
    assert anonymous["WWW-Authenticate"].startswith("Bearer")
    assert anonymous.json()["error"]["code"] == "not_authenticated"
    response = await client.get("/t/async/protected/", headers=bearer(pair))
    assert response.status_code == 200
    assert response.json() == {"pk": user.pk}
    assert response["Cache-Control"] == "no-store"
    await client.post("/auth/logout/", headers=bearer(pair))
    revoked = await client.get("/t/async/protected/", headers=bearer(pair))
    assert revoked.json()["error"]["code"] == "session_revoked"


@pytest.mark.anyio
@pytest.mark.django_db(transaction=True)
async def test_an_async_view_writes_the_session(pair: dict[str, Any]) -> None:
    client = AsyncClient()
    assert (await client.get("/t/async/counter/", headers=bearer(pair))).json() == {"count": 1}
    assert (await client.get("/t/async/counter/", headers=bearer(pair))).json() == {"count": 2}


@pytest.mark.anyio
@pytest.mark.django_db(transaction=True)
async def test_a_deleted_user_is_refused_by_ajwt_user(pair: dict[str, Any], user: Any) -> None:
    from asgiref.sync import sync_to_async

    from djwechat.accounts.models import Identity
    from djwechat.jwt.models import JWTSession

    # Deleting the user's rows without signals: the cached session outlives them.
    def delete_quietly() -> None:
        from django.db import connection

        with connection.cursor() as cursor:
            for model in (JWTSession, Identity):
                cursor.execute(f"DELETE FROM {model._meta.db_table} WHERE user_id = %s", [user.pk])
            cursor.execute(f"DELETE FROM {user._meta.db_table} WHERE id = %s", [user.pk])

    client = AsyncClient()
    assert (await client.get("/t/async/whoami/", headers=bearer(pair))).status_code == 200
    await sync_to_async(delete_quietly)()
    response = await client.get("/t/async/whoami/", headers=bearer(pair))
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "session_revoked"


def test_the_middleware_is_a_coroutine_for_an_async_chain() -> None:
    async def view(request: Any) -> Any:
        raise AssertionError("not called")

    def sync_view(request: Any) -> Any:
        raise AssertionError("not called")

    assert asyncio.iscoroutinefunction(JWTSessionMiddleware(view))
    assert not asyncio.iscoroutinefunction(JWTSessionMiddleware(sync_view))


@pytest.mark.anyio
@pytest.mark.django_db(transaction=True)
async def test_the_lookup_never_blocks_the_event_loop(user: Any) -> None:
    cache = {"BACKEND": f"{__name__}.ThreadRecordingCache", "LOCATION": "async-lookup"}
    jwt_settings = {**settings.WECHAT["JWT"], "SESSION_CACHE_SECONDS": 30}
    with override_settings(
        CACHES={**settings.CACHES, "recording": cache},
        WECHAT={**settings.WECHAT, "CACHE_ALIAS": "recording", "JWT": jwt_settings},
    ):
        from asgiref.sync import sync_to_async

        pair = await sync_to_async(djwechat.jwt.login)(RequestFactory().post("/"), user)
        loop_thread = threading.get_ident()
        ThreadRecordingCache.threads.clear()
        client = AsyncClient()
        assert (await client.get("/t/async/protected/", headers=bearer(pair))).status_code == 200
        # The shared-cache read ran in a worker thread, not in the event loop ...
        assert ThreadRecordingCache.threads
        assert loop_thread not in ThreadRecordingCache.threads
        # ... and a session this process remembers costs no cache read (and no thread hop) at all.
        ThreadRecordingCache.threads.clear()
        assert (await client.get("/t/async/protected/", headers=bearer(pair))).status_code == 200
        assert ThreadRecordingCache.threads == []


def _free_port() -> int:
    for port in range(18160, 18200):
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 18160-18199")


@pytest.fixture
def uvicorn_url(transactional_db: Any) -> Iterator[str]:
    """The project's ASGI application under uvicorn, in a thread of this process (same database)."""
    import uvicorn
    from django.core.asgi import get_asgi_application

    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            get_asgi_application(), host="127.0.0.1", port=port, log_level="warning", lifespan="off"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_end_to_end_under_uvicorn(uvicorn_url: str, user: Any) -> None:
    pair = djwechat.jwt.login(RequestFactory().post("/"), user)
    with httpx.Client(base_url=uvicorn_url, timeout=10) as client:
        assert client.get("/t/async/protected/").status_code == 401
        response = client.get("/t/async/whoami/", headers=bearer(pair))
        assert response.status_code == 200
        assert response.json()["username"] == user.get_username()
        assert client.get("/t/async/counter/", headers=bearer(pair)).json() == {"count": 1}
        assert client.get("/t/async/counter/", headers=bearer(pair)).json() == {"count": 2}
        assert client.post("/auth/logout/", headers=bearer(pair)).status_code == 204
        assert client.get("/t/async/protected/", headers=bearer(pair)).status_code == 401
