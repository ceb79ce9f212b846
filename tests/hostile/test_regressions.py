"""Bugs the hostile-input sweep found, each pinned by the smallest request that showed it."""

from __future__ import annotations

import time
from urllib.parse import urlencode

import pytest
from django.test import Client

from djwechat._internal.signing import sha1_signature
from djwechat._internal.xml import parse_xml

#: Every DRF-based endpoint of the package (they share one parser and exception handler).
DRF_ENDPOINTS = ("/auth/token/", "/auth/token/refresh/")


@pytest.mark.django_db
@pytest.mark.parametrize("path", DRF_ENDPOINTS)
@pytest.mark.parametrize(
    "body", [b"[" * 100_000 + b"]" * 100_000, b'{"a":' * 50_000 + b"1" + b"}" * 50_000], ids=["list", "dict"]
)
def test_deeply_nested_json_is_a_400(client: Client, path: str, body: bytes) -> None:
    # json raises RecursionError (not ValueError) here; DRF used to let it through as a 500.
    response = client.post(path, body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "malformed_body"


@pytest.mark.django_db
@pytest.mark.parametrize("path", DRF_ENDPOINTS)
def test_body_over_data_upload_max_memory_size_is_a_json_413(client: Client, path: str, settings) -> None:
    # DRF reads request.body, which raises RequestDataTooBig; Django answered its HTML 400 page.
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    response = client.post(path, b'{"refresh": "' + b"x" * 2048 + b'"}', content_type="application/json")
    assert response.status_code == 413
    assert response.json() == {
        "error": {"code": "body_too_large", "message": "The request body is too large."}
    }


@pytest.mark.parametrize("body", [b"<xml/>", b"<xml></xml>", b"<xml>text only</xml>"])
def test_xml_document_without_fields_parses_to_an_empty_dict(body: bytes) -> None:
    # parse_xml returned the root's text (a str) and tripped its own assertion; the message
    # server then logged a crash and answered "success" instead of refusing the push.
    assert parse_xml(body, max_size=0) == {}


@pytest.mark.django_db
def test_signed_push_without_fields_is_refused(client: Client, settings) -> None:
    settings.WECHAT = {
        **settings.WECHAT,
        "APPS": {
            "oa": {
                "TYPE": "official_account",
                "APP_ID": "wxhostile0oa",
                "APP_SECRET": "s" * 32,
                "TOKEN": "hostile-token",
            }
        },
    }
    timestamp, nonce = str(int(time.time())), "regression"
    query = {
        "signature": sha1_signature("hostile-token", timestamp, nonce),
        "timestamp": timestamp,
        "nonce": nonce,
    }
    response = client.post(f"/wechat/oa/?{urlencode(query)}", b"<xml/>", content_type="text/xml")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "protocol_error"


# --------------------------------------------------------------------------- session ids with odd bytes


def test_session_id_with_a_nul_byte_is_a_404(probe, credentials) -> None:
    response = probe("DELETE", "/auth/sessions/%00/", authorization=credentials.bearer)
    assert response.status_code == 404
