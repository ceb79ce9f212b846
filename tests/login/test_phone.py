"""``POST /auth/miniprogram/<app>/phone/``: the phone-number code API and the legacy encrypted form."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from djwechat.conf import AppSettings
from djwechat.testing import SimulatorControl, SimUser
from tests.login.conftest import PHONE_URL

pytestmark = pytest.mark.django_db

User = get_user_model()
Login = Callable[..., Any]
PHONE_API = "/wxa/business/getuserphonenumber"


@pytest.fixture
def access(login: Login, sim_user: SimUser) -> str:
    """The access token of ``sim_user`` logged in to the mini program."""
    token: str = login(sim_user).json()["access"]
    return token


def ask(client: Client, access: str | None, body: Any) -> Any:
    headers = {"HTTP_AUTHORIZATION": f"Bearer {access}"} if access else {}
    data = body if isinstance(body, bytes) else json.dumps(body)
    return client.post(PHONE_URL, data, content_type="application/json", **headers)


def password_login(client: Client, username: str, *, create: bool = True) -> str:
    """The access token of a password login as ``username`` (created first, with no identity)."""
    if create:
        User.objects.create_user(username=username, password="correct horse battery")
    response = client.post(
        "/auth/token/",
        {"username": username, "password": "correct horse battery"},
        content_type="application/json",
    )
    token: str = response.json()["access"]
    return token


def error_of(response: Any) -> tuple[int, str]:
    return response.status_code, response.json()["error"]["code"]


def test_a_phone_code_gives_the_number_and_saves_it(
    client: Client, access: str, sim: SimulatorControl, sim_user: SimUser, mp: AppSettings
) -> None:
    code = sim.mint_code(mp.app_id, sim_user.id, "phone")
    response = ask(client, access, {"code": code})

    assert response.status_code == 200, response.content
    assert response.json() == {
        "phone_number": "13800138000",
        "pure_phone_number": "13800138000",
        "country_code": "86",
    }
    assert User.objects.get().phone_number == "13800138000"
    # The openid of this login goes along so that WeChat checks the code is this user's.
    assert sim.calls(PHONE_API)[-1]["body"]["openid"] == sim_user.openid(mp.app_id)


def test_the_legacy_encrypted_form_opens_with_the_session_key_of_the_login(
    client: Client, access: str, sim: SimulatorControl, sim_user: SimUser, mp: AppSettings
) -> None:
    # The user's WeChat account has a Hong Kong number (the session_key of the login is kept).
    sim.create_user(sim_user.id, nickname="Alice", phone_number="61234567", country_code="852")
    sealed = sim.encrypted_data(mp.app_id, sim_user.id, "phone_number")
    assert sealed.data["phoneNumber"] == "+85261234567"

    response = ask(client, access, sealed.fields())

    assert response.status_code == 200, response.content
    assert response.json() == {
        "phone_number": "+85261234567",
        "pure_phone_number": "61234567",
        "country_code": "852",
    }
    assert User.objects.get().phone_number == "+85261234567"


def test_legacy_data_after_another_wx_login_is_a_stale_session_key(
    client: Client, access: str, sim: SimulatorControl, sim_user: SimUser, mp: AppSettings
) -> None:
    sim.mint_code(mp.app_id, sim_user.id)  # wx.login again: WeChat now encrypts with a new key
    response = ask(client, access, sim.encrypted_data(mp.app_id, sim_user.id, "phone_number").fields())
    assert error_of(response) == (400, "session_key_stale")
    assert User.objects.get().phone_number == ""


def test_legacy_data_for_another_app_is_refused(
    client: Client, access: str, sim: SimulatorControl, sim_user: SimUser, mp: AppSettings
) -> None:
    sealed = sim.encrypted_data(
        mp.app_id, sim_user.id, "phone_number", watermark={"appid": "wxsomeoneelse00001"}
    )
    assert error_of(ask(client, access, sealed.fields())) == (400, "app_id_mismatch")
    assert User.objects.get().phone_number == ""


def test_legacy_data_without_a_number_is_400(
    client: Client, access: str, sim: SimulatorControl, sim_user: SimUser, mp: AppSettings
) -> None:
    sealed = sim.encrypted_data(
        mp.app_id,
        sim_user.id,
        "phone_number",
        data={"phoneNumber": None, "purePhoneNumber": None, "countryCode": None},
    )
    assert set(sealed.data) == {"watermark"}
    assert error_of(ask(client, access, sealed.fields())) == (400, "bad_request")


def test_a_session_not_started_by_the_mini_program_has_no_session_key(
    client: Client, mp: AppSettings, sim_user: SimUser
) -> None:
    token = password_login(client, "pat")
    response = ask(
        client, token, {"encrypted_data": "AAAAAAAAAAAAAAAAAAAAAA==", "iv": "r7BXXKkLb8qrSNn05n0qiA=="}
    )
    assert error_of(response) == (400, "session_key_stale")


def test_a_password_user_with_a_mini_program_identity_can_use_a_phone_code(
    client: Client, access: str, sim: SimulatorControl, sim_user: SimUser, mp: AppSettings
) -> None:
    user = User.objects.get()
    user.set_password("correct horse battery")
    user.save()
    token = password_login(client, user.username, create=False)
    response = ask(client, token, {"code": sim.mint_code(mp.app_id, sim_user.id, "phone")})
    assert response.status_code == 200, response.content
    # No session_key in this session: the openid came from the user's identity.
    assert sim.calls(PHONE_API)[-1]["body"]["openid"] == sim_user.openid(mp.app_id)


def test_without_a_token_it_is_401(client: Client, mp: AppSettings) -> None:
    response = ask(client, None, {"code": "abc"})
    assert error_of(response) == (401, "not_authenticated")
    assert error_of(ask(client, "garbage", {"code": "abc"}))[0] == 401


@pytest.mark.parametrize(
    ("errcode", "expected"), [(40029, (400, "invalid_code")), (45011, (429, "wechat_rate_limited"))]
)
def test_wechat_errors_of_the_phone_code(
    client: Client, access: str, sim: SimulatorControl, errcode: int, expected: tuple[int, str]
) -> None:
    sim.add_fault(PHONE_API, errcode=errcode)
    assert error_of(ask(client, access, {"code": "0" * 32})) == expected


def test_an_unknown_phone_code_is_invalid_code(client: Client, access: str) -> None:
    assert error_of(ask(client, access, {"code": "f" * 32})) == (400, "invalid_code")


def test_a_login_code_is_not_a_phone_code(
    client: Client, access: str, sim: SimulatorControl, sim_user: SimUser, mp: AppSettings
) -> None:
    assert error_of(ask(client, access, {"code": sim.mint_code(mp.app_id, sim_user.id)})) == (
        400,
        "invalid_code",
    )


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"code": 5},
        {"code": "with space"},
        {"encrypted_data": "AAAAAAAAAAAAAAAAAAAAAA=="},
        {"iv": "AAAAAAAAAAAAAAAAAAAAAA=="},
        {"encrypted_data": "%%%", "iv": "AAAAAAAAAAAAAAAAAAAAAA=="},
        {"encrypted_data": "AAAAAAAAAAAAAAAAAAAAAA==", "iv": "AAAA"},
        b"{",
        b"[]",
    ],
)
def test_malformed_phone_requests_are_400(
    client: Client, access: str, sim: SimulatorControl, body: Any
) -> None:
    assert error_of(ask(client, access, body)) == (400, "bad_request")
    assert sim.calls(PHONE_API) == []


def test_get_is_405(client: Client, access: str) -> None:
    response = client.get(PHONE_URL, HTTP_AUTHORIZATION=f"Bearer {access}")
    assert error_of(response) == (405, "method_not_allowed")


def test_a_password_user_without_an_identity_cannot_spend_a_phone_code(
    client: Client, sim: SimulatorControl, mp: AppSettings, login: Login
) -> None:
    """Without an openid WeChat would not check whose code it is: refused before the call,
    so the code is not spent and its owner can still use it."""
    token = password_login(client, "mallory")
    victim = sim.create_user("phone-victim", phone_number="13900000001")
    code = sim.mint_code(mp.app_id, victim.id, "phone")

    assert error_of(ask(client, token, {"code": code})) == (403, "identity_required")
    assert sim.calls(PHONE_API) == []
    assert User.objects.get(username="mallory").phone_number == ""

    owner = login(victim).json()["access"]
    response = ask(client, owner, {"code": code})
    assert response.status_code == 200, response.content
    assert response.json()["phone_number"] == "13900000001"


def test_phone_codes_are_throttled_per_user_before_wechat_is_called(
    client: Client, access: str, sim: SimulatorControl, mp: AppSettings, login: Login, settings: Any
) -> None:
    """Garbage codes cost one WeChat call each: a user gets LOGIN.THROTTLE_RATE of them."""
    settings.WECHAT = {**settings.WECHAT, "LOGIN": {**settings.WECHAT["LOGIN"], "THROTTLE_RATE": "3/minute"}}
    answers = [ask(client, access, {"code": f"{index:032x}"}) for index in range(6)]
    assert [a.status_code for a in answers] == [400, 400, 400, 429, 429, 429]
    assert int(answers[-1]["Retry-After"]) >= 1
    assert len(sim.calls(PHONE_API)) == 3
    # Per user: another user's phone requests still reach WeChat.
    other = login(sim.create_user("phone-other")).json()["access"]
    assert ask(client, other, {"code": "f" * 32}).status_code == 400
    assert len(sim.calls(PHONE_API)) == 4
