"""The public pytest fixtures and control client, used the way a project's own tests use them."""

from __future__ import annotations

import httpx
import pytest
from django.conf import settings
from django.test import Client

from djwechat._internal.datacrypt import decrypt_data
from djwechat.client import get_client
from djwechat.conf import AppSettings, get_settings
from djwechat.exceptions import CodeUsedError
from djwechat.simulator.server import SimulatorServer
from djwechat.testing import TEST_APPS, SimulatorControl, SimulatorControlError, SimUser


def test_wechat_simulator_is_a_live_server(wechat_simulator: SimulatorServer) -> None:
    assert wechat_simulator.url.startswith("http://127.0.0.1:")
    assert httpx.get(f"{wechat_simulator.url}/_sim/apps").status_code == 200


def test_sim_starts_empty(sim: SimulatorControl) -> None:
    assert sim.apps() == []
    assert sim.calls() == []


def test_sim_user(sim_user: SimUser, sim: SimulatorControl) -> None:
    assert sim_user.id == "alice"
    assert sim.user("alice").phone_number == "13800138000"
    assert sim_user.openid("wxa") != sim_user.openid("wxb")


def test_wechat_apps_configures_settings_and_simulator(
    wechat_apps: dict[str, AppSettings], sim: SimulatorControl
) -> None:
    assert set(wechat_apps) == {"mp", "web", "oa"}
    assert wechat_apps["mp"].app_id == TEST_APPS["mp"]["APP_ID"]
    assert wechat_apps["oa"].token == "test-oa-token"
    assert settings.WECHAT["API_BASE_URL"] == sim.base_url
    assert get_settings().api_base_url == sim.base_url
    registered = {a["app_id"]: a for a in sim.apps()}
    assert registered[wechat_apps["oa"].app_id]["has_token"] is True
    assert registered[wechat_apps["web"].app_id]["type"] == "website"


@pytest.mark.django_db
def test_djwechat_client_over_http(
    wechat_apps: dict[str, AppSettings], sim: SimulatorControl, sim_user: SimUser
) -> None:
    code = sim.mint_code(wechat_apps["mp"].app_id, sim_user.id)
    session = get_client("mp").code_to_session(code)
    assert session.openid == sim_user.openid(wechat_apps["mp"].app_id)
    assert session.unionid == sim_user.unionid
    with pytest.raises(CodeUsedError):
        get_client("mp").code_to_session(code)
    assert sim.calls("/sns/jscode2session")[0]["query"]["secret"] == "***"


@pytest.mark.django_db
def test_djwechat_client_in_process(
    wechat_in_process: dict[str, AppSettings], sim: SimulatorControl, sim_user: SimUser
) -> None:
    assert get_settings().client.transport == "djwechat.simulator.transport.SimulatorTransport"
    get_client("oa").send_text(sim_user.openid(wechat_in_process["oa"].app_id), "hello")
    assert [m["payload"] for m in sim.messages(sim_user.id)] == [{"content": "hello"}]


@pytest.mark.django_db
def test_encrypted_data_opens_with_the_session_key_of_the_code_exchange(
    wechat_apps: dict[str, AppSettings], sim: SimulatorControl, sim_user: SimUser
) -> None:
    app_id = wechat_apps["mp"].app_id
    session = get_client("mp").code_to_session(sim.mint_code(app_id, sim_user.id))
    sealed = sim.encrypted_data(app_id, sim_user.id, "phone_number")
    data = decrypt_data(sealed.encrypted_data, session_key=session.session_key, iv=sealed.iv, app_id=app_id)
    assert data["purePhoneNumber"] == "13800138000"
    assert data == sealed.data


@pytest.mark.django_db
def test_login_with_the_profile_in_process(
    client: Client, wechat_in_process: dict[str, AppSettings], sim: SimulatorControl, sim_user: SimUser
) -> None:
    # The example of docs/simulator.md, through the in-process transport.
    app_id = wechat_in_process["mp"].app_id
    code = sim.mint_code(app_id, sim_user.id)
    profile = sim.encrypted_data(app_id, sim_user.id)
    answer = client.post(
        "/auth/miniprogram/mp/login/", {"code": code, **profile.fields()}, content_type="application/json"
    )
    assert answer.status_code == 200, answer.content
    assert answer.json()["user"]["nickname"] == "Alice"


def test_in_process_control_shares_the_state(sim: SimulatorControl) -> None:
    with SimulatorControl.in_process() as local:
        local.register_app("wxshared", "s")
    assert [a["app_id"] for a in sim.apps()] == ["wxshared"]


def test_control_errors_carry_status_and_code(sim: SimulatorControl) -> None:
    with pytest.raises(SimulatorControlError) as excinfo:
        sim.user("nobody")
    assert excinfo.value.status == 404
    assert excinfo.value.code == "not_found"
