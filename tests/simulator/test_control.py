"""The /_sim/ control API: validation, listing, clock, reset, call log, customer-service messages."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from djwechat.simulator.server import SimulatorServer
from djwechat.testing import SimulatorControl, SimulatorControlError, SimUser

from .conftest import token_of


@pytest.fixture
def raw(wechat_simulator: SimulatorServer, sim: SimulatorControl) -> httpx.Client:
    # The control API takes JSON only; these tests send malformed JSON, labelled as JSON.
    return httpx.Client(
        base_url=wechat_simulator.url, timeout=5, headers={"Content-Type": "application/json"}
    )


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"type": "game", "app_id": "wx1", "app_secret": "s"},
        {"type": "miniprogram", "app_id": "", "app_secret": "s"},
        {"type": "miniprogram", "app_id": "wx 1", "app_secret": "s"},
        {"type": "miniprogram", "app_id": "wx1"},
        {"type": "miniprogram", "app_id": "wx1", "app_secret": 5},
        {"type": "official_account", "app_id": "wx1", "app_secret": "s", "encoding_aes_key": "short"},
        {"type": "official_account", "app_id": "wx1", "app_secret": "s", "message_url": "ftp://x"},
        {"type": "miniprogram", "app_id": "wx1", "app_secret": "s", "rate_limit": -1},
        {"type": "miniprogram", "app_id": "wx1", "app_secret": "s", "rate_limit": True},
        {"type": "miniprogram", "app_id": "wx1", "app_secret": "s", "open_account": 3},
        {"type": "website", "app_id": "wx1", "app_secret": "s", "redirect_domains": "site.example"},
    ],
)
def test_bad_app_registrations_are_400(raw: httpx.Client, body: dict[str, Any]) -> None:
    response = raw.post("/_sim/apps", json=body)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_request"
    assert raw.get("/_sim/apps").json() == {"apps": []}


@pytest.mark.parametrize("payload", [b"", b"{", b"[]", b"\xff\xfe", b"null"])
def test_malformed_bodies_are_400(raw: httpx.Client, payload: bytes) -> None:
    for path in ("/_sim/apps", "/_sim/codes", "/_sim/faults", "/_sim/clock"):
        assert raw.post(path, content=payload).status_code == 400


def test_app_listing_never_shows_secrets(raw: httpx.Client, sim: SimulatorControl) -> None:
    sim.register_app(
        "wxoa1",
        "the-app-secret",
        type="official_account",
        token="the-token",
        encoding_aes_key="a" * 43,
        message_url="http://127.0.0.1:8000/wechat/oa/",
    )
    listing = raw.get("/_sim/apps").text
    single = raw.get("/_sim/apps/wxoa1").text
    index = raw.get("/").text
    for text in (listing, single, index):
        assert "the-app-secret" not in text
        assert "the-token" not in text
        assert "a" * 43 not in text
    assert raw.get("/_sim/apps/wxoa1").json()["app"]["has_encoding_aes_key"] is True
    assert raw.get("/_sim/apps/nope").status_code == 404


def test_registering_again_updates_the_app(sim: SimulatorControl) -> None:
    sim.register_app("wxmp1", "old", name="Old")
    sim.register_app("wxmp1", "new", name="New")
    assert [a["name"] for a in sim.apps()] == ["New"]


def test_users(raw: httpx.Client, sim: SimulatorControl) -> None:
    first = sim.create_user()
    second = sim.create_user(nickname="Zoe", sex=2, country_code="852", phone_number="91234567")
    assert (first.id, second.id) == ("u1", "u2")
    assert second.sex == 2
    assert second.phone_number == "91234567"
    assert first.phone_number.startswith("139")
    assert len(first.phone_number) == 11
    sim.register_app("wxmp1", "s")
    assert sim.user("u1").raw["openids"] == {"wxmp1": first.openid("wxmp1")}
    assert raw.get("/_sim/users/nobody").status_code == 404
    for bad in ({"sex": 3}, {"id": "a/b"}, {"phone_number": "+86"}, {"country_code": "x"}, {"nickname": 1}):
        assert raw.post("/_sim/users", json=bad).status_code == 400
    assert len(raw.get("/_sim/users").json()["users"]) == 2


def test_code_minting_errors(raw: httpx.Client, sim: SimulatorControl, user: SimUser) -> None:
    sim.register_app("wxmp1", "s")
    sim.register_app("wxoa1", "s", type="official_account")
    assert raw.post("/_sim/codes", json={"app_id": "nope", "user_id": user.id}).status_code == 404
    assert raw.post("/_sim/codes", json={"app_id": "wxmp1", "user_id": "nobody"}).status_code == 404
    assert (
        raw.post("/_sim/codes", json={"app_id": "wxmp1", "user_id": user.id, "kind": "x"}).status_code == 400
    )
    assert raw.post("/_sim/codes", json={"user_id": user.id}).status_code == 400
    bad_scope = {"app_id": "wxoa1", "user_id": user.id, "kind": "oauth", "scope": "snsapi_login"}
    assert raw.post("/_sim/codes", json=bad_scope).status_code == 400
    minted = raw.post("/_sim/codes", json={"app_id": "wxmp1", "user_id": user.id}).json()
    assert minted["expires_in"] == 300
    assert minted["kind"] == "login"


def test_wrong_method_and_unknown_path(raw: httpx.Client) -> None:
    response = raw.put("/_sim/apps", json={})
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"
    assert raw.get("/_sim/reset").status_code == 405
    unknown = raw.get("/cgi-bin/not-simulated")
    assert unknown.status_code == 404
    assert unknown.json()["errcode"] == -1


def test_body_size_limit(raw: httpx.Client) -> None:
    response = raw.post("/_sim/apps", content=b"x" * (1024 * 1024 + 1))
    assert response.status_code == 413


def test_clock(raw: httpx.Client, sim: SimulatorControl) -> None:
    start = sim.now()
    assert sim.advance(3600) >= start + 3600
    assert raw.post("/_sim/clock", json={"now": 2_000_000_000}).json()["now"] >= 2_000_000_000
    assert raw.post("/_sim/clock", json={"reset": True}).json()["offset"] == 0
    for bad in ({}, {"advance": "1"}, {"advance": True}, {"now": -5}):
        assert raw.post("/_sim/clock", json=bad).status_code == 400


def test_reset_forgets_everything(sim: SimulatorControl, user: SimUser) -> None:
    sim.register_app("wxmp1", "s")
    sim.add_fault("/cgi-bin/token", errcode=-1)
    sim.advance(100)
    sim.reset()
    assert sim.apps() == []
    with pytest.raises(SimulatorControlError):
        sim.user(user.id)
    assert sim.calls() == []
    assert abs(sim.now() - __import__("time").time()) < 5


def test_call_log_filters_and_masks(wx: httpx.Client, sim: SimulatorControl, user: SimUser) -> None:
    sim.register_app("wxoa1", "oa-secret", type="official_account")
    token = token_of(wx, {"app_id": "wxoa1", "app_secret": "oa-secret"})
    wx.post(
        "/cgi-bin/stable_token",
        json={"grant_type": "client_credential", "appid": "wxoa1", "secret": "oa-secret"},
    )
    wx.post(
        "/cgi-bin/message/custom/send",
        params={"access_token": token},
        json={"touser": user.openid("wxoa1"), "msgtype": "text", "text": {"content": "你好"}},
    )
    calls = sim.calls()
    assert [c["path"] for c in calls] == [
        "/cgi-bin/token",
        "/cgi-bin/stable_token",
        "/cgi-bin/message/custom/send",
    ]
    assert sim.calls("/cgi-bin/stable_token")[0]["body"]["secret"] == "***"
    assert sim.calls("cgi-bin/message/custom/send")[0]["query"]["access_token"] == "***"
    everything = str(calls)
    assert "oa-secret" not in everything
    assert token not in everything
    sim.clear_calls()
    assert sim.calls() == []


def test_customer_service_messages(wx: httpx.Client, sim: SimulatorControl, user: SimUser) -> None:
    sim.register_app("wxoa1", "oa-secret", type="official_account")
    token = token_of(wx, {"app_id": "wxoa1", "app_secret": "oa-secret"})
    openid = user.openid("wxoa1")

    def send(body: Any = None, content: bytes | None = None) -> int:
        answer = wx.post(
            "/cgi-bin/message/custom/send", params={"access_token": token}, json=body, content=content
        )
        return int(answer.json()["errcode"])

    assert send({"touser": openid, "msgtype": "text", "text": {"content": "你好 Bob"}}) == 0
    assert send({"touser": openid, "msgtype": "image", "image": {"media_id": "MEDIA"}}) == 0
    assert send(content=b"") == 44002
    escaped = json.dumps(
        {"touser": openid, "msgtype": "text", "text": {"content": "你好"}}
    )  # ensure_ascii: \\uXXXX escapes
    assert send(content=escaped.encode()) == 40033
    assert send(content=b"{oops") == 47001
    assert send({"msgtype": "text", "text": {"content": "x"}}) == 41009
    assert send({"touser": "o" + "z" * 27, "msgtype": "text", "text": {"content": "x"}}) == 40003
    assert send({"touser": openid, "msgtype": "fax", "fax": {}}) == 40008
    assert send({"touser": openid, "msgtype": "text", "text": "x"}) == 47001
    assert send({"touser": openid, "msgtype": "text", "text": {"content": ""}}) == 47001
    messages = sim.messages(user_id=user.id)
    assert [m["msgtype"] for m in messages] == ["text", "image"]
    assert messages[0]["payload"] == {"content": "你好 Bob"}
    assert sim.messages(app_id="other") == []
