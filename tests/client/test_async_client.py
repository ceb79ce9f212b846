"""AsyncWeChatClient: what only the async side has.

One access token between sync and async callers, event loops, cancellation, the transport
setting.  How each call behaves (errcodes, retries, timeouts, drops, redaction) is tested against
both clients in ``test_client_simulator.py`` and ``test_upstream_answers.py``.

Coroutines run under ``async_to_sync``, as a sync Django view would run them: the cache calls the
async client makes through Django's async cache API then run on the test's own thread, the one
pytest-django manages the database connection of.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import pytest
from asgiref.sync import async_to_sync
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from djwechat.client import AsyncWeChatClient, WeChatClient, get_async_client, get_client
from djwechat.client.base import token_cache_key
from djwechat.conf import AppSettings
from tests.client.support import revoke_stable_token

pytestmark = pytest.mark.django_db(transaction=True)

T = TypeVar("T")
TOKEN_PATH = "/cgi-bin/stable_token"


def run(make: Callable[[], Awaitable[T]]) -> T:
    """Await ``make()`` on an event loop of its own, from this (sync) thread."""

    async def main() -> T:
        return await make()

    return async_to_sync(main)()


@pytest.fixture(params=["http", "in-process"])
def apps(request: pytest.FixtureRequest) -> dict[str, AppSettings]:
    """The test apps, reached over real HTTP or through the simulator's in-process transport."""
    name = "wechat_apps" if request.param == "http" else "wechat_in_process"
    apps: dict[str, AppSettings] = request.getfixturevalue(name)
    return apps


def together(
    threads: int, in_thread: Callable[[], Any], tasks: int, in_task: Callable[[], Awaitable[Any]], first: str
) -> list[Any]:
    """Run ``in_thread`` in ``threads`` threads and ``in_task`` in ``tasks`` tasks of one event loop,
    the ``first`` group ("threads" or "tasks") starting 50 ms before the other.  Returns every
    result or exception."""
    go = threading.Event()
    results: list[Any] = []

    def work() -> None:
        go.wait(10)
        try:
            results.append(in_thread())
        except Exception as exc:
            results.append(exc)
        finally:
            connection.close()

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for worker in workers:
        worker.start()

    async def main() -> list[Any]:
        if first == "threads":
            go.set()
            await asyncio.sleep(0.05)
        jobs = [asyncio.create_task(in_task()) for _ in range(tasks)]
        if first == "tasks":
            await asyncio.sleep(0.05)
            go.set()
        try:
            return list(await asyncio.gather(*jobs, return_exceptions=True))
        finally:
            await get_async_client("oa").aclose()

    try:
        results.extend(run(main))
    finally:
        go.set()
        for worker in workers:
            worker.join(30)
    return results


@pytest.mark.parametrize("first", ["threads", "tasks"])
def test_tasks_and_threads_with_nothing_cached_fetch_the_token_once(sim, apps, first: str) -> None:
    # WeChat answers the token request slowly: everyone else arrives while it is being fetched.
    sim.add_fault(TOKEN_PATH, latency=0.3)
    results = together(
        4, lambda: get_client("oa").access_token(), 10, lambda: get_async_client("oa").access_token(), first
    )
    assert [r for r in results if not isinstance(r, str)] == []
    assert len(results) == 14
    assert len(set(results)) == 1
    assert len(sim.calls(path=TOKEN_PATH)) == 1


def test_sync_and_async_clients_share_the_cached_token(sim, apps) -> None:
    async_token = run(get_async_client("oa").access_token)
    assert get_client("oa").access_token() == async_token
    assert get_client("oa").tokens.key == get_async_client("oa").tokens.key
    assert get_client("oa").tokens.key == token_cache_key("stable", apps["oa"].app_id)
    assert len(sim.calls(path=TOKEN_PATH)) == 1


