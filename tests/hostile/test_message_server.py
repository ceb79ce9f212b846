"""The Official Account endpoint with correctly signed (and encrypted) hostile pushes: the
signature is right, the content is not - a 4xx or WeChat's own ``success``, never a 5xx and
never a handler run for a refused push."""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest

from djwechat._internal.msgcrypt import MessageCrypto
from djwechat._internal.signing import sha1_signature
from djwechat.conf import AppSettings
from tests.hostile import routers
from tests.hostile.conftest import Probe
from tests.hostile.corpus import JSON_BODIES

ENDPOINT = "/wechat/oa/"
_nonces = itertools.count()

XXE = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><xml><Content>&e;</Content></xml>'
LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">'
    + b"".join(f'<!ENTITY a{i} "{("&a;" if i == 0 else f"&a{i - 1};") * 10}">'.encode() for i in range(9))
    + b"]><xml><Content>&a8;</Content></xml>"
)


def push_fields(app_id: str, **fields: str) -> bytes:
    base = {
        "ToUserName": app_id,
        "FromUserName": "openid-hostile",
        "CreateTime": str(int(time.time())),
        "MsgType": "text",
        "Content": "hi",
        "MsgId": "1",
    }
    base.update(fields)
    inner = "".join(f"<{k}><![CDATA[{v}]]></{k}>" for k, v in base.items() if v is not None)
    return f"<xml>{inner}</xml>".encode()


#: Declared encodings WeChat never uses: unknown, not text codecs, or not UTF-8.
ODD_ENCODINGS = ("x-evil", "rot13", "base64", "utf-7", "unicode_escape", "palmos", "a" * 300)


def encoded_as(encoding: str, app_id: str) -> bytes:
    """A well-formed push that declares ``encoding``."""
    declaration = f'<?xml version="1.0" encoding="{encoding}"?>'.encode()
    return declaration + push_fields(app_id)


def hostile_pushes(app_id: str) -> list[bytes]:
    """Bodies that are not an acceptable push, whatever their signature."""
    return [
        *(encoded_as(encoding, app_id) for encoding in ODD_ENCODINGS),
        XXE,
        LAUGHS,
        b"<xml>",
        b"<xml><ToUserName>x</ToUserName>",
        b"<xml>" + b"<a>" * 5_000 + b"</a>" * 5_000 + b"</xml>",
        b"<xml>" + b"<a>" * 200_000 + b"</a>" * 200_000 + b"</xml>",
        b"<xml><Content>\xff\xfe</Content></xml>",
        b"<xml><Content>\x00</Content></xml>",
        b"<xml/>",
        b"<notxml/>",
        b"<?xml version='1.0' encoding='utf-16'?><xml/>",
        b"<xml><MsgType>text</MsgType></xml>",
        b"<xml>" + b"<Content>x</Content>" * 20_000 + b"</xml>",
        b"<xml><Content>" + b"x" * 2_000_000 + b"</Content></xml>",
        push_fields(app_id, MsgType=None),
        push_fields(app_id, FromUserName=None),
        *JSON_BODIES[:24],
    ]


def _with(body: bytes, extra: bytes) -> bytes:
    return body.replace(b"</xml>", extra + b"</xml>")


def misshapen_pushes(app_id: str) -> list[bytes]:
    """Pushes whose fields are nested or repeated where WeChat sends text."""
    return [
        _with(push_fields(app_id, MsgType=None), b"<MsgType><a>1</a></MsgType>"),
        _with(push_fields(app_id), b"<MsgType>text</MsgType>"),
        _with(push_fields(app_id), b"<FromUserName>b</FromUserName>"),
        _with(push_fields(app_id, CreateTime=None), b"<CreateTime><a>1</a></CreateTime>"),
        _with(push_fields(app_id), b"<MsgId>2</MsgId>"),
        _with(push_fields(app_id, Content=None), b"<Content><a>1</a></Content>"),
        _with(push_fields(app_id, MsgType="event"), b"<Event><a>1</a></Event>"),
        _with(push_fields(app_id, MsgType="event", Event="CLICK"), b"<EventKey><a>1</a></EventKey>"),
        push_fields(app_id, MsgType="location", Location_X="1e999", Location_Y="nan", Scale="x"),
        _with(push_fields(app_id, MsgType="image"), b"<PicUrl><a>1</a></PicUrl>"),
        _with(push_fields(app_id, MsgType="event", Event="SCAN"), b"<Ticket><a>1</a></Ticket>"),
    ]


