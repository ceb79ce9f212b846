"""JWT sessions: Django sessions whose key travels in a signed token instead of a cookie.

The Python API::

    from djwechat.jwt import login, logout

    pair = login(request, user, session_data={"wechat_session_key": ...})
    logout(request)                   # this device
    logout(request, everywhere=True)  # every device of the user

See :mod:`djwechat.jwt.sessions` for the details and ``docs/sessions.md`` for the whole story.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser

__all__ = ["login", "logout", "revoke_user_sessions"]


def login(
    request: Any,
    user: AbstractBaseUser,
    *,
    session_data: Mapping[str, Any] | None = None,
    is_new_user: bool = False,
) -> dict[str, Any]:
    """Start a session for ``user`` and return its token pair (see :func:`djwechat.jwt.sessions.login`)."""
    from djwechat.jwt import sessions

    return sessions.login(request, user, session_data=session_data, is_new_user=is_new_user)


def logout(request: Any, *, everywhere: bool = False) -> None:
    """End the request's session, or all of its user's (see :func:`djwechat.jwt.sessions.logout`)."""
    from djwechat.jwt import sessions

    sessions.logout(request, everywhere=everywhere)


def revoke_user_sessions(user: Any, *, keep: str | None = None) -> int:
    """End every session of ``user`` (see :func:`djwechat.jwt.sessions.revoke_user_sessions`)."""
    from djwechat.jwt import sessions

    return sessions.revoke_user_sessions(user, keep=keep)
