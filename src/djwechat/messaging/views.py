"""The Django view of the message server: ``GET``/``POST /wechat/<app>/``.

It only adapts HTTP: the body is read with the size limit enforced before anything is buffered,
and everything else happens in :class:`djwechat.messaging.server.MessageServer`.
"""

from __future__ import annotations

import logging
from urllib.parse import parse_qsl

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from djwechat._internal.client_ip import client_ip
from djwechat._internal.responses import error_response, json_error
from djwechat.conf import get_settings
from djwechat.exceptions import BodyTooLargeError, WeChatError
from djwechat.messaging.registry import get_server

__all__ = ["message_endpoint"]

logger = logging.getLogger("djwechat.messaging")


@csrf_exempt
def message_endpoint(request: HttpRequest, app: str) -> HttpResponse:
    """The callback URL of the Official Account configured as ``app``."""
    if request.method not in ("GET", "POST"):
        refusal = json_error("method_not_allowed", "Use GET or POST.", 405)
        refusal["Allow"] = "GET, POST"
        return refusal
    try:
        server = get_server(app)
        body = _read_body(request, get_settings().messages.max_body_size) if request.method == "POST" else b""
    except WeChatError as exc:
        return error_response(exc)
    except ImproperlyConfigured:
        logger.exception("the message server of %r is misconfigured", app)
        return json_error("misconfigured", "This Official Account is not configured correctly.", 503)
    result = server.handle(request.method, _query(request), body, peer=lambda: client_ip(request) or "")
    response = HttpResponse(result.body, status=result.status, content_type=result.content_type)
    # echostr is echoed verbatim: make sure no browser ever renders it as anything but text.
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _query(request: HttpRequest) -> dict[str, str]:
    """``request.GET.dict()`` (the last value of a repeated parameter), without its ``QueryDict``.

    A push's query string is plain ASCII (its values percent-encoded), which WSGI and ASGI
    servers hand over alike; anything else, and a query over ``DATA_UPLOAD_MAX_NUMBER_FIELDS``,
    goes through ``request.GET`` itself, with its decoding and its refusal.
    """
    raw = request.META.get("QUERY_STRING", "")
    if isinstance(raw, str) and raw.isascii():
        try:
            pairs = parse_qsl(
                raw,
                keep_blank_values=True,
                encoding=request.encoding or settings.DEFAULT_CHARSET,
                max_num_fields=settings.DATA_UPLOAD_MAX_NUMBER_FIELDS,
            )
            return dict(pairs)
        except ValueError:
            pass
    return request.GET.dict()


def _read_body(request: HttpRequest, limit: int) -> bytes:
    """The raw body, refusing more than ``limit`` bytes without buffering them (0 = no limit)."""
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if limit and declared > limit:
        raise BodyTooLargeError(limit=limit)
    # Read at most limit + 1 bytes: enough to tell an oversized body without holding it.
    data = request.read(limit + 1) if limit else request.read()
    if limit and len(data) > limit:
        raise BodyTooLargeError(limit=limit)
    return data
