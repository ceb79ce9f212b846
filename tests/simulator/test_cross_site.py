"""The simulator refuses what a web page could send it: a cross-site POST to the control API
(any page a developer visits), a foreign ``Origin``, a ``Host`` that is not this machine
(DNS rebinding).  Tests, tools and its own pages keep working."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from djwechat.simulator.server import SimulatorServer
from djwechat.simulator.state import SimulatorState
from djwechat.testing import SimulatorControl


@pytest.fixture
def server() -> Any:
    with SimulatorServer(state=SimulatorState()) as running:
        SimulatorControl(running.url).register_app("wxcross0mp", "secret", type="miniprogram")
        SimulatorControl(running.url).create_user("alice")
        yield running


def mint(server: SimulatorServer, **kwargs: Any) -> httpx.Response:
    body = json.dumps({"app_id": "wxcross0mp", "user_id": "alice"})
    return httpx.post(f"{server.url}/_sim/codes", content=body, **kwargs)


@pytest.mark.parametrize(
    "headers",
    [
        {"Content-Type": "text/plain"},  # what a cross-site page can POST without a preflight
        {"Content-Type": "application/x-www-form-urlencoded"},
        {"Content-Type": "multipart/form-data; boundary=x"},
        {},
        {"Content-Type": "application/json", "Origin": "https://attacker.example"},
        {"Content-Type": "application/json", "Origin": "null"},
        {"Content-Type": "application/json", "Host": "attacker.example"},
        {"Content-Type": "application/json", "Host": "attacker.example:8900"},
        {"Content-Type": "application/json", "Host": "127.0.0.1.attacker.example"},
        {"Content-Type": "application/json", "Host": "[::1"},
    ],
    ids=str,
)
def test_cross_site_requests_cannot_mint_codes(server: SimulatorServer, headers: dict[str, str]) -> None:
    response = mint(server, headers=headers)
    assert response.status_code in (403, 415), response.text
    assert "code" not in response.json()
    assert response.json()["error"]["code"] in (
        "forbidden_host",
        "forbidden_origin",
        "unsupported_media_type",
    )


def test_dns_rebinding_cannot_read_answers(server: SimulatorServer) -> None:
    for path in ("/_sim/users", "/_sim/calls", "/", "/sns/jscode2session?appid=wxcross0mp&secret=secret"):
        response = httpx.get(f"{server.url}{path}", headers={"Host": "rebound.attacker.example:8900"})
        assert response.status_code == 403, (path, response.text)
        assert "alice" not in response.text


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "LOCALHOST"])
def test_loopback_names_and_own_origin_are_served(server: SimulatorServer, host: str) -> None:
    own = f"http://{host}:{server.port}"
    response = mint(
        server,
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "Host": f"{host}:{server.port}",
            "Origin": own,
        },
    )
    assert response.status_code == 201, response.text
    assert httpx.get(f"{server.url}/_sim/users", headers={"Host": host}).status_code == 200
    assert httpx.delete(f"{server.url}/_sim/calls").status_code == 200  # DELETE needs no body


def test_the_host_it_was_started_on_is_served() -> None:
    with SimulatorServer("127.0.0.2", state=SimulatorState()) as running:
        assert httpx.get(f"{running.url}/_sim/apps").status_code == 200
        refused = httpx.get(f"{running.url}/_sim/apps", headers={"Host": "127.0.0.3"})
        assert refused.status_code == 403


def test_the_in_process_transport_is_not_a_network() -> None:
    control = SimulatorControl.in_process()
    assert control.base_url == "http://simulator.invalid"
    assert isinstance(control.apps(), list)


def test_a_lone_surrogate_in_encrypted_data_is_a_400(server: SimulatorServer) -> None:
    code = mint(server, headers={"Content-Type": "application/json"})
    assert code.status_code == 201
    body = '{"app_id": "wxcross0mp", "user_id": "alice", "data": {"nickName": "\\ud800"}}'
    response = httpx.post(
        f"{server.url}/_sim/encrypted_data", content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "bad_request"
