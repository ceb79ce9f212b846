"""Message crypto against the official vectors, key rotation, and hostile ciphertext."""

from __future__ import annotations

import base64
import json
import random
import struct
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from djwechat._internal.msgcrypt import MessageCrypto, aes_key_from_encoding_key
from djwechat._internal.signing import sha1_signature
from djwechat.exceptions import (
    AppIdMismatchError,
    CryptoError,
    InvalidKeyError,
    InvalidSignatureError,
    ProtocolError,
)

VECTORS = json.loads((Path(__file__).parent.parent / "fixtures" / "wechat_vectors.json").read_text("utf-8"))

ZERO_KEY = "A" * 43
KEY_1 = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
KEY_2 = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFG"
APP_ID = "wxba5fad812f8e6fb9"


def vectors(kind: str, *, negative: bool = False) -> list[dict[str, Any]]:
    found = [v for v in VECTORS["vectors"] if v["kind"] == kind and bool(v.get("negative")) == negative]
    assert found, kind
    return found


def encrypt_of(vector: dict[str, Any]) -> str:
    given = vector["input"]
    if "encrypt" in given:
        return str(given["encrypt"])
    body = given["post_body"]
    start = body.index("<Encrypt><![CDATA[") + len("<Encrypt><![CDATA[")
    return str(body[start : body.index("]]></Encrypt>")])


def crypto_for(given: dict[str, Any], **kwargs: Any) -> MessageCrypto:
    return MessageCrypto(
        token=given["token"], encoding_aes_key=given["encoding_aes_key"], app_id=given["appid"], **kwargs
    )


def raw_encrypt(plain: bytes, key: str = ZERO_KEY) -> str:
    """Encrypt bytes exactly as given (no framing, no padding) to build hostile inputs."""
    aes = aes_key_from_encoding_key(key)
    encryptor = Cipher(algorithms.AES(aes), modes.CBC(aes[:16])).encryptor()
    return base64.b64encode(encryptor.update(plain) + encryptor.finalize()).decode()


def pad32(data: bytes) -> bytes:
    amount = 32 - len(data) % 32
    return data + bytes([amount]) * amount


def signed(crypto_token: str, encrypt: str) -> dict[str, str]:
    return {
        "msg_signature": sha1_signature(crypto_token, "1714112445", "415670741", encrypt),
        "timestamp": "1714112445",
        "nonce": "415670741",
    }


# --------------------------------------------------------------------------- official vectors


@pytest.mark.parametrize("vector", vectors("msg_decrypt"), ids=lambda v: v["id"])
def test_decrypt_vectors(vector: dict[str, Any]) -> None:
    given, expected = vector["input"], vector["expected"]
    crypto = crypto_for(given)
    message = crypto.decrypt(
        encrypt_of(vector),
        msg_signature=given["msg_signature"],
        timestamp=given["timestamp"],
        nonce=given["nonce"],
    )
    assert message.text == expected["plaintext"]
    assert message.key == given["encoding_aes_key"]
    assert len(message.text.encode()) == expected["msg_len"]
    assert len(base64.b64decode(encrypt_of(vector))) == expected["cipher_len"]


@pytest.mark.parametrize("vector", vectors("msg_encrypt"), ids=lambda v: v["id"])
def test_encrypt_vectors(vector: dict[str, Any]) -> None:
    given, expected = vector["input"], vector["expected"]
    crypto = crypto_for(given)
    reply = crypto.encrypt(
        given["plaintext"],
        timestamp=given["timestamp"],
        nonce=given["nonce"],
        random=given["random"].encode(),
    )
    assert reply.encrypt == expected["encrypt"]
    assert reply.msg_signature == expected["msg_signature"]
    if "reply_xml" in expected:
        assert reply.to_xml() == expected["reply_xml"]
    if "reply_json" in expected:
        assert json.loads(reply.to_json()) == expected["reply_json"]
    # And the reply opens again.
    assert (
        crypto.decrypt(
            reply.encrypt, msg_signature=reply.msg_signature, timestamp=reply.timestamp, nonce=reply.nonce
        ).text
        == given["plaintext"]
    )


@pytest.mark.parametrize("vector", vectors("msg_decrypt", negative=True), ids=lambda v: v["id"])
def test_negative_vectors_are_refused(vector: dict[str, Any]) -> None:
    given = vector["input"]
    with pytest.raises(AppIdMismatchError):
        crypto_for(given).decrypt(
            encrypt_of(vector),
            msg_signature=given["msg_signature"],
            timestamp=given["timestamp"],
            nonce=given["nonce"],
        )


def test_all_zero_key_is_accepted() -> None:
    assert aes_key_from_encoding_key(ZERO_KEY) == bytes(32)


# --------------------------------------------------------------------------- round trips and rotation


