"""Fault injection and per-minute quotas, over HTTP and in-process."""

from __future__ import annotations

import socket
from typing import Any

import httpx
import pytest

from djwechat.simulator.server import SimulatorServer
from djwechat.simulator.transport import SimulatorTransport
from djwechat.testing import SimulatorControl, SimulatorControlError

from .conftest import token_of

TOKEN_PARAMS = {"grant_type": "client_credential", "appid": "wxmp1", "secret": "s"}


@pytest.fixture
def mp(sim: SimulatorControl) -> dict[str, Any]:
    sim.register_app("wxmp1", "s")
    return {"app_id": "wxmp1", "app_secret": "s"}


def test_errcode_fault_for_the_next_n_calls(
    wx: httpx.Client, sim: SimulatorControl, mp: dict[str, Any]
) -> None:
    sim.add_fault("/cgi-bin/token", errcode=-1, times=2)
    assert wx.get("/cgi-bin/token", params=TOKEN_PARAMS).json()["errcode"] == -1
    assert wx.get("/cgi-bin/token", params=TOKEN_PARAMS).json()["errcode"] == -1
    assert "access_token" in wx.get("/cgi-bin/token", params=TOKEN_PARAMS).json()
    assert [c["fault"] for c in sim.calls("/cgi-bin/token")] == ["errcode", "errcode", None]


def test_custom_errmsg_and_clearing(wx: httpx.Client, sim: SimulatorControl, mp: dict[str, Any]) -> None:
    sim.add_fault("cgi-bin/token/", errcode=40164, errmsg="invalid ip 1.2.3.4, not in whitelist", times=5)
    answer = wx.get("/cgi-bin/token", params=TOKEN_PARAMS).json()
    assert answer["errcode"] == 40164
    assert answer["errmsg"].startswith("invalid ip 1.2.3.4")
    assert sim.clear_faults("/cgi-bin/token") == 1
    assert "access_token" in wx.get("/cgi-bin/token", params=TOKEN_PARAMS).json()


def test_latency(wx: httpx.Client, sim: SimulatorControl, mp: dict[str, Any]) -> None:
    sim.add_fault("/cgi-bin/token", latency=0.05)
    assert "access_token" in wx.get("/cgi-bin/token", params=TOKEN_PARAMS).json()
    assert sim.calls()[0]["fault"] == "latency"


def test_drop_over_http(wechat_simulator: SimulatorServer, sim: SimulatorControl, mp: dict[str, Any]) -> None:
    sim.add_fault("/cgi-bin/token", drop=True)
    with pytest.raises(httpx.RemoteProtocolError):
        httpx.get(f"{wechat_simulator.url}/cgi-bin/token", params=TOKEN_PARAMS)
    assert "access_token" in httpx.get(f"{wechat_simulator.url}/cgi-bin/token", params=TOKEN_PARAMS).json()
    assert sim.calls()[0]["fault"] == "drop"


def test_timeout_over_http(
    wechat_simulator: SimulatorServer, sim: SimulatorControl, mp: dict[str, Any]
) -> None:
    sim.add_fault("/cgi-bin/token", timeout=True)
    with pytest.raises(httpx.ReadTimeout):
        httpx.get(f"{wechat_simulator.url}/cgi-bin/token", params=TOKEN_PARAMS, timeout=0.3)
    # The server keeps serving while a request hangs.
    assert "access_token" in httpx.get(f"{wechat_simulator.url}/cgi-bin/token", params=TOKEN_PARAMS).json()
    wechat_simulator.state.release_hangs()


