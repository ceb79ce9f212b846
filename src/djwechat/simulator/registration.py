"""Registering a Django project's configured apps with a simulator (``wechat_demo``, ``--register-apps``)."""

from __future__ import annotations

from djwechat.conf import get_settings
from djwechat.simulator.records import SimApp, SimUser
from djwechat.simulator.state import SimulatorState

__all__ = ["DEMO_USERS", "register_demo_users", "register_settings_apps"]

#: Fake users the demo creates: (id, nickname, phone number).
DEMO_USERS = (("alice", "Alice", "13800138000"), ("bob", "Bob", "13900139000"))


def register_settings_apps(state: SimulatorState, *, site_url: str = "http://127.0.0.1:8000") -> list[str]:
    """Register every app of ``settings.WECHAT`` with ``state``; returns one line per app.

    An Official Account gets its Token, EncodingAESKey and message URL ``<site_url>/wechat/<alias>/``.
    """
    lines = []
    for app in get_settings().apps.values():
        message_url = f"{site_url}/wechat/{app.alias}/" if app.type == "official_account" else ""
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
