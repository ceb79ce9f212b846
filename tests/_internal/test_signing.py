"""Signatures against the official vectors, and their refusals."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from djwechat._internal.signing import (
    constant_time_equals,
    rawdata_signature,
    session_hmac_signature,
    sha1_signature,
    verify_rawdata_signature,
    verify_sha1_signature,
)
from djwechat.exceptions import InvalidSignatureError

VECTORS = json.loads((Path(__file__).parent.parent / "fixtures" / "wechat_vectors.json").read_text("utf-8"))


def vectors(kind: str) -> list[dict[str, Any]]:
    found = [v for v in VECTORS["vectors"] if v["kind"] == kind]
    assert found, kind
    return found


@pytest.mark.parametrize("vector", vectors("plain_signature"), ids=lambda v: v["id"])
def test_plain_signature_vectors(vector: dict[str, Any]) -> None:
    given = vector["input"]
    expected = vector["expected"]["signature"]
    assert sha1_signature(given["token"], given["timestamp"], given["nonce"]) == expected
    verify_sha1_signature(expected, given["token"], given["timestamp"], given["nonce"])
    # The order of the parts does not matter: they are sorted first.
    verify_sha1_signature(expected, given["nonce"], given["timestamp"], given["token"])
    verify_sha1_signature(expected.upper(), given["token"], given["timestamp"], given["nonce"])


@pytest.mark.parametrize("vector", vectors("msg_decrypt"), ids=lambda v: v["id"])
def test_msg_signature_vectors(vector: dict[str, Any]) -> None:
    given = vector["input"]
    encrypt = given.get("encrypt")
    if encrypt is None:
        start = given["post_body"].index("<Encrypt><![CDATA[") + len("<Encrypt><![CDATA[")
        encrypt = given["post_body"][start : given["post_body"].index("]]></Encrypt>")]
    parts = (given["token"], given["timestamp"], given["nonce"], encrypt)
    assert sha1_signature(*parts) == given["msg_signature"]
    verify_sha1_signature(given["msg_signature"], *parts)


@pytest.mark.parametrize(
    "signature",
    [
        "",
        "0" * 40,
        "f464b24fc39322e44b38aa78f5edd27bd144169",  # one character short
        "f464b24fc39322e44b38aa78f5edd27bd14416960",  # one character long
        "f464b24fc39322e44b38aa78f5edd27bd1441697",  # last character changed
        "f464b24fc39322e44b38aa78f5edd27bd144169\u00e9",  # non-ASCII
    ],
)
def test_wrong_sha1_signature_is_refused(signature: str) -> None:
    with pytest.raises(InvalidSignatureError):
        verify_sha1_signature(signature, "AAAAA", "1714036504", "1514711492")


def test_changing_any_part_breaks_the_signature() -> None:
    good = sha1_signature("AAAAA", "1714036504", "1514711492")
    for parts in [("AAAAB", "1714036504", "1514711492"), ("AAAAA", "1714036505", "1514711492")]:
        with pytest.raises(InvalidSignatureError):
            verify_sha1_signature(good, *parts)


def test_rawdata_signature_vector() -> None:
    (vector,) = vectors("rawdata_signature")
    given = vector["input"]
    expected = vector["expected"]["signature"]
    assert rawdata_signature(given["raw_data"], given["session_key"]) == expected
    verify_rawdata_signature(expected, given["raw_data"], given["session_key"])
    with pytest.raises(InvalidSignatureError):
        verify_rawdata_signature(expected, given["raw_data"] + " ", given["session_key"])
    with pytest.raises(InvalidSignatureError):
        verify_rawdata_signature("", given["raw_data"], given["session_key"])


def test_rawdata_signature_of_non_ascii_text_is_utf8() -> None:
    import hashlib

    raw = '{"nickName":"微信用户"}'
    assert rawdata_signature(raw, "k==") == hashlib.sha1((raw + "k==").encode("utf-8")).hexdigest()


def test_session_hmac_signature_vector() -> None:
    (vector,) = vectors("hmac_session_signature")
    given = vector["input"]
    expected = vector["expected"]["signature"]
    assert session_hmac_signature(given["session_key"], given["body"]) == expected
    assert session_hmac_signature(given["session_key"], given["body"].encode()) == expected
    assert session_hmac_signature(given["session_key"], "") != expected


def test_constant_time_equals() -> None:
    assert constant_time_equals("abc", b"abc")
    assert not constant_time_equals("abc", "abd")
    assert not constant_time_equals("abc", "ab")
    assert constant_time_equals("é", "é".encode())
