"""Default ``USER_TO_PAYLOAD`` / ``PAYLOAD_TO_USER`` hooks, and reference ``EXTRA_CLAIMS`` / ``TOKEN_RESPONSE`` hooks.

A project replaces them (``WECHAT["JWT"]["USER_TO_PAYLOAD"]`` and ``["PAYLOAD_TO_USER"]``) when
its users are not identified by their primary key, for example by a public UUID.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser


def user_to_payload(user: AbstractBaseUser) -> dict[str, Any]:
    """Claims that identify ``user``: ``{"sub": "<primary key>"}``.

    Gets the user being logged in; returns a dict merged into every access and refresh token.
    It must contain ``sub`` (a string).
    """
    return {"sub": str(user.pk)}


def payload_to_user(payload: dict[str, Any]) -> AbstractBaseUser | None:
    """The user named by verified claims, or ``None`` when it no longer exists.

    Gets the decoded, verified token payload; returns the user (active or not - the caller
    checks ``is_active``) or ``None``.  Must not raise for a missing user.
    """
    user_model = get_user_model()
    try:
        return user_model._default_manager.get(pk=payload["sub"])
    except (user_model.DoesNotExist, KeyError, ValueError, TypeError):
        return None


def no_extra_claims(user: AbstractBaseUser, session: Any) -> dict[str, Any]:
    """Reference ``EXTRA_CLAIMS`` hook: adds nothing.

    Gets the user and the new session's :class:`~djwechat.jwt.session_store.SessionStore` (its data
    is readable); returns claims added to every access token of that login or refresh.  Reserved
    claims (``sub``, ``sid``, ``jti``, ``iat``, ``exp``, ``typ``, ``iss``, ``aud``, ``nbf``) are
    ignored.  Tokens are readable by their holder: never return secrets.  An exception fails the
    login (500), so keep it simple.
    """
    return {}


def plain_token_response(pair: dict[str, Any], user: AbstractBaseUser, request: Any) -> dict[str, Any]:
    """Reference ``TOKEN_RESPONSE`` hook: the token pair as is.

    Gets the pair (``access``, ``refresh``, ``token_type``, ``expires_in``, ``user``,
    ``is_new_user``), the user and the request (Django or DRF; ``None`` outside HTTP); returns
    the JSON object answered by every login and refresh endpoint.
    """
    return pair
