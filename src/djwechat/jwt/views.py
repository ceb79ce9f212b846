"""The session endpoints (mounted under ``auth/`` by :mod:`djwechat.jwt.urls`)."""

from __future__ import annotations

import re
from typing import Any, Final, cast

from django.contrib.auth import authenticate, get_backends, get_user_model
from django.utils.translation import gettext
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from djwechat._internal.drf import JSONAPIView
from djwechat._internal.openapi import AUTH_ERRORS, BODY_ERRORS, api_doc, path_param
from djwechat._internal.throttling import throttle_login
from djwechat.exceptions import InvalidCredentialsError, NotFoundError
from djwechat.jwt import sessions
from djwechat.jwt.authentication import JWTAuthentication
from djwechat.jwt.models import JWTSession
from djwechat.jwt.serializers import (
    LogoutSerializer,
    PasswordLoginSerializer,
    RefreshSerializer,
    SessionListSerializer,
    TokenPairSerializer,
    UserSerializer,
    user_payload,
)
from djwechat.jwt.session_store import SessionStore

_TAGS = ("sessions",)

#: The shape of :func:`djwechat.jwt.models.new_public_id` values.
_PUBLIC_ID_RE: Final = re.compile(r"[A-Za-z0-9_-]{1,32}")


class _SessionView(JSONAPIView):
    """The session endpoints (errors and ``WWW-Authenticate`` come from :class:`JSONAPIView`)."""


class _AuthenticatedView(_SessionView):
    authentication_classes = (JWTAuthentication,)
    permission_classes = (IsAuthenticated,)


class TokenView(_SessionView):
    """``POST /auth/token/`` ``{username or email, password}`` → a token pair (a new session)."""

    @api_doc(
        summary="Log in with a username or email and a password",
        request=PasswordLoginSerializer,
        responses={200: TokenPairSerializer},
        errors=(*BODY_ERRORS, 401, 429),
        tags=_TAGS,
        auth=False,
    )
    def post(self, request: Request) -> Response:
        body = PasswordLoginSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        login = body.validated_data["login"]
        account = _account_named(login)
        throttle_login(request, login, user_pk=None if account is None else account.pk)
        user = authenticate(request._request, username=login, password=body.validated_data["password"])
        if user is None:
            # Wrong password, unknown account and inactive account all look alike.
            raise InvalidCredentialsError()
        return Response(sessions.login(request, user))


def _account_named(login: str) -> Any:
    """The account ``login`` names, without checking a password (for throttling), or ``None``.

    Asked of each authentication backend that can tell (a ``find_user(login)`` method, as
    :class:`djwechat.accounts.backends.UsernameOrEmailBackend` has); without one, the user
    whose ``USERNAME_FIELD`` is ``login``, as Django's ``ModelBackend`` would find it.
    """
    finders = [finder for backend in get_backends() if (finder := getattr(backend, "find_user", None))]
    if finders:
        return next((user for finder in finders if (user := finder(login)) is not None), None)
    user_model = get_user_model()
    try:
        return user_model._default_manager.get_by_natural_key(login)
    except user_model.DoesNotExist:
        return None


class RefreshView(_SessionView):
    """``POST /auth/token/refresh/`` ``{refresh}`` → a new token pair (the refresh token rotates)."""

    @api_doc(
        summary="Trade a refresh token for a new token pair",
        description="The refresh token rotates: presenting an old one again revokes the session.",
        request=RefreshSerializer,
        responses={200: TokenPairSerializer},
        errors=(*BODY_ERRORS, 401),
        tags=_TAGS,
        auth=False,
    )
    def post(self, request: Request) -> Response:
        body = RefreshSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return Response(sessions.refresh(request, body.validated_data["refresh"]))


class LogoutView(_AuthenticatedView):
    """``POST /auth/logout/`` ``{all?: bool}`` → 204; the session (or every session) ends now."""

    @api_doc(
        summary="End this session, or every session of the user",
        request=LogoutSerializer,
        responses={204: None},
        errors=(*BODY_ERRORS, *AUTH_ERRORS),
        tags=_TAGS,
    )
    def post(self, request: Request) -> Response:
        body = LogoutSerializer(data=request.data)  # an empty body parses as an empty mapping
        body.is_valid(raise_exception=True)
        sessions.logout(request, everywhere=body.validated_data["all"])
        return Response(status=204)


class MeView(_AuthenticatedView):
    """``GET /auth/me/`` → the user object."""

    @api_doc(summary="The logged-in user", responses={200: UserSerializer}, errors=AUTH_ERRORS, tags=_TAGS)
    def get(self, request: Request) -> Response:
        return Response(user_payload(request.user))  # type: ignore[arg-type]


def _session_payload(session: JWTSession, current_key: str | None) -> dict[str, Any]:
    return {
        "id": session.public_id,
        "user_agent": session.user_agent,
        "ip_address": session.ip_address,
        "created_at": session.created_at.isoformat(),
        "last_seen": session.last_seen.isoformat(),
        "expires_at": session.expire_date.isoformat(),
        "current": session.session_key == current_key,
    }


class SessionListView(_AuthenticatedView):
    """``GET /auth/sessions/`` → ``{"sessions": [...]}``, the caller's devices, most recent first."""

    @api_doc(
        summary="The user's sessions (devices)",
        responses={200: SessionListSerializer},
        errors=AUTH_ERRORS,
        tags=_TAGS,
    )
    def get(self, request: Request) -> Response:
        store = cast(SessionStore | None, request.auth)
        current = store.session_key if store is not None else None
        user_id: Any = request.user.pk
        rows = JWTSession.objects.filter(user_id=user_id).order_by("-last_seen", "-created_at")
        return Response({"sessions": [_session_payload(row, current) for row in rows]})


class SessionDetailView(_AuthenticatedView):
    """``DELETE /auth/sessions/<id>/`` → 204; that device's tokens stop working at once."""

    @api_doc(
        summary="Revoke one of the user's sessions",
        parameters=[path_param("public_id", "The session's `id` from GET /auth/sessions/.")],
        responses={204: None},
        errors=(*AUTH_ERRORS, 404),
        tags=_TAGS,
    )
    def delete(self, request: Request, public_id: str) -> Response:
        user_id: Any = request.user.pk
        if not _PUBLIC_ID_RE.fullmatch(public_id):
            raise NotFoundError(gettext("No such session."))  # never reaches the database with odd bytes
        key = (
            JWTSession.objects.filter(user_id=user_id, public_id=public_id)
            .values_list("session_key", flat=True)
            .first()
        )
        if key is None:
            raise NotFoundError(gettext("No such session."))
        SessionStore(key).delete()
        return Response(status=204)
