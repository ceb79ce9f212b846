"""``manage.py wechat_demo`` of the example site (without runserver)."""

from __future__ import annotations

import io
from typing import Any

import httpx
import pytest
from django.core.management import CommandError, call_command

from djwechat.testing import SimulatorControl
from example.demo.management.commands.wechat_demo import Command

DEMO_APPS = {
    "mp": {"TYPE": "miniprogram", "APP_ID": "wxdemomp", "APP_SECRET": "mp-secret"},
    "web": {"TYPE": "website", "APP_ID": "wxdemoweb", "APP_SECRET": "web-secret"},
    "oa": {
        "TYPE": "official_account",
        "APP_ID": "wxdemooa",
        "APP_SECRET": "oa-secret",
        "TOKEN": "demo-token",
        "ENCODING_AES_KEY": "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
        "MESSAGE_MODE": "safe",
    },
}


@pytest.fixture
def demo_settings(settings: Any) -> Any:
    settings.DEBUG = True
    settings.WECHAT = {**settings.WECHAT, "APPS": DEMO_APPS}
    return settings


def test_demo_registers_apps_users_and_prints_a_guide(demo_settings: Any, sim: SimulatorControl) -> None:
    out = io.StringIO()
    call_command(Command(), "--simulator", sim.base_url, "--skip-runserver", stdout=out)
    apps = {a["app_id"]: a for a in sim.apps()}
    assert set(apps) == {"wxdemomp", "wxdemoweb", "wxdemooa"}
    assert apps["wxdemooa"]["message_url"] == "http://127.0.0.1:8000/wechat/oa/"
    assert apps["wxdemooa"]["has_encoding_aes_key"] is True
    # The browser logins' callback domain is the site's, so WeChat's pages accept its redirect_uri.
    assert apps["wxdemoweb"]["redirect_domains"] == ["127.0.0.1"]
    assert apps["wxdemooa"]["redirect_domains"] == ["127.0.0.1"]
    assert apps["wxdemomp"]["redirect_domains"] == []
    alice = sim.user("alice")
    assert alice.nickname == "Alice"
    assert alice.headimgurl == f"{sim.base_url}/_sim/avatars/alice.svg"
    assert httpx.get(alice.headimgurl).headers["content-type"] == "image/svg+xml"
    guide = out.getvalue()
    assert "/auth/miniprogram/mp/login/" in guide
    assert "wechat_push --app oa" in guide
    assert "mp-secret" not in guide
    assert "demo-token" not in guide
    code = guide.split('"code": "', 1)[1].split('"', 1)[0]
    assert len(code) == 32  # a real, unused login code for alice


def test_demo_refuses_without_debug(
    settings: Any, sim: SimulatorControl, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DJWECHAT_SIMULATOR_ALLOW_PRODUCTION", raising=False)
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command(Command(), "--simulator", sim.base_url, "--skip-runserver")


def test_demo_reports_an_unreachable_simulator(demo_settings: Any) -> None:
    with pytest.raises(CommandError, match="could not set up"):
        call_command(Command(), "--simulator", "http://127.0.0.1:9", "--skip-runserver", stdout=io.StringIO())
