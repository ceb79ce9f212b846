"""The process holding the access-token lock dies mid-refresh (SIGKILL): the others wait no
longer than the lock's TTL, then exactly one of them fetches the token.

The cache is a private Redis started by the test; the WeChat is the simulator over real HTTP,
where the holder's fetch is held open by a latency fault until it is killed.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import redis as redis_py
from django.conf import settings as django_settings

from djwechat.client import get_client
from djwechat.conf import AppSettings
from djwechat.testing import SimulatorControl
from tests.reliability import lock_workers
from tests.reliability.services import PrivateRedis, private_redis

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]

TOKEN = "/cgi-bin/stable_token"
#: The holder's client: its lock lives max(LOCK_TIMEOUT, TIMEOUT * (MAX_RETRIES + 1) + 1) = 4 s.
HOLDER_CLIENT = {"TIMEOUT": 3.0, "MAX_RETRIES": 0, "LOCK_TIMEOUT": 2.0}
LOCK_TTL = 4.0


@pytest.fixture
def redis(settings: Any, wechat_apps: dict[str, AppSettings]) -> Iterator[PrivateRedis]:
    with private_redis(offset=3) as server:
        settings.CACHES = {
            "default": {
                "BACKEND": "django_redis.cache.RedisCache",
                "LOCATION": server.url,
                "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.5, "SOCKET_TIMEOUT": 0.5},
            }
        }
        settings.WECHAT = {**settings.WECHAT, "CLIENT": HOLDER_CLIENT}
        yield server


def lock_keys(server: PrivateRedis) -> list[bytes]:
    return list(redis_py.Redis.from_url(server.url).scan_iter("*lock*"))


def test_a_killed_lock_holder_is_taken_over_after_the_ttl(
    sim: SimulatorControl, wechat_apps: dict[str, AppSettings], redis: PrivateRedis
) -> None:
    context = multiprocessing.get_context("spawn")
    ready, results = context.Queue(), context.Queue()
    go_holder, go_other = context.Event(), context.Event()
    wechat = dict(django_settings.WECHAT)
    caches = dict(django_settings.CACHES)
    holder = context.Process(target=lock_workers.fetch, args=(caches, wechat, ready, go_holder, results))
    other = context.Process(target=lock_workers.fetch, args=(caches, wechat, ready, go_other, results))
    for child in (holder, other):
        child.start()
    try:
        ready.get(timeout=180)
        ready.get(timeout=180)
        # The holder's fetch reaches WeChat and hangs there, lock held.
        sim.add_fault(TOKEN, latency=30)
        go_holder.set()
        deadline = time.monotonic() + 20
        while not lock_keys(redis) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert lock_keys(redis), "the holder never took the lock"
        locked_at = time.monotonic()
        # Until its request reaches the simulator (which takes the fault): then it is mid-fetch.
        while httpx.get(f"{sim.base_url}/_sim/faults").json()["faults"] and time.monotonic() < deadline:
            time.sleep(0.02)
        assert holder.pid is not None
        os.kill(holder.pid, signal.SIGKILL)
        holder.join(10)
        assert time.monotonic() - locked_at < LOCK_TTL - 1, (
            "too slow to kill the holder while it held the lock"
        )

        # Two survivors race for the token: another process and this one.
        go_other.set()
        token = get_client("oa").access_token()
        waited = time.monotonic() - locked_at
        status, other_token = results.get(timeout=30)
    finally:
        for child in (holder, other):
            child.join(timeout=10)
            if child.is_alive():
                child.kill()
    assert status == "ok", other_token
    assert other_token == token
    # Nobody fetched while the dead holder's lock lived, and then exactly one fetch followed.
    assert waited >= LOCK_TTL - 0.5
    assert waited < LOCK_TTL + 6
    fetches = [call for call in sim.calls(TOKEN) if call["fault"] is None]
    assert len(fetches) == 1, fetches
