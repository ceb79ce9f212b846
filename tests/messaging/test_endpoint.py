"""``GET``/``POST /wechat/<app>/`` through Django's test client: handshake, modes, replies."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from django.test import Client

from djwechat._internal.xml import parse_xml

from . import routers
from .helpers import AES_KEY, OTHER_KEY, TOKEN, Peer, event_push, sha1, signed_query, text_push, url, vectors

ENDPOINT = "/wechat/oa/"


def post(client: Client, query: dict[str, str], body: str | bytes, path: str = ENDPOINT) -> Any:
    return client.post(url(path, query), data=body, content_type="text/xml")


# --------------------------------------------------------------------------- handshake


def test_handshake_official_vector(client: Client, configure) -> None:
    vector = vectors()["sig_doc_get_handshake"]
    configure(messages={"TIMESTAMP_TOLERANCE": 0})
    data = vector["input"]
    query = {
        "signature": vector["expected"]["signature"],
        "timestamp": data["timestamp"],
        "nonce": data["nonce"],
        "echostr": data["echostr"],
    }
    response = client.get(url(ENDPOINT, query))
    assert response.status_code == 200
    assert response.content.decode() == vector["expected"]["response_body"]
    assert response["Content-Type"].startswith("text/plain")


def test_handshake_echoes_verbatim(client: Client, configure) -> None:
    response = client.get(url(ENDPOINT, signed_query(echostr="<b>ünï</b> 12")))
    assert response.status_code == 200
    assert response.content.decode() == "<b>ünï</b> 12"
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    "query",
    [
        {"timestamp": "1", "nonce": "2", "echostr": "x"},
        {"signature": "", "timestamp": "1", "nonce": "2", "echostr": "x"},
        {"signature": "0" * 40, "timestamp": "1", "nonce": "2", "echostr": "x"},
        {"signature": sha1("wrong-token", "1", "2"), "timestamp": "1", "nonce": "2", "echostr": "x"},
    ],
    ids=["missing", "empty", "zeros", "other-token"],
)
def test_handshake_refuses_bad_signatures(client: Client, configure, query, caplog) -> None:
    configure(messages={"TIMESTAMP_TOLERANCE": 0})
    with caplog.at_level(logging.WARNING, logger="djwechat.security"):
        response = client.get(url(ENDPOINT, query))
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "invalid_signature"
    assert b"x" not in response.content.replace(b"invalid", b"")
    assert any(r.name == "djwechat.security" for r in caplog.records)


def test_a_refusal_is_logged_with_the_client_address(client: Client, configure, caplog) -> None:
    query = {"signature": "0" * 40, "timestamp": "1", "nonce": "2", "echostr": "x"}
    with caplog.at_level(logging.WARNING, logger="djwechat.security"):
        response = client.get(url(ENDPOINT, query), REMOTE_ADDR="203.0.113.7")
    assert response.status_code == 403
    assert [r.getMessage() for r in caplog.records if r.name == "djwechat.security"] == [
        "Official Account 'oa' refused a GET from 203.0.113.7: invalid_signature"
    ]


@pytest.mark.parametrize(
    "raw", ["echostr=%C3%BCber", "echostr=\u00c3\u00bcber"], ids=["percent-encoded", "raw-utf8-bytes"]
)
def test_the_query_string_reads_as_django_reads_it(client: Client, configure, raw: str) -> None:
    # A WSGI server hands raw bytes over as latin-1 characters; either way the value is "über",
    # and a repeated parameter counts with its last value.
    query = signed_query(echostr="first")
    encoded = "&".join(f"{name}={value}" for name, value in query.items())
    response = client.get(ENDPOINT, QUERY_STRING=f"{encoded}&{raw}")
    assert response.status_code == 200
    assert response.content.decode() == "über"


def test_handshake_without_echostr(client: Client, configure) -> None:
    assert client.get(url(ENDPOINT, signed_query())).status_code == 400


def test_unknown_and_non_official_account_apps(client: Client, configure) -> None:
    assert client.get(url("/wechat/nope/", signed_query(echostr="x"))).status_code == 404
    assert client.get(url("/wechat/mp/", signed_query(echostr="x"))).status_code == 404


def test_other_methods(client: Client, configure) -> None:
    response = client.put(ENDPOINT)
    assert response.status_code == 405
    assert response["Allow"] == "GET, POST"


# --------------------------------------------------------------------------- plain mode


def test_plain_text_reply(client: Client, configure) -> None:
    response = post(client, signed_query(openid="o-user-1"), text_push("hello there"))
    assert response.status_code == 200
    fields = parse_xml(response.content, max_size=0)
    assert fields["MsgType"] == "text"
    assert fields["Content"] == "hello there"
    assert (fields["ToUserName"], fields["FromUserName"]) == ("o-user-1", "gh_test")


def test_regex_route_news_and_events(client: Client, configure) -> None:
    reply = parse_xml(post(client, signed_query(), text_push("weather Paris", msg_id=2)).content, max_size=0)
    assert reply["Content"] == "Sunny in Paris"
    news = parse_xml(post(client, signed_query(nonce="n2"), text_push("news", msg_id=3)).content, max_size=0)
    assert news["Articles"]["item"]["Title"] == "Title ]]> <b>"
    welcome = post(client, signed_query(nonce="n3"), event_push("subscribe", "qrscene_42"))
    assert parse_xml(welcome.content, max_size=0)["Content"] == "welcome"
    click = post(client, signed_query(nonce="n4"), event_push("CLICK", "MENU_HELP"))
    assert parse_xml(click.content, max_size=0)["Content"] == "help from the menu"


def test_none_answers_success(client: Client, configure) -> None:
    body = vectors()["xml_image"]["input"]["xml"]
    response = post(client, signed_query(), body)
    assert (response.status_code, response.content) == (200, b"success")
    assert routers.calls["image"] == 1


def test_failing_handler_is_logged_and_answered_success(client: Client, configure, caplog) -> None:
    with caplog.at_level(logging.ERROR, logger="djwechat.messaging"):
        response = post(client, signed_query(), text_push("boom"))
    assert (response.status_code, response.content) == (200, b"success")
    assert any("boom" in r.getMessage() for r in caplog.records)
    # A retry of the crashed push does not run into the crash again.
    again = post(client, signed_query(nonce="retry"), text_push("boom"))
    assert again.content == b"success"
    assert routers.calls["boom"] == 1


def test_invalid_handler_result_answers_success(client: Client, configure) -> None:
    assert post(client, signed_query(), text_push("bad")).content == b"success"


def test_conversation_state(client: Client, configure) -> None:
    first = post(client, signed_query(nonce="a"), text_push("remember", msg_id=10))
    second = post(client, signed_query(nonce="b"), text_push("remember", msg_id=11))
    other_user = post(client, signed_query(nonce="c"), text_push("remember", msg_id=12, openid="o-user-2"))
    assert parse_xml(first.content, max_size=0)["Content"] == "seen 1"
    assert parse_xml(second.content, max_size=0)["Content"] == "seen 2"
    assert parse_xml(other_user.content, max_size=0)["Content"] == "seen 1"


def test_no_router_answers_success(client: Client, configure) -> None:
    configure(ROUTER="")
    assert post(client, signed_query(), text_push("hello")).content == b"success"


# --------------------------------------------------------------------------- safe and compatible mode


def test_safe_mode_official_vector_end_to_end(client: Client, configure) -> None:
    """The documentation's encrypted push goes through the endpoint; the reply opens with the same key."""
    vector = vectors()["msgcrypt_doc_xml_tpp_decrypt"]
    data = vector["input"]
    configure(MESSAGE_MODE="safe", messages={"TIMESTAMP_TOLERANCE": 0})
    query = {
        "signature": sha1(data["token"], data["timestamp"], data["nonce"]),
        "timestamp": data["timestamp"],
        "nonce": data["nonce"],
        "openid": "o9AgO5Kd5ggOC-bXrbNODIiE3bGY",
        "encrypt_type": "aes",
        "msg_signature": data["msg_signature"],
    }
    response = post(client, query, data["post_body"])
    assert response.status_code == 200
    envelope = parse_xml(response.content, max_size=0)
    assert set(envelope) == {"Encrypt", "MsgSignature", "TimeStamp", "Nonce"}
    assert envelope["Nonce"] == data["nonce"]
    assert envelope["MsgSignature"] == sha1(TOKEN, envelope["TimeStamp"], data["nonce"], envelope["Encrypt"])
    reply = parse_xml(Peer(app_id=data["appid"]).open_reply(response.content.decode()), max_size=0)
    # The debug_demo event is unknown to the router, so its default handler answered.
    assert reply["Content"] == "default event"
    assert (reply["ToUserName"], reply["FromUserName"]) == ("o9AgO5Kd5ggOC-bXrbNODIiE3bGY", "gh_97417a04a28d")


