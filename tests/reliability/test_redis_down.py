"""Redis stops during traffic: every decision that needs the shared cache fails fast with a 503,
authenticated reads go on from the database, and service resumes when Redis is back.

The cache is a private ``redis-server`` started by the test (the suite's shared Redis is never
touched), with the socket timeouts that docs/deployment.md recommends.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.test import Client

from djwechat.conf import AppSettings
from djwechat.testing import SimulatorControl, SimUser, django_transport, push_message, text_message
from tests.reliability.services import PrivateRedis, private_redis

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]

#: django-redis socket timeouts, as docs/deployment.md recommends them.
SOCKET_TIMEOUT = 0.5
#: How long a refusal may take: a few cache commands, each bounded by the socket timeout.
FAST = 4 * SOCKET_TIMEOUT + 1.0


@pytest.fixture
def redis(settings: Any, wechat_apps: dict[str, AppSettings]) -> Iterator[PrivateRedis]:
    with private_redis() as server:
        settings.CACHES = {
            "default": {
                "BACKEND": "django_redis.cache.RedisCache",
                "LOCATION": server.url,
                "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": SOCKET_TIMEOUT, "SOCKET_TIMEOUT": SOCKET_TIMEOUT},
            }
        }
        settings.WECHAT = {
            **settings.WECHAT,
            "LOGIN": {**settings.WECHAT["LOGIN"], "THROTTLE_RATE": "1000/minute"},
        }
        yield server


def timed(call: Callable[[], Any]) -> tuple[Any, float]:
    started = time.monotonic()
    answer = call()
    return answer, time.monotonic() - started


class Traffic:
    """The requests of one user: each answers its status (and error code)."""

    def __init__(self, client: Client, sim: SimulatorControl, apps: dict[str, AppSettings], user: SimUser):
        self.client, self.sim, self.apps, self.user = client, sim, apps, user
        self.msg_id = 1000

    def login(self) -> Any:
        code = self.sim.mint_code(self.apps["mp"].app_id, self.user.id)
        return self.client.post(
            "/auth/miniprogram/mp/login/", {"code": code}, content_type="application/json"
        )

    def me(self, access: str) -> Any:
        return self.client.get("/auth/me/", HTTP_AUTHORIZATION=f"Bearer {access}")

    def qr(self) -> Any:
        return self.client.post("/auth/website/web/qr/")

    def push(self) -> Any:
        app = self.apps["oa"]
        self.msg_id += 1
        return push_message(
            "http://testserver/wechat/oa/",
            token=app.token,
            xml=text_message("gh_sim", self.user.openid(app.app_id), "hi", msg_id=self.msg_id),
            app_id=app.app_id,
            encoding_aes_key=app.encoding_aes_key,
            mode=app.message_mode,
            retries=0,
            transport=django_transport(),
        )


def error(response: Any) -> tuple[int, str]:
    return response.status_code, response.json()["error"]["code"]


@pytest.mark.parametrize("outage", ["killed", "frozen"])
def test_redis_down_fails_fast_and_comes_back(
    client: Client,
    sim: SimulatorControl,
    wechat_apps: dict[str, AppSettings],
    sim_user: SimUser,
    redis: PrivateRedis,
    outage: str,
) -> None:
    traffic = Traffic(client, sim, wechat_apps, sim_user)
    session = traffic.login()
    assert session.status_code == 200, session.content
    access = session.json()["access"]
    assert traffic.me(access).status_code == 200
    assert traffic.push().ok

    redis.kill() if outage == "killed" else redis.freeze()

    # Authenticated reads: the session is durable in the database.
    me, elapsed = timed(lambda: traffic.me(access))
    assert me.status_code == 200, me.content
    assert elapsed < FAST
    # Throttles and one-time login state need the cache: a clear 503, quickly.
    for request in (traffic.login, traffic.qr):
        answer, elapsed = timed(request)
        assert error(answer) == (503, "shared_state_unavailable")
        assert elapsed < FAST, (request.__name__, elapsed)
    # A refresh rotates in the database; a logout needs the cache to be honoured: 503, no change.
    refreshed, elapsed = timed(
        lambda: client.post(
            "/auth/token/refresh/", {"refresh": session.json()["refresh"]}, content_type="application/json"
        )
    )
    assert refreshed.status_code == 200, refreshed.content
    assert elapsed < FAST
    access = refreshed.json()["access"]
    logout, elapsed = timed(lambda: client.post("/auth/logout/", HTTP_AUTHORIZATION=f"Bearer {access}"))
    assert error(logout) == (503, "shared_state_unavailable")
    assert elapsed < FAST
    # Message pushes: dedupe and the nonce binding need the cache; WeChat is told to push again.
    pushed, elapsed = timed(traffic.push)
    assert pushed.status_code == 503, pushed
    assert elapsed < FAST

    if outage == "killed":
        redis.start()  # empty: a restart without persistence
    else:
        redis.thaw()
    again = traffic.login()
    assert again.status_code == 200, again.content
    assert traffic.me(again.json()["access"]).status_code == 200
    assert traffic.me(access).status_code == 200
    assert traffic.qr().status_code == 200
    assert traffic.push().ok
    # The logout that answered 503 changed nothing; once Redis is back it is honoured.
    assert client.post("/auth/logout/", HTTP_AUTHORIZATION=f"Bearer {access}").status_code in (200, 204)
    assert traffic.me(access).status_code == 401
