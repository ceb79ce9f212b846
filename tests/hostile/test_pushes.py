"""Hostile pushes are refused with a 4xx - never a 500, never a handler run."""

from __future__ import annotations

import time

import pytest
from django.test import Client

from tests.messaging import routers
from tests.messaging.conftest import _reset_router_state, configure  # noqa: F401 - the fixtures
from tests.messaging.helpers import APP_ID, TOKEN, Peer, sha1, signed_query, text_push, url, vectors
from tests.messaging.test_endpoint import ENDPOINT, post

XXE = '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY x SYSTEM "file:///etc/passwd">]><xml><Content>&x;</Content></xml>'
LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">'
    + "".join(f'<!ENTITY a{i} "{("&a;" if i == 0 else f"&a{i - 1};") * 10}">' for i in range(9))
    + "]><xml><Content>&a8;</Content></xml>"
)


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (XXE, 400, "forbidden_xml"),
        (LAUGHS, 400, "forbidden_xml"),
        ("<xml><ToUserName>", 400, "invalid_xml"),
        (b"<xml><Content>\xff\xfe\xfa</Content></xml>", 400, "invalid_xml"),
        ("", 400, "invalid_xml"),
        ("<xml><MsgType>text</MsgType></xml>", 400, "protocol_error"),
        ('{"ToUserName": "json"}', 400, "invalid_xml"),
    ],
    ids=["xxe", "billion-laughs", "malformed", "not-utf8", "empty", "no-header", "json"],
)
def test_bad_bodies(client: Client, configure, body, status, code) -> None:
    response = post(client, signed_query(), body)
    assert response.status_code == status
    assert response.json()["error"]["code"] == code
    assert sum(routers.calls.values()) == 0


def test_oversized_body_refused_before_reading(client: Client, configure) -> None:
    configure(messages={"MAX_BODY_SIZE": 1024})
    body = text_push("x" * 2000)
    response = post(client, signed_query(), body)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "body_too_large"


def test_oversized_encrypted_payload(client: Client, configure) -> None:
    configure(MESSAGE_MODE="safe", messages={"MAX_BODY_SIZE": 4096})
    query, body = Peer().encrypted_query_and_body(text_push("y" * 3500))
    assert len(body) > 4096
    assert post(client, query, body).status_code == 413


def test_bad_signature_on_a_push(client: Client, configure) -> None:
    query = signed_query()
    query["signature"] = sha1("not-the-token", query["timestamp"], query["nonce"])
    response = post(client, query, text_push("hello"))
    assert response.status_code == 403
    assert routers.calls["echo"] == 0


def test_bad_msg_signature(client: Client, configure) -> None:
    configure(MESSAGE_MODE="safe")
    query, body = Peer().encrypted_query_and_body(text_push("hello"))
    query["msg_signature"] = "0" * 40
    response = post(client, query, body)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "invalid_signature"


def test_missing_msg_signature(client: Client, configure) -> None:
    configure(MESSAGE_MODE="safe")
    query, body = Peer().encrypted_query_and_body(text_push("hello"))
    del query["msg_signature"]
    assert post(client, query, body).status_code == 403


def test_tampered_ciphertext(client: Client, configure) -> None:
    configure(MESSAGE_MODE="safe")
    query, body = Peer().encrypted_query_and_body(text_push("hello"))
    start = body.index("<![CDATA[", body.index("<Encrypt>")) + 9
    tampered = body[:start] + ("B" if body[start] != "B" else "C") + body[start + 1 :]
    encrypt = tampered.split("<Encrypt><![CDATA[")[1].split("]]>")[0]
    query["msg_signature"] = sha1(TOKEN, query["timestamp"], query["nonce"], encrypt)
    response = post(client, query, tampered)
    assert response.status_code == 400


def test_push_encrypted_for_another_app(client: Client, configure) -> None:
    configure(MESSAGE_MODE="safe")
    query, body = Peer(app_id="wx0000000000000000").encrypted_query_and_body(text_push("hello"))
    response = post(client, query, body)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "app_id_mismatch"


