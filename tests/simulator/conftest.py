"""Fixtures of the simulator tests: each WeChat-facing test runs over real HTTP and in-process."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from djwechat.simulator.server import SimulatorServer
from djwechat.simulator.transport import SimulatorTransport
from djwechat.testing import SimulatorControl, SimUser

from .oa_endpoint import Endpoint, serve_endpoint

MP = {"app_id": "wxsimmp00000000001", "app_secret": "mp-secret-1", "type": "miniprogram"}
MP2 = {"app_id": "wxsimmp00000000002", "app_secret": "mp-secret-2", "type": "miniprogram"}
WEB = {"app_id": "wxsimweb0000000001", "app_secret": "web-secret-1", "type": "website"}
OA = {"app_id": "wxsimoa00000000001", "app_secret": "oa-secret-1", "type": "official_account"}


@pytest.fixture(params=["http", "transport"])
def wx(
    request: pytest.FixtureRequest, wechat_simulator: SimulatorServer, sim: SimulatorControl
) -> Iterator[httpx.Client]:
    """A client of the fake WeChat: over a socket, or through the in-process transport (same state)."""
    if request.param == "http":
        client = httpx.Client(base_url=wechat_simulator.url, timeout=5)
    else:
        client = httpx.Client(base_url="https://api.weixin.qq.com", transport=SimulatorTransport(), timeout=5)
    with client:
        yield client


@pytest.fixture
def apps(sim: SimulatorControl) -> dict[str, dict[str, Any]]:
    """Two mini programs, a website app and an Official Account, all on the default Open Platform account."""
    for app in (MP, MP2, WEB, OA):
        sim.register_app(app["app_id"], app["app_secret"], type=app["type"])
    return {"mp": MP, "mp2": MP2, "web": WEB, "oa": OA}


@pytest.fixture
def user(sim: SimulatorControl) -> SimUser:
    return sim.create_user("bob", nickname="Bob", phone_number="13912345678")


@pytest.fixture
def endpoint() -> Iterator[Endpoint]:
    """A wechatpy-based Official Account endpoint on a free loopback port."""
    yield from serve_endpoint()


def token_of(wx: httpx.Client, app: dict[str, Any]) -> str:
    """A classic access token of ``app``."""
    answer = wx.get(
        "/cgi-bin/token",
        params={"grant_type": "client_credential", "appid": app["app_id"], "secret": app["app_secret"]},
    ).json()
    return str(answer["access_token"])
