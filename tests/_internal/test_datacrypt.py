"""Open-data (encryptedData) decryption against the official demo, and hostile input."""

from __future__ import annotations

import base64
import json
import random
import time
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from djwechat._internal.datacrypt import decrypt_data, encrypt_data
from djwechat.exceptions import AppIdMismatchError, CryptoError, InvalidKeyError, StaleDataError

VECTORS = json.loads((Path(__file__).parent.parent / "fixtures" / "wechat_vectors.json").read_text("utf-8"))
DEMO = next(v for v in VECTORS["vectors"] if v["id"] == "wxbizdatacrypt_demo")
WRONG_APP = next(v for v in VECTORS["vectors"] if v["id"] == "wxbizdatacrypt_wrong_appid_negative")

SESSION_KEY = base64.b64encode(b"k" * 16).decode()
IV = base64.b64encode(b"i" * 16).decode()
APP_ID = "wx4f4bc4dec97d474b"


def decrypt(given: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    return decrypt_data(
        given["encrypted_data"],
        session_key=given["session_key"],
        iv=given["iv"],
        app_id=given["appid"],
        **kwargs,
    )


def raw_encrypt(plain: bytes) -> str:
    encryptor = Cipher(algorithms.AES(b"k" * 16), modes.CBC(b"i" * 16)).encryptor()
    return base64.b64encode(encryptor.update(plain) + encryptor.finalize()).decode()


def test_official_demo() -> None:
    assert decrypt(DEMO["input"]) == DEMO["expected"]["json"]


def test_official_negative_vector() -> None:
    with pytest.raises(AppIdMismatchError):
        decrypt(WRONG_APP["input"])


def test_round_trip_keeps_unicode_unescaped() -> None:
    data = {
        "phoneNumber": "+8613800000000",
        "nick": "微信用户",
        "watermark": {"appid": APP_ID, "timestamp": 1},
    }
    encrypted = encrypt_data(data, session_key=SESSION_KEY, iv=IV)
    assert decrypt_data(encrypted, session_key=SESSION_KEY, iv=IV, app_id=APP_ID) == data
    plain = (
        Cipher(algorithms.AES(b"k" * 16), modes.CBC(b"i" * 16))
        .decryptor()
        .update(base64.b64decode(encrypted))
    )
    assert "微信用户".encode() in plain


def test_max_age() -> None:
    now = int(time.time())
    fresh = encrypt_data(
        {"watermark": {"appid": APP_ID, "timestamp": now - 10}}, session_key=SESSION_KEY, iv=IV
    )
    old = encrypt_data(
        {"watermark": {"appid": APP_ID, "timestamp": now - 1000}}, session_key=SESSION_KEY, iv=IV
    )
    future = encrypt_data(
        {"watermark": {"appid": APP_ID, "timestamp": now + 1000}}, session_key=SESSION_KEY, iv=IV
    )
    no_stamp = encrypt_data(
        {"watermark": {"appid": APP_ID, "timestamp": "x"}}, session_key=SESSION_KEY, iv=IV
    )
    assert decrypt_data(fresh, session_key=SESSION_KEY, iv=IV, app_id=APP_ID, max_age=60)
    assert decrypt_data(old, session_key=SESSION_KEY, iv=IV, app_id=APP_ID)  # max_age 0: no check
    for encrypted in (old, future, no_stamp):
        with pytest.raises(StaleDataError):
            decrypt_data(encrypted, session_key=SESSION_KEY, iv=IV, app_id=APP_ID, max_age=60)
    with pytest.raises(StaleDataError):
        decrypt(DEMO["input"], max_age=3600)


@pytest.mark.parametrize(
    "bad",
    ["", "AAAA", base64.b64encode(b"k" * 15).decode(), base64.b64encode(b"k" * 32).decode(), "!!!!", "é"],
)
def test_bad_session_key_or_iv(bad: str) -> None:
    given = DEMO["input"]
    with pytest.raises(InvalidKeyError):
        decrypt_data(given["encrypted_data"], session_key=bad, iv=given["iv"], app_id=given["appid"])
    with pytest.raises(InvalidKeyError):
        decrypt_data(given["encrypted_data"], session_key=given["session_key"], iv=bad, app_id=given["appid"])
    with pytest.raises(InvalidKeyError):
        encrypt_data({}, session_key=bad, iv=IV)


def test_wrong_session_key_fails_as_crypto_error() -> None:
    given = DEMO["input"]
    with pytest.raises(CryptoError):
        decrypt_data(given["encrypted_data"], session_key=SESSION_KEY, iv=given["iv"], app_id=given["appid"])


@pytest.mark.parametrize(
    "plain",
    [
        b"[1, 2]" + bytes([10]) * 10,  # JSON but not an object
        b"not json" + bytes([8]) * 8,
        b'{"a": "\xff"}' + bytes([6]) * 6,  # not UTF-8
        b"{}" + bytes([14]) * 14,  # no watermark
        b'{"watermark": "wx"}' + bytes([13]) * 13,
        b'{"watermark": {"appid": 1}}' + bytes([5]) * 5,
        b"x" * 15 + b"\x00",  # pad value 0
        b"x" * 15 + b"\x11",  # pad value 17 > 16
        b"x" * 14 + b"\x01\x02",  # pad bytes differ
        b"[" * 5000 + bytes([8]) * 8,  # deep nesting
    ],
)
def test_hostile_plaintexts(plain: bytes) -> None:
    with pytest.raises(CryptoError):
        decrypt_data(raw_encrypt(plain), session_key=SESSION_KEY, iv=IV, app_id=APP_ID)


@pytest.mark.parametrize(
    "encrypted", ["", "!!!", "QUJD", base64.b64encode(b"x" * 17).decode(), "CiyLU1Aw2Kjv", 12345]
)
def test_bad_ciphertext(encrypted: Any) -> None:
    with pytest.raises(CryptoError):
        decrypt_data(encrypted, session_key=SESSION_KEY, iv=IV, app_id=APP_ID)


def test_truncated_demo_ciphertext() -> None:
    given = DEMO["input"]
    raw = base64.b64decode(given["encrypted_data"])
    for cut in (16, 32, len(raw) - 16):
        with pytest.raises(CryptoError):
            decrypt({**given, "encrypted_data": base64.b64encode(raw[:cut]).decode()})


def test_padding_and_json_failures_look_the_same() -> None:
    """No padding oracle: both failures carry the same class, code and message."""
    errors = []
    for plain in (b"x" * 15 + b"\x00", b"not json" + bytes([8]) * 8):
        with pytest.raises(CryptoError) as info:
            decrypt_data(raw_encrypt(plain), session_key=SESSION_KEY, iv=IV, app_id=APP_ID)
        errors.append((type(info.value), info.value.code, str(info.value)))
    assert errors[0] == errors[1]


def test_random_input_raises_only_our_errors() -> None:
    rng = random.Random(99)
    for _ in range(800):
        blob = bytes(rng.getrandbits(8) for _ in range(rng.choice([0, 16, 32, rng.randrange(0, 200)])))
        text = base64.b64encode(blob).decode() if rng.random() < 0.8 else blob.decode("latin-1")
        with pytest.raises(CryptoError):
            decrypt_data(text, session_key=SESSION_KEY, iv=IV, app_id=APP_ID, max_age=60)
