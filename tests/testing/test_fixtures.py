"""The public pytest fixtures and control client, used the way a project's own tests use them."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from django.conf import settings
from django.test import Client

from djwechat._internal.datacrypt import decrypt_data
from djwechat.client import get_client
from djwechat.conf import AppSettings, get_settings
from djwechat.exceptions import CodeUsedError
from djwechat.simulator.server import SimulatorServer
from djwechat.testing import (
    TEST_APPS,
    SimulatorControl,
    SimulatorControlError,
    SimUser,
    django_transport,
    push_message,
    text_message,
)


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


PROJECT_APPS = {
    "oa": {
        "TYPE": "official_account",
        "APP_ID": "wxproject0oa000001",
        "APP_SECRET": "project-oa-secret-000000000001",
        "TOKEN": "project-token",
        "ENCODING_AES_KEY": "ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210zyxwvut",
        "MESSAGE_MODE": "safe",
        "ROUTER": "example.wechat.router",
    },
    "shop": {"TYPE": "miniprogram", "APP_ID": "wxproject0shop0001", "APP_SECRET": "project-shop-secret"},
}


@pytest.fixture
def project_apps(settings: Any) -> None:
    """A project whose own settings configure an Official Account (with a router) and a shop."""
    settings.WECHAT = {**settings.WECHAT, "APPS": PROJECT_APPS}


def test_wechat_apps_keeps_the_project_apps_and_adds_test_apps_where_free(
    project_apps: None, wechat_apps: dict[str, AppSettings], sim: SimulatorControl
) -> None:
    assert set(wechat_apps) == {"oa", "shop", "mp", "web"}
    assert wechat_apps["oa"].app_id == "wxproject0oa000001"
    assert wechat_apps["oa"].router == "example.wechat.router"
    assert wechat_apps["mp"].app_id == TEST_APPS["mp"]["APP_ID"]
    registered = {a["app_id"] for a in sim.apps()}
    assert registered == {app.app_id for app in wechat_apps.values()}


@pytest.mark.django_db
def test_the_project_router_answers_pushes_in_its_own_tests(
    project_apps: None, wechat_apps: dict[str, AppSettings], sim_user: SimUser
) -> None:
    oa = wechat_apps["oa"]
    openid = sim_user.openid(oa.app_id)
    result = push_message(
        "http://testserver/wechat/oa/",
        token=oa.token,
        xml=text_message(f"gh_{oa.app_id[-12:]}", openid, "weather Hangzhou"),
        app_id=oa.app_id,
        encoding_aes_key=oa.encoding_aes_key,
        mode="safe",
        transport=django_transport(),
    )
    assert result.ok, result.error
    assert result.fields["Content"] == "It is always sunny in Hangzhou on the demo server."


@pytest.mark.django_db
def test_a_project_mini_program_logs_in_through_the_simulator(
    project_apps: None, wechat_apps: dict[str, AppSettings], sim: SimulatorControl, sim_user: SimUser
) -> None:
    code = sim.mint_code(wechat_apps["shop"].app_id, sim_user.id)
    answer = Client().post("/auth/miniprogram/shop/login/", {"code": code}, content_type="application/json")
    assert answer.status_code == 200, answer.content
    assert answer.json()["is_new_user"] is True
