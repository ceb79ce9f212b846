"""Shared test helpers: vectors, signed queries, app settings, a WeChat-side peer for encryption."""

from __future__ import annotations

import hashlib
import itertools
import json
import re
import time
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from wechatpy.crypto import WeChatCrypto

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"

TOKEN = "AAAAA"
AES_KEY = "A" * 43
OTHER_KEY = "B" * 42 + "A"
# The official XML safe-mode example is made for this (third-party platform) AppID.
APP_ID = "wx134c8103faa5a59e"
ROUTER = "tests.messaging.routers.router"


@cache
def vectors() -> dict[str, dict[str, Any]]:
    data = json.loads((FIXTURES / "wechat_vectors.json").read_text(encoding="utf-8"))
    return {v["id"]: v for v in data["vectors"]}


@cache
def samples() -> dict[str, dict[str, Any]]:
    data = json.loads((FIXTURES / "messaging_samples.json").read_text(encoding="utf-8"))
    return {s["id"]: s for s in data["samples"]}


def oa_app(**overrides: Any) -> dict[str, Any]:
    app = {
        "TYPE": "official_account",
        "APP_ID": APP_ID,
        "APP_SECRET": "oa-secret-0123456789abcdef0123456",
        "TOKEN": TOKEN,
        "ENCODING_AES_KEY": AES_KEY,
        "MESSAGE_MODE": "plain",
        "ROUTER": ROUTER,
    }
    app.update(overrides)
    return app


def wechat_settings(
    *, messages: dict[str, Any] | None = None, cache_alias: str = "default", **app_overrides: Any
) -> dict[str, Any]:
    return {
        "CACHE_ALIAS": cache_alias,
        "APPS": {
            "oa": oa_app(**app_overrides),
            "mp": {"TYPE": "miniprogram", "APP_ID": "wxmp00000000000001", "APP_SECRET": "mp-secret"},
        },
        "MESSAGES": {"TIMESTAMP_TOLERANCE": 300, "HANDLER_BUDGET": 2.0, **(messages or {})},
    }


def sha1(*parts: str) -> str:
    # Computed here, not with djwechat's signing module, so the tests check it independently.
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


#: WeChat never signs two requests with one nonce (the server accepts a signed pair once).
_nonces = itertools.count(1590219412)


def fresh_nonce() -> str:
    return str(next(_nonces))


def signed_query(
    *, timestamp: str | None = None, nonce: str | None = None, token: str = TOKEN, **extra: str
) -> dict[str, str]:
    timestamp = timestamp or str(int(time.time()))
    nonce = nonce or fresh_nonce()
    return {"signature": sha1(token, timestamp, nonce), "timestamp": timestamp, "nonce": nonce, **extra}


def url(path: str, query: dict[str, str]) -> str:
    return f"{path}?{urlencode(query)}"


def text_push(content: str, *, msg_id: int = 1001, openid: str = "o-user-1", to: str = "gh_test") -> str:
    return (
        f"<xml><ToUserName><![CDATA[{to}]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
        f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
        f"<Content><![CDATA[{content.replace(']]>', ']]]]><![CDATA[>')}]]></Content><MsgId>{msg_id}</MsgId></xml>"
    )


def event_push(event: str, key: str = "", *, openid: str = "o-user-1", create_time: int | None = None) -> str:
    key_xml = f"<EventKey><![CDATA[{key}]]></EventKey>" if key else ""
    return (
        f"<xml><ToUserName><![CDATA[gh_test]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
        f"<CreateTime>{create_time or int(time.time())}</CreateTime><MsgType><![CDATA[event]]></MsgType>"
        f"<Event><![CDATA[{event}]]></Event>{key_xml}</xml>"
    )


class Peer:
    """The WeChat side of safe mode, played by wechatpy (an independent implementation)."""

    def __init__(self, key: str = AES_KEY, app_id: str = APP_ID, token: str = TOKEN) -> None:
        self.crypto = WeChatCrypto(token, key, app_id)
        self.token = token

    def encrypted_query_and_body(
        self, xml: str, *, nonce: str | None = None, timestamp: str | None = None
    ) -> tuple[dict[str, str], str]:
        timestamp = timestamp or str(int(time.time()))
        nonce = nonce or fresh_nonce()
        envelope = self.crypto.encrypt_message(xml, nonce, timestamp)
        encrypt = re.search(r"<Encrypt><!\[CDATA\[(.*?)\]\]></Encrypt>", envelope).group(1)
        to_user = re.search(r"<ToUserName><!\[CDATA\[(.*?)\]\]>", xml).group(1)
        body = f"<xml><ToUserName><![CDATA[{to_user}]]></ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>"
        query = signed_query(timestamp=timestamp, nonce=nonce, token=self.token)
        query.update(encrypt_type="aes", msg_signature=sha1(self.token, timestamp, nonce, encrypt))
        return query, body

    def open_reply(self, reply: str) -> str:
        found = re.search(r"<MsgSignature><!\[CDATA\[(.*?)\]\]></MsgSignature>", reply)
        timestamp = re.search(r"<TimeStamp>(.*?)</TimeStamp>", reply)
        nonce = re.search(r"<Nonce><!\[CDATA\[(.*?)\]\]></Nonce>", reply)
        assert found, reply
        assert timestamp, reply
        assert nonce, reply
        return str(self.crypto.decrypt_message(reply, found.group(1), timestamp.group(1), nonce.group(1)))
