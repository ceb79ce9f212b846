"""Authenticating one request from its ``Authorization`` header (shared by middleware, DRF and decorator).

:class:`RequestAuthenticator` holds the steps, each a hook that
:class:`~djwechat.jwt.authentication.JWTAuthentication` subclasses may override.
:func:`authenticate_request` runs them at most once per request and leaves three attributes on it:
``jwt_user`` (a lazy user or ``None``), ``jwt_session`` (a :class:`SessionStore`, empty when
anonymous; one store per request) and ``jwt_error`` (why a presented token was refused, else ``None``).

The cost of an authenticated request is one signature check plus one cache read: the session
must exist (revocation is deleting it), and ``jwt_user.pk`` comes from the session record, so
the user row is only read if the view touches another attribute of the user.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from asgiref.sync import sync_to_async
from django.contrib.auth.base_user import AbstractBaseUser
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject, empty

from djwechat._internal.debug import protect_error_pages
from djwechat._internal.imports import import_hook
from djwechat.conf import get_settings
from djwechat.exceptions import AuthError, InvalidTokenError, SessionRevokedError
from djwechat.jwt import session_tokens
from djwechat.jwt.record_cache import SessionRecord
from djwechat.jwt.session_store import SessionStore

_STATE_ATTR = "_djwechat_jwt_done"


@functools.lru_cache(maxsize=8)
def _folded(header_types: tuple[str, ...]) -> frozenset[str]:
    # Built once per value of AUTH_HEADER_TYPES rather than on every request.
    return frozenset(t.casefold() for t in header_types)


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
                SessionStore().delete(claims["sid"])  # even if its row went without a signal
                raise SessionRevokedError()
            return user  # type: ignore[no-any-return]

        super().__init__(load)

    def load(self) -> AbstractBaseUser:
        """The user itself, read from the database on the first call (see the class docstring)."""
        if self._wrapped is empty:
            self._setup()
        return self._wrapped  # type: ignore[no-any-return]

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


@dataclass(frozen=True, slots=True)
class VerifiedToken:
    """An access token whose signature, claims and session were checked."""

    #: The token as presented.
    raw: str
    #: Its verified claims.
    claims: dict[str, Any]
    #: Its live session.
    record: SessionRecord


class RequestAuthenticator:
    """How a request's access token becomes ``jwt_user`` and ``jwt_session``, one hook per step.

    :meth:`authenticate_request` runs :meth:`get_header`, :meth:`get_raw_token`,
    :meth:`get_validated_token` and :meth:`get_user` in turn (the steps of simplejwt's
    ``JWTAuthentication``, under the same names).  Override a step in a subclass of
    :class:`~djwechat.jwt.authentication.JWTAuthentication` to read the token from elsewhere,
    add a check, or build another user object.
    """

    def get_header(self, request: HttpRequest) -> str | None:
        """Hook: the raw ``Authorization`` header of ``request``, or ``None``."""
        header: str | None = request.META.get("HTTP_AUTHORIZATION")
        return header or None

    def get_raw_token(self, header: str) -> str | None:
        """Hook: the token of an ``Authorization: <type> <token>`` header of an accepted type.

        ``None`` when the header is of another scheme (``Basic`` …: not ours);
        :class:`InvalidTokenError` when it is ours but malformed or oversized.
        """
        conf = get_settings().jwt
        scheme, _, rest = header.partition(" ")
        if scheme.casefold() not in _folded(conf.auth_header_types):
            return None
        if len(header) > conf.max_header_length:
            raise InvalidTokenError("The Authorization header is too long.")
        token = rest.strip()
        if not token or " " in token:
            raise InvalidTokenError("The Authorization header must be '<type> <token>'.")
        return token

    def get_validated_token(self, raw_token: str) -> VerifiedToken:
        """Hook: verify ``raw_token`` and find its live session; raises an :class:`AuthError`."""
        claims = session_tokens.decode(raw_token, "access")
        record = SessionStore.load_live(claims["sid"])
        if record is None:
            raise SessionRevokedError()
        return VerifiedToken(raw_token, claims, record)

    def get_user(self, validated_token: VerifiedToken) -> Any:
        """Hook: the user of a verified token (by default a :class:`LazyUser`, no query)."""
        return LazyUser(validated_token.record.user_id, validated_token.claims)

    async def aget_validated_token(self, raw_token: str) -> VerifiedToken:
        """:meth:`get_validated_token` for async code.

        The default verifies in the event loop and looks the session up with
        :meth:`SessionStore.aload_live` (no thread hop when this process remembers it); an
        overridden :meth:`get_validated_token` runs in one ``sync_to_async`` hop.
        """
        if type(self).get_validated_token is not RequestAuthenticator.get_validated_token:
            return await sync_to_async(self.get_validated_token)(raw_token)
        claims = session_tokens.decode(raw_token, "access")
        record = await SessionStore.aload_live(claims["sid"])
        if record is None:
            raise SessionRevokedError()
        return VerifiedToken(raw_token, claims, record)

    def authenticate_request(self, request: HttpRequest, *, again: bool = False) -> HttpRequest:
        """Set ``jwt_user``, ``jwt_session`` and ``jwt_error`` on ``request`` and return it.

        Runs once per request (a second call returns at once) unless ``again``.
        """
        if not again and request.__dict__.get(_STATE_ATTR):
            return request
        try:
            token = self._raw_token_of(request)
            verified = None if token is None else self.get_validated_token(token)
        except AuthError as exc:
            return self._settle(request, None, exc)
        return self._settle(request, verified, None)

    async def aauthenticate_request(self, request: HttpRequest) -> HttpRequest:
        """:meth:`authenticate_request` for async code (the middleware's and decorator's async path)."""
        if request.__dict__.get(_STATE_ATTR):
            return request
        try:
            token = self._raw_token_of(request)
            verified = None if token is None else await self.aget_validated_token(token)
        except AuthError as exc:
            return self._settle(request, None, exc)
        return self._settle(request, verified, None)

    def _raw_token_of(self, request: HttpRequest) -> str | None:
        protect_error_pages(request)  # the session may hold a WeChat session_key
        header = self.get_header(request)
        return None if header is None else self.get_raw_token(header)

    def _settle(
        self, request: HttpRequest, verified: VerifiedToken | None, error: AuthError | None
    ) -> HttpRequest:
        user: Any = None
        session: SessionStore | None = None
        if verified is not None:
            try:
                user = self.get_user(verified)
                session = SessionStore.from_record(verified.record)
            except AuthError as exc:
                error = exc
        request.jwt_user = user  # type: ignore[attr-defined]
        request.jwt_session = SessionStore() if session is None else session  # type: ignore[attr-defined]
        request.jwt_error = error  # type: ignore[attr-defined]
        request.ajwt_user = functools.partial(_ajwt_user, request)  # type: ignore[attr-defined]
        request.__dict__[_STATE_ATTR] = True
        return request


async def _ajwt_user(request: HttpRequest) -> Any:
    """``await request.ajwt_user()``: the token's user, loaded (or ``None``), like ``request.auser()``.

    Loading runs in one ``sync_to_async`` hop; a user who is gone or inactive raises
    :class:`SessionRevokedError` (and ends the user's sessions), as ``request.jwt_user`` does.
    """
    user = request.jwt_user  # type: ignore[attr-defined]
    if not isinstance(user, LazyUser):
        return user
    return await sync_to_async(user.load)()


_default = RequestAuthenticator()


def bearer_token(request: HttpRequest) -> str | None:
    """The token of the request's ``Authorization`` header, if of an accepted type (or raise)."""
    header = _default.get_header(request)
    return None if header is None else _default.get_raw_token(header)


def verify_access_token(token: str) -> tuple[dict[str, Any], SessionRecord]:
    """Claims and live session of an access token; raises an :class:`AuthError` subclass."""
    verified = _default.get_validated_token(token)
    return verified.claims, verified.record


def authenticate_request(request: HttpRequest) -> HttpRequest:
    """Set ``jwt_user``, ``jwt_session`` and ``jwt_error`` on ``request`` (once) and return it."""
    return _default.authenticate_request(request)


async def aauthenticate_request(request: HttpRequest) -> HttpRequest:
    """:func:`authenticate_request` for async code."""
    return await _default.aauthenticate_request(request)
