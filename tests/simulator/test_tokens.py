"""App-level access tokens: cgi-bin/token rotation and cgi-bin/stable_token rules."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from djwechat.testing import SimulatorControl, SimUser

from .conftest import token_of


def _stable(wx: httpx.Client, app: dict[str, Any], *, force: bool | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "grant_type": "client_credential",
        "appid": app["app_id"],
        "secret": app["app_secret"],
    }
    if force is not None:
        body["force_refresh"] = force
    return dict(wx.post("/cgi-bin/stable_token", json=body).json())


def _use(wx: httpx.Client, token: str | None, user: SimUser, app: dict[str, Any]) -> int:
    """Call an API with ``token``; returns the errcode (0 on success)."""
    params = {"openid": user.openid(app["app_id"])}
    if token is not None:
        params["access_token"] = token
    answer = wx.post(
        "/cgi-bin/message/custom/send",
        params=params,
        json={"touser": user.openid(app["app_id"]), "msgtype": "text", "text": {"content": "hi"}},
    ).json()
    return int(answer["errcode"])


def test_classic_token_answer_shape(wx: httpx.Client, apps: dict[str, Any]) -> None:
    answer = wx.get(
        "/cgi-bin/token",
        params={"grant_type": "client_credential", "appid": apps["mp"]["app_id"], "secret": "mp-secret-1"},
    ).json()
    assert set(answer) == {"access_token", "expires_in"}
    assert answer["expires_in"] == 7200
    assert len(answer["access_token"]) >= 100


@pytest.mark.parametrize(
    ("params", "errcode"),
    [
        ({"grant_type": "client_credential", "appid": "wxunknown000000001", "secret": "x"}, 40013),
        ({"grant_type": "client_credential", "appid": "wxsimmp00000000001", "secret": "wrong"}, 40001),
        ({"grant_type": "client_credential", "appid": "wxsimmp00000000001"}, 41004),
        ({"grant_type": "client_credential", "secret": "mp-secret-1"}, 41002),
        ({"grant_type": "password", "appid": "wxsimmp00000000001", "secret": "mp-secret-1"}, 40002),
    ],
)
def test_classic_token_errors(
    wx: httpx.Client, apps: dict[str, Any], params: dict[str, str], errcode: int
) -> None:
    response = wx.get("/cgi-bin/token", params=params)
    assert response.status_code == 200  # WeChat answers errors with HTTP 200
    answer = response.json()
    assert answer["errcode"] == errcode
    assert ", rid: " in answer["errmsg"]


def test_new_classic_token_supersedes_previous_after_five_minutes(
    wx: httpx.Client, sim: SimulatorControl, apps: dict[str, Any], user: SimUser
) -> None:
    mp = apps["oa"]
    first = token_of(wx, mp)
    second = token_of(wx, mp)
    assert first != second
    assert _use(wx, first, user, mp) == 0  # overlap: both valid
    assert _use(wx, second, user, mp) == 0
    sim.advance(299)
    assert _use(wx, first, user, mp) == 0
    sim.advance(2)
    assert _use(wx, first, user, mp) == 40001
    assert _use(wx, second, user, mp) == 0


def test_classic_token_expires(
    wx: httpx.Client, sim: SimulatorControl, apps: dict[str, Any], user: SimUser
) -> None:
    token = token_of(wx, apps["oa"])
    sim.advance(7199)
    assert _use(wx, token, user, apps["oa"]) == 0
    sim.advance(2)
    assert _use(wx, token, user, apps["oa"]) == 42001


def test_token_validation_errors(
    wx: httpx.Client, apps: dict[str, Any], user: SimUser, sim: SimulatorControl
) -> None:
    oa = apps["oa"]
    assert _use(wx, None, user, oa) == 41001
    assert _use(wx, "not-a-token", user, oa) == 40014
    assert _use(wx, "12_" + "A" * 128, user, oa) == 40001  # well formed, never issued
    token = token_of(wx, oa)
    sim.reset()  # a simulator restart forgets every token
    sim.register_app(oa["app_id"], oa["app_secret"], type="official_account")
    assert _use(wx, token, user, oa) == 40001


def test_stable_token_is_idempotent_and_isolated(
    wx: httpx.Client, apps: dict[str, Any], user: SimUser, sim: SimulatorControl
) -> None:
    oa = apps["oa"]
    first = _stable(wx, oa)
    assert first["expires_in"] == 7200
    classic = token_of(wx, oa)
    second = _stable(wx, oa)
    assert second["access_token"] == first["access_token"]  # the classic call changed nothing
    token_of(wx, oa)
    sim.advance(400)  # the first classic token is now superseded, the stable one is not
    assert _use(wx, first["access_token"], user, oa) == 0
    assert _use(wx, classic, user, oa) == 40001
    again = _stable(wx, oa)
    assert again["access_token"] == first["access_token"]
    assert 6790 <= again["expires_in"] <= 6800


def test_stable_token_rotates_in_its_last_five_minutes(
    wx: httpx.Client, apps: dict[str, Any], user: SimUser, sim: SimulatorControl
) -> None:
    oa = apps["oa"]
    old = _stable(wx, oa)["access_token"]
    sim.advance(7200 - 200)
    rotated = _stable(wx, oa)
    assert rotated["access_token"] != old
    assert rotated["expires_in"] >= 300
    assert _use(wx, old, user, oa) == 0  # still inside its own lifetime
    sim.advance(201)
    assert _use(wx, old, user, oa) == 42001
    assert _use(wx, rotated["access_token"], user, oa) == 0


def test_stable_force_refresh_limits(
    wx: httpx.Client, apps: dict[str, Any], user: SimUser, sim: SimulatorControl
) -> None:
    oa = apps["oa"]
    normal = _stable(wx, oa)["access_token"]
    forced = _stable(wx, oa, force=True)["access_token"]
    assert forced != normal
    assert _use(wx, normal, user, oa) == 40001  # invalidated at once
    assert _stable(wx, oa, force=True)["access_token"] == forced  # < 30 s later: no refresh
    sim.advance(30)
    assert _stable(wx, oa, force=True)["access_token"] != forced
    for _ in range(18):
        sim.advance(31)
        assert "access_token" in _stable(wx, oa, force=True)
    sim.advance(31)
    assert _stable(wx, oa, force=True)["errcode"] == 45009  # 21st forced refresh within a day
    sim.advance(86400)
    assert "access_token" in _stable(wx, oa, force=True)


def test_stable_token_errors(wx: httpx.Client, apps: dict[str, Any]) -> None:
    oa = apps["oa"]
    assert wx.get("/cgi-bin/stable_token").json()["errcode"] == 43002  # POST only
    assert wx.post("/cgi-bin/stable_token", content=b"").json()["errcode"] == 44002
    assert wx.post("/cgi-bin/stable_token", content=b"{not json").json()["errcode"] == 47001
    assert wx.post("/cgi-bin/stable_token", content=b"[1]").json()["errcode"] == 47001
    body = {"grant_type": "client_credential", "appid": oa["app_id"], "secret": "wrong"}
    assert wx.post("/cgi-bin/stable_token", json=body).json()["errcode"] == 40125
    body["secret"] = oa["app_secret"]
    body["force_refresh"] = "yes"
    assert wx.post("/cgi-bin/stable_token", json=body).json()["errcode"] == 47001
