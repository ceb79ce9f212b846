"""Concurrent and hostile requests against the threaded server."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from djwechat.simulator.registration import register_demo_users, register_settings_apps
from djwechat.simulator.state import SimulatorState
from djwechat.testing import SimulatorControl, SimUser


def test_a_code_is_exchanged_once_under_concurrency(sim: SimulatorControl, sim_user: SimUser) -> None:
    sim.register_app("wxrace", "s")
    code = sim.mint_code("wxrace", sim_user.id)
    params = {"appid": "wxrace", "secret": "s", "js_code": code, "grant_type": "authorization_code"}

    def exchange(_: int) -> dict[str, Any]:
        return dict(httpx.get(f"{sim.base_url}/sns/jscode2session", params=params, timeout=10).json())

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(exchange, range(16)))
    assert sum("openid" in a for a in answers) == 1
    assert sorted(a.get("errcode", 0) for a in answers) == [0] + [40163] * 15


def test_token_rotation_under_concurrency(sim: SimulatorControl) -> None:
    sim.register_app("wxrace", "s")
    params = {"grant_type": "client_credential", "appid": "wxrace", "secret": "s"}

    def fetch(_: int) -> str:
        return str(
            httpx.get(f"{sim.base_url}/cgi-bin/token", params=params, timeout=10).json()["access_token"]
        )

    with ThreadPoolExecutor(max_workers=8) as pool:
        tokens = list(pool.map(fetch, range(16)))
    assert len(set(tokens)) == 16


def test_hostile_bodies_are_rejected_cleanly(sim: SimulatorControl) -> None:
    deep = b"[" * 100_000 + b"]" * 100_000
    json_type = {"Content-Type": "application/json"}
    assert httpx.post(f"{sim.base_url}/_sim/apps", content=deep, headers=json_type).status_code == 400
    answer = httpx.post(f"{sim.base_url}/cgi-bin/stable_token", content=deep)
    assert answer.status_code == 200
    assert answer.json()["errcode"] == 47001
    odd = httpx.get(f"{sim.base_url}/sns/jscode2session?appid=%ff%fe&secret=%00")
    assert odd.json()["errcode"] == 40013


def test_register_settings_apps_into_a_state(settings: Any) -> None:
    settings.WECHAT = {
        **settings.WECHAT,
        "APPS": {
            "oa": {"TYPE": "official_account", "APP_ID": "wxoa", "APP_SECRET": "s", "TOKEN": "t"},
            "mp": {"TYPE": "miniprogram", "APP_ID": "wxmp", "APP_SECRET": "s"},
            "web": {
                "TYPE": "website",
                "APP_ID": "wxweb",
                "APP_SECRET": "s",
                "CALLBACK_BASE_URL": "https://login.example.com",
            },
        },
    }
    state = SimulatorState()
    lines = register_settings_apps(state, site_url="http://127.0.0.1:9000")
    assert len(lines) == 3
    app = state.app("wxoa")
    assert app is not None
    assert app.message_url == "http://127.0.0.1:9000/wechat/oa/"
    assert app.token == "t"
    assert app.redirect_domains == ("127.0.0.1",)
    web, mp = state.app("wxweb"), state.app("wxmp")
    assert web is not None
    assert mp is not None
    assert web.redirect_domains == ("login.example.com",)  # the app's own callback origin
    assert mp.redirect_domains == ()
    register_settings_apps(state)  # WECHAT["SITE_URL"], and the URLconf's path
    assert state.app("wxoa").message_url == "http://127.0.0.1:8000/wechat/oa/"  # type: ignore[union-attr]
    settings.WECHAT = {**settings.WECHAT, "SITE_URL": "https://example.com/"}
    register_settings_apps(state)
    assert state.app("wxoa").message_url == "https://example.com/wechat/oa/"  # type: ignore[union-attr]
    register_settings_apps(state, message_url="https://tunnel.example/hooks/{alias}")
    assert state.app("wxoa").message_url == "https://tunnel.example/hooks/oa"  # type: ignore[union-attr]
    users = register_demo_users(state)
    assert [u.id for u in users] == ["alice", "bob"]
    assert register_demo_users(state)[0] is users[0]  # kept, not recreated
