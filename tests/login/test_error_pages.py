"""Django's error page never shows a WeChat secret, not even with ``DEBUG`` on."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from djwechat.conf import AppSettings
from djwechat.simulator.state import default_state
from djwechat.testing import SimulatorControl

LOGIN = "/auth/miniprogram/mp/login/"


def exploding_step(ctx: Any) -> None:
    """A pipeline step with a bug."""
    raise RuntimeError("a bug in a pipeline step")


@pytest.fixture
def debug_client(settings: Any, db: None) -> Client:
    settings.DEBUG = True
    return Client(raise_request_exception=False)


def test_debug_page_of_a_failed_login_hides_the_session_key(
    debug_client: Client, sim: SimulatorControl, wechat_apps: dict[str, AppSettings], settings: Any
) -> None:
    mp = wechat_apps["mp"]
    user = sim.create_user("debug-page-user", nickname="Dora")
    settings.WECHAT = {
        **settings.WECHAT,
        "LOGIN": {**settings.WECHAT["LOGIN"], "PIPELINE": ("tests.login.test_error_pages.exploding_step",)},
    }
    code = sim.mint_code(mp.app_id, user.id)
    sealed = sim.encrypted_data(mp.app_id, user.id, data={"nickName": "Dora"})
    body = {"code": code, **sealed.fields()}
    response = debug_client.post(LOGIN, body, content_type="application/json", HTTP_ACCEPT="text/html")
    assert response.status_code == 500, response.content[:300]
    page = response.content.decode()
    session_key = default_state().users[user.id].session_keys[mp.app_id]
    assert "a bug in a pipeline step" in page  # the technical page, with its frames
    assert "exploding_step" in page
    assert session_key not in page
    assert mp.app_secret not in page