@pytest.mark.parametrize(
    "text", ["", "a", "x" * 31, "y" * 32, "你好 世界 🌏", "<xml><a><![CDATA[]]></a></xml>"]
)
def test_round_trip(text: str) -> None:
    crypto = MessageCrypto(token="tok", encoding_aes_key=KEY_1, app_id=APP_ID)
    reply = crypto.encrypt(text, timestamp="1", nonce="2")
    assert len(base64.b64decode(reply.encrypt)) % 32 == 0
    message = crypto.decrypt(reply.encrypt, msg_signature=reply.msg_signature, timestamp="1", nonce="2")
    assert message.text == text
    assert message.key == KEY_1


def test_random_prefix_makes_each_encryption_different() -> None:
    crypto = MessageCrypto(token="tok", encoding_aes_key=KEY_1, app_id=APP_ID)
    assert (
        crypto.encrypt("same", timestamp="1", nonce="2").encrypt
        != crypto.encrypt("same", timestamp="1", nonce="2").encrypt
    )


def test_previous_key_opens_and_is_reported() -> None:
    old = MessageCrypto(token="tok", encoding_aes_key=KEY_1, app_id=APP_ID)
    rotated = MessageCrypto(token="tok", encoding_aes_key=KEY_2, app_id=APP_ID, previous_keys=[KEY_1])
    pushed = old.encrypt("<xml>old</xml>", timestamp="1", nonce="2")
    message = rotated.decrypt(pushed.encrypt, msg_signature=pushed.msg_signature, timestamp="1", nonce="2")
    assert message.text == "<xml>old</xml>"
    assert message.key == KEY_1
    # The reply uses the key that worked, so the sender (still on the old key) can open it.
    reply = rotated.encrypt("<xml>reply</xml>", timestamp="3", nonce="4", key=message.key)
    assert old.decrypt(reply.encrypt, msg_signature=reply.msg_signature, timestamp="3", nonce="4").text == (
        "<xml>reply</xml>"
    )
    # Current key first.
    fresh = rotated.encrypt("<xml>new</xml>", timestamp="1", nonce="2")
    assert (
        rotated.decrypt(fresh.encrypt, msg_signature=fresh.msg_signature, timestamp="1", nonce="2").key
        == KEY_2
    )


def test_unknown_key_is_refused_without_previous_keys() -> None:
    sender = MessageCrypto(token="tok", encoding_aes_key=KEY_1, app_id=APP_ID)
    receiver = MessageCrypto(token="tok", encoding_aes_key=KEY_2, app_id=APP_ID)
    pushed = sender.encrypt("<xml/>", timestamp="1", nonce="2")
    with pytest.raises(CryptoError):
        receiver.decrypt(pushed.encrypt, msg_signature=pushed.msg_signature, timestamp="1", nonce="2")


def test_encrypt_with_a_foreign_key_is_refused() -> None:
    crypto = MessageCrypto(token="tok", encoding_aes_key=KEY_1, app_id=APP_ID)
    with pytest.raises(InvalidKeyError):
        crypto.encrypt("x", timestamp="1", nonce="2", key=KEY_2)
    with pytest.raises(ValueError, match="16 bytes"):
        crypto.encrypt("x", timestamp="1", nonce="2", random=b"short")


def test_envelope_escapes_cdata_terminators() -> None:
    crypto = MessageCrypto(token="tok", encoding_aes_key=KEY_1, app_id=APP_ID)
    xml = crypto.encrypt("x", timestamp="1", nonce="a]]><b/>").to_xml()
    assert "<b/>" not in xml.replace("<![CDATA[", "").split("]]>")[0]
    assert "<Nonce><![CDATA[a]]]]><![CDATA[><b/>]]></Nonce>" in xml


# --------------------------------------------------------------------------- hostile input


@pytest.mark.parametrize(
    "key", ["", "A" * 42, "A" * 44, "A" * 42 + "=", "A" * 42 + "+", "A" * 42 + "é", "A" * 42 + " "]
)
def test_malformed_keys_are_refused(key: str) -> None:
    with pytest.raises(InvalidKeyError):
        MessageCrypto(token="tok", encoding_aes_key=key, app_id=APP_ID)
    with pytest.raises(InvalidKeyError):
        MessageCrypto(token="tok", encoding_aes_key=KEY_1, app_id=APP_ID, previous_keys=[key])


def test_empty_token_or_app_id_is_refused() -> None:
    with pytest.raises(InvalidKeyError):
        MessageCrypto(token="", encoding_aes_key=KEY_1, app_id=APP_ID)
    with pytest.raises(InvalidKeyError):
        MessageCrypto(token="tok", encoding_aes_key=KEY_1, app_id="")


