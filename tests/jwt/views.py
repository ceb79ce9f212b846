"""Small views that exercise the middleware, the decorator and DRF authentication in tests."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import include, path
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from djwechat.exceptions import InvalidTokenError
from djwechat.jwt.authentication import JWTAuthentication
from djwechat.jwt.decorators import login_required
from djwechat.jwt.request_auth import VerifiedToken


def whoami(request: HttpRequest) -> JsonResponse:
    """Reports what the middleware saw, touching only ``pk``."""
    user = request.jwt_user  # type: ignore[attr-defined]
    return JsonResponse(
        {
            "pk": user.pk if user else None,  # truthiness must not load the user
            "session_key_known": bool(request.jwt_session.session_key),  # type: ignore[attr-defined]
            "error": None if request.jwt_error is None else request.jwt_error.code,  # type: ignore[attr-defined]
            "request_user_authenticated": request.user.is_authenticated,
        }
    )


@login_required
def protected(request: HttpRequest) -> JsonResponse:
    """Loads the whole user."""
    return JsonResponse({"username": request.jwt_user.username})  # type: ignore[attr-defined]


@login_required
def counter(request: HttpRequest) -> JsonResponse:
    """Writes to the session: the middleware must save it."""
    session = request.jwt_session  # type: ignore[attr-defined]
    session["count"] = session.get("count", 0) + 1
    return JsonResponse({"count": session["count"]})


def public(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


class DRFView(APIView):
    """A project's own DRF view, with DRF's default exception handler."""

    renderer_classes = (JSONRenderer,)
    authentication_classes = (JWTAuthentication,)
    permission_classes = (IsAuthenticated,)

    def get(self, request: Request) -> Response:
        return Response({"username": request.user.get_username(), "sid": request.auth.session_key})


async def async_whoami(request: HttpRequest) -> JsonResponse:
    """An async view: what the middleware's async path saw, and the loaded user."""
    user = await request.ajwt_user()  # type: ignore[attr-defined]
    return JsonResponse(
        {
            "pk": user.pk if user else None,
            "username": user.get_username() if user else None,
            "error": None if request.jwt_error is None else request.jwt_error.code,  # type: ignore[attr-defined]
        }
    )


@login_required
async def async_protected(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"pk": request.jwt_user.pk})  # type: ignore[attr-defined]


@login_required
async def async_counter(request: HttpRequest) -> JsonResponse:
    """Writes to the session from an async view: the middleware saves it after the view."""
    session = request.jwt_session  # type: ignore[attr-defined]
    session["count"] = session.get("count", 0) + 1
    return JsonResponse({"count": session["count"]})


class CookieJWTAuthentication(JWTAuthentication):
    """A project's subclass: the access token travels in a cookie (the ``get_header`` hook)."""

    def get_header(self, request: HttpRequest) -> str | None:
        token = request.COOKIES.get("access")
        return f"Bearer {token}" if token else None


class StaffOnlyJWTAuthentication(JWTAuthentication):
    """A project's subclass adding a check to a verified token (the ``get_validated_token`` hook)."""

    def get_validated_token(self, raw_token: str) -> VerifiedToken:
        verified = super().get_validated_token(raw_token)
        if verified.claims.get("staff") is not True:
            raise InvalidTokenError("Staff tokens only.")
        return verified


class CookieDRFView(DRFView):
    authentication_classes = (CookieJWTAuthentication,)


class StaffDRFView(DRFView):
    authentication_classes = (StaffOnlyJWTAuthentication,)


urlpatterns = [
    path("auth/", include("djwechat.jwt.urls")),
    path("t/whoami/", whoami),
    path("t/protected/", protected),
    path("t/counter/", counter),
    path("t/public/", public),
    path("t/drf/", DRFView.as_view()),
    path("t/async/whoami/", async_whoami),
    path("t/async/protected/", async_protected),
    path("t/async/counter/", async_counter),
    path("t/drf-cookie/", CookieDRFView.as_view()),
    path("t/drf-staff/", StaffDRFView.as_view()),
]
