"""The WeChat apps the ``wechat_apps`` fixture configures (fixed test credentials)."""

from __future__ import annotations

from typing import Any, Final

__all__ = ["TEST_APPS", "settings_with_apps"]

#: ``settings.WECHAT["APPS"]`` entries of the ``wechat_apps`` fixture.
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
    """A copy of the ``WECHAT`` setting ``current`` with ``apps`` added (the test apps by default)
    and ``API_BASE_URL`` / ``OPEN_BASE_URL`` pointing at ``base_url``."""
    wechat = dict(current or {})
    wechat["APPS"] = {**dict(wechat.get("APPS") or {}), **(apps if apps is not None else TEST_APPS)}
    wechat["API_BASE_URL"] = base_url
    wechat["OPEN_BASE_URL"] = base_url
    return wechat
