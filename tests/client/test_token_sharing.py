"""One access token for every process and host: measured against the simulator over real HTTP,
with the token in Redis (the PostgreSQL + Redis pass only: ``redis`` tests are deselected
without ``REDIS_URL``)."""

from __future__ import annotations

import multiprocessing
import queue
from collections.abc import Callable

import pytest
from django.conf import settings

from tests.client import token_workers
from tests.client.support import revoke_stable_token

pytestmark = [pytest.mark.server_db, pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def run_workers(
    action: str, processes: int, threads: int, openid: str = "", before_go: Callable[[], object] | None = None
) -> list[tuple[str, str]]:
    """Start ``processes`` spawned Django processes of ``threads`` threads; once all are ready,
    run ``before_go`` and release them together."""
    context = multiprocessing.get_context("spawn")
    ready, results, go = context.Queue(), context.Queue(), context.Event()
    children = [
        context.Process(
            target=token_workers.run,
            args=(dict(settings.WECHAT), action, threads, ready, go, results, openid),
            daemon=True,
        )
        for _ in range(processes)
    ]
    for child in children:
        child.start()
    try:
        for _ in children:
            ready.get(timeout=180)  # spawning Django in 8 processes is slow on a busy 2-core host
        if before_go is not None:
            before_go()
        go.set()
        answers = [results.get(timeout=120) for _ in range(processes * threads)]
    except queue.Empty:
        pytest.fail("worker processes did not finish in time")
    finally:
        for child in children:
            child.join(timeout=30)
            if child.is_alive():
                child.kill()
    return answers


def test_200_threads_in_8_processes_fetch_the_token_once(sim, wechat_apps) -> None:
    answers = run_workers("token", processes=8, threads=25)
    assert {status for status, _ in answers} == {"ok"}, answers[:3]
    assert len({token for _, token in answers}) == 1
    assert len(sim.calls(path="/cgi-bin/stable_token")) == 1


def test_a_40001_storm_refreshes_once(sim, wechat_apps) -> None:
    app = wechat_apps["oa"]
    user = sim.create_user("storm", nickname="Storm")
    assert len({token for _, token in run_workers("token", processes=2, threads=2)}) == 1

    # Every worker holds the current token; another host force-refreshes it before they send.
    answers = run_workers(
        "send",
        processes=5,
        threads=10,
        openid=user.openid(app.app_id),
        before_go=lambda: revoke_stable_token(sim, app),
    )
    assert [a for a in answers if a[0] != "ok"] == []
    assert len(sim.calls(path="/cgi-bin/stable_token")) == 1
    refused = [c for c in sim.calls(path="/cgi-bin/message/custom/send") if c["errcode"] == 40001]
    # Every process holds the revoked token until one of its calls is refused, so each of the
    # five sees refusals (usually most of its ten threads do); all of them share one refresh.
    assert 5 <= len(refused) <= 50
    assert len(sim.messages(user_id=user.id)) == 50