def odd_pushes(app_id: str) -> list[bytes]:
    """Well-formed pushes with odd values: may be answered ``success``, a reply or a 4xx."""
    return [
        # ToUserName is the account's original id (gh_…), which the settings do not know.
        push_fields(app_id, ToUserName="gh_another_account"),
        # Without encrypt_type=aes the push is plain and a stray Encrypt element is just a field.
        push_fields(app_id, Encrypt="AAAA"),
        push_fields(app_id, MsgType="no-such-type"),
        push_fields(app_id, MsgType=""),
        push_fields(app_id, CreateTime="yesterday"),
        push_fields(app_id, CreateTime="-1"),
        push_fields(app_id, CreateTime="9" * 400),
        push_fields(app_id, MsgId="not-a-number"),
        push_fields(app_id, MsgId="9" * 400),
        push_fields(app_id, Content="x" * 100_000),
        push_fields(app_id, Content="]]><evil/>"),
        push_fields(app_id, FromUserName=""),
        push_fields(app_id, FromUserName="x" * 10_000),
        push_fields(app_id, MsgType="event", Event="no-such-event"),
        push_fields(app_id, MsgType="event", Event="CLICK", EventKey="x" * 10_000),
        push_fields(app_id, MsgType="event", Event=""),
        push_fields(app_id, MsgType="image", PicUrl="javascript:alert(1)"),
        push_fields(app_id, MsgType="location", Location_X="north", Location_Y="", Scale="big"),
    ]


def signed_query(token: str, **extra: str) -> dict[str, str]:
    timestamp, nonce = str(int(time.time())), f"hostile{next(_nonces)}"
    return {
        "signature": sha1_signature(token, timestamp, nonce),
        "timestamp": timestamp,
        "nonce": nonce,
        **extra,
    }


def post_push(probe: Probe, query: dict[str, str], body: bytes) -> Any:
    routers.reset()
    return probe("POST", f"{ENDPOINT}?{urlencode(query)}", body, "text/xml")


@pytest.fixture
def oa(hostile_apps: dict[str, AppSettings]) -> AppSettings:
    return hostile_apps["oa"]


