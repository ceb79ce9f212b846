"""The session endpoints (mounted under ``auth/`` by :mod:`djwechat.jwt.urls`)."""

from __future__ import annotations

import re
from typing import Any, Final, cast

from django.contrib.auth import authenticate, get_backends, get_user_model
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from djwechat._internal.drf import JSONAPIView
from djwechat._internal.throttling import throttle_login
from djwechat.exceptions import InvalidCredentialsError, NotFoundError
from djwechat.jwt import sessions
from djwechat.jwt.authentication import JWTAuthentication
from djwechat.jwt.models import JWTSession
from djwechat.jwt.serializers import (
    LogoutSerializer,
    PasswordLoginSerializer,
    RefreshSerializer,
    user_payload,
)
from djwechat.jwt.session_store import SessionStore

#: The shape of :func:`djwechat.jwt.models.new_public_id` values.
_PUBLIC_ID_RE: Final = re.compile(r"[A-Za-z0-9_-]{1,32}")


class _SessionView(JSONAPIView):
    """The session endpoints (errors and ``WWW-Authenticate`` come from :class:`JSONAPIView`)."""


class _AuthenticatedView(_SessionView):
    authentication_classes = (JWTAuthentication,)
    permission_classes = (IsAuthenticated,)


class TokenView(_SessionView):
    """``POST /auth/token/`` ``{username or email, password}`` → a token pair (a new session)."""

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

    def post(self, request: Request) -> Response:
        body = RefreshSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return Response(sessions.refresh(request, body.validated_data["refresh"]))


class LogoutView(_AuthenticatedView):
    """``POST /auth/logout/`` ``{all?: bool}`` → 204; the session (or every session) ends now."""

    def post(self, request: Request) -> Response:
        body = LogoutSerializer(data=request.data or {})
        body.is_valid(raise_exception=True)
        sessions.logout(request, everywhere=body.validated_data["all"])
        return Response(status=204)


class MeView(_AuthenticatedView):
    """``GET /auth/me/`` → the user object."""

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

    def get(self, request: Request) -> Response:
        store = cast(SessionStore | None, request.auth)
        current = store.session_key if store is not None else None
        user_id: Any = request.user.pk
        rows = JWTSession.objects.filter(user_id=user_id).order_by("-last_seen", "-created_at")
        return Response({"sessions": [_session_payload(row, current) for row in rows]})


class SessionDetailView(_AuthenticatedView):
    """``DELETE /auth/sessions/<id>/`` → 204; that device's tokens stop working at once."""

    def delete(self, request: Request, public_id: str) -> Response:
        user_id: Any = request.user.pk
        if not _PUBLIC_ID_RE.fullmatch(public_id):
            raise NotFoundError("No such session.")  # never reaches the database with odd bytes
        key = (
            JWTSession.objects.filter(user_id=user_id, public_id=public_id)
            .values_list("session_key", flat=True)
            .first()
        )
        if key is None:
            raise NotFoundError("No such session.")
        SessionStore(key).delete()
        return Response(status=204)
