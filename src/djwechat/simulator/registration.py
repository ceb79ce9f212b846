"""Registering a Django project's configured apps with a simulator (``wechat_demo``, ``--register-apps``)."""

from __future__ import annotations

from djwechat._internal.site import site_endpoint
from djwechat.conf import get_settings
from djwechat.simulator.records import SimApp, SimUser
from djwechat.simulator.state import SimulatorState

__all__ = ["DEMO_USERS", "message_url_for", "register_demo_users", "register_settings_apps"]

#: Fake users the demo creates: (id, nickname, phone number).
DEMO_USERS = (("alice", "Alice", "13800138000"), ("bob", "Bob", "13900139000"))


def message_url_for(alias: str, *, template: str | None = None, site_url: str | None = None) -> str:
    """The message URL of Official Account ``alias``: ``template`` with ``{alias}`` filled in, or the
    site's URL of its endpoint (``site_url``, default ``WECHAT["SITE_URL"]``, plus the URLconf's
    path); ``""`` when the URLconf does not route it."""
    if template:
        return template.replace("{alias}", alias)
    return site_endpoint("djwechat-messages", base=site_url, app=alias) or ""


def register_settings_apps(
    state: SimulatorState, *, message_url: str | None = None, site_url: str | None = None
) -> list[str]:
    """Register every app of ``settings.WECHAT`` with ``state``; returns one line per app.

    An Official Account gets its Token, EncodingAESKey and message URL (see :func:`message_url_for`).
    """
    lines = []
    for app in get_settings().apps.values():
        url = (
            message_url_for(app.alias, template=message_url, site_url=site_url)
            if app.type == "official_account"
            else ""
        )
        state.register_app(
            SimApp(
                type=app.type,
                app_id=app.app_id,
                app_secret=app.app_secret,
                name=app.alias,
                token=app.token,
                encoding_aes_key=app.encoding_aes_key,
                message_url=url,
                original_id=f"gh_{app.app_id[-12:]}",
            )
        )
        lines.append(f"  {app.alias:<5} {app.type:<17} {app.app_id}" + (f"  -> {url}" if url else ""))
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
