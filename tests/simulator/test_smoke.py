"""The fixtures start a real HTTP simulator; the basic login-code round trip works over it."""

from __future__ import annotations

import httpx

from djwechat.testing import SimulatorControl, SimUser


def test_login_code_round_trip_over_http(sim: SimulatorControl, sim_user: SimUser) -> None:
    sim.register_app("wxsmoke00000000001", "smoke-secret", type="miniprogram")
    code = sim.mint_code("wxsmoke00000000001", sim_user.id)
    params = {
        "appid": "wxsmoke00000000001",
        "secret": "smoke-secret",
        "js_code": code,
        "grant_type": "authorization_code",
    }
    first = httpx.get(f"{sim.base_url}/sns/jscode2session", params=params).json()
    assert first["openid"] == sim_user.openid("wxsmoke00000000001")
    assert first["unionid"] == sim_user.unionid
    again = httpx.get(f"{sim.base_url}/sns/jscode2session", params=params).json()
    assert again["errcode"] == 40163
    logged = sim.calls("/sns/jscode2session")
    assert [c["errcode"] for c in logged] == [None, 40163]
    assert logged[0]["query"]["secret"] == "***"
    assert logged[0]["response"]["session_key"] == "***"
