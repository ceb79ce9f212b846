"""AES-CBC and strict base64, the two primitives under WeChat's message and data crypto.

Both schemes (``WXBizMsgCrypt`` for pushes, ``WXBizDataCrypt`` for ``encryptedData``) are plain
AES-CBC over base64 text; only key sizes, IVs and padding block sizes differ, so they share this.
"""

from __future__ import annotations

import base64
import binascii

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from djwechat.exceptions import CryptoError

__all__ = ["b64decode_strict", "cbc_decrypt", "cbc_encrypt"]

_AES_BLOCK = 16


def b64decode_strict(value: str | bytes) -> bytes:
    """Decode standard base64 (``+/``, ``=`` padding), refusing any other character.

    Raises :class:`CryptoError` on characters outside the alphabet, wrong padding or non-ASCII
    input; the caller re-raises a more precise error (for example for keys) when it has one.
    """
    try:
        raw = value.encode("ascii") if isinstance(value, str) else value
        return base64.b64decode(raw, validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError) as exc:
        raise CryptoError() from exc


def cbc_encrypt(key: bytes, iv: bytes, padded: bytes) -> bytes:
    """AES-CBC encryption of ``padded`` (already a whole number of 16-byte blocks)."""
    encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    return encryptor.update(padded) + encryptor.finalize()


def cbc_decrypt(key: bytes, iv: bytes, ciphertext: bytes) -> bytes:
    """AES-CBC decryption without unpadding; :class:`CryptoError` unless whole, non-empty blocks."""
    if not ciphertext or len(ciphertext) % _AES_BLOCK:
        raise CryptoError()
    decryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
    return decryptor.update(ciphertext) + decryptor.finalize()
