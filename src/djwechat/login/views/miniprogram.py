"""HTTP endpoints of the Mini Program login (mounted under ``auth/``).

``POST /auth/miniprogram/<app>/login/`` ``{code, encrypted_data?, iv?, raw_data?, signature?}``
→ the token pair; ``POST /auth/miniprogram/<app>/phone/`` (``Authorization: Bearer …``)
``{code}`` or ``{encrypted_data, iv}`` → ``{phone_number, pure_phone_number, country_code}``.
Errors are ``{"error": {"code", "message"}}`` (see :mod:`djwechat.exceptions`).

The body is read by :func:`~djwechat.login.views.body.read_json_object` (any content type, a
size limit) and checked field by field by the flow, before the WeChat code is spent.
"""

from __future__ import annotations

from django.http import HttpResponse
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from djwechat._internal.drf import JSONAPIView
from djwechat._internal.openapi import AUTH_ERRORS, BODY_ERRORS, UPSTREAM_ERRORS, api_doc, path_param
from djwechat.exceptions import LoginRefusedError
from djwechat.jwt.authentication import JWTAuthentication
from djwechat.jwt.serializers import TokenPairSerializer
from djwechat.login.flows import miniprogram_login, miniprogram_phone_number
from djwechat.login.pipeline import StopPipeline
from djwechat.login.serializers import (
    MiniProgramLoginSerializer,
    PhoneNumberSerializer,
    PhoneRequestSerializer,
)
from djwechat.login.views.body import read_json_object
from djwechat.login.views.pages import AnyAccept

_TAGS = ("miniprogram",)
APP = path_param("app", "The alias of a Mini Program in `WECHAT['APPS']`.")


def stopped(stop: StopPipeline) -> HttpResponse:
    """The answer for a pipeline stopped by a step: its response, else its error (403 by default)."""
    if stop.response is not None:
        return stop.response
    raise stop.error or LoginRefusedError()


class _MiniProgramView(JSONAPIView):
    """JSON whatever ``Accept`` says: Mini Program front ends set headers of all kinds."""

    content_negotiation_class = AnyAccept


class MiniProgramLoginView(_MiniProgramView):
    """``POST /auth/miniprogram/<app>/login/``: a ``wx.login`` code → a token pair."""

    @api_doc(
        summary="Log in with a wx.login code",
        request=MiniProgramLoginSerializer,
        parameters=[APP],
        responses={200: TokenPairSerializer},
        errors=(*BODY_ERRORS, 403, 404, *UPSTREAM_ERRORS),
        tags=_TAGS,
        auth=False,
        negotiated=False,
    )
    def post(self, request: Request, app: str) -> HttpResponse:
        body = read_json_object(request._request)
        try:
            result = miniprogram_login(
                request,
                app,
                code=body.get("code"),
                encrypted_data=body.get("encrypted_data"),
                iv=body.get("iv"),
                raw_data=body.get("raw_data"),
                signature=body.get("signature"),
            )
        except StopPipeline as stop:
            return stopped(stop)
        return Response(result.tokens)  # no-store, as every JSONAPIView answer


class MiniProgramPhoneView(_MiniProgramView):
    """``POST /auth/miniprogram/<app>/phone/`` (authenticated): the user's verified phone number."""

    authentication_classes = (JWTAuthentication,)
    permission_classes = (IsAuthenticated,)

    @api_doc(
        summary="The logged-in user's phone number",
        description="Saves it in the user's `phone_number` field when the user model has one.",
        request=PhoneRequestSerializer,
        parameters=[APP],
        responses={200: PhoneNumberSerializer},
        errors=(*BODY_ERRORS, *AUTH_ERRORS, 403, 404, *UPSTREAM_ERRORS),
        tags=_TAGS,
        negotiated=False,
    )
    def post(self, request: Request, app: str) -> Response:
        body = read_json_object(request._request)
        number = miniprogram_phone_number(
            request, app, code=body.get("code"), encrypted_data=body.get("encrypted_data"), iv=body.get("iv")
        )
        return Response(dict(number.as_dict()))
