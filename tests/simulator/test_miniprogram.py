"""Mini Program login: jscode2session, session keys, unionids, checksession, phone numbers."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

import httpx
import pytest

from djwechat.testing import SimulatorControl, SimUser

from .conftest import token_of


def _session(wx: httpx.Client, app: dict[str, Any], code: str, **overrides: str) -> dict[str, Any]:
    params = {
        "appid": app["app_id"],
        "secret": app["app_secret"],
        "js_code": code,
        "grant_type": "authorization_code",
        **overrides,
    }
    return dict(wx.get("/sns/jscode2session", params=params).json())


def test_code_exchange_gives_openid_unionid_and_session_key(
    wx: httpx.Client, sim: SimulatorControl, apps: dict[str, Any], user: SimUser
) -> None:
    mp = apps["mp"]
    answer = _session(wx, mp, sim.mint_code(mp["app_id"], user.id))
    assert answer["openid"] == user.openid(mp["app_id"])
    assert answer["unionid"] == user.unionid
    assert len(answer["session_key"]) == 24
    assert "errcode" not in answer


def test_code_is_single_use_and_expires(
    wx: httpx.Client, sim: SimulatorControl, apps: dict[str, Any], user: SimUser
) -> None:
    mp = apps["mp"]
    code = sim.mint_code(mp["app_id"], user.id)
    assert "openid" in _session(wx, mp, code)
    assert _session(wx, mp, code)["errcode"] == 40163
    late = sim.mint_code(mp["app_id"], user.id)
    sim.advance(299)
    fresh_enough = sim.mint_code(mp["app_id"], user.id)
    sim.advance(2)
    assert _session(wx, mp, late)["errcode"] == 40029  # older than 5 minutes
    assert "openid" in _session(wx, mp, fresh_enough)


def test_code_errors(wx: httpx.Client, sim: SimulatorControl, apps: dict[str, Any], user: SimUser) -> None:
    mp, mp2 = apps["mp"], apps["mp2"]
    code = sim.mint_code(mp["app_id"], user.id)
    assert _session(wx, mp2, code)["errcode"] == 40029  # another app's code
    assert _session(wx, mp, "0" * 32)["errcode"] == 40029
    assert _session(wx, mp, "")["errcode"] == 41008
    assert _session(wx, mp, code, secret="wrong")["errcode"] == 40125
    assert _session(wx, mp, code, appid="wxnope")["errcode"] == 40013
    assert _session(wx, mp, code, grant_type="client_credential")["errcode"] == 40002
    assert _session(wx, apps["web"], code)["errcode"] == 40013  # not a mini program
    assert "openid" in _session(wx, mp, code)  # failed attempts did not burn the code


def test_openids_differ_per_app_and_unionid_follows_the_open_platform_account(
    wx: httpx.Client, sim: SimulatorControl, apps: dict[str, Any], user: SimUser
) -> None:
    mp, mp2 = apps["mp"], apps["mp2"]
    sim.register_app("wxsimmp00000000003", "mp-secret-3", open_account="other-company")
    sim.register_app("wxsimmp00000000004", "mp-secret-4", open_account=None)
    third = {"app_id": "wxsimmp00000000003", "app_secret": "mp-secret-3"}
    unbound = {"app_id": "wxsimmp00000000004", "app_secret": "mp-secret-4"}
    one = _session(wx, mp, sim.mint_code(mp["app_id"], user.id))
    two = _session(wx, mp2, sim.mint_code(mp2["app_id"], user.id))
    three = _session(wx, third, sim.mint_code(third["app_id"], user.id))
    four = _session(wx, unbound, sim.mint_code(unbound["app_id"], user.id))
    assert len({one["openid"], two["openid"], three["openid"], four["openid"]}) == 4
    assert one["unionid"] == two["unionid"] == user.unionid
    assert three["unionid"] == user.unionid_for("other-company") != user.unionid
    assert "unionid" not in four
    other = sim.create_user("carol")
    assert _session(wx, mp, sim.mint_code(mp["app_id"], other.id))["unionid"] != user.unionid


def test_openid_is_stable_across_resets(sim: SimulatorControl, apps: dict[str, Any], user: SimUser) -> None:
    before = sim.user(user.id).raw["openids"]
    sim.reset()
    sim.register_app(apps["mp"]["app_id"], "s")
    sim.create_user(user.id)
    assert sim.user(user.id).raw["openids"][apps["mp"]["app_id"]] == before[apps["mp"]["app_id"]]


def test_a_new_login_code_rotates_the_session_key(
    wx: httpx.Client, sim: SimulatorControl, apps: dict[str, Any], user: SimUser
) -> None:
    mp = apps["mp"]
    first = _session(wx, mp, sim.mint_code(mp["app_id"], user.id))["session_key"]
    second = _session(wx, mp, sim.mint_code(mp["app_id"], user.id))["session_key"]
    assert first != second
    token = token_of(wx, mp)

    def check(session_key: str) -> int:
        signature = hmac.new(session_key.encode(), b"", hashlib.sha256).hexdigest()
        params = {
            "access_token": token,
            "openid": user.openid(mp["app_id"]),
            "signature": signature,
            "sig_method": "hmac_sha256",
        }
        return int(wx.get("/wxa/checksession", params=params).json()["errcode"])

    assert check(second) == 0
    assert check(first) == 87009


def _phone(wx: httpx.Client, token: str, body: Any) -> dict[str, Any]:
    return dict(wx.post("/wxa/business/getuserphonenumber", params={"access_token": token}, json=body).json())


def test_phone_code(wx: httpx.Client, sim: SimulatorControl, apps: dict[str, Any], user: SimUser) -> None:
    mp = apps["mp"]
    token = token_of(wx, mp)
    code = sim.mint_code(mp["app_id"], user.id, "phone")
    answer = _phone(wx, token, {"code": code})
    assert answer["errcode"] == 0
    info = answer["phone_info"]
    assert info["phoneNumber"] == info["purePhoneNumber"] == "13912345678"
    assert info["countryCode"] == 86
    assert info["watermark"]["appid"] == mp["app_id"]
    assert _phone(wx, token, {"code": code})["errcode"] == 40163
    late = sim.mint_code(mp["app_id"], user.id, "phone")
    sim.advance(301)
    token = token_of(wx, mp)
    assert _phone(wx, token, {"code": late})["errcode"] == 40029


def test_phone_code_errors(
    wx: httpx.Client, sim: SimulatorControl, apps: dict[str, Any], user: SimUser
) -> None:
    mp = apps["mp"]
    token = token_of(wx, mp)
    login_code = sim.mint_code(mp["app_id"], user.id)
    assert _phone(wx, token, {"code": login_code})["errcode"] == 40029  # a login code is not a phone code
    code = sim.mint_code(mp["app_id"], user.id, "phone")
    assert _phone(wx, token, {"code": code, "openid": "o" + "x" * 27})["errcode"] == 40003
    assert _phone(wx, token, {})["errcode"] == 40029
    assert _phone(wx, token_of(wx, apps["oa"]), {"code": code})["errcode"] == 48001
    raw = wx.post("/wxa/business/getuserphonenumber", params={"access_token": token}, content=b"")
    assert raw.json()["errcode"] == 44002
    assert (
        wx.get("/wxa/business/getuserphonenumber", params={"access_token": token}).json()["errcode"] == 43002
    )


def test_foreign_phone_number_has_prefix(
    wx: httpx.Client, sim: SimulatorControl, apps: dict[str, Any]
) -> None:
    mp = apps["mp"]
    user = sim.create_user("dave", phone_number="4155550100", country_code="1")
    info = _phone(wx, token_of(wx, mp), {"code": sim.mint_code(mp["app_id"], user.id, "phone")})["phone_info"]
    assert info["phoneNumber"] == "+14155550100"
    assert info["purePhoneNumber"] == "4155550100"
    assert info["countryCode"] == 1


@pytest.mark.parametrize("kind", ["login", "phone"])
def test_codes_cannot_be_minted_for_other_app_types(
    sim: SimulatorControl, apps: dict[str, Any], user: SimUser, kind: str
) -> None:
    from djwechat.testing import SimulatorControlError

    with pytest.raises(SimulatorControlError) as excinfo:
        sim.mint_code(apps["web"]["app_id"], user.id, kind)  # type: ignore[arg-type]
    assert excinfo.value.status == 400