def test_safe_mode_text_round_trip(client: Client, configure) -> None:
    configure(MESSAGE_MODE="safe")
    peer = Peer()
    query, body = peer.encrypted_query_and_body(text_push("安全 ]]> mode"))
    response = post(client, query, body)
    reply = parse_xml(peer.open_reply(response.content.decode()), max_size=0)
    assert reply["Content"] == "安全 ]]> mode"


def test_safe_mode_success_is_not_encrypted(client: Client, configure) -> None:
    configure(MESSAGE_MODE="safe")
    query, body = Peer().encrypted_query_and_body(vectors()["xml_image"]["input"]["xml"])
    assert post(client, query, body).content == b"success"


def test_safe_mode_refuses_plaintext(client: Client, configure) -> None:
    configure(MESSAGE_MODE="safe")
    response = post(client, signed_query(), text_push("hello"))
    assert response.status_code == 400
    assert routers.calls["echo"] == 0


def test_previous_key_still_opens_and_answers_with_it(client: Client, configure) -> None:
    configure(MESSAGE_MODE="safe", ENCODING_AES_KEY=OTHER_KEY, PREVIOUS_ENCODING_AES_KEYS=[AES_KEY])
    old_peer = Peer(key=AES_KEY)
    query, body = old_peer.encrypted_query_and_body(text_push("rotated"))
    response = post(client, query, body)
    assert parse_xml(old_peer.open_reply(response.content.decode()), max_size=0)["Content"] == "rotated"


