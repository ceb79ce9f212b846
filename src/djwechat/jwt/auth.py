"""Authenticating one request from its ``Authorization`` header (shared by middleware, DRF and decorator).

:func:`authenticate_request` runs at most once per request and leaves three attributes on it:
``jwt_user`` (a lazy user or ``None``), ``jwt_session`` (a :class:`SessionStore`, empty when
anonymous) and ``jwt_error`` (why a presented token was refused, else ``None``).

The cost of an authenticated request is one signature check plus one cache read: the session
must exist (revocation is deleting it), and ``jwt_user.pk`` comes from the session record, so
the user row is only read if the view touches another attribute of the user.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from djwechat._internal.debug import protect_error_pages
from djwechat._internal.imports import import_hook
from djwechat.conf import get_settings
from djwechat.exceptions import AuthError, InvalidTokenError, SessionRevokedError
from djwechat.jwt import tokens
from djwechat.jwt.backends import SessionStore
from djwechat.jwt.record_cache import SessionRecord

_STATE_ATTR = "_djwechat_jwt_done"


class LazyUser(SimpleLazyObject):  # type: ignore[type-arg]
    """The token's user, read from the database only when an attribute other than ``pk`` is used.

    ``pk``, ``is_authenticated``, ``is_anonymous`` and truthiness (``if request.jwt_user:``) are
    answered without loading.  Loading
    calls ``PAYLOAD_TO_USER`` and raises :class:`SessionRevokedError` (and ends the user's
    sessions) when the user is gone, inactive or not the session's owner.
    """

    def __init__(self, pk: Any, claims: dict[str, Any]) -> None:
        self.__dict__["_jwt_pk"] = pk

        def load() -> AbstractBaseUser:
            user = import_hook(get_settings().jwt.payload_to_user)(claims)
            if user is None or user.pk != pk or not getattr(user, "is_active", True):
                from djwechat.jwt.sessions import revoke_user_sessions

                revoke_user_sessions(pk)
                raise SessionRevokedError()
            return user  # type: ignore[no-any-return]

        super().__init__(load)

    @property
    def pk(self) -> Any:
        return self.__dict__["_jwt_pk"]

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def __bool__(self) -> bool:
        return True

    def __repr__(self) -> str:
        return f"<LazyUser pk={self.pk!r}>"


def bearer_token(request: HttpRequest) -> str | None:
    """The token of an ``Authorization: <type> <token>`` header of an accepted type.

    ``None`` when there is no such header (another scheme, such as ``Basic``, is not ours);
    :class:`InvalidTokenError` when it is ours but malformed or oversized.
    """
    header: str | None = request.META.get("HTTP_AUTHORIZATION")
    if not header:
        return None
    conf = get_settings().jwt
    scheme, _, rest = header.partition(" ")
    if scheme.casefold() not in {t.casefold() for t in conf.auth_header_types}:
        return None
    if len(header) > conf.max_header_length:
        raise InvalidTokenError("The Authorization header is too long.")
    token = rest.strip()
    if not token or " " in token:
        raise InvalidTokenError("The Authorization header must be '<type> <token>'.")
    return token


def verify_access_token(token: str) -> tuple[dict[str, Any], SessionRecord]:
    """Claims and live session of an access token; raises an :class:`AuthError` subclass."""
    claims = tokens.decode(token, "access")
    record = SessionStore(claims["sid"]).load_record()
    if record is None:
        raise SessionRevokedError()
    return claims, record


def authenticate_request(request: HttpRequest) -> HttpRequest:
    """Set ``jwt_user``, ``jwt_session`` and ``jwt_error`` on ``request`` (once) and return it."""
    if request.__dict__.get(_STATE_ATTR):
        return request
    protect_error_pages(request)  # the session may hold a WeChat session_key
    user: LazyUser | None = None
    session = SessionStore()
    error: AuthError | None = None
    try:
        token = bearer_token(request)
        if token is not None:
            claims, record = verify_access_token(token)
            session = SessionStore.from_record(record)
            user = LazyUser(record.user_id, claims)
    except AuthError as exc:
        error = exc
    request.jwt_user = user  # type: ignore[attr-defined]
    request.jwt_session = session  # type: ignore[attr-defined]
    request.jwt_error = error  # type: ignore[attr-defined]
    request.__dict__[_STATE_ATTR] = True
    return request
