"""Website QR login through the real endpoints and the simulator: the happy path and every way it ends."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from djwechat._internal import clock
from djwechat.accounts.models import Identity
from djwechat.conf import AppSettings
from djwechat.jwt.models import JWTSession
from djwechat.testing import SimulatorControl, SimUser
from tests.login.browser_flows import query, start_qr

pytestmark = pytest.mark.django_db

User = get_user_model()


@pytest.fixture
def web(wechat_apps: dict[str, AppSettings]) -> AppSettings:
    return wechat_apps["web"]


def test_create_answers_a_ticket_and_the_qrconnect_url(
    client: Client, sim: SimulatorControl, web: AppSettings
) -> None:
    response = client.post("/auth/website/web/qr/")
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    answer = response.json()
    assert set(answer) == {"ticket", "poll_secret", "authorize_url", "expires_in"}
    assert answer["expires_in"] == 300
    assert re.fullmatch(r"[0-9a-f]{40}", answer["ticket"])
    assert re.fullmatch(r"[0-9a-f]{40}", answer["poll_secret"])
    assert answer["ticket"] != answer["poll_secret"]
    url = answer["authorize_url"]
    assert url.startswith(f"{sim.base_url}/connect/qrconnect?appid={web.app_id}&redirect_uri=http%3A%2F%2F")
    assert url.endswith("#wechat_redirect")
    params = query(url.split("#")[0])
    assert params["redirect_uri"] == "http://testserver/auth/website/web/callback/"
    assert params["response_type"] == "code"
    assert params["scope"] == "snsapi_login"
    assert re.fullmatch(r"[0-9a-f]{40}", params["state"])
    # The state names the ticket without being it: the ticket alone is not the callback's key.
    assert params["state"] not in (answer["ticket"], answer["poll_secret"])


def test_a_confirmed_login_hands_the_tokens_to_the_poller_once(
    client: Client, sim: SimulatorControl, web: AppSettings, sim_user: SimUser
) -> None:
    login = start_qr(client, sim)
    assert login.poll().json() == {"status": "pending"}
    page = login.callback(sim_user.id)
    assert page.status_code == 200
    assert "You are logged in as Alice" in page.content.decode()
    answer = login.poll()
    assert answer.status_code == 200
    assert answer["Cache-Control"] == "no-store"
    pair = answer.json()
    assert pair["status"] == "confirmed"
    assert pair["is_new_user"] is True
    assert pair["user"]["nickname"] == "Alice"
    me = client.get("/auth/me/", HTTP_AUTHORIZATION=f"Bearer {pair['access']}")
    assert me.status_code == 200
    assert me.json()["nickname"] == "Alice"
    again = login.poll()
    assert again.status_code == 400
    assert again.json()["error"]["code"] == "invalid_state"
    assert "already used" in again.json()["error"]["message"]
    identity = Identity.objects.get()
    assert (identity.provider, identity.app_id) == ("website", web.app_id)
    assert identity.openid == sim_user.openid(web.app_id)
    assert identity.unionid == sim_user.unionid
    assert identity.extra_data["scope"] == "snsapi_login"


def test_the_users_wechat_tokens_are_kept_nowhere(
    client: Client, sim: SimulatorControl, web: AppSettings, sim_user: SimUser
) -> None:
    login = start_qr(client, sim)
    page = login.callback(sim_user.id)
    pair = login.poll().json()
    granted = next(call for call in sim.calls("/sns/oauth2/access_token") if call["status"] == 200)
    assert granted["response"]["access_token"] == "***"  # the call log masks it; find it in the state
    from djwechat.simulator.state import default_state

    grants = list(default_state().grants.values())
    assert grants
    secrets = [g.access_token for g in grants] + [g.refresh_token for g in grants]
    session = JWTSession.objects.get()
    stored = (
        json.dumps([Identity.objects.get().extra_data, session.get_decoded(), pair], default=str)
        + page.content.decode()
    )
    for secret in secrets:
        assert secret not in stored


def test_a_person_known_from_the_mini_program_stays_one_user(
    client: Client, sim: SimulatorControl, wechat_apps: dict[str, AppSettings], sim_user: SimUser
) -> None:
    code = sim.mint_code(wechat_apps["mp"].app_id, sim_user.id)
    first = client.post("/auth/miniprogram/mp/login/", {"code": code}, content_type="application/json")
    assert first.status_code == 200
    login = start_qr(client, sim)
    login.callback(sim_user.id)
    pair = login.poll().json()
    assert pair["is_new_user"] is False
    assert pair["user"]["id"] == first.json()["user"]["id"]
    assert User.objects.count() == 1
    assert Identity.objects.count() == 2


def test_a_refusal_marks_the_ticket_refused(
    client: Client, sim: SimulatorControl, web: AppSettings, sim_user: SimUser
) -> None:
    login = start_qr(client, sim)
    page = login.callback(None, approve=False)
    assert page.status_code == 200
    assert "refused" in page.content.decode()
    assert login.poll().json() == {"status": "refused"}
    assert User.objects.count() == 0
    assert not sim.calls("/sns/oauth2/access_token")


def test_a_repeated_callback_creates_nothing_twice(
    client: Client, sim: SimulatorControl, web: AppSettings, sim_user: SimUser
) -> None:
    login = start_qr(client, sim)
    login.show_qr()
    callback = login.decide(sim_user.id)
    assert client.get(callback).status_code == 200
    again = client.get(callback)
    assert again.status_code == 400
    assert again["Content-Type"].startswith("text/html")
    assert "already used" in again.content.decode()
    assert (User.objects.count(), Identity.objects.count(), JWTSession.objects.count()) == (1, 1, 1)
    assert len(sim.calls("/sns/oauth2/access_token")) == 1
    assert login.poll().json()["status"] == "confirmed"


def test_the_poll_needs_the_tickets_own_secret(
    client: Client, sim: SimulatorControl, web: AppSettings, sim_user: SimUser
) -> None:
    login = start_qr(client, sim)
    other = start_qr(client, sim)
    login.callback(sim_user.id)
    for secret in (None, "", "nope", other.secret, login.secret.upper()):
        response = login.poll(secret)
        assert response.status_code in (400, 403), secret
        assert response.json()["error"]["code"] == "invalid_poll_secret"
    empty = client.post(login.poll_path(), b"", content_type="application/json")
    assert empty.status_code == 403
    # The ticket of one app is not a ticket of another.
    assert login.poll(app="nope").status_code == 404
    assert login.poll(ticket=other.ticket).status_code == 403
    assert login.poll().json()["status"] == "confirmed"  # nothing above used the tokens up


def test_a_code_delivered_with_another_tickets_state(
    client: Client, sim: SimulatorControl, web: AppSettings, sim_user: SimUser
) -> None:
    mine, theirs = start_qr(client, sim), start_qr(client, sim)
    mine.show_qr()
    theirs.show_qr()
    callback = mine.decide(sim_user.id)
    code = query(callback)["code"]
    # The code arrives with the other ticket's state: that ticket completes, and only it.
    swapped = client.get("/auth/website/web/callback/", {"code": code, "state": theirs.state})
    assert swapped.status_code == 200
    assert mine.poll().json() == {"status": "pending"}
    assert theirs.poll().json()["status"] == "confirmed"
    # Mine's own callback then finds its code used: a failure, not a second login.
    late = client.get(callback)
    assert late.status_code == 400
    assert mine.poll().json()["status"] == "failed"
    assert mine.poll().json()["error"]["code"] == "code_used"
    assert JWTSession.objects.count() == 1


def test_a_state_is_for_its_own_app_and_flow(
    client: Client, sim: SimulatorControl, wechat_apps: dict[str, AppSettings], sim_user: SimUser
) -> None:
    login = start_qr(client, sim)
    login.show_qr()
    callback = login.decide(sim_user.id)
    params = query(callback)
    # The Official Account callback does not take a website state (and leaves it unused).
    elsewhere = client.get("/auth/oa/oa/callback/", params)
    assert elsewhere.status_code == 400
    assert client.get("/auth/website/nope/callback/", params).status_code == 404
    assert client.get(callback).status_code == 200


@pytest.mark.parametrize(
    "params",
    [{}, {"code": "abc"}, {"state": "x" * 40}, {"state": "0" * 40}, {"code": "a b", "state": "0" * 40}],
)
def test_bad_callbacks_get_a_page_that_says_why(
    client: Client, sim: SimulatorControl, web: AppSettings, params: dict[str, str]
) -> None:
    response = client.get("/auth/website/web/callback/", params)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert "frame-ancestors 'self'" in response["Content-Security-Policy"]
    assert "Login failed" in response.content.decode()


def test_the_callback_page_may_be_framed_by_this_site_only(
    client: Client, sim: SimulatorControl, web: AppSettings, sim_user: SimUser
) -> None:
    login = start_qr(client, sim)
    page = login.callback(sim_user.id)
    assert page["X-Frame-Options"] == "SAMEORIGIN"
    assert "frame-ancestors 'self'" in page["Content-Security-Policy"]
    assert "ALLOW-FROM" not in page["X-Frame-Options"]
    assert page["Referrer-Policy"] == "no-referrer"
    assert page["Cache-Control"] == "no-store"


def test_an_expired_ticket(
    client: Client,
    sim: SimulatorControl,
    web: AppSettings,
    sim_user: SimUser,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    login = start_qr(client, sim)
    login.show_qr()
    callback = login.decide(sim_user.id)
    later = clock.now() + 301
    monkeypatch.setattr(clock, "now", lambda: later)
    assert login.poll().json() == {"status": "expired"}
    page = client.get(callback)
    assert page.status_code == 400
    assert "expired" in page.content.decode()
    assert JWTSession.objects.count() == 0


def test_wechat_unavailable_fails_the_ticket(
    client: Client, sim: SimulatorControl, web: AppSettings, sim_user: SimUser
) -> None:
    login = start_qr(client, sim)
    sim.add_fault("/sns/oauth2/access_token", errcode=-1, times=5)
    page = login.callback(sim_user.id)
    assert page.status_code == 503
    assert "not available" in page.content.decode()
    answer = login.poll().json()
    assert answer["status"] == "failed"
    assert answer["error"]["code"] == "wechat_unavailable"
    assert User.objects.count() == 0


def test_an_inactive_user_is_refused_and_the_page_stops_waiting(
    client: Client, sim: SimulatorControl, web: AppSettings, sim_user: SimUser
) -> None:
    first = start_qr(client, sim)
    first.callback(sim_user.id)
    user = User.objects.get()
    user.is_active = False
    user.save()
    login = start_qr(client, sim)
    page = login.callback(sim_user.id)
    assert page.status_code == 403
    assert login.poll().json()["error"]["code"] == "login_refused"


def test_a_website_endpoint_of_another_app_type_is_not_found(client: Client, wechat_apps: Any) -> None:
    for path in ("/auth/website/mp/qr/", "/auth/website/oa/qr/"):
        response = client.post(path)
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "app_not_found"


def test_wait_must_be_a_number(client: Client, sim: SimulatorControl, web: AppSettings) -> None:
    login = start_qr(client, sim)
    for wait in ("soon", "nan", "-1", "inf"):
        response = client.post(
            f"{login.poll_path(None)}?wait={wait}",
            {"poll_secret": login.secret},
            content_type="application/json",
        )
        assert response.status_code == 400, wait
        assert response.json()["error"]["code"] == "bad_request"


def test_callback_base_url_names_the_callback_origin(
    client: Client, sim: SimulatorControl, wechat_apps: dict[str, AppSettings], settings: Any
) -> None:
    apps = {**settings.WECHAT["APPS"]}
    apps["web"] = {**apps["web"], "CALLBACK_BASE_URL": "https://login.example.com"}
    settings.WECHAT = {**settings.WECHAT, "APPS": apps}
    login = start_qr(client, sim)
    redirect_uri = query(login.answer["authorize_url"].split("#")[0])["redirect_uri"]
    assert redirect_uri == "https://login.example.com/auth/website/web/callback/"


def test_behind_a_proxy_the_callback_follows_djangos_proxy_settings(
    client: Client, sim: SimulatorControl, web: AppSettings, settings: Any
) -> None:
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.USE_X_FORWARDED_HOST = True
    response = client.post(
        "/auth/website/web/qr/", HTTP_X_FORWARDED_PROTO="https", HTTP_X_FORWARDED_HOST="www.example.com"
    )
    redirect_uri = query(response.json()["authorize_url"].split("#")[0])["redirect_uri"]
    assert redirect_uri == "https://www.example.com/auth/website/web/callback/"


def test_the_qrconnect_url_is_built_like_wechats_own_example(settings: Any) -> None:
    """The official vector (wechatpy's test of the same URL), built by our one URL builder."""
    from pathlib import Path

    from djwechat.conf import get_settings
    from djwechat.login.flows.oauth import authorize_url

    vectors = json.loads(
        (Path(__file__).parent.parent / "fixtures" / "wechat_vectors.json").read_text("utf-8")
    )["vectors"]
    for vector_id, path in (
        ("oauth_qrconnect_url_wechatpy", "/connect/qrconnect"),
        ("oauth_authorize_url_wechatpy", "/connect/oauth2/authorize"),
    ):
        vector = next(v for v in vectors if v["id"] == vector_id)
        given = vector["input"]
        settings.WECHAT = {
            **settings.WECHAT,
            "OPEN_BASE_URL": given["base"].removesuffix(path),
            "APPS": {"x": {"TYPE": "website", "APP_ID": given["appid"], "APP_SECRET": "s"}},
        }
        url = authorize_url(
            path,
            get_settings().app("x"),
            redirect_uri=given["redirect_uri"],
            scope=given["scope"],
            state=given["state"],
        )
        assert url == vector["expected"]["url"]
