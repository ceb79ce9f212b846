"""Starting, refreshing and ending JWT sessions: the functions behind the endpoints.

Every function here is plain Python called by the HTTP views, by the login flows of
:mod:`djwechat.login` and by tests alike.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from django.contrib.auth import user_logged_in, user_logged_out
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import connections, router, transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from djwechat._internal.client_ip import client_ip
from djwechat._internal.imports import import_hook
from djwechat._internal.text import storable_text
from djwechat.conf import get_settings
from djwechat.exceptions import RefreshReuseError, SessionRevokedError
from djwechat.jwt import session_tokens as tokens
from djwechat.jwt.models import JWTSession
from djwechat.jwt.record_cache import purge
from djwechat.jwt.serializers import user_payload
from djwechat.jwt.session_store import SessionStore


def _http_request(request: Any) -> HttpRequest | None:
    """The Django request behind a DRF ``Request`` (or the request itself; ``None`` allowed)."""
    http_request: HttpRequest | None = getattr(request, "_request", request)
    return http_request


def identity_claims(user: AbstractBaseUser) -> dict[str, Any]:
    """The ``USER_TO_PAYLOAD`` claims of ``user``, checked to name it with a string ``sub``."""
    claims = dict(import_hook(get_settings().jwt.user_to_payload)(user))
    if not isinstance(claims.get("sub"), str) or not claims["sub"]:
        raise TypeError("USER_TO_PAYLOAD must return a dict with a non-empty string 'sub'.")
    return {k: v for k, v in claims.items() if k not in tokens.RESERVED_CLAIMS or k == "sub"}


def token_pair(
    request: Any,
    user: AbstractBaseUser,
    store: SessionStore,
    *,
    refresh_id: str,
    is_new_user: bool = False,
) -> dict[str, Any]:
    """Issue an access token and a refresh token for ``store``'s session, shaped by ``TOKEN_RESPONSE``."""
    conf = get_settings().jwt
    identity = identity_claims(user)
    session_key = store.session_key or ""
    extra = import_hook(conf.extra_claims)(user, store) if conf.extra_claims else None
    pair: dict[str, Any] = {
        "access": tokens.make_access_token(identity, session_key=session_key, extra=extra),
        "refresh": tokens.make_refresh_token(identity, session_key=session_key, refresh_id=refresh_id),
        "token_type": "Bearer",
        "expires_in": int(conf.access_token_lifetime.total_seconds()),
        "user": user_payload(user),
        "is_new_user": is_new_user,
    }
    if conf.token_response:
        pair = dict(import_hook(conf.token_response)(pair, user, request))
    return pair


@sensitive_variables()
def login(
    request: Any,
    user: AbstractBaseUser,
    *,
    session_data: Mapping[str, Any] | None = None,
    is_new_user: bool = False,
) -> dict[str, Any]:
    """Start a session for ``user`` on the requesting device and return its token pair.

    ``request`` (a Django or DRF request, or ``None`` outside HTTP) provides the device's user
    agent and IP address.  ``session_data`` is stored in the server-side session - a WeChat
    ``session_key`` belongs here - and never in the answer.  With ``JWT.SINGLE_SESSION`` the
    user's other sessions end in the same transaction; of concurrent logins, the last to
    commit keeps the only session.  Sends Django's ``user_logged_in`` signal (which updates
    ``last_login``).  Afterwards ``request.jwt_user`` / ``request.jwt_session`` are the new ones.

    Returns ``{"access", "refresh", "token_type": "Bearer", "expires_in", "user", "is_new_user"}``
    as shaped by ``JWT.TOKEN_RESPONSE``.
    """
    http_request = _http_request(request)
    store = SessionStore()
    store.user = user
    if http_request is not None:
        # Headers are client input: PostgreSQL refuses a NUL, and the admin shows this text.
        store.user_agent = storable_text(str(http_request.META.get("HTTP_USER_AGENT", "")))
    store.ip_address = client_ip(http_request) if http_request is not None else None
    store.refresh_id = tokens.new_token_id()
    if session_data:
        store.update(session_data)
    if get_settings().jwt.single_session:
        _create_only_session(store, user)
    else:
        store.create()
    store.modified = False  # just written; nothing for the middleware to save again
    pair = token_pair(request, user, store, refresh_id=store.refresh_id, is_new_user=is_new_user)
    if http_request is not None:
        http_request.jwt_user = user  # type: ignore[attr-defined]
        http_request.jwt_session = store  # type: ignore[attr-defined]
    user_logged_in.send(sender=type(user), request=http_request, user=user)
    return pair


def _create_only_session(store: SessionStore, user: AbstractBaseUser) -> None:
    """Create ``store``'s session and end every other session of ``user``, race-free.

    Without care, two logins of one user at the same instant each delete "the others" before
    either new row is visible to the other, and both survive.  So the whole step is one
    transaction that first serialises the logins of this user:

    * where the database has ``SELECT ... FOR UPDATE`` (PostgreSQL, MySQL, Oracle), the user's
      row is locked: a second login waits until the first commits, then sees - and deletes -
      the first one's session;
    * SQLite ignores ``FOR UPDATE`` but admits one writer at a time: the INSERT of the new session
      comes first, so the transaction holds the write lock before it reads the other sessions
      (a read first would let two logins read, then deadlock on upgrading to a write).

    The last login to commit wins; the tokens of every earlier session are refused.
    """
    using = router.db_for_write(JWTSession)
    with transaction.atomic(using=using):
        if connections[using].features.has_select_for_update:
            user_model: Any = type(user)
            users = user_model._base_manager.using(using).select_for_update()
            list(users.filter(pk=user.pk).values_list("pk"))
        store.create()
        revoke_user_sessions(user, keep=store.session_key)


