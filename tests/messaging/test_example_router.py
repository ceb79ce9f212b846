"""The example site's router answers as its documentation says (the slow handler is covered by
the live-server guard test, with the same 6-second shape)."""

from __future__ import annotations

from django.test import Client

from djwechat._internal.xml import parse_xml

from .helpers import event_push, signed_query, text_push
from .test_endpoint import post


def ask(client: Client, body: str, nonce: str) -> dict:
    response = post(client, signed_query(nonce=nonce), body)
    assert response.status_code == 200
    return parse_xml(response.content, max_size=0)


def test_example_router(client: Client, configure) -> None:
    configure(ROUTER="example.wechat.router")
    assert ask(client, text_push("hi there", msg_id=1), "1")["Content"] == "hi there"
    assert "echo" in ask(client, text_push("help", msg_id=2), "2")["Content"]
    assert ask(client, text_push("count", msg_id=3), "3")["Content"] == "You asked me to count 1 time(s)."
    assert ask(client, text_push("count", msg_id=4), "4")["Content"] == "You asked me to count 2 time(s)."
    assert "Shanghai" in ask(client, text_push("Weather Shanghai", msg_id=5), "5")["Content"]
    assert "QR code 7" in ask(client, event_push("subscribe", "qrscene_7"), "6")["Content"]
    assert ask(client, event_push("CLICK", "MENU_HELLO"), "7")["Content"] == "Hello from the menu!"
    assert ask(client, event_push("CLICK", "MENU_NEWS", openid="o-2"), "8")["MsgType"] == "news"
