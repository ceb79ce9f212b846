"""Small views that exercise the middleware, the decorator and DRF authentication in tests."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import include, path
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from djwechat.jwt.authentication import JWTAuthentication
from djwechat.jwt.decorators import login_required


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


urlpatterns = [
    path("auth/", include("djwechat.jwt.urls")),
    path("t/whoami/", whoami),
    path("t/protected/", protected),
    path("t/counter/", counter),
    path("t/public/", public),
    path("t/drf/", DRFView.as_view()),
]
