"""Hostile data that arrives *through* WeChat: a user's profile (nickname, avatar, gender …) is
typed by the user or shaped by WeChat, then handed to the front end encrypted and signed with the
real session_key.  Whatever it holds, a login answers 200 or a 4xx, never a 5xx."""

from __future__ import annotations

import json
from typing import Any

import pytest

from djwechat.conf import AppSettings
from djwechat.testing import SimulatorControl
from tests.hostile.conftest import Probe, user_count

LOGIN = "/auth/miniprogram/mp/login/"

#: Profile changes; ``None`` removes the field from the payload.
PROFILES: tuple[dict[str, Any], ...] = (
    {"nickName": "x" * 10_000},
    {"nickName": ""},
    {"nickName": "   "},
    {"nickName": "\U0001f600\u202e\u200b"},
    {"nickName": "<script>alert(1)</script>"},
    {"nickName": 12345},
    {"nickName": ["a"]},
    {"nickName": {"a": 1}},
    {"nickName": None},
    {"avatarUrl": "javascript:alert(1)"},
    {"avatarUrl": "https://" + "a" * 5_000},
    {"avatarUrl": 1},
    {"gender": "1"},
    {"gender": True},
    {"gender": 2**80},
    {"gender": -1},
    {"gender": [1]},
    {"openId": "someone-else"},
    {"openId": 42},
    {"unionId": ["u"]},
    {"unionId": 42},
    {"unionId": "x" * 1_000},
    {"language": "\U0001f600" * 100, "city": {"deep": [1, 2, {"x": None}]}},
)


def _login_with_profile(
    probe: Probe, sim: SimulatorControl, mp: AppSettings, user_id: str, profile: dict[str, Any]
) -> Any:
    code = sim.mint_code(mp.app_id, user_id)
    sealed = sim.encrypted_data(mp.app_id, user_id, data=profile)
    return probe("POST", LOGIN, json.dumps({"code": code, **sealed.fields()}))


@pytest.mark.parametrize("returning", [False, True], ids=["first-login", "returning-user"])
def test_hostile_profiles_through_wechat(
    probe: Probe, sim: SimulatorControl, hostile_apps: dict[str, AppSettings], returning: bool
) -> None:
    mp = hostile_apps["mp"]
    for index, profile in enumerate(PROFILES):
        user = sim.create_user(f"upstream-{returning}-{index}", nickname="Frank")
        if returning:
            assert (
                probe("POST", LOGIN, json.dumps({"code": sim.mint_code(mp.app_id, user.id)})).status_code
                == 200
            )
        users = user_count()
        response = _login_with_profile(probe, sim, mp, user.id, profile)
        assert response.status_code < 500, (profile, response.content)
        assert user_count() <= users + 1
        if response.status_code == 200:
            payload = response.json()["user"]
            assert (
                "<script>" not in json.dumps(payload)
                or profile.get("nickName") == "<script>alert(1)</script>"
            )
            assert not str(payload.get("avatar_url") or "").startswith("javascript:")


def test_nickname_with_control_characters(
    probe: Probe, sim: SimulatorControl, hostile_apps: dict[str, AppSettings]
) -> None:
    # PostgreSQL refuses NUL in a text column: the login was a 500 there (and stored it on SQLite).
    user = sim.create_user("upstream-nul", nickname="Frank")
    profile = {"nickName": "a\u0000b\u001b", "avatarUrl": "https://example.com/a\u0000.png"}
    response = _login_with_profile(probe, sim, hostile_apps["mp"], user.id, profile)
    assert response.status_code == 200, response.content
    assert response.json()["user"]["nickname"] == "ab"
    assert response.json()["user"]["avatar_url"] == ""


PHONES: tuple[dict[str, Any], ...] = (
    {"phoneNumber": "1" * 500, "purePhoneNumber": "1" * 500},
    {"phoneNumber": "", "purePhoneNumber": ""},
    {"phoneNumber": 13800138000},
    {"phoneNumber": ["138"]},
    {"phoneNumber": None, "purePhoneNumber": None},
    {"countryCode": {"x": 1}},
    {"countryCode": 2**80},
    {"phoneNumber": "+86 138\u202e0013 8000"},
    {"phoneNumber": "138\u00000138000", "purePhoneNumber": "138\u00000138000"},
)


def test_hostile_phone_numbers_through_wechat(
    probe: Probe, sim: SimulatorControl, credentials: Any, hostile_apps: dict[str, AppSettings]
) -> None:
    # PostgreSQL refused the over-long and the NUL numbers with a 500; SQLite stored them.
    mp = hostile_apps["mp"]
    before = credentials.user.phone_number
    for phone in PHONES:
        sealed = sim.encrypted_data(mp.app_id, "hostile-alice", "phone_number", data=phone)
        response = probe(
            "POST",
            "/auth/miniprogram/mp/phone/",
            json.dumps(sealed.fields()),
            authorization=credentials.bearer,
        )
        assert response.status_code == 400, (phone, response.content)
        credentials.user.refresh_from_db()
        assert credentials.user.phone_number == before
    sealed = sim.encrypted_data(
        mp.app_id,
        "hostile-alice",
        "phone_number",
        data={"phoneNumber": "+1 415-555-0100", "purePhoneNumber": "4155550100", "countryCode": "1"},
    )
    response = probe(
        "POST", "/auth/miniprogram/mp/phone/", json.dumps(sealed.fields()), authorization=credentials.bearer
    )
    assert response.status_code == 200, response.content
    assert response.json()["phone_number"] == "+1 415-555-0100"


def test_extra_data_with_a_nul_byte(
    probe: Probe, sim: SimulatorControl, hostile_apps: dict[str, AppSettings]
) -> None:
    # PostgreSQL refuses "\u0000" in a jsonb value: the login was a 500 there (and stored the
    # NUL on SQLite), and with DEBUG on the error page showed the session_key.
    from djwechat.accounts.models import Identity

    user = sim.create_user("upstream-nul-extra", nickname="Frank")
    profile = {
        "city": "Shen\u0000zhen",
        "province": "Guang\u001bdong",
        "country": "C\u0008N",
        "language": "zh\u007f",
    }
    response = _login_with_profile(probe, sim, hostile_apps["mp"], user.id, profile)
    assert response.status_code == 200, response.content
    identity = Identity.objects.get(openid=user.openid(hostile_apps["mp"].app_id))
    assert identity.extra_data == {
        "city": "Shenzhen",
        "province": "Guangdong",
        "country": "CN",
        "language": "zh",
    }
