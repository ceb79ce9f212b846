"""Identifiers the simulator hands out: openids, unionids, codes, tokens, session keys.

Openids and unionids are derived from stable inputs, so the same fake user keeps the same
openid for an app across restarts and resets of the simulator, as a real user does:

* openid: one per (app, user) — WeChat gives a user a different openid in every app;
* unionid: one per (Open Platform account, user) — the same in every app bound to that account
  (developers.weixin.qq.com/doc/oplatform/Website_App/WeChat_Login/Authorization_Interface_Calling_UnionID.html).
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import re
import secrets
from typing import Final

__all__ = [
    "ACCESS_TOKEN_RE",
    "default_phone_number",
    "new_access_token",
    "new_code",
    "new_session_key",
    "openid_for",
    "unionid_for",
]

_counter = itertools.count(1)

#: Shape of the access tokens the simulator issues; anything else is "garbage" (40014).
ACCESS_TOKEN_RE: Final = re.compile(r"\A\d+_[A-Za-z0-9_-]{100,}\Z")


def _digest_id(prefix: str, *parts: str) -> str:
    digest = hashlib.sha256("\x1f".join(parts).encode()).digest()
    # 27 URL-safe characters after a one-letter prefix: the 28-character shape of real ids.
    return prefix + base64.urlsafe_b64encode(digest).decode().rstrip("=")[:27]


def openid_for(app_id: str, user_id: str) -> str:
    """The openid of fake user ``user_id`` in app ``app_id`` (stable, 28 characters)."""
    return _digest_id("o", "openid", app_id, user_id)


def unionid_for(open_account: str, user_id: str) -> str:
    """The unionid of fake user ``user_id`` under Open Platform account ``open_account``."""
    return _digest_id("o", "unionid", open_account, user_id)


def default_phone_number(user_id: str) -> str:
    """A stable mainland-China mobile number for a user created without one."""
    digest = hashlib.sha256(f"phone\x1f{user_id}".encode()).digest()
    return f"139{int.from_bytes(digest[:8], 'big') % 10**8:08d}"


def new_code() -> str:
    """A fresh login / phone / OAuth code (32 characters, like WeChat's)."""
    return secrets.token_hex(16)


def new_access_token() -> str:
    """A fresh access token shaped like WeChat's (a number, ``_``, 128 URL-safe characters)."""
    return f"{next(_counter)}_{secrets.token_urlsafe(96)}"


def new_session_key() -> str:
    """A fresh Mini Program session_key: 16 random bytes, base64 (24 characters)."""
    return base64.b64encode(secrets.token_bytes(16)).decode()
