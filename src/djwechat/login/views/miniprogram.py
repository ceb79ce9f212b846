"""HTTP endpoints of the Mini Program login (mounted under ``auth/``).

``POST /auth/miniprogram/<app>/login/`` ``{code, encrypted_data?, iv?, raw_data?, signature?}``
→ the token pair; ``POST /auth/miniprogram/<app>/phone/`` (``Authorization: Bearer …``)
``{code}`` or ``{encrypted_data, iv}`` → ``{phone_number, pure_phone_number, country_code}``.
Errors are ``{"error": {"code", "message"}}`` (see :mod:`djwechat.exceptions`).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from djwechat._internal.responses import error_response, json_errors
from djwechat.exceptions import LoginRefusedError
from djwechat.jwt.decorators import login_required
from djwechat.login.flows import miniprogram_login, miniprogram_phone_number
from djwechat.login.pipeline import StopPipeline
from djwechat.login.views.body import method_not_allowed, read_json_object


def stopped(stop: StopPipeline) -> HttpResponse:
    """The answer for a pipeline stopped by a step: its response, its error, or 403."""
    if stop.response is not None:
        return stop.response
    return error_response(stop.error or LoginRefusedError())


def _json(data: dict[str, object]) -> JsonResponse:
    # json_errors / login_required mark it no-store: tokens and phone numbers stay out of caches.
    return JsonResponse(data, json_dumps_params={"ensure_ascii": False})


# Token-authenticated JSON APIs: no cookies are involved, so CSRF protection does not apply.
@csrf_exempt
@json_errors
def login_view(request: HttpRequest, app: str) -> HttpResponse:
    """Exchange a ``wx.login`` code for a token pair (see :func:`~djwechat.login.flows.miniprogram_login`)."""
    refused = method_not_allowed(request)
    if refused is not None:
        return refused
    body = read_json_object(request)
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
    return _json(result.tokens)


@csrf_exempt
@login_required
def phone_view(request: HttpRequest, app: str) -> HttpResponse:
    """The logged-in user's phone number (see :func:`~djwechat.login.flows.miniprogram_phone_number`)."""
    refused = method_not_allowed(request)
    if refused is not None:
        return refused
    body = read_json_object(request)
    number = miniprogram_phone_number(
        request, app, code=body.get("code"), encrypted_data=body.get("encrypted_data"), iv=body.get("iv")
    )
    return _json(dict(number.as_dict()))
