"""Every login and API endpoint when WeChat misbehaves, through the simulator's fault injection
over real HTTP: system busy (-1), quota (45011), broken JSON, a proxy's HTML error page, a hang.

Each answer must be a clear JSON error of the documented set, within the client's time budget,
after no more calls than the retry bound allows, with nothing half-written.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from djwechat.accounts.models import Identity
from djwechat.conf import AppSettings
from djwechat.jwt.models import JWTSession
from djwechat.testing import SimulatorControl, SimUser
from tests.login.browser_flows import start_qr

pytestmark = [pytest.mark.faults, pytest.mark.django_db]

User = get_user_model()
TIMEOUT = 0.5
MAX_RETRIES = 2
#: Calls WeChat may safely receive twice; a login code or a phone code is single use.
IDEMPOTENT = frozenset({"/sns/userinfo", "/cgi-bin/stable_token"})


@dataclass(frozen=True)
class Failure:
    """One way WeChat fails: the fault to inject, the answer expected, the calls it may cost."""

    name: str
    fault: dict[str, Any]
    status: int
    code: str
    #: Calls of the failing path: every failure but "busy" is given up at once ...
    calls: int = 1
    #: ... except an HTTP 5xx, tried again when the call is idempotent (reads, token fetches).
    retried_when_idempotent: bool = False

    def calls_of(self, path: str) -> int:
        return 1 + MAX_RETRIES if self.retried_when_idempotent and path in IDEMPOTENT else self.calls


FAILURES = [
    Failure("busy", {"errcode": -1, "times": 10}, 503, "wechat_unavailable", calls=1 + MAX_RETRIES),
    Failure("quota", {"errcode": 45011}, 429, "wechat_rate_limited"),
    Failure(
        "malformed_json",
        {"body": '{"openid": "o1", "session_k', "content_type": "application/json"},
        503,
        "wechat_unavailable",
    ),
    Failure(
        "html_error_page",
        {"body": "<html><body><h1>502 Bad Gateway</h1></body></html>", "status": 502, "times": 10},
        503,
        "wechat_unavailable",
        retried_when_idempotent=True,
    ),
    Failure("html_200", {"body": "<html>维护中</html>"}, 503, "wechat_unavailable"),
    Failure("hang", {"timeout": True}, 504, "wechat_timeout"),
]


@pytest.fixture
def apps(wechat_apps: dict[str, AppSettings], settings: Any) -> dict[str, AppSettings]:
    settings.WECHAT = {**settings.WECHAT, "CLIENT": {"TIMEOUT": TIMEOUT, "MAX_RETRIES": MAX_RETRIES}}
    return wechat_apps


def rows() -> tuple[int, int, int]:
    return User.objects.count(), Identity.objects.count(), JWTSession.objects.count()


#: The longest an answer may take: every attempt's timeout, the retry backoff, and slack.
BUDGET = (1 + MAX_RETRIES) * TIMEOUT + MAX_RETRIES * 1.0 + 1.5


def json_error(response: Any) -> tuple[int, str]:
    assert response["Content-Type"].startswith("application/json"), response.content[:200]
    return response.status_code, response.json()["error"]["code"]


def mp_login(client: Client, sim: SimulatorControl, apps: dict[str, AppSettings], user: SimUser) -> Any:
    code = sim.mint_code(apps["mp"].app_id, user.id)
    return client.post("/auth/miniprogram/mp/login/", {"code": code}, content_type="application/json")


def timed(call: Callable[[], Any]) -> tuple[Any, float]:
    started = time.monotonic()
    answer = call()
    return answer, time.monotonic() - started


@pytest.mark.parametrize("failure", FAILURES, ids=lambda f: f.name)
def test_mini_program_login(
    client: Client, sim: SimulatorControl, apps: dict[str, AppSettings], sim_user: SimUser, failure: Failure
) -> None:
    sim.add_fault("/sns/jscode2session", **failure.fault)
    response, elapsed = timed(lambda: mp_login(client, sim, apps, sim_user))
    assert json_error(response) == (failure.status, failure.code)
    assert elapsed < BUDGET
    assert len(sim.calls("/sns/jscode2session")) == failure.calls
    assert rows() == (0, 0, 0)
    # WeChat is back: the same person logs in, once.
    sim.clear_faults()
    assert mp_login(client, sim, apps, sim_user).status_code == 200
    assert rows() == (1, 1, 1)


@pytest.mark.parametrize("path", ["/sns/oauth2/access_token", "/sns/userinfo"])
@pytest.mark.parametrize("failure", FAILURES, ids=lambda f: f.name)
def test_website_qr_login(
    client: Client,
    sim: SimulatorControl,
    apps: dict[str, AppSettings],
    sim_user: SimUser,
    failure: Failure,
    path: str,
) -> None:
    login = start_qr(client, sim)
    sim.add_fault(path, **failure.fault)
    page, elapsed = timed(lambda: login.callback(sim_user.id))
    # The callback is the browser's page (HTML); the poller gets the JSON error.
    assert page.status_code == failure.status
    assert elapsed < BUDGET + 1.0  # the QR page itself is fetched in the timed call
    answer = login.poll().json()
    assert answer["status"] == "failed"
    assert answer["error"]["code"] == failure.code
    assert len(sim.calls(path)) == failure.calls_of(path)
    assert rows() == (0, 0, 0)


@pytest.mark.parametrize("path", ["/cgi-bin/stable_token", "/wxa/business/getuserphonenumber"])
@pytest.mark.parametrize("failure", FAILURES, ids=lambda f: f.name)
def test_an_api_call_behind_an_endpoint(
    client: Client,
    sim: SimulatorControl,
    apps: dict[str, AppSettings],
    sim_user: SimUser,
    failure: Failure,
    path: str,
) -> None:
    """The phone-number endpoint needs the app's access token, then one API call."""
    access = mp_login(client, sim, apps, sim_user).json()["access"]
    code = sim.mint_code(apps["mp"].app_id, sim_user.id, "phone")
    sim.add_fault(path, **failure.fault)
    response, elapsed = timed(
        lambda: client.post(
            "/auth/miniprogram/mp/phone/",
            {"code": code},
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {access}",
        )
    )
    status, error = json_error(response)
    expected = (failure.status, failure.code)
    if path == "/cgi-bin/stable_token" and failure.name == "quota":
        # 45011 on the token endpoint: still "rate limited", whichever call hit it.
        expected = (429, "wechat_rate_limited")
    assert (status, error) == expected
    assert elapsed < BUDGET
    assert len(sim.calls(path)) == failure.calls_of(path)
    assert User.objects.get().phone_number in ("", None)
    sim.clear_faults()
    again = client.post(
        "/auth/miniprogram/mp/phone/",
        {"code": sim.mint_code(apps["mp"].app_id, sim_user.id, "phone")},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {access}",
    )
    assert again.status_code == 200, again.content