def test_compatible_mode_accepts_both(client: Client, configure) -> None:
    configure(MESSAGE_MODE="compatible")
    plain = post(client, signed_query(), text_push("plain one", msg_id=20))
    assert parse_xml(plain.content, max_size=0)["Content"] == "plain one"
    peer = Peer()
    xml = text_push("encrypted one", msg_id=21)
    query, envelope = peer.encrypted_query_and_body(xml)
    # Compatible mode repeats the plaintext fields next to Encrypt.
    body = xml.replace("</xml>", "") + envelope[len("<xml>") :].split("</ToUserName>", 1)[1]
    response = post(client, query, body)
    assert parse_xml(peer.open_reply(response.content.decode()), max_size=0)["Content"] == "encrypted one"


def test_compatible_mode_refuses_clear_fields_that_disagree(client: Client, configure) -> None:
    configure(MESSAGE_MODE="compatible")
    query, envelope = Peer().encrypted_query_and_body(text_push("real", msg_id=22))
    forged = (
        text_push("forged", msg_id=22).replace("</xml>", "")
        + envelope[len("<xml>") :].split("</ToUserName>", 1)[1]
    )
    response = post(client, query, forged)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "app_id_mismatch"


def test_plain_mode_opens_encrypted_pushes_when_a_key_is_set(client: Client, configure) -> None:
    peer = Peer()
    query, body = peer.encrypted_query_and_body(text_push("upgrade"))
    response = post(client, query, body)
    assert parse_xml(peer.open_reply(response.content.decode()), max_size=0)["Content"] == "upgrade"


def test_encrypted_push_without_a_key(client: Client, configure) -> None:
    configure(ENCODING_AES_KEY="")
    query, body = Peer().encrypted_query_and_body(text_push("x"))
    assert post(client, query, body).status_code == 400