@pytest.mark.parametrize("first", ["threads", "tasks"])
def test_a_storm_of_refused_tokens_refreshes_once_across_sync_and_async(sim, apps, first: str) -> None:
    user = sim.create_user("storm", nickname="Storm")
    openid = user.openid(apps["oa"].app_id)
    # Both kinds of caller hold the current token in memory, then it is revoked.
    assert get_client("oa").access_token() == run(get_async_client("oa").access_token)
    revoke_stable_token(sim, apps["oa"])
    # The refresh is slow: refused callers of both kinds pile up behind it.
    sim.add_fault(TOKEN_PATH, latency=0.3)
    results = together(
        4,
        lambda: get_client("oa").send_text(openid, "from a thread"),
        10,
        lambda: get_async_client("oa").send_text(openid, "from a task"),
        first,
    )
    assert results == [None] * 14
    assert len(sim.calls(path=TOKEN_PATH)) == 1
    refused = [c for c in sim.calls(path="/cgi-bin/message/custom/send") if c["errcode"] == 40001]
    assert 2 <= len(refused) <= 14  # each client's first send at least was refused
    assert len(sim.messages(user_id=user.id)) == 14


def test_a_cancelled_fetch_releases_the_lock(sim, wechat_in_process) -> None:
    client = get_async_client("oa")
    lock_key = f"{client.tokens.key}:lock"
    # WeChat answers late enough that the fetch is surely still waiting when it is cancelled,
    # however slowly this machine schedules the task that takes the lock.
    sim.add_fault(TOKEN_PATH, latency=2)

    async def main() -> str:
        fetching = asyncio.create_task(client.access_token())
        deadline = time.monotonic() + 1.5
        while await cache.aget(lock_key) is None:  # it takes the lock, then waits for WeChat
            assert time.monotonic() < deadline, "the fetch never took the lock"
            await asyncio.sleep(0.02)
        assert not fetching.done()
        fetching.cancel()
        with pytest.raises(asyncio.CancelledError):
            await fetching
        assert await cache.aget(lock_key) is None
        return await client.access_token()  # the loop's own lock was released too

    assert run(main)
    deadline = time.monotonic() + 10
    while len(sim.calls(path=TOKEN_PATH)) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)  # the abandoned request may still reach the simulator in its worker thread
    # The cancel can land after the lock was taken but before the request left: then the
    # second fetch is the only call.  Either way nothing fetched more than once per attempt.
    assert len(sim.calls(path=TOKEN_PATH)) in (1, 2)


def test_one_client_serves_several_event_loops(sim, wechat_apps) -> None:
    user = sim.create_user("loops", nickname="Loops")
    openid = user.openid(wechat_apps["oa"].app_id)
    client = get_async_client("oa")
    for number in range(3):  # each async_to_sync call here runs a loop of its own
        run(lambda n=number: client.send_text(openid, f"loop {n}"))
    assert len(sim.messages(user_id=user.id)) == 3
    assert len(sim.calls(path=TOKEN_PATH)) == 1


def test_get_async_client_is_shared_and_follows_the_settings(sim, wechat_apps, settings) -> None:
    client = get_async_client("mp")
    assert isinstance(client, AsyncWeChatClient)
    assert get_async_client("mp") is client
    assert isinstance(get_client("mp"), WeChatClient)
    assert "AsyncWeChatClient mp" in repr(client)
    settings.WECHAT = {**settings.WECHAT, "CLIENT": {"TOKEN_MODE": "classic"}}
    rebuilt = get_async_client("mp")
    assert rebuilt is not client
    assert rebuilt.token_mode == "classic"
    run(rebuilt.access_token)
    assert len(sim.calls(path="/cgi-bin/token")) == 1


def test_a_sync_only_transport_is_refused_and_async_transport_used(sim, wechat_apps, settings) -> None:
    mp = wechat_apps["mp"]
    user = sim.create_user("tr", nickname="Transport")
    settings.WECHAT = {**settings.WECHAT, "CLIENT": {"TRANSPORT": "httpx.HTTPTransport"}}
    assert get_client("mp").code_to_session(sim.mint_code(mp.app_id, user.id)).openid == user.openid(
        mp.app_id
    )
    code = sim.mint_code(mp.app_id, user.id)
    with pytest.raises(ImproperlyConfigured, match="ASYNC_TRANSPORT"):
        run(lambda: get_async_client("mp").code_to_session(code))
    settings.WECHAT = {
        **settings.WECHAT,
        "CLIENT": {"TRANSPORT": "httpx.HTTPTransport", "ASYNC_TRANSPORT": "httpx.AsyncHTTPTransport"},
    }
    client = get_async_client("mp")
    session = run(lambda: client.code_to_session(code))
    assert session.openid == user.openid(mp.app_id)
    run(client.aclose)
