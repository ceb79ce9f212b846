"""Wire-format proof: wechatpy, an independent WeChat client, works against the simulator over HTTP."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from wechatpy import WeChatClient
from wechatpy.exceptions import WeChatClientException
from wechatpy.oauth import WeChatOAuth

from djwechat.simulator.server import SimulatorServer
from djwechat.testing import SimulatorControl, SimUser


class SimulatedWeChatClient(WeChatClient):  # type: ignore[misc]
    """wechatpy's client with every base URL pointed at the simulator."""

    def __init__(self, base_url: str, appid: str, secret: str) -> None:
        self.sim_base_url = base_url
        self.API_BASE_URL = f"{base_url}/cgi-bin/"
        super().__init__(appid, secret)
        self.wxa.API_BASE_URL = f"{base_url}/"

    def fetch_access_token(self) -> Any:
        return self._fetch_access_token(
            url=f"{self.sim_base_url}/cgi-bin/token",
            params={"grant_type": "client_credential", "appid": self.appid, "secret": self.secret},
        )


def test_wechatpy_gets_a_token_and_exchanges_a_login_code(
    wechat_simulator: SimulatorServer, sim: SimulatorControl, sim_user: SimUser
) -> None:
    sim.register_app("wxwechatpy00000001", "wechatpy-secret")
    client = SimulatedWeChatClient(wechat_simulator.url, "wxwechatpy00000001", "wechatpy-secret")
    assert len(client.access_token) > 100
    session = client.wxa.code_to_session(sim.mint_code("wxwechatpy00000001", sim_user.id))
    assert session["openid"] == sim_user.openid("wxwechatpy00000001")
    assert session["unionid"] == sim_user.unionid
    assert len(session["session_key"]) == 24
    with pytest.raises(WeChatClientException) as excinfo:
        client.wxa.code_to_session("0" * 32)
    assert excinfo.value.errcode == 40029
    assert [c["path"] for c in sim.calls()] == [
        "/cgi-bin/token",
        "/sns/jscode2session",
        "/sns/jscode2session",
    ]


def test_wechatpy_refreshes_its_token_after_40001(
    wechat_simulator: SimulatorServer, sim: SimulatorControl, sim_user: SimUser
) -> None:
    sim.register_app("wxwechatpy00000002", "oa-secret", type="official_account")
    client = SimulatedWeChatClient(wechat_simulator.url, "wxwechatpy00000002", "oa-secret")
    openid = sim_user.openid("wxwechatpy00000002")
    client.message.send_text(openid, "你好")
    sim.add_fault("/cgi-bin/message/custom/send", errcode=40001)
    client.message.send_text(openid, "again")  # wechatpy fetches a new token and retries
    assert [m["payload"]["content"] for m in sim.messages(sim_user.id)] == ["你好", "again"]
    assert [c["path"] for c in sim.calls("/cgi-bin/token")] == ["/cgi-bin/token", "/cgi-bin/token"]


def test_wechatpy_oauth_flow(
    wechat_simulator: SimulatorServer, sim: SimulatorControl, sim_user: SimUser
) -> None:
    sim.register_app("wxwechatpy00000003", "web-secret", type="website")
    oauth = WeChatOAuth(
        "wxwechatpy00000003", "web-secret", "https://site.example/cb", scope="snsapi_login", state="xyz"
    )
    oauth.API_BASE_URL = f"{wechat_simulator.url}/"
    oauth.OAUTH_BASE_URL = f"{wechat_simulator.url}/connect/"
    assert httpx.get(oauth.qrconnect_url).status_code == 200  # the QR page accepts wechatpy's URL
    decided = sim.authorize("xyz", sim_user.id)
    assert decided["redirect"].startswith("https://site.example/cb?code=")
    token = oauth.fetch_access_token(decided["code"])
    assert token["openid"] == sim_user.openid("wxwechatpy00000003")
    assert oauth.check_access_token()
    assert oauth.get_user_info()["nickname"] == "Alice"
    assert oauth.refresh_access_token(oauth.refresh_token)["openid"] == token["openid"]
