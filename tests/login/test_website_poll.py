"""The QR poll: it waits for a change, answers at once with ``wait=0``, and hands the tokens out once
under concurrency (threads on PostgreSQL + Redis; coroutines on one event loop)."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from django.db import close_old_connections, connection
from django.test import Client

from djwechat.conf import AppSettings
from djwechat.exceptions import LoginStateError
from djwechat.login.flows import apoll_qr_login, poll_qr_login
from djwechat.testing import SimulatorControl, SimUser
from tests.login.browser_flows import start_qr


@pytest.fixture
def web(wechat_apps: dict[str, AppSettings]) -> AppSettings:
    return wechat_apps["web"]


def later(seconds: float, action: Callable[[], Any]) -> threading.Thread:
    """Run ``action`` in a thread after ``seconds``."""

    def run() -> None:
        time.sleep(seconds)
        try:
            action()
        finally:
            close_old_connections()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


@pytest.mark.django_db(transaction=True)
def test_a_waiting_poll_answers_as_soon_as_the_login_is_confirmed(
    client: Client, sim: SimulatorControl, web: AppSettings, sim_user: SimUser
) -> None:
    login = start_qr(client, sim)
    login.show_qr()
    callback = login.decide(sim_user.id)
    confirmer = later(0.3, lambda: Client().get(callback))
    started = time.monotonic()
    answer = login.poll(wait=10)
    took = time.monotonic() - started
    confirmer.join()
    assert answer.json()["status"] == "confirmed"
    assert "access" in answer.json()
    assert took < 5  # woke up on the change, long before the 10 s were over


@pytest.mark.django_db
def test_a_poll_without_change_answers_pending_after_the_wait(
    client: Client, sim: SimulatorControl, web: AppSettings
) -> None:
    login = start_qr(client, sim)
    started = time.monotonic()
    assert login.poll(wait=0.3).json() == {"status": "pending"}
    assert time.monotonic() - started >= 0.3
    started = time.monotonic()
    assert login.poll(wait=0).json() == {"status": "pending"}
    assert time.monotonic() - started < 0.3


@pytest.mark.django_db
def test_wait_is_capped_by_qr_poll_seconds(
    client: Client, sim: SimulatorControl, wechat_apps: dict[str, AppSettings], settings: Any
) -> None:
    settings.WECHAT = {**settings.WECHAT, "LOGIN": {**settings.WECHAT["LOGIN"], "QR_POLL_SECONDS": 0.2}}
    login = start_qr(client, sim)
    started = time.monotonic()
    assert login.poll(wait=30).json() == {"status": "pending"}
    assert 0.2 <= time.monotonic() - started < 3
    started = time.monotonic()
    assert login.poll(wait=None).json() == {"status": "pending"}  # no ?wait: QR_POLL_SECONDS
    assert 0.2 <= time.monotonic() - started < 3


@pytest.mark.django_db(transaction=True)
def test_concurrent_coroutine_polls_get_the_tokens_once(
    client: Client, sim: SimulatorControl, web: AppSettings, sim_user: SimUser
) -> None:
    login = start_qr(client, sim)
    login.callback(sim_user.id)

    async def race() -> list[Any]:
        polls = [apoll_qr_login("web", login.ticket, login.secret, wait=1) for _ in range(8)]
        return await asyncio.gather(*polls, return_exceptions=True)

    results = async_to_sync(race)()
    confirmed = [r for r in results if not isinstance(r, BaseException)]
    assert [r.status for r in confirmed] == ["confirmed"]
    assert confirmed[0].tokens
    assert "access" in confirmed[0].tokens
    refused = [r for r in results if isinstance(r, BaseException)]
    assert len(refused) == 7
    assert all(isinstance(r, LoginStateError) for r in refused)


@pytest.mark.server_db
@pytest.mark.django_db(transaction=True)
def test_racing_pollers_in_threads_get_the_tokens_once(
    client: Client, sim: SimulatorControl, web: AppSettings, sim_user: SimUser
) -> None:
    """Threads (one database connection each) poll a ticket that a callback confirms meanwhile."""
    login = start_qr(client, sim)
    login.show_qr()
    callback = login.decide(sim_user.id)
    barrier = threading.Barrier(9)
    results: list[Any] = []
    lock = threading.Lock()

    def poller() -> None:
        barrier.wait()
        try:
            result: Any = poll_qr_login("web", login.ticket, login.secret, wait=10)
        except LoginStateError as exc:
            result = exc
        finally:
            connection.close()
        with lock:
            results.append(result)

    threads = [threading.Thread(target=poller) for _ in range(8)]
    for thread in threads:
        thread.start()
    barrier.wait()
    time.sleep(0.2)
    assert Client().get(callback).status_code == 200
    for thread in threads:
        thread.join(30)
    winners = [r for r in results if not isinstance(r, LoginStateError)]
    assert len(results) == 8
    assert len(winners) == 1, results
    assert winners[0].status == "confirmed"
    assert "already used" in str(next(r for r in results if isinstance(r, LoginStateError)))
