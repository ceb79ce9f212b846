"""Fixtures of the login tests: the simulator's apps, a fake user, and a mini program front end."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from djwechat.conf import AppSettings
from djwechat.testing import SimulatorControl, SimUser

LOGIN_URL = "/auth/miniprogram/mp/login/"
PHONE_URL = "/auth/miniprogram/mp/phone/"


@pytest.fixture
def mp(wechat_apps: dict[str, AppSettings]) -> AppSettings:
    return wechat_apps["mp"]


@pytest.fixture
def login(client: Client, sim: SimulatorControl, mp: AppSettings) -> Callable[..., Any]:
    """``login(user, **fields)``: ``wx.login`` as ``user``, then POST the code (and ``fields``)."""

    def do(
        user: SimUser | None = None, *, code: str | None = None, url: str = LOGIN_URL, **fields: Any
    ) -> Any:
        if code is None:
            assert user is not None
            code = sim.mint_code(mp.app_id, user.id)
        return client.post(url, {"code": code, **fields}, content_type="application/json")

    return do