def logout(request: Any, *, everywhere: bool = False) -> None:
    """End the session of the request's access token, or with ``everywhere`` all of its user's.

    Tokens of the ended sessions are refused from the very next request.  Anonymous requests
    are a no-op.  Sends Django's ``user_logged_out`` signal.
    """
    http_request = _http_request(request)
    if http_request is None:
        return
    store: SessionStore | None = getattr(http_request, "jwt_session", None)
    user = getattr(http_request, "jwt_user", None)
    if user is not None and everywhere:
        revoke_user_sessions(user.pk)
    elif store is not None and store.session_key:
        store.delete()
    if user is not None:
        user_logged_out.send(sender=type(user), request=http_request, user=user)
    http_request.jwt_user = None  # type: ignore[attr-defined]
    http_request.jwt_session = SessionStore()  # type: ignore[attr-defined]


def revoke_user_sessions(user: Any, *, keep: str | None = None) -> int:
    """End every session of ``user`` (a user or its primary key) except the one keyed ``keep``.

    Use it after changing ``is_active`` or the password through ``QuerySet.update()``, which sends
    no signal.  Returns the number of sessions ended.
    """
    user_id: Any = getattr(user, "pk", user)
    sessions = JWTSession.objects.filter(user_id=user_id)
    if keep:
        sessions = sessions.exclude(session_key=keep)
    return revoke_sessions(sessions)


def revoke_sessions(sessions: QuerySet[JWTSession]) -> int:
    """End the sessions selected by ``sessions`` (a ``JWTSession`` queryset).

    The rows are deleted; the ``post_delete`` receiver of :mod:`djwechat.jwt.signals` purges
    their cached records, as for every other deletion, so their tokens are refused from the
    next request.  Behind :func:`revoke_user_sessions` (logout everywhere), a detected refresh
    replay and the admin's "revoke" action.  Returns the number of sessions ended.
    """
    return int(sessions.delete()[1].get(JWTSession._meta.label, 0))


def refresh(request: Any, refresh_token: str) -> dict[str, Any]:
    """Rotate a refresh token: return a new pair and make the presented refresh token old.

    Raises :class:`~djwechat.exceptions.InvalidTokenError` / ``ExpiredTokenError`` for a bad
    token, :class:`SessionRevokedError` when the session has ended or its user is gone or
    inactive, and :class:`RefreshReuseError` - after deleting the session - when the token was
    already rotated more than ``JWT.REFRESH_GRACE_SECONDS`` ago (a replay: whoever holds the
    token, the session is no longer trusted).

    A refresh of the token rotated *within* the grace window (two tabs or retries refreshing at
    once) succeeds with a pair whose refresh token carries the same refresh id as the winner's:
    both callers hold a valid refresh token and nothing rotates twice.
    """
    claims = tokens.decode(refresh_token, "refresh")
    session_key, presented = claims["sid"], claims["jti"]
    conf = get_settings().jwt
    now = timezone.now()
    new_id = tokens.new_token_id()
    # Compare-and-set in ONE statement rather than SELECT ... FOR UPDATE: it needs no explicit
    # transaction, holds the row lock only for the statement (not while tokens are signed),
    # works the same on SQLite (where FOR UPDATE is ignored), and on PostgreSQL a concurrent
    # UPDATE of the same row waits for the first, then re-checks the WHERE clause against the
    # committed row - so exactly one caller rotates a given refresh id.
    rotated = JWTSession.objects.filter(
        session_key=session_key, refresh_id=presented, expire_date__gt=now
    ).update(
        refresh_id=new_id,
        previous_refresh_id=presented,
        rotated_at=now,
        expire_date=now + conf.refresh_token_lifetime,
    )
    if rotated:
        current_id = new_id
        # The cached record carries the old, earlier expiry: a copy left behind by an outage
        # is only read from the database sooner, so the rotation stands without the cache.
        with contextlib.suppress(Exception):
            purge(session_key, router.db_for_write(JWTSession))
    else:
        current_id = _grace_or_revoke(session_key, presented, now, conf.refresh_grace_seconds)
    session = JWTSession.objects.select_related("user").filter(session_key=session_key).first()
    if session is None:
        raise SessionRevokedError()
    user = session.user
    if not getattr(user, "is_active", True):
        revoke_user_sessions(user)
        raise SessionRevokedError()
    store = SessionStore(session_key)
    return token_pair(request, user, store, refresh_id=current_id)


def _grace_or_revoke(session_key: str, presented: str, now: Any, grace: int) -> str:
    """The refresh id to hand out when ``presented`` is no longer current (or raise)."""
    row = (
        JWTSession.objects.filter(session_key=session_key, expire_date__gt=now)
        .values("refresh_id", "previous_refresh_id", "rotated_at")
        .first()
    )
    if row is None:
        raise SessionRevokedError()
    if (
        row["previous_refresh_id"] == presented
        and row["rotated_at"] is not None
        and now - row["rotated_at"] <= timedelta(seconds=grace)
    ):
        return str(row["refresh_id"])
    revoke_sessions(JWTSession.objects.filter(session_key=session_key))
    raise RefreshReuseError()