def test_signature_is_checked_before_decrypting() -> None:
    crypto = MessageCrypto(token="tok", encoding_aes_key=KEY_1, app_id=APP_ID)
    reply = crypto.encrypt("x", timestamp="1", nonce="2")
    for sig, ts, nonce, enc in [
        ("0" * 40, "1", "2", reply.encrypt),
        (reply.msg_signature, "9", "2", reply.encrypt),
        (reply.msg_signature, "1", "9", reply.encrypt),
        (reply.msg_signature, "1", "2", reply.encrypt[:-4] + "AAA="),
        ("", "1", "2", reply.encrypt),
    ]:
        with pytest.raises(InvalidSignatureError):
            crypto.decrypt(enc, msg_signature=sig, timestamp=ts, nonce=nonce)


def framed(msg: bytes, app_id: bytes = APP_ID.encode(), length: int | None = None) -> bytes:
    size = len(msg) if length is None else length
    return b"R" * 16 + struct.pack(">I", size) + msg + app_id


@pytest.mark.parametrize(
    ("plain", "error"),
    [
        (pad32(framed(b"<xml/>", app_id=b"wx0000000000000000")), AppIdMismatchError),
        (pad32(framed(b"<xml/>", app_id=b"")), AppIdMismatchError),
        (pad32(framed(b"<xml/>", length=10_000)), CryptoError),  # length larger than the buffer
        (pad32(framed(b"<xml/>", length=2**32 - 1)), CryptoError),
        (pad32(b"R" * 19), CryptoError),  # shorter than the header
        (pad32(framed(b"\xff\xfe<xml/>")), CryptoError),  # not UTF-8
        (framed(b"<xml/>") + b"\x00" * (32 - len(framed(b"<xml/>")) % 32), CryptoError),  # pad value 0
        (framed(b"<xml/>".ljust(26)) + bytes([33]) * 32, CryptoError),  # pad value > 32
        (pad32(framed(b"<xml/>"))[:-2] + b"\x01\x02", CryptoError),  # pad bytes differ
        (bytes([64]) * 64, CryptoError),  # pad value larger than 32 and the block
    ],
)
def test_bad_plaintext_structure_is_refused(plain: bytes, error: type[Exception]) -> None:
    assert len(plain) % 16 == 0
    crypto = MessageCrypto(token="tok", encoding_aes_key=ZERO_KEY, app_id=APP_ID)
    encrypt = raw_encrypt(plain)
    with pytest.raises(error):
        crypto.decrypt(encrypt, **signed("tok", encrypt))


@pytest.mark.parametrize(
    "encrypt",
    [
        "",
        "not base64!",
        "QUJD",  # 3 bytes: not whole AES blocks
        base64.b64encode(b"x" * 17).decode(),
        base64.b64encode(b"x" * 16).decode()[:-2],  # wrong padding
        "QUJD\u00e9",
        base64.b64encode(bytes(32)).decode().replace("A", "-"),
    ],
)
def test_bad_ciphertext_is_refused(encrypt: str) -> None:
    crypto = MessageCrypto(token="tok", encoding_aes_key=ZERO_KEY, app_id=APP_ID)
    with pytest.raises(CryptoError):
        crypto.decrypt(encrypt, **signed("tok", encrypt))


def test_truncated_vector_ciphertext_is_refused() -> None:
    vector = vectors("msg_decrypt")[0]
    given = vector["input"]
    raw = base64.b64decode(encrypt_of(vector))
    crypto = crypto_for(given)
    for cut in (16, 32, 48, len(raw) - 16):
        encrypt = base64.b64encode(raw[:cut]).decode()
        with pytest.raises(CryptoError):
            crypto.decrypt(encrypt, **signed(given["token"], encrypt))


def test_random_ciphertexts_raise_only_our_errors() -> None:
    rng = random.Random(20240501)
    crypto = MessageCrypto(token="tok", encoding_aes_key=KEY_1, app_id=APP_ID, previous_keys=[ZERO_KEY])
    seen: set[type[Exception]] = set()
    for _ in range(1500):
        size = rng.choice([0, 1, 15, 16, 31, 32, 48, 64, rng.randrange(0, 400)])
        blob = bytes(rng.getrandbits(8) for _ in range(size))
        encrypt = base64.b64encode(blob).decode() if rng.random() < 0.8 else blob.decode("latin-1")
        try:
            crypto.decrypt(encrypt, **signed("tok", encrypt))
        except ProtocolError as exc:
            seen.add(type(exc))
    assert CryptoError in seen


def test_random_plaintexts_under_the_key_raise_only_our_errors() -> None:
    """Valid AES and padding around random framing: only CryptoError / AppIdMismatchError escape."""
    rng = random.Random(7)
    crypto = MessageCrypto(token="tok", encoding_aes_key=ZERO_KEY, app_id=APP_ID)
    for _ in range(500):
        body = bytes(rng.getrandbits(8) for _ in range(rng.randrange(0, 120)))
        encrypt = raw_encrypt(pad32(body))
        with pytest.raises(CryptoError):  # AppIdMismatchError is one too
            crypto.decrypt(encrypt, **signed("tok", encrypt))
