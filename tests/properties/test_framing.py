"""The crypto framing under any input: PKCS#7 padding, the message-push envelope (msgcrypt) and
the Mini Program's encryptedData (datacrypt) either give a valid result or raise their typed
error, never anything else; and what they produce, they open again."""

from __future__ import annotations

import base64
import string
from contextlib import suppress

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from djwechat._internal import pkcs7
from djwechat._internal.datacrypt import decrypt_data, encrypt_data
from djwechat._internal.msgcrypt import MessageCrypto
from djwechat._internal.signing import sha1_signature
from djwechat.exceptions import CryptoError, InvalidSignatureError
from tests.properties.conftest import PROPERTIES

ALPHANUMERIC = string.ascii_letters + string.digits
encoding_keys = st.text(ALPHANUMERIC, min_size=43, max_size=43)
app_ids = st.text(ALPHANUMERIC, min_size=1, max_size=32)
#: What a push's text may hold: any Unicode scalar value (no lone surrogates, which UTF-8 cannot carry).
texts = st.text(st.characters(exclude_categories=("Cs",)), max_size=300)
b64_keys = st.binary(min_size=16, max_size=16).map(lambda raw: base64.b64encode(raw).decode())


# --------------------------------------------------------------------------- PKCS#7


@PROPERTIES
@given(data=st.binary(max_size=600), block_size=st.integers(1, 255))
def test_pad_then_unpad_gives_the_data_back(data: bytes, block_size: int) -> None:
    padded = pkcs7.pad(data, block_size)
    assert len(padded) % block_size == 0
    assert 1 <= len(padded) - len(data) <= block_size
    assert pkcs7.unpad(padded, block_size) == data


@PROPERTIES
@given(data=st.binary(max_size=200), block_size=st.sampled_from([16, 32]))
def test_unpad_of_anything_is_a_prefix_or_a_crypto_error(data: bytes, block_size: int) -> None:
    try:
        plain = pkcs7.unpad(data, block_size)
    except CryptoError:
        return
    assert data.startswith(plain)
    assert 1 <= len(data) - len(plain) <= block_size


# --------------------------------------------------------------------------- message pushes


@PROPERTIES
@given(
    key=encoding_keys,
    app_id=app_ids,
    text=texts,
    timestamp=st.text(string.digits, min_size=1, max_size=12),
    nonce=st.text(ALPHANUMERIC, max_size=20),
)
def test_a_push_encrypted_for_an_app_opens_to_its_text(
    key: str, app_id: str, text: str, timestamp: str, nonce: str
) -> None:
    crypto = MessageCrypto(token="token-abc", encoding_aes_key=key, app_id=app_id)
    sealed = crypto.encrypt(text, timestamp=timestamp, nonce=nonce)
    opened = crypto.decrypt(
        sealed.encrypt, msg_signature=sealed.msg_signature, timestamp=timestamp, nonce=nonce
    )
    assert (opened.text, opened.key) == (text, key)


def _crypto() -> MessageCrypto:
    return MessageCrypto(token="token-abc", encoding_aes_key="a" * 43, app_id="wxapp0001")


@PROPERTIES
@given(
    encrypt=st.one_of(
        st.text(max_size=400), st.binary(max_size=400).map(lambda b: base64.b64encode(b).decode())
    )
)
def test_any_signed_encrypt_value_opens_or_is_a_crypto_error(encrypt: str) -> None:
    """The signature checks out (WeChat's Token is known to the attacker's replay, say): the
    ciphertext itself is hostile."""
    crypto = _crypto()
    signature = sha1_signature("token-abc", "1", "n", encrypt)
    with suppress(CryptoError):  # AppIdMismatchError is one
        crypto.decrypt(encrypt, msg_signature=signature, timestamp="1", nonce="n")


@PROPERTIES
@given(text=texts, position=st.integers(0, 10_000), bit=st.integers(0, 7))
def test_a_tampered_ciphertext_is_refused_by_its_signature(text: str, position: int, bit: int) -> None:
    """AES-CBC has no integrity of its own (a flipped bit changes the next block's plaintext):
    the ``msg_signature`` over ``Encrypt``, keyed with the Token, is what refuses tampering."""
    crypto = _crypto()
    sealed = crypto.encrypt(text, timestamp="1", nonce="n")
    raw = bytearray(base64.b64decode(sealed.encrypt))
    raw[position % len(raw)] ^= 1 << bit
    tampered = base64.b64encode(bytes(raw)).decode()
    with pytest.raises(InvalidSignatureError):
        crypto.decrypt(tampered, msg_signature=sealed.msg_signature, timestamp="1", nonce="n")
    # Re-signed (only the Token's holder can): it opens to some text or is a CryptoError.
    signature = sha1_signature("token-abc", "1", "n", tampered)
    try:
        opened = crypto.decrypt(tampered, msg_signature=signature, timestamp="1", nonce="n")
    except CryptoError:
        return
    assert isinstance(opened.text, str)


@PROPERTIES
@given(signature=st.text(max_size=60))
def test_a_wrong_signature_is_refused_before_decrypting(signature: str) -> None:
    crypto = _crypto()
    sealed = crypto.encrypt("hello", timestamp="1", nonce="n")
    assume(signature != sealed.msg_signature)
    with pytest.raises(InvalidSignatureError):
        crypto.decrypt(sealed.encrypt, msg_signature=signature, timestamp="1", nonce="n")


# --------------------------------------------------------------------------- encryptedData

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | texts,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(texts, children, max_size=4),
    max_leaves=10,
)


@PROPERTIES
@given(
    data=st.dictionaries(texts, json_values, max_size=5),
    session_key=b64_keys,
    iv=b64_keys,
    app_id=app_ids,
)
def test_encrypted_data_opens_to_its_object(
    data: dict[str, object], session_key: str, iv: str, app_id: str
) -> None:
    payload = {**data, "watermark": {"appid": app_id, "timestamp": 1}}
    sealed = encrypt_data(payload, session_key=session_key, iv=iv)
    assert decrypt_data(sealed, session_key=session_key, iv=iv, app_id=app_id) == payload


@PROPERTIES
@given(
    encrypted=st.one_of(
        st.text(max_size=300), st.binary(max_size=300).map(lambda b: base64.b64encode(b).decode())
    ),
    session_key=st.one_of(b64_keys, st.text(max_size=40)),
    iv=st.one_of(b64_keys, st.text(max_size=40)),
    max_age=st.sampled_from([0, 300]),
)
def test_any_encrypted_data_is_an_object_or_a_crypto_error(
    encrypted: str, session_key: str, iv: str, max_age: int
) -> None:
    try:
        data = decrypt_data(encrypted, session_key=session_key, iv=iv, app_id="wxapp0001", max_age=max_age)
    except CryptoError:  # InvalidKeyError, AppIdMismatchError and StaleDataError are ones
        return
    assert isinstance(data, dict)
    assert data["watermark"]["appid"] == "wxapp0001"