def test_timeout_and_drop_in_process(sim: SimulatorControl, mp: dict[str, Any]) -> None:
    client = httpx.Client(transport=SimulatorTransport(), base_url="https://api.weixin.qq.com", timeout=2)
    sim.add_fault("/cgi-bin/token", timeout=True)
    with pytest.raises(httpx.ReadTimeout):
        client.get("/cgi-bin/token", params=TOKEN_PARAMS)
    sim.add_fault("/cgi-bin/token", drop=True)
    with pytest.raises(httpx.RemoteProtocolError):
        client.get("/cgi-bin/token", params=TOKEN_PARAMS)
    sim.add_fault("/cgi-bin/token", latency=5)
    with pytest.raises(httpx.ReadTimeout):
        client.get("/cgi-bin/token", params=TOKEN_PARAMS, timeout=0.05)  # latency beyond the read timeout
    assert [c["fault"] for c in sim.calls()] == ["timeout", "drop", "timeout"]


def test_a_raw_body(wx: httpx.Client, sim: SimulatorControl, mp: dict[str, Any]) -> None:
    sim.add_fault("/cgi-bin/token", body="<h1>502 Bad Gateway</h1>", status=502)
    sim.add_fault("/cgi-bin/token", body='{"access_tok', content_type="application/json")
    page = wx.get("/cgi-bin/token", params=TOKEN_PARAMS)
    assert (page.status_code, page.headers["content-type"], page.text) == (
        502,
        "text/html; charset=utf-8",
        "<h1>502 Bad Gateway</h1>",
    )
    broken = wx.get("/cgi-bin/token", params=TOKEN_PARAMS)
    assert (broken.status_code, broken.headers["content-type"], broken.text) == (
        200,
        "application/json",
        '{"access_tok',
    )
    assert "access_token" in wx.get("/cgi-bin/token", params=TOKEN_PARAMS).json()
    assert [c["fault"] for c in sim.calls()] == ["body", "body", None]


@pytest.mark.parametrize(
    "body",
    [
        {"errcode": -1},
        {"path": "/_sim/apps", "errcode": -1},
        {"path": "/x", "errcode": "1"},
        {"path": "/x", "timeout": True, "drop": True},
        {"path": "/x", "errcode": 1, "drop": True},
        {"path": "/x", "latency": 500},
        {"path": "/x", "latency": -1},
        {"path": "/x", "times": 0},
        {"path": "/x"},
        {"path": "/x", "body": 1},
        {"path": "/x", "body": "x", "errcode": 1},
        {"path": "/x", "body": "x", "status": 199},
        {"path": "/x", "body": "x", "status": True},
    ],
)
def test_bad_faults_are_400(sim: SimulatorControl, body: dict[str, Any]) -> None:
    response = httpx.post(f"{sim.base_url}/_sim/faults", json=body)
    assert response.status_code == 400
    assert httpx.get(f"{sim.base_url}/_sim/faults").json() == {"faults": []}


def test_control_client_raises_on_4xx(sim: SimulatorControl) -> None:
    with pytest.raises(SimulatorControlError) as excinfo:
        sim.add_fault("/x")
    assert excinfo.value.code == "bad_request"


def test_per_minute_quota(wx: httpx.Client, sim: SimulatorControl) -> None:
    sim.register_app("wxmp1", "s", rate_limit=3)
    for _ in range(3):
        assert "access_token" in wx.get("/cgi-bin/token", params=TOKEN_PARAMS).json()
    limited = wx.get("/cgi-bin/token", params=TOKEN_PARAMS).json()
    assert limited["errcode"] == 45011
    assert limited["errmsg"].startswith("api minute-quota reach limit")
    sim.advance(60)
    token = token_of(wx, {"app_id": "wxmp1", "app_secret": "s"})
    assert token


def test_server_survives_garbage(wechat_simulator: SimulatorServer, sim: SimulatorControl) -> None:
    with socket.create_connection((wechat_simulator.host, wechat_simulator.port), timeout=2) as conn:
        conn.sendall(b"\x00\x01garbage\r\n\r\n")
        conn.recv(1024)
    with socket.create_connection((wechat_simulator.host, wechat_simulator.port), timeout=2) as conn:
        conn.sendall(b"GET /" + b"a" * 70000 + b" HTTP/1.1\r\n\r\n")
        assert b"414" in conn.recv(1024)
    assert httpx.get(f"{wechat_simulator.url}/_sim/apps").status_code == 200
