"""XML of the messages and events WeChat pushes to an Official Account.

Field names follow doc/offiaccount/Message_Management/Receiving_standard_messages.html and
Receiving_event_pushes.html: every push has ``ToUserName`` (the account's original id ``gh_…``),
``FromUserName`` (the user's openid), ``CreateTime`` and ``MsgType``; normal messages carry a
64-bit ``MsgId``, events carry ``Event`` (and ``EventKey`` for menu clicks and QR scans).
"""

from __future__ import annotations

import secrets
import time
from typing import Any

from djwechat._internal.xml import render_xml

__all__ = ["click_event", "event_message", "text_message"]


def _header(to_user: str, from_user: str, msg_type: str, create_time: int | None) -> dict[str, Any]:
    return {
        "ToUserName": to_user,
        "FromUserName": from_user,
        "CreateTime": int(time.time()) if create_time is None else create_time,
        "MsgType": msg_type,
    }


def text_message(
    to_user: str, from_user: str, content: str, *, msg_id: int | None = None, create_time: int | None = None
) -> str:
    """A text message from ``from_user`` (openid) to the account ``to_user`` (gh_ id)."""
    fields = _header(to_user, from_user, "text", create_time)
    fields["Content"] = content
    fields["MsgId"] = msg_id if msg_id is not None else secrets.randbits(63)
    return render_xml(fields)


def event_message(
    to_user: str,
    from_user: str,
    event: str,
    *,
    event_key: str | None = None,
    create_time: int | None = None,
    **extra: Any,
) -> str:
    """An event push (``subscribe``, ``unsubscribe``, ``SCAN``, ``CLICK``, ``VIEW``, ``LOCATION`` …);
    ``extra`` adds fields such as ``Ticket`` or ``Latitude``."""
    fields = _header(to_user, from_user, "event", create_time)
    fields["Event"] = event
    if event_key is not None:
        fields["EventKey"] = event_key
    fields.update(extra)
    return render_xml(fields)


def click_event(to_user: str, from_user: str, key: str, *, create_time: int | None = None) -> str:
    """A custom-menu click (``Event=CLICK``, ``EventKey`` = the menu key)."""
    return event_message(to_user, from_user, "CLICK", event_key=key, create_time=create_time)
