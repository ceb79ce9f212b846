"""Website QR login and Official Account H5 OAuth: pages, the phone, codes and user tokens."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest

from djwechat.testing import SimulatorControl, SimulatorControlError, SimUser

CALLBACK = "https://site.example/auth/callback/?next=%2Fhome"


def _qr_url(app_id: str, state: str = "st4te", **overrides: str) -> str:
    params = {
        "appid": app_id,
        "redirect_uri": CALLBACK,
        "response_type": "code",
        "scope": "snsapi_login",
        "state": state,
        **overrides,
    }
    return "/connect/qrconnect?" + urlencode(params) + "#wechat_redirect"


def _authorize_url(app_id: str, scope: str = "snsapi_userinfo", state: str = "h5state") -> str:
    params = {
        "appid": app_id,
        "redirect_uri": CALLBACK,
        "response_type": "code",
        "scope": scope,
        "state": state,
    }
    return "/connect/oauth2/authorize?" + urlencode(params) + "#wechat_redirect"


def _query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def _exchange(wx: httpx.Client, app: dict[str, Any], code: str, **overrides: str) -> dict[str, Any]:
    params = {
        "appid": app["app_id"],
        "secret": app["app_secret"],
        "code": code,
        "grant_type": "authorization_code",
        **overrides,
    }
    return dict(wx.get("/sns/oauth2/access_token", params=params).json())


def test_qr_page_scan_confirm_and_redirect(wx: httpx.Client, apps: dict[str, Any], user: SimUser) -> None:
    page = wx.get(_qr_url(apps["web"]["app_id"]))
    assert page.status_code == 200
    assert "<svg" in page.text
    phone_path = re.search(r"(/_sim/phone/[A-Za-z0-9_-]+)", page.text)
    assert phone_path
    status_path = phone_path.group(1) + "/status"
    assert wx.get(status_path).json() == {"status": "pending", "redirect": None}
    phone = wx.get(phone_path.group(1))
    assert "Bob" in phone.text
    assert wx.get(status_path).json()["status"] == "scanned"
    done = wx.post(phone_path.group(1), data={"decision": "approve", "user_id": user.id})
    assert done.status_code == 200
    status = wx.get(status_path).json()
    assert status["status"] == "approved"
    redirect = status["redirect"]
    assert redirect.startswith("https://site.example/auth/callback/?next=%2Fhome&code=")
    query = _query(redirect)
    assert query["state"] == "st4te"
    assert query["next"] == "/home"
    token = _exchange(wx, apps["web"], query["code"])
    assert token["openid"] == user.openid(apps["web"]["app_id"])
    assert token["unionid"] == user.unionid
    assert token["scope"] == "snsapi_login"
    assert token["expires_in"] == 7200


def test_phone_page_can_create_a_user_and_refuse(
    wx: httpx.Client, apps: dict[str, Any], sim: SimulatorControl
) -> None:
    page = wx.get(_qr_url(apps["web"]["app_id"], state="a"))
    phone_path = re.search(r"(/_sim/phone/[A-Za-z0-9_-]+)", page.text)
    assert phone_path
    created = wx.post(phone_path.group(1), data={"decision": "approve", "nickname": "Erin"})
    assert created.status_code == 200
    assert [u.nickname for u in [sim.user("u1")]] == ["Erin"]
    page = wx.get(_qr_url(apps["web"]["app_id"], state="b"))
    phone_path = re.search(r"(/_sim/phone/[A-Za-z0-9_-]+)", page.text)
    assert phone_path
    wx.post(phone_path.group(1), data={"decision": "deny"})
    status = wx.get(phone_path.group(1) + "/status").json()
    assert status["status"] == "denied"
    assert _query(status["redirect"]) == {"next": "/home", "state": "b"}
    again = wx.post(phone_path.group(1), data={"decision": "approve", "user_id": "u1"})
    assert again.status_code == 409


def test_programmatic_authorization(
    wx: httpx.Client, sim: SimulatorControl, apps: dict[str, Any], user: SimUser
) -> None:
    with pytest.raises(SimulatorControlError) as excinfo:
        sim.authorize("nobody-opened-this", user.id)
    assert excinfo.value.status == 404
    wx.get(_qr_url(apps["web"]["app_id"], state="s1"))
    with pytest.raises(SimulatorControlError) as excinfo:
        sim.authorize("s1", "ghost")
    assert excinfo.value.status == 404
    decided = sim.authorize("s1", user.id)
    assert decided["status"] == "approved"
    assert _query(decided["redirect"])["code"] == decided["code"]
    with pytest.raises(SimulatorControlError):
        sim.authorize("s1", user.id)  # already decided: nothing pending under this state
    wx.get(_qr_url(apps["web"]["app_id"], state="s2"))
    refused = sim.authorize("s2", None, approve=False)
    assert refused["status"] == "denied"
    assert "code" not in _query(refused["redirect"])


def test_pending_authorization_expires(
    wx: httpx.Client, sim: SimulatorControl, apps: dict[str, Any], user: SimUser
) -> None:
    page = wx.get(_qr_url(apps["web"]["app_id"], state="late"))
    phone_path = re.search(r"(/_sim/phone/[A-Za-z0-9_-]+)", page.text)
    assert phone_path
    sim.advance(301)
    assert wx.get(phone_path.group(1) + "/status").json()["status"] == "expired"
    with pytest.raises(SimulatorControlError):
        sim.authorize("late", user.id)


@pytest.mark.parametrize(
    ("overrides", "page_code"),
    [
        ({"appid": ""}, "10012"),
        ({"appid": "wxnope"}, "10016"),
        ({"appid": "wxsimoa00000000001"}, "10016"),  # an Official Account cannot use qrconnect
        ({"redirect_uri": ""}, "10011"),
        ({"redirect_uri": "javascript:alert(1)"}, "10003"),
        ({"scope": ""}, "10010"),
        ({"scope": "snsapi_userinfo"}, "10005"),
        ({"response_type": "token"}, "10005"),
        ({"state": "x" * 129}, "10013"),
    ],
)
def test_qrconnect_validation(
    wx: httpx.Client, apps: dict[str, Any], overrides: dict[str, str], page_code: str
) -> None:
    params = dict(overrides)
    url = _qr_url(params.pop("appid", apps["web"]["app_id"]), **params)
    page = wx.get(url)
    assert page.status_code == 400
    assert page_code in page.text
    assert "<script" not in page.text.split("banner", 1)[1]


def test_redirect_domains_are_enforced(wx: httpx.Client, sim: SimulatorControl, user: SimUser) -> None:
    sim.register_app("wxsimweb0000000009", "s", type="website", redirect_domains=["site.example"])
    assert wx.get(_qr_url("wxsimweb0000000009")).status_code == 200
    evil = _qr_url("wxsimweb0000000009", redirect_uri="https://evil.example/cb")
    assert wx.get(evil).status_code == 400


def test_error_page_escapes_input(wx: httpx.Client, apps: dict[str, Any]) -> None:
    page = wx.get(_qr_url(apps["web"]["app_id"], scope="<script>alert(1)</script>"))
    assert page.status_code == 400
    assert "<script>alert" not in page.text


def test_oa_consent_page_redirects_with_code(wx: httpx.Client, apps: dict[str, Any], user: SimUser) -> None:
    page = wx.get(_authorize_url(apps["oa"]["app_id"]))
    assert page.status_code == 200
    action = re.search(r"action='(/_sim/phone/[A-Za-z0-9_-]+)'", page.text)
    assert action
    answer = wx.post(action.group(1), data={"decision": "approve", "user_id": user.id})
    assert answer.status_code == 302
    query = _query(answer.headers["location"])
    assert query["state"] == "h5state"
    token = _exchange(wx, apps["oa"], query["code"])
    assert token["scope"] == "snsapi_userinfo"
    assert token["unionid"] == user.unionid
    refused = wx.get(_authorize_url(apps["oa"]["app_id"], state="no"))
    action = re.search(r"action='(/_sim/phone/[A-Za-z0-9_-]+)'", refused.text)
    assert action
    answer = wx.post(action.group(1), data={"decision": "deny"})
    assert answer.status_code == 302
    assert "code" not in _query(answer.headers["location"])


def test_oa_authorize_validation(wx: httpx.Client, apps: dict[str, Any]) -> None:
    assert wx.get(_authorize_url(apps["web"]["app_id"])).status_code == 400  # not an Official Account
    assert wx.get(_authorize_url(apps["oa"]["app_id"], scope="snsapi_login")).status_code == 400


def test_website_code_lives_ten_minutes_oa_code_five(
    wx: httpx.Client, sim: SimulatorControl, apps: dict[str, Any], user: SimUser
) -> None:
    web_code = sim.mint_code(apps["web"]["app_id"], user.id, "oauth")
    oa_code = sim.mint_code(apps["oa"]["app_id"], user.id, "oauth")
    sim.advance(301)
    assert _exchange(wx, apps["oa"], oa_code)["errcode"] == 42003
    web_code_2 = sim.mint_code(apps["web"]["app_id"], user.id, "oauth")
    assert "access_token" in _exchange(wx, apps["web"], web_code)
    assert _exchange(wx, apps["web"], web_code)["errcode"] == 40163
    sim.advance(600)
    assert _exchange(wx, apps["web"], web_code_2)["errcode"] == 42003


def test_oauth_exchange_errors(
    wx: httpx.Client, sim: SimulatorControl, apps: dict[str, Any], user: SimUser
) -> None:
    code = sim.mint_code(apps["web"]["app_id"], user.id, "oauth")
    assert _exchange(wx, apps["web"], "")["errcode"] == 41008
    assert _exchange(wx, apps["web"], "f" * 32)["errcode"] == 40029
    assert _exchange(wx, apps["web"], code, secret="nope")["errcode"] == 40125
    assert _exchange(wx, apps["oa"], code)["errcode"] == 40029  # another app's code
    assert _exchange(wx, apps["mp"], code)["errcode"] == 40013  # mini programs have no web OAuth
    assert _exchange(wx, apps["web"], code, grant_type="x")["errcode"] == 40002


def _userinfo(wx: httpx.Client, token: str, openid: str) -> dict[str, Any]:
    return dict(
        wx.get("/sns/userinfo", params={"access_token": token, "openid": openid, "lang": "en"}).json()
    )


def _auth(wx: httpx.Client, token: str, openid: str) -> int:
    return int(wx.get("/sns/auth", params={"access_token": token, "openid": openid}).json()["errcode"])


def test_userinfo_auth_and_refresh(
    wx: httpx.Client, sim: SimulatorControl, apps: dict[str, Any], user: SimUser
) -> None:
    oa = apps["oa"]
    openid = user.openid(oa["app_id"])
    grant = _exchange(wx, oa, sim.mint_code(oa["app_id"], user.id, "oauth"))
    info = _userinfo(wx, grant["access_token"], openid)
    assert info["nickname"] == "Bob"
    assert info["unionid"] == user.unionid
    assert info["privilege"] == []
    assert _auth(wx, grant["access_token"], openid) == 0
    assert _auth(wx, grant["access_token"], user.openid(apps["web"]["app_id"])) == 40003
    assert _userinfo(wx, grant["access_token"], "")["errcode"] == 41009
    assert _userinfo(wx, "", openid)["errcode"] == 41001
    assert _userinfo(wx, "garbage", openid)["errcode"] == 40014
    sim.advance(3600)
    refreshed = wx.get(
        "/sns/oauth2/refresh_token",
        params={
            "appid": oa["app_id"],
            "grant_type": "refresh_token",
            "refresh_token": grant["refresh_token"],
        },
    ).json()
    assert refreshed["access_token"] == grant["access_token"]  # still valid: extended
    assert refreshed["expires_in"] == 7200
    sim.advance(7201)
    assert _auth(wx, grant["access_token"], openid) == 42001
    renewed = wx.get(
        "/sns/oauth2/refresh_token",
        params={
            "appid": oa["app_id"],
            "grant_type": "refresh_token",
            "refresh_token": grant["refresh_token"],
        },
    ).json()
    assert renewed["access_token"] != grant["access_token"]
    assert renewed["refresh_token"] == grant["refresh_token"]
    assert _auth(wx, renewed["access_token"], openid) == 0
    sim.advance(30 * 86400)
    expired = wx.get(
        "/sns/oauth2/refresh_token",
        params={
            "appid": oa["app_id"],
            "grant_type": "refresh_token",
            "refresh_token": grant["refresh_token"],
        },
    ).json()
    assert expired["errcode"] == 42002


def test_refresh_errors(wx: httpx.Client, apps: dict[str, Any]) -> None:
    base = {"appid": apps["oa"]["app_id"], "grant_type": "refresh_token"}
    assert wx.get("/sns/oauth2/refresh_token", params=base).json()["errcode"] == 41003
    bad = {**base, "refresh_token": "1_" + "a" * 128}
    assert wx.get("/sns/oauth2/refresh_token", params=bad).json()["errcode"] == 40030


def test_snsapi_base_grant_has_no_userinfo_and_no_unionid(
    wx: httpx.Client, sim: SimulatorControl, apps: dict[str, Any], user: SimUser
) -> None:
    oa = apps["oa"]
    grant = _exchange(wx, oa, sim.mint_code(oa["app_id"], user.id, "oauth", scope="snsapi_base"))
    assert grant["scope"] == "snsapi_base"
    assert "unionid" not in grant
    assert _userinfo(wx, grant["access_token"], user.openid(oa["app_id"]))["errcode"] == 48001
    assert _auth(wx, grant["access_token"], user.openid(oa["app_id"])) == 0


def test_a_moments_snapshot_visit_names_a_stand_in(
    wx: httpx.Client, sim: SimulatorControl, apps: dict[str, Any], user: SimUser
) -> None:
    page = wx.get(_authorize_url(apps["oa"]["app_id"], state="snap"))
    assert "Snapshot visit as" in page.text
    decided = sim.authorize("snap", user.id, snapshot=True)
    token = _exchange(wx, apps["oa"], _query(decided["redirect"])["code"])
    assert token["is_snapshotuser"] == 1
    assert token["scope"] == "snsapi_base"
    assert token["openid"] != user.openid(apps["oa"]["app_id"])
    assert "unionid" not in token
    assert _userinfo(wx, token["access_token"], token["openid"])["errcode"] in (40003, 48001)
    # The same visit through the consent page's own form.
    page = wx.get(_authorize_url(apps["oa"]["app_id"], state="snap2"))
    action = re.search(r"action='(/_sim/phone/[A-Za-z0-9_-]+)'", page.text)
    assert action
    followed = wx.post(action.group(1), data={"decision": "snapshot", "user_id": user.id})
    assert followed.status_code == 302
    again = _exchange(wx, apps["oa"], _query(followed.headers["location"])["code"])
    assert again["is_snapshotuser"] == 1


def test_a_qr_login_has_no_snapshot(
    wx: httpx.Client, sim: SimulatorControl, apps: dict[str, Any], user: SimUser
) -> None:
    wx.get(_qr_url(apps["web"]["app_id"], state="qr-snap"))
    with pytest.raises(SimulatorControlError) as excinfo:
        sim.authorize("qr-snap", user.id, snapshot=True)
    assert excinfo.value.status == 409
