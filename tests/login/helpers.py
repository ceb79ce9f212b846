"""Building login contexts by hand, for tests of the pipeline without a WeChat round trip."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from djwechat.conf import AppSettings
from djwechat.login.pipeline import LoginContext
from djwechat.login.providers import get_provider

MP_APP = AppSettings(alias="mp", type="miniprogram", app_id="wxtestmp0000000001", app_secret="mp-secret")
WEB_APP = AppSettings(alias="web", type="website", app_id="wxtestweb000000001", app_secret="web-secret")
OA_APP = AppSettings(
    alias="oa", type="official_account", app_id="wxtestoa0000000001", app_secret="oa-secret", token="t"
)


def make_context(
    app: AppSettings = MP_APP,
    *,
    openid: str = "o-test-openid-1",
    unionid: str | None = None,
    response: Mapping[str, Any] | None = None,
) -> LoginContext:
    """A context as a flow would make it after WeChat named the user."""
    return LoginContext(
        request=None,
        app=app,
        provider=get_provider(app.type),
        openid=openid,
        unionid=unionid,
        response=dict(response or {}),
    )
