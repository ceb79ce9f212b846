"""A signed ``(timestamp, nonce)`` seen once - by a handshake or a push of any mode - is accepted
for that request only: replayed with another body, another mode or as the other kind of request,
it is refused and no handler runs.  Parametrized over every message mode the settings accept, so
a new mode is covered without new code."""

from __future__ import annotations

import itertools
import time
from typing import Any
from urllib.parse import urlencode

import pytest

from djwechat._internal.msgcrypt import MessageCrypto
from djwechat._internal.signing import sha1_signature
from djwechat.conf import MESSAGE_MODES, AppSettings, get_settings
from djwechat.testing import text_message
from tests.hostile import routers
from tests.hostile.conftest import Probe

ENDPOINT = "/wechat/oa/"
_nonces = itertools.count()

#: How a captured signature was first seen.
SOURCES = ("handshake", "plain", "encrypted")
#: What it is replayed as.
TARGETS = ("handshake", "plain", "encrypted")


@pytest.fixture(params=MESSAGE_MODES)
def oa(request: pytest.FixtureRequest, hostile_apps: dict[str, AppSettings], settings: Any) -> AppSettings:
    wechat = dict(settings.WECHAT)
    apps = {alias: dict(app) for alias, app in wechat["APPS"].items()}
    apps["oa"]["MESSAGE_MODE"] = request.param
    settings.WECHAT = {**wechat, "APPS": apps}
    return get_settings().app("oa")


def signed(token: str, tolerance_free: bool = False) -> dict[str, str]:
    timestamp = "1" if tolerance_free else str(int(time.time()))
    nonce = f"reuse{next(_nonces)}"
    return {"signature": sha1_signature(token, timestamp, nonce), "timestamp": timestamp, "nonce": nonce}


def send(probe: Probe, oa: AppSettings, kind: str, query: dict[str, str], msg_id: int) -> Any:
    routers.reset()
    if kind == "handshake":
        return probe("GET", f"{ENDPOINT}?{urlencode({**query, 'echostr': f'echo{msg_id}'})}")
    body = text_message(oa.app_id, "openid-reuse", f"message {msg_id}", msg_id=msg_id)
    if kind == "plain":
        return probe("POST", f"{ENDPOINT}?{urlencode(query)}", body, "text/xml")
    crypto = MessageCrypto(token=oa.token, encoding_aes_key=oa.encoding_aes_key, app_id=oa.app_id)
    sealed = crypto.encrypt(body, timestamp=query["timestamp"], nonce=query["nonce"])
    full = {**query, "encrypt_type": "aes", "msg_signature": sealed.msg_signature}
    return probe("POST", f"{ENDPOINT}?{urlencode(full)}", sealed.to_xml(), "text/xml")


def accepted(oa: AppSettings, kind: str) -> bool:
    """Whether the mode takes this kind of request at all (safe mode: encrypted pushes only)."""
    return not (kind == "plain" and oa.message_mode == "safe")


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("target", TARGETS)
def test_a_seen_signature_carries_nothing_else(
    probe: Probe, oa: AppSettings, source: str, target: str
) -> None:
    query = signed(oa.token)
    first = send(probe, oa, source, query, msg_id=1)
    if not accepted(oa, source):
        assert first.status_code == 400, first.content  # refused by the mode: it binds nothing
        return
    assert first.status_code == 200, first.content
    replay = send(probe, oa, target, query, msg_id=2)
    if accepted(oa, target):
        assert replay.status_code == 403, (source, target, replay.content)
        assert replay.json()["error"]["code"] == "invalid_signature"
    else:
        assert replay.status_code == 400, replay.content  # refused by the mode before anything
    assert routers.handled == 0


@pytest.mark.parametrize("kind", SOURCES)
def test_the_same_request_again_is_a_retry(probe: Probe, oa: AppSettings, kind: str) -> None:
    """WeChat retries a push it got no answer for: same signature, same request - answered
    again (a push from the dedupe ledger), its handler not run twice."""
    query = signed(oa.token)
    if not accepted(oa, kind):
        assert send(probe, oa, kind, query, msg_id=7).status_code == 400
        return
    assert send(probe, oa, kind, query, msg_id=7).status_code == 200
    again = send(probe, oa, kind, query, msg_id=7)
    assert again.status_code == 200, again.content
    assert routers.handled == 0


def test_binding_holds_with_the_timestamp_check_off(probe: Probe, oa: AppSettings, settings: Any) -> None:
    settings.WECHAT = {**settings.WECHAT, "MESSAGES": {"TIMESTAMP_TOLERANCE": 0}}
    oa = get_settings().app("oa")
    kind = "encrypted" if oa.message_mode == "safe" else "plain"
    query = signed(oa.token, tolerance_free=True)
    assert send(probe, oa, kind, query, msg_id=1).status_code == 200
    replay = send(probe, oa, kind, query, msg_id=2)
    assert replay.status_code == 403, replay.content
    assert routers.handled == 0
