"""Django REST framework contenders: simplejwt (DB user and stateless) and djwechat's class."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.authentication import (
    JWTAuthentication as SimpleJWTAuthentication,
)
from rest_framework_simplejwt.authentication import JWTStatelessUserAuthentication

from djwechat.jwt.authentication import JWTAuthentication


class _WhoAmI(APIView):
    permission_classes = [IsAuthenticated]

    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response({"user": request.user.pk})


class DRFBare(APIView):
    """DRF's own floor: an ``APIView`` with no authentication."""

    authentication_classes: list[type] = []
    permission_classes: list[type] = []

    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response({"ok": True})


class SimpleJWTUser(_WhoAmI):
    """simplejwt's default: the token verified, then the user row read."""

    authentication_classes = [SimpleJWTAuthentication]


class SimpleJWTStateless(_WhoAmI):
    """simplejwt without the user row: nothing is revocable."""

    authentication_classes = [JWTStatelessUserAuthentication]

    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response({"user": request.user.id})


class DjwechatDRF(_WhoAmI):
    """djwechat's DRF class: the same check as the middleware."""

    authentication_classes = [JWTAuthentication]
