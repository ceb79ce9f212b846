"""The message server's entry in the OpenAPI schema.

``/wechat/<app>/`` is a plain Django view (WeChat speaks XML and plain text, and the view reads
the body itself under a size limit), so drf-spectacular would not see it.  :func:`described`
hangs :class:`MessageEndpointDescription` on the view as the ``cls`` DRF's schema generators
look for; the class only describes the endpoint, it never answers a request.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from rest_framework.parsers import BaseParser
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from djwechat._internal.drf import JSONAPIView
from djwechat._internal.openapi import api_doc, path_param, query, spectacular_installed

ViewFunc = TypeVar("ViewFunc", bound=Callable[..., Any])

_TAGS = ("message-server",)
_APP = path_param("app", "The alias of an Official Account in `WECHAT['APPS']`.")
_SIGNED = [
    _APP,
    query("signature", "SHA-1 of the sorted token, timestamp and nonce.", required=True),
    query("timestamp", "Unix seconds; outside MESSAGES.TIMESTAMP_TOLERANCE it is refused.", required=True),
    query("nonce", "WeChat's random string.", required=True),
]
_STATUSES = (400, 403, 404, 405, 413, 503)


class _XMLParser(BaseParser):
    media_type = "text/xml"


class _TextRenderer(BaseRenderer):
    media_type = "text/plain"
    format = "txt"


def _str_type() -> Any:
    if not spectacular_installed():
        return str
    from drf_spectacular.types import OpenApiTypes

    return OpenApiTypes.STR


class MessageEndpointDescription(JSONAPIView):
    """What ``GET``/``POST /wechat/<app>/`` accept and answer (schema only)."""

    parser_classes: Any = (_XMLParser,)
    # One renderer: the endpoint has no ?format=; the answers' media types are given per status.
    renderer_classes: Any = (_TextRenderer,)

    @api_doc(
        summary="The Official Account's URL check (handshake)",
        description="Answers `echostr` verbatim when the signature is right.",
        parameters=[*_SIGNED, query("echostr", "The string to echo back.", required=True)],
        responses={200: _str_type()},
        media_type="text/plain",
        errors=_STATUSES,
        negotiated=False,
        tags=_TAGS,
        auth=False,
    )
    def get(self, request: Request, app: str) -> Response:  # pragma: no cover - never routed
        raise NotImplementedError

    @api_doc(
        summary="A message or event pushed by WeChat",
        description="Plain, compatible or safe mode (AES, with `encrypt_type=aes` and "
        "`msg_signature`). The answer is a reply in XML, or `success` as text.",
        parameters=[
            *_SIGNED,
            query("encrypt_type", "`aes` in safe and compatible modes."),
            query("msg_signature", "The encrypted body's signature (safe and compatible modes)."),
            query("openid", "The sender's openid."),
        ],
        request={"text/xml": _str_type()},
        responses={(200, "application/xml"): _str_type(), (200, "text/plain"): _str_type()},
        errors=_STATUSES,
        negotiated=False,
        tags=_TAGS,
        auth=False,
    )
    def post(self, request: Request, app: str) -> Response:  # pragma: no cover - never routed
        raise NotImplementedError


def described(view: ViewFunc) -> ViewFunc:
    """``view``, marked for DRF's schema generators as described by :class:`MessageEndpointDescription`."""
    view.cls = MessageEndpointDescription  # type: ignore[attr-defined]
    view.initkwargs = {}  # type: ignore[attr-defined]
    return view
