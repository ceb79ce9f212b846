"""The push tool against an Official Account endpoint built on wechatpy (an independent implementation)."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from djwechat.testing import click_event, event_message, push_handshake, push_message, text_message

from .oa_endpoint import AES_KEY, APP_ID, GH, OPENID, TOKEN, Endpoint


def _push(endpoint: Endpoint, xml: str, mode: str, **kwargs: Any) -> Any:
    return push_message(
        endpoint.url,
        token=TOKEN,
        xml=xml,
        app_id=APP_ID,
        encoding_aes_key=AES_KEY,
        mode=mode,
        **kwargs,  # type: ignore[arg-type]
    )


def test_handshake(endpoint: Endpoint) -> None:
    result = push_handshake(endpoint.url, token=TOKEN)
    assert result.ok
    assert result.body == result.echostr
    assert not push_handshake(endpoint.url, token="wrong-token").ok


def test_handshake_to_nowhere() -> None:
    result = push_handshake("http://127.0.0.1:9/", token=TOKEN, timeout=1)
    assert not result.ok
    assert result.status_code is None


@pytest.mark.parametrize("mode", ["plain", "compatible", "safe"])
def test_text_push_and_reply_in_every_mode(endpoint: Endpoint, mode: str) -> None:
    result = _push(endpoint, text_message(GH, OPENID, "你好 <b>&"), mode)
    assert result.ok, result.error
    assert result.attempts == 1
    assert result.fields["Content"] == "echo: 你好 <b>&"
    assert result.fields["ToUserName"] == OPENID
    assert result.encrypted is (mode != "plain")
    query = endpoint.queries[0]
    assert query["openid"] == OPENID
    assert ("msg_signature" in query) is (mode != "plain")
    raw = endpoint.received[0]["raw"]
    if mode == "safe":
        assert "<Content>" not in raw
    elif mode == "compatible":
        assert "<Content>" in raw
        assert "<Encrypt>" in raw


def test_events_and_clicks(endpoint: Endpoint) -> None:
    assert _push(endpoint, click_event(GH, OPENID, "MENU_KEY"), "safe").fields["Content"] == "echo: MENU_KEY"
    subscribe = event_message(GH, OPENID, "subscribe", event_key="qrscene_42", Ticket="TICKET")
    assert _push(endpoint, subscribe, "plain").ok
    assert [r["type"] for r in endpoint.received] == ["event", "event"]


def test_acknowledgements(endpoint: Endpoint) -> None:
    for reply in ("success", "empty"):
        endpoint.reply = reply
        result = _push(endpoint, text_message(GH, OPENID, "x"), "safe")
        assert result.ok
        assert result.acknowledged
        assert result.reply is None
        assert result.fields == {}


def test_safe_mode_rejects_plain_reply_and_forged_signatures(endpoint: Endpoint) -> None:
    endpoint.reply = "plain-in-safe"
    result = _push(endpoint, text_message(GH, OPENID, "x"), "safe")
    assert not result.ok
    assert "must be encrypted" in (result.error or "")
    assert _push(endpoint, text_message(GH, OPENID, "x"), "compatible").ok  # compatible accepts either
    endpoint.reply = "forged"
    result = _push(endpoint, text_message(GH, OPENID, "x"), "safe")
    assert not result.ok
    assert "does not verify" in (result.error or "")


def test_http_error_is_reported_without_retry(endpoint: Endpoint) -> None:
    endpoint.reply = "error"
    result = _push(endpoint, text_message(GH, OPENID, "x"), "plain")
    assert result.status_code == 500
    assert not result.ok
    assert result.attempts == 1


def test_slow_endpoint_gets_the_same_message_again(endpoint: Endpoint) -> None:
    endpoint.slow_first, endpoint.slow_seconds = 1, 1.0
    result = _push(endpoint, text_message(GH, OPENID, "retry me", msg_id=1234567890123), "safe", timeout=0.3)
    assert result.ok
    assert result.attempts == 2
    assert len(result.attempt_errors) == 1
    assert len(endpoint.received) == 2
    first, second = endpoint.received
    assert (first["id"], first["time"]) == (second["id"], second["time"]) == (1234567890123, first["time"])
    assert endpoint.queries[0]["nonce"] != endpoint.queries[1]["nonce"]


def test_three_attempts_then_give_up(endpoint: Endpoint) -> None:
    endpoint.slow_first, endpoint.slow_seconds = 3, 0.6
    result = _push(endpoint, text_message(GH, OPENID, "x"), "plain", timeout=0.2)
    assert result.status_code is None
    assert result.attempts == 3
    assert not result.ok
    assert "no answer" in (result.error or "")
    time.sleep(0.5)  # let the endpoint finish the slow requests before it stops
    assert len(endpoint.received) == 3


def test_connection_refused_is_retried() -> None:
    result = push_message("http://127.0.0.1:9/", token=TOKEN, xml=text_message(GH, OPENID, "x"), timeout=0.5)
    assert result.attempts == 3
    assert "connection failed" in (result.error or "")


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="needs app_id"):
        push_message("http://x/", token=TOKEN, xml=text_message(GH, OPENID, "x"), mode="safe")
    with pytest.raises(ValueError, match="mode"):
        push_message("http://x/", token=TOKEN, xml=text_message(GH, OPENID, "x"), mode="secret")  # type: ignore[arg-type]


def test_in_process_transport(endpoint: Endpoint) -> None:
    result = push_message(
        "http://oa.invalid/wechat/oa/",
        token=TOKEN,
        xml=text_message(GH, OPENID, "inside"),
        transport=httpx.WSGITransport(app=endpoint),
    )
    assert result.fields["Content"] == "echo: inside"
