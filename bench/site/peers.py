"""The peers' message endpoints, written as their documentation shows, echoing every text.

WeRoBot through its own Django view (``werobot.contrib.django.make_view``), wechatpy as its
examples do: ``check_signature``, ``WeChatCrypto`` in safe mode, ``parse_message``,
``create_reply``.  Neither deduplicates retries nor binds nonces: that is djwechat's extra work.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.views.decorators.csrf import csrf_exempt
from wechatpy import create_reply, parse_message
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidSignatureException
from wechatpy.utils import check_signature
from werobot import WeRoBot
from werobot.contrib.django import make_view

from bench.site.settings import OA_AES_KEY, OA_SAFE_APP_ID, OA_TOKEN


def _robot(**crypto: str) -> WeRoBot:
    # SESSION_STORAGE=False: djwechat's per-user state is lazy too (read only when a handler asks).
    robot = WeRoBot(token=OA_TOKEN, SESSION_STORAGE=False, **crypto)

    @robot.text
    def echo(message: object) -> str:
        return message.content  # type: ignore[attr-defined, no-any-return]

    return robot


werobot_plain = make_view(_robot())
werobot_safe = make_view(_robot(app_id=OA_SAFE_APP_ID, encoding_aes_key=OA_AES_KEY))

_crypto = WeChatCrypto(OA_TOKEN, OA_AES_KEY, OA_SAFE_APP_ID)


def _wechatpy(request: HttpRequest, *, safe: bool) -> HttpResponse:
    query = request.GET
    timestamp, nonce = query.get("timestamp", ""), query.get("nonce", "")
    try:
        check_signature(OA_TOKEN, query.get("signature", ""), timestamp, nonce)
        body = request.body
        if safe:
            body = _crypto.decrypt_message(body, query.get("msg_signature", ""), timestamp, nonce)
    except InvalidSignatureException:
        return HttpResponseForbidden()
    message = parse_message(body)
    reply = create_reply(message.content if message.type == "text" else "", message).render()
    if safe:
        reply = _crypto.encrypt_message(reply, nonce, timestamp)
    return HttpResponse(reply, content_type="application/xml")


@csrf_exempt
def wechatpy_plain(request: HttpRequest) -> HttpResponse:
    return _wechatpy(request, safe=False)


@csrf_exempt
def wechatpy_safe(request: HttpRequest) -> HttpResponse:
    return _wechatpy(request, safe=True)
