"""Official Account H5 login through the real endpoints and the simulator's consent page."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from djwechat.accounts.models import Identity
from djwechat.conf import AppSettings
from djwechat.testing import SimulatorControl, SimUser
from tests.login.browser_flows import EXCHANGE_URL, local, oa_login, query

pytestmark = pytest.mark.django_db

User = get_user_model()


@pytest.fixture
def oa(wechat_apps: dict[str, AppSettings]) -> AppSettings:
    return wechat_apps["oa"]


def exchange(client: Client, login_code: Any) -> Any:
    return client.post(EXCHANGE_URL, {"login_code": login_code}, content_type="application/json")


def test_authorize_redirects_to_the_consent_page(
    client: Client, sim: SimulatorControl, oa: AppSettings
) -> None:
    response = client.get("/auth/oa/oa/authorize/", {"next": "/dashboard"})
    assert response.status_code == 302
    assert response["Cache-Control"] == "no-store"
    location = response["Location"]
    assert location.startswith(
        f"{sim.base_url}/connect/oauth2/authorize?appid={oa.app_id}"
        "&redirect_uri=http%3A%2F%2Ftestserver%2Fauth%2Foa%2Foa%2Fcallback%2F"
        "&response_type=code&scope=snsapi_userinfo&state="
    )
    assert location.endswith("#wechat_redirect")
    state = query(location.split("#")[0])["state"]
    assert state.isalnum()
    assert len(state) <= 128
    base = client.get("/auth/oa/oa/authorize/", {"scope": "snsapi_base"})
    assert "&scope=snsapi_base&" in base["Location"]


@pytest.mark.parametrize("scope", ["snsapi_login", "snsapi_userinfo,snsapi_base", "x", "SNSAPI_BASE"])
def test_an_unknown_scope_is_a_400(client: Client, oa: AppSettings, scope: str) -> None:
    response = client.get("/auth/oa/oa/authorize/", {"scope": scope})
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert "scope" in response.content.decode()


def test_oauth_scope_sets_the_default(
    client: Client, sim: SimulatorControl, wechat_apps: dict[str, AppSettings], settings: Any
) -> None:
    apps = {**settings.WECHAT["APPS"], "oa": {**settings.WECHAT["APPS"]["oa"], "OAUTH_SCOPE": "snsapi_base"}}
    settings.WECHAT = {**settings.WECHAT, "APPS": apps}
    assert "&scope=snsapi_base&" in client.get("/auth/oa/oa/authorize/")["Location"]


def test_a_userinfo_login_ends_on_next_with_a_one_time_login_code(
    client: Client, sim: SimulatorControl, oa: AppSettings, sim_user: SimUser
) -> None:
    response = oa_login(client, sim, sim_user.id, next="/dashboard?tab=1#top")
    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith("/dashboard?tab=1&login_code=")
    assert location.endswith("#top")
    login_code = query(location.split("#")[0])["login_code"]
    assert "access" not in location
    assert "refresh" not in location
    answer = exchange(client, login_code)
    assert answer.status_code == 200
    assert answer["Cache-Control"] == "no-store"
    pair = answer.json()
    assert pair["user"]["nickname"] == "Alice"
    assert client.get("/auth/me/", HTTP_AUTHORIZATION=f"Bearer {pair['access']}").status_code == 200
    again = exchange(client, login_code)
    assert again.status_code == 400
    assert again.json()["error"]["code"] == "invalid_state"
    identity = Identity.objects.get()
    assert (identity.provider, identity.openid) == ("official_account", sim_user.openid(oa.app_id))
    assert identity.unionid == sim_user.unionid


def test_a_base_login_knows_only_the_openid(
    client: Client, sim: SimulatorControl, oa: AppSettings, sim_user: SimUser
) -> None:
    response = oa_login(client, sim, sim_user.id, scope="snsapi_base")
    pair = exchange(client, query(response["Location"])["login_code"]).json()
    assert pair["is_new_user"] is True
    assert pair["user"]["nickname"] == ""
    identity = Identity.objects.get()
    assert identity.unionid is None
    assert identity.extra_data == {"scope": "snsapi_base"}
    assert not sim.calls("/sns/userinfo")
    # The same visitor again: found by openid, not created twice.
    again = oa_login(client, sim, sim_user.id, scope="snsapi_base")
    assert exchange(client, query(again["Location"])["login_code"]).json()["is_new_user"] is False
    assert User.objects.count() == 1


def test_a_refusal_goes_back_to_next_with_an_error(
    client: Client, sim: SimulatorControl, oa: AppSettings, sim_user: SimUser
) -> None:
    response = oa_login(client, sim, None, approve=False, next="/h5/")
    assert response.status_code == 302
    assert response["Location"] == "/h5/?login_error=refused"
    assert User.objects.count() == 0


def test_wechat_unavailable_goes_back_to_next_with_an_error(
    client: Client, sim: SimulatorControl, oa: AppSettings, sim_user: SimUser
) -> None:
    sim.add_fault("/sns/oauth2/access_token", errcode=-1, times=5)
    response = oa_login(client, sim, sim_user.id, next="/h5/")
    assert response["Location"] == "/h5/?login_error=wechat_unavailable"


def test_a_snapshot_visitor_is_not_logged_in(
    client: Client, sim: SimulatorControl, oa: AppSettings, sim_user: SimUser
) -> None:
    start = client.get("/auth/oa/oa/authorize/", {"next": "/h5/"})
    state = query(start["Location"].split("#")[0])["state"]
    import httpx

    httpx.get(start["Location"].split("#")[0], timeout=10)
    redirect = sim.authorize(state, sim_user.id, snapshot=True)["redirect"]
    response = client.get(local(redirect))
    assert response["Location"] == "/h5/?login_error=snapshot_user"
    assert (User.objects.count(), Identity.objects.count()) == (0, 0)


def test_the_state_is_single_use(
    client: Client, sim: SimulatorControl, oa: AppSettings, sim_user: SimUser
) -> None:
    start = client.get("/auth/oa/oa/authorize/")
    state = query(start["Location"].split("#")[0])["state"]
    import httpx

    httpx.get(start["Location"].split("#")[0], timeout=10)
    callback = local(sim.authorize(state, sim_user.id)["redirect"])
    assert client.get(callback).status_code == 302
    replay = client.get(callback)
    assert replay.status_code == 400
    assert "already used" in replay.content.decode()
    assert Identity.objects.count() == 1


@pytest.mark.parametrize("login_code", [None, "", 7, ["a"], "nope", "0" * 40])
def test_bad_login_codes_are_4xx(client: Client, wechat_apps: Any, login_code: Any) -> None:
    response = exchange(client, login_code)
    assert response.status_code == 400
    assert response.json()["error"]["code"] in ("bad_request", "invalid_state")


def test_a_login_code_expires(
    client: Client,
    sim: SimulatorControl,
    wechat_apps: dict[str, AppSettings],
    sim_user: SimUser,
    settings: Any,
) -> None:
    settings.WECHAT = {**settings.WECHAT, "LOGIN": {**settings.WECHAT["LOGIN"], "LOGIN_CODE_SECONDS": 1}}
    response = oa_login(client, sim, sim_user.id)
    time.sleep(2.1)
    answer = exchange(client, query(response["Location"])["login_code"])
    assert answer.status_code == 400
    assert "expired" in answer.json()["error"]["message"]


@pytest.mark.parametrize(
    "vector",
    [
        "//evil.example/",
        "\\\\evil.example/",
        "/\\evil.example/",
        "/\t/evil.example/",
        " //evil.example/",
        "https:evil.example",
        "https://evil.example/",
        "http://testserver@evil.example/",
        "https://testserver.evil.example/",
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        "%2F%2Fevil.example",
        "data:text/html,hi",
        "///evil.example",
        "http:/\\/evil.example",
        "\x00//evil.example",
    ],
)
def test_open_redirect_vectors_fall_back_to_home(
    client: Client, sim: SimulatorControl, oa: AppSettings, sim_user: SimUser, vector: str
) -> None:
    response = oa_login(client, sim, sim_user.id, next=vector)
    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith("/?login_code="), location


def test_allowed_redirect_hosts_may_be_left_for(
    client: Client,
    sim: SimulatorControl,
    wechat_apps: dict[str, AppSettings],
    sim_user: SimUser,
    settings: Any,
) -> None:
    login = {**settings.WECHAT["LOGIN"], "ALLOWED_REDIRECT_HOSTS": ["app.example.com"]}
    settings.WECHAT = {**settings.WECHAT, "LOGIN": login}
    allowed = oa_login(client, sim, sim_user.id, next="http://app.example.com/in")
    assert allowed["Location"].startswith("http://app.example.com/in?login_code=")
    other = oa_login(client, sim, sim_user.id, next="http://other.example.com/in")
    assert other["Location"].startswith("/?login_code=")
