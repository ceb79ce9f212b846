"""Registering a Django project's configured apps with a simulator (``wechat_demo``, ``--register-apps``)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from djwechat.conf import AppSettings, get_settings
from djwechat.simulator.records import SimApp, SimUser
from djwechat.simulator.state import SimulatorState

__all__ = ["DEMO_USERS", "register_demo_users", "register_settings_apps", "site_registration"]

#: Fake users the demo creates: (id, nickname, phone number).
DEMO_USERS = (("alice", "Alice", "13800138000"), ("bob", "Bob", "13900139000"))


def site_registration(app: AppSettings, site_url: str) -> dict[str, Any]:
    """What a simulator must know of ``app`` to serve the site at ``site_url``.

    ``message_url`` for an Official Account (where WeChat pushes its messages) and
    ``redirect_domains`` for the browser logins of a website app or an Official Account: the
    host of the app's ``CALLBACK_BASE_URL``, else of ``site_url`` (WeChat refuses any other).
    """
    extra: dict[str, Any] = {}
    if app.type == "official_account":
        extra["message_url"] = f"{site_url}/wechat/{app.alias}/"
    host = urlsplit(app.callback_base_url or site_url).hostname
    if app.type in ("website", "official_account") and host:
        extra["redirect_domains"] = [host]
    return extra


def register_settings_apps(state: SimulatorState, *, site_url: str = "http://127.0.0.1:8000") -> list[str]:
    """Register every app of ``settings.WECHAT`` with ``state``; returns one line per app.

    An Official Account gets its Token, EncodingAESKey and message URL ``<site_url>/wechat/<alias>/``;
    a website app and an Official Account get the host of ``site_url`` (or of the app's
    ``CALLBACK_BASE_URL``) as their authorised callback domain.
    """
    lines = []
    for app in get_settings().apps.values():
        extra = site_registration(app, site_url)
        message_url = str(extra.get("message_url", ""))
        state.register_app(
            SimApp(
                type=app.type,
                app_id=app.app_id,
                app_secret=app.app_secret,
                name=app.alias,
                token=app.token,
                encoding_aes_key=app.encoding_aes_key,
                message_url=message_url,
                original_id=f"gh_{app.app_id[-12:]}",
                redirect_domains=tuple(extra.get("redirect_domains", ())),
            )
        )
        lines.append(
            f"  {app.alias:<5} {app.type:<17} {app.app_id}" + (f"  -> {message_url}" if message_url else "")
        )
    return lines


def register_demo_users(state: SimulatorState) -> list[SimUser]:
    """Create the :data:`DEMO_USERS` (kept if they exist)."""
    users = []
    for user_id, nickname, phone in DEMO_USERS:
        with state.lock:
            user = state.users.get(user_id) or state.add_user(
                SimUser(id=user_id, nickname=nickname, phone_number=phone)
            )
        users.append(user)
    return users
