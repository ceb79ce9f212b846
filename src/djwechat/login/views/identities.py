"""The caller's WeChat identities: list, unlink, and link a Mini Program one (mounted under ``auth/``).

``GET /auth/identities/`` → ``{"identities": [...]}``; ``DELETE /auth/identities/<id>/`` → 204
(409 ``last_login_method`` for the only way to log in); ``POST /auth/miniprogram/<app>/link/``
``{code}`` → ``{"identity", "created"}`` (201 when new, 200 when the caller had it already; 409
``identity_taken`` when it is someone else's).  Linking by website QR code is
``POST /auth/website/<app>/qr/`` with an ``Authorization`` header (:mod:`.website`).
"""

from __future__ import annotations

from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from djwechat._internal.drf import JSONAPIView
from djwechat._internal.openapi import AUTH_ERRORS, BODY_ERRORS, UPSTREAM_ERRORS, api_doc, path_param
from djwechat.accounts.linking import identities_of, identity_payload, unlink_identity
from djwechat.jwt.authentication import JWTAuthentication
from djwechat.login.flows.link import miniprogram_link
from djwechat.login.pipeline import StopPipeline
from djwechat.login.serializers import IdentityListSerializer, LinkResultSerializer, MiniProgramCodeSerializer
from djwechat.login.views.body import read_json_object
from djwechat.login.views.miniprogram import APP, stopped
from djwechat.login.views.pages import AnyAccept

_TAGS = ("identities",)


class _IdentityView(JSONAPIView):
    authentication_classes = (JWTAuthentication,)
    permission_classes = (IsAuthenticated,)


class IdentityListView(_IdentityView):
    """``GET /auth/identities/``: the caller's WeChat identities, oldest first."""

    @api_doc(
        summary="The user's WeChat identities",
        responses={200: IdentityListSerializer},
        errors=AUTH_ERRORS,
        tags=_TAGS,
    )
    def get(self, request: Request) -> Response:
        identities = identities_of(request.user)
        return Response({"identities": [identity_payload(identity) for identity in identities]})


class IdentityDetailView(_IdentityView):
    """``DELETE /auth/identities/<id>/``: unlink one, never the last way to log in."""

    @api_doc(
        summary="Unlink one of the user's WeChat identities",
        description="Refused (409 `last_login_method`) for the only identity of a user without a "
        "usable password.",
        parameters=[path_param("identity_id", "The identity's `id` from GET /auth/identities/.")],
        responses={204: None},
        errors=(*AUTH_ERRORS, 404, 409),
        tags=_TAGS,
    )
    def delete(self, request: Request, identity_id: str) -> Response:
        unlink_identity(request.user, identity_id, request=request)
        return Response(status=204)


class MiniProgramLinkView(_IdentityView):
    """``POST /auth/miniprogram/<app>/link/`` ``{code}``: link that Mini Program identity to the caller."""

    content_negotiation_class = AnyAccept  # JSON whatever Accept says, as the login endpoint

    @api_doc(
        summary="Link the Mini Program identity of a wx.login code to the user",
        description="201 when the identity is new, 200 when the user had it already; 409 "
        "`identity_taken` when it (or the person's unionid) belongs to another user.",
        request=MiniProgramCodeSerializer,
        parameters=[APP],
        responses={201: LinkResultSerializer, 200: LinkResultSerializer},
        errors=(*BODY_ERRORS, *AUTH_ERRORS, 403, 404, 409, *UPSTREAM_ERRORS),
        tags=_TAGS,
        negotiated=False,
    )
    def post(self, request: Request, app: str) -> Response:
        body = read_json_object(request._request)
        try:
            result = miniprogram_link(request, app, code=body.get("code"))
        except StopPipeline as stop:
            return stopped(stop)  # type: ignore[return-value]
        answer = {"identity": identity_payload(result.identity), "created": result.created}
        return Response(answer, status=201 if result.created else 200)
