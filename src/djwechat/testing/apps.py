"""The WeChat apps the ``wechat_apps`` fixture adds where a project configures none (fixed test credentials)."""

from __future__ import annotations

from typing import Any, Final

__all__ = ["TEST_APPS", "settings_with_apps"]

#: ``settings.WECHAT["APPS"]`` entries the ``wechat_apps`` fixture adds under the aliases a project leaves free.
TEST_APPS: Final[dict[str, dict[str, Any]]] = {
    "mp": {
        "TYPE": "miniprogram",
        "APP_ID": "wxtest0mp000000001",
        "APP_SECRET": "test-mp-secret-00000000000000001",
    },
    "web": {
        "TYPE": "website",
        "APP_ID": "wxtest0web00000001",
        "APP_SECRET": "test-web-secret-0000000000000001",
    },
    "oa": {
        "TYPE": "official_account",
        "APP_ID": "wxtest0oa000000001",
        "APP_SECRET": "test-oa-secret-00000000000000001",
        "TOKEN": "test-oa-token",
        "ENCODING_AES_KEY": "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
        "MESSAGE_MODE": "compatible",
    },
}


def settings_with_apps(
    current: Any, base_url: str, apps: dict[str, dict[str, Any]] | None = None
) -> dict[str, Any]:
    """A copy of the ``WECHAT`` setting ``current`` whose ``API_BASE_URL`` / ``OPEN_BASE_URL`` point
    at ``base_url``: its own apps stay as configured (``ROUTER`` included), and ``apps`` (the test
    apps by default) are added under the aliases it leaves free."""
    wechat = dict(current or {})
    configured = dict(wechat.get("APPS") or {})
    extra = apps if apps is not None else TEST_APPS
    wechat["APPS"] = {**configured, **{alias: app for alias, app in extra.items() if alias not in configured}}
    wechat["API_BASE_URL"] = base_url
    wechat["OPEN_BASE_URL"] = base_url
    return wechat