@pytest.fixture(autouse=True)
def _server_never_crashes(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """The server answers a push it failed on with ``success`` and logs the traceback: a 200
    that hides a crash.  No hostile push may get there."""
    caplog.set_level(logging.ERROR, logger="djwechat.messaging")
    yield
    crashes = [
        r.getMessage() for r in caplog.records if r.name.startswith("djwechat.messaging") and r.exc_info
    ]
    assert not crashes, crashes


def test_signed_hostile_plain_pushes(probe: Probe, oa: AppSettings) -> None:
    for body in hostile_pushes(oa.app_id):
        response = post_push(probe, signed_query(oa.token), body)
        assert 400 <= response.status_code < 500, (body[:60], response.content)
        assert routers.handled == 0


def test_signed_misshapen_plain_pushes(probe: Probe, oa: AppSettings) -> None:
    for body in misshapen_pushes(oa.app_id):
        response = post_push(probe, signed_query(oa.token), body)
        assert response.status_code == 400, (body[-80:], response.content)
        assert routers.handled == 0


def test_signed_odd_plain_pushes(probe: Probe, oa: AppSettings) -> None:
    for body in odd_pushes(oa.app_id):
        response = post_push(probe, signed_query(oa.token), body)
        assert response.status_code in (200, 400, 403, 413), (body[:60], response.content)
        if response.status_code == 200:
            # A 200 is "success" or a reply, never an echo of hostile markup.
            assert b"<evil/>" not in response.content


def test_signed_hostile_encrypted_pushes(probe: Probe, oa: AppSettings) -> None:
    crypto = MessageCrypto(token=oa.token, encoding_aes_key=oa.encoding_aes_key, app_id=oa.app_id)
    other = MessageCrypto(token=oa.token, encoding_aes_key="B" * 43, app_id=oa.app_id)
    wrong_app = MessageCrypto(token=oa.token, encoding_aes_key=oa.encoding_aes_key, app_id="wx-another-app")
    hostile = [
        (body.decode("utf-8", "replace"), (crypto, other, wrong_app))
        for body in hostile_pushes(oa.app_id)[: len(ODD_ENCODINGS) + 14]
    ]
    # A well-formed push is refused too when sealed with another key or for another app.
    legitimate = (push_fields(oa.app_id).decode(), (other, wrong_app))
    for plaintext, sealers in [*hostile, legitimate]:
        for sealer in sealers:
            query = signed_query(oa.token, encrypt_type="aes")
            sealed = sealer.encrypt(plaintext, timestamp=query["timestamp"], nonce=query["nonce"])
            query["msg_signature"] = sealed.msg_signature
            body = f"<xml><ToUserName><![CDATA[{oa.app_id}]]></ToUserName><Encrypt><![CDATA[{sealed.encrypt}]]></Encrypt></xml>"
            response = post_push(probe, query, body.encode())
            assert 400 <= response.status_code < 500, (plaintext[:60], response.content)
            assert routers.handled == 0


@pytest.mark.parametrize(
    "encrypt",
    ["", "AAAA", "!!!!", "A" * 44, "A" * 24, "=" * 64, "\u00e9" * 32, "A" * 200_000],
    ids=["empty", "short", "not-base64", "one-block", "partial-block", "padding", "latin1", "huge"],
)
def test_signed_garbage_ciphertext(probe: Probe, oa: AppSettings, encrypt: str) -> None:
    query = signed_query(oa.token, encrypt_type="aes")
    query["msg_signature"] = sha1_signature(oa.token, query["timestamp"], query["nonce"], encrypt)
    body = f"<xml><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>".encode()
    response = post_push(probe, query, body)
    assert 400 <= response.status_code < 500, response.content


@pytest.mark.parametrize(
    "change",
    [
        {"timestamp": "not-a-number"},
        {"timestamp": "-1"},
        {"timestamp": "9" * 4_000},
        {"timestamp": "1e9"},
        {"timestamp": ""},
        {"nonce": ""},
        {"nonce": "\u0000"},
        {"nonce": "n" * 10_000},
        {"encrypt_type": "rot13"},
        {"encrypt_type": "AES"},
        {"openid": "someone-else"},
    ],
    ids=str,
)
def test_signed_query_with_odd_values(probe: Probe, oa: AppSettings, change: dict[str, str]) -> None:
    query = signed_query(oa.token)
    query.update(change)
    # Re-sign over whatever timestamp and nonce now say: only the values themselves are odd.
    query["signature"] = sha1_signature(oa.token, query["timestamp"], query["nonce"])
    response = post_push(probe, query, push_fields(oa.app_id))
    assert response.status_code in (200, 400, 403), response.content


@pytest.mark.parametrize(
    "echostr",
    ["<script>alert(1)</script>", "x" * 100_000, "\u5c0f\u7a0b\u5e8f", "", "a\u0000b"],
    ids=["markup", "huge", "cjk", "empty", "nul"],
)
def test_handshake_echoes_only_as_plain_text(probe: Probe, oa: AppSettings, echostr: str) -> None:
    query = signed_query(oa.token, echostr=echostr)
    response = probe("GET", f"{ENDPOINT}?{urlencode(query)}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response.content.decode() == echostr


@pytest.mark.parametrize("encoding", ODD_ENCODINGS)
def test_a_push_declaring_another_encoding_is_invalid_xml(
    probe: Probe, oa: AppSettings, encoding: str
) -> None:
    response = post_push(probe, signed_query(oa.token), encoded_as(encoding, oa.app_id))
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "invalid_xml"
    crypto = MessageCrypto(token=oa.token, encoding_aes_key=oa.encoding_aes_key, app_id=oa.app_id)
    query = signed_query(oa.token, encrypt_type="aes")
    sealed = crypto.encrypt(
        encoded_as(encoding, oa.app_id).decode(), timestamp=query["timestamp"], nonce=query["nonce"]
    )
    query["msg_signature"] = sealed.msg_signature
    response = post_push(probe, query, sealed.to_xml().encode())
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "invalid_xml"
    assert routers.handled == 0