def test_official_wrong_appid_vector(client: Client, configure) -> None:
    """The documentation's ciphertext, made for another AppID than the configured one."""
    vector = vectors()["msgcrypt_doc_wrong_appid_negative"]["input"]
    configure(MESSAGE_MODE="safe", APP_ID="wx0000000000000000", messages={"TIMESTAMP_TOLERANCE": 0})
    query = {
        "signature": sha1(vector["token"], vector["timestamp"], vector["nonce"]),
        "timestamp": vector["timestamp"],
        "nonce": vector["nonce"],
        "encrypt_type": "aes",
        "msg_signature": vector["msg_signature"],
    }
    body = f"<xml><ToUserName><![CDATA[gh_97417a04a28d]]></ToUserName><Encrypt><![CDATA[{vector['encrypt']}]]></Encrypt></xml>"
    response = post(client, query, body)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "app_id_mismatch"


def test_envelope_to_user_name_mismatch(client: Client, configure) -> None:
    configure(MESSAGE_MODE="safe")
    query, body = Peer().encrypted_query_and_body(text_push("hello"))
    response = post(client, query, body.replace("gh_test", "gh_someone_else"))
    assert response.status_code == 400


def test_encrypted_push_without_encrypt(client: Client, configure) -> None:
    configure(MESSAGE_MODE="safe")
    query, _ = Peer().encrypted_query_and_body(text_push("hello"))
    assert post(client, query, "<xml><ToUserName>gh_test</ToUserName></xml>").status_code == 400


def test_unknown_encrypt_type(client: Client, configure) -> None:
    assert post(client, signed_query(encrypt_type="rot13"), text_push("x")).status_code == 400


def test_openid_of_the_url_must_be_the_sender(client: Client, configure) -> None:
    assert post(client, signed_query(openid="o-someone-else"), text_push("x")).status_code == 400


@pytest.mark.parametrize("offset", [-301, 301, 100000])
def test_stale_timestamps(client: Client, configure, offset: int) -> None:
    query = signed_query(timestamp=str(int(time.time()) + offset))
    response = post(client, query, text_push("hello"))
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "stale_timestamp"
    assert routers.calls["echo"] == 0


def test_non_numeric_timestamp(client: Client, configure) -> None:
    assert post(client, signed_query(timestamp="yesterday"), text_push("x")).status_code == 403


def test_timestamp_check_can_be_turned_off(client: Client, configure) -> None:
    configure(messages={"TIMESTAMP_TOLERANCE": 0})
    assert post(client, signed_query(timestamp="1000"), text_push("old")).status_code == 200


def test_signature_reused_for_another_body(client: Client, configure) -> None:
    """Plain bodies are not signed: a captured signature must not carry a forged push."""
    query = signed_query(nonce="captured")
    assert post(client, query, text_push("genuine", msg_id=501)).status_code == 200
    forged = post(client, query, text_push("forged", msg_id=502))
    assert forged.status_code == 403
    assert routers.calls["echo"] == 1


def test_app_id_in_settings_is_not_leaked(client: Client, configure) -> None:
    configure(MESSAGE_MODE="safe")
    query, body = Peer(app_id="wx0000000000000000").encrypted_query_and_body(text_push("hello"))
    response = post(client, query, body)
    assert APP_ID.encode() not in response.content
    assert b"oa-secret" not in response.content


def test_query_strings_that_are_not_utf8(client: Client, configure) -> None:
    response = client.post(
        ENDPOINT + "?signature=%ff%fe&timestamp=%ff&nonce=1", data=b"x", content_type="text/xml"
    )
    assert response.status_code == 403


def test_huge_declared_length_with_a_small_body(client: Client, configure) -> None:
    response = client.generic(
        "POST",
        url(ENDPOINT, signed_query()),
        data=b"<xml/>",
        CONTENT_LENGTH="999999999",
        content_type="text/xml",
    )
    assert response.status_code == 413
