"""Message encryption of compatible and safe mode (``WXBizMsgCrypt``).

The scheme, from developers.weixin.qq.com/miniprogram/dev/framework/server-ability/message-push.html
and doc/oplatform/Third-party_Platforms/2.0/Before_Develop/message_push.html:

* AESKey = Base64Decode(EncodingAESKey + "=") (32 bytes, so AES-256-CBC); IV = AESKey[:16].
  The documentation's own example key is 43 times ``A``, i.e. 32 zero bytes: it must be accepted.
* Plaintext framing: random(16) ‖ msg_len (4 bytes, big-endian, counts bytes) ‖ msg (UTF-8) ‖
  receive id (the AppID), then PKCS#7 padding to **32-byte** blocks.
* ``msg_signature`` = sha1 of the sorted [Token, timestamp, nonce, Encrypt]; it is checked before
  anything is decrypted.

Key rotation (Tencent FAQ on EncodingAESKey changes): a push may still be encrypted with the
previous key for a while, so :meth:`MessageCrypto.decrypt` tries the current key first, then the
previous ones, and reports which one worked so the reply can be encrypted with the same key.
"""

from __future__ import annotations

import base64
import hmac
import json
import os
import re
import struct
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final

from django.views.decorators.debug import sensitive_variables

from djwechat._internal import pkcs7
from djwechat._internal.aescbc import b64decode_strict, cbc_decrypt, cbc_encrypt
from djwechat._internal.signing import sha1_signature, verify_sha1_signature
from djwechat.exceptions import AppIdMismatchError, CryptoError, InvalidKeyError

__all__ = ["DecryptedMessage", "EncryptedMessage", "MessageCrypto", "aes_key_from_encoding_key"]

#: PKCS#7 block size of the message scheme ("K = 32" in the official samples).
BLOCK_SIZE: Final = 32
_RANDOM_SIZE: Final = 16
_HEADER_SIZE: Final = _RANDOM_SIZE + 4
_ENCODING_AES_KEY_RE: Final = re.compile(r"[A-Za-z0-9]{43}")


@sensitive_variables()
def aes_key_from_encoding_key(encoding_aes_key: str) -> bytes:
    """The 32-byte AES key of a 43-character EncodingAESKey.

    Raises :class:`InvalidKeyError` unless the key is exactly 43 letters and digits.
    """
    if not isinstance(encoding_aes_key, str) or not _ENCODING_AES_KEY_RE.fullmatch(encoding_aes_key):
        raise InvalidKeyError("The EncodingAESKey must be 43 letters and digits.")
    try:
        key = b64decode_strict(encoding_aes_key + "=")
    except CryptoError as exc:  # pragma: no cover - the pattern above already guarantees base64
        raise InvalidKeyError("The EncodingAESKey is not valid base64.") from exc
    return key


@dataclass(frozen=True, slots=True)
class DecryptedMessage:
    """A decrypted push: ``text`` (the XML or JSON body) and the EncodingAESKey that opened it."""

    text: str
    key: str = field(repr=False)


def _cdata(value: str) -> str:
    # A "]]>" inside would end the section early: split it across two sections.
    return "<![CDATA[" + value.replace("]]>", "]]]]><![CDATA[>") + "]]>"


@dataclass(frozen=True, slots=True)
class EncryptedMessage:
    """An encrypted reply: the ``Encrypt`` value, its ``msg_signature`` and the signed timestamp/nonce."""

    encrypt: str
    msg_signature: str
    timestamp: str
    nonce: str

    def to_xml(self) -> str:
        """The reply envelope WeChat expects in XML mode."""
        return (
            "<xml>\n"
            f"<Encrypt>{_cdata(self.encrypt)}</Encrypt>\n"
            f"<MsgSignature>{_cdata(self.msg_signature)}</MsgSignature>\n"
            f"<TimeStamp>{_cdata(self.timestamp) if not self.timestamp.isdigit() else self.timestamp}"
            "</TimeStamp>\n"
            f"<Nonce>{_cdata(self.nonce)}</Nonce>\n"
            "</xml>"
        )

    def to_json(self) -> str:
        """The reply envelope of the Mini Program JSON data format (``TimeStamp`` as a number)."""
        timestamp: int | str = int(self.timestamp) if self.timestamp.isdigit() else self.timestamp
        return json.dumps(
            {
                "Encrypt": self.encrypt,
                "MsgSignature": self.msg_signature,
                "TimeStamp": timestamp,
                "Nonce": self.nonce,
            },
            ensure_ascii=False,
            separators=(",", ":"),
        )


class MessageCrypto:
    """Encrypts and decrypts pushes of one app (compatible and safe mode).

    ``token`` is the message-server Token, ``encoding_aes_key`` the current EncodingAESKey,
    ``app_id`` the receive id every decrypted message must name (the AppID; a third-party
    platform's component AppID), and ``previous_keys`` EncodingAESKeys replaced recently.
    Raises :class:`InvalidKeyError` at construction when a key has the wrong shape.
    """

    __slots__ = ("_app_id", "_keys", "_token")

    def __init__(
        self,
        *,
        token: str,
        encoding_aes_key: str,
        app_id: str,
        previous_keys: Sequence[str] = (),
    ) -> None:
        if not token:
            raise InvalidKeyError("The message server Token must not be empty.")
        if not app_id:
            raise InvalidKeyError("The AppID must not be empty.")
        self._token = token
        self._app_id = app_id.encode()
        keys: dict[str, bytes] = {}
        for key in (encoding_aes_key, *previous_keys):
            keys.setdefault(key, aes_key_from_encoding_key(key))
        #: EncodingAESKey -> AES key, current key first.
        self._keys = keys

    def signature(self, *, timestamp: str, nonce: str, encrypt: str) -> str:
        """The ``msg_signature`` of an ``Encrypt`` value."""
        return sha1_signature(self._token, timestamp, nonce, encrypt)

    @sensitive_variables()
    def decrypt(self, encrypt: str, *, msg_signature: str, timestamp: str, nonce: str) -> DecryptedMessage:
        """Check ``msg_signature`` and decrypt ``encrypt`` (the ``Encrypt`` value as received).

        Raises :class:`InvalidSignatureError` when the signature does not match,
        :class:`CryptoError` when no configured key opens the ciphertext (bad base64, length,
        padding or framing, or a body that is not UTF-8) and :class:`AppIdMismatchError` when it
        opens but names another app.
        """
        verify_sha1_signature(msg_signature, self._token, timestamp, nonce, encrypt)
        ciphertext = b64decode_strict(encrypt)
        mismatch: AppIdMismatchError | None = None
        for encoding_key, aes_key in self._keys.items():
            try:
                text = self._open(aes_key, ciphertext)
            except AppIdMismatchError as exc:
                # The framing was valid, so this key very likely is the right one.
                mismatch = mismatch or exc
            except CryptoError:
                continue
            else:
                return DecryptedMessage(text=text, key=encoding_key)
        if mismatch is not None:
            raise mismatch
        raise CryptoError()

    @sensitive_variables()
    def _open(self, aes_key: bytes, ciphertext: bytes) -> str:
        plain = pkcs7.unpad(cbc_decrypt(aes_key, aes_key[:16], ciphertext), BLOCK_SIZE)
        if len(plain) < _HEADER_SIZE:
            raise CryptoError()
        (length,) = struct.unpack(">I", plain[_RANDOM_SIZE:_HEADER_SIZE])
        end = _HEADER_SIZE + length
        if end > len(plain):
            raise CryptoError()
        if not hmac.compare_digest(plain[end:], self._app_id):
            raise AppIdMismatchError()
        try:
            return plain[_HEADER_SIZE:end].decode("utf-8")
        except UnicodeDecodeError as exc:
            raise CryptoError() from exc

    @sensitive_variables()
    def encrypt(
        self,
        text: str,
        *,
        timestamp: str,
        nonce: str,
        key: str | None = None,
        random: bytes | None = None,
    ) -> EncryptedMessage:
        """Encrypt and sign a reply.

        ``key`` is the EncodingAESKey to use (normally :attr:`DecryptedMessage.key`, so a push
        that came with the previous key is answered with it); it must be one of this app's keys,
        else :class:`InvalidKeyError`.  ``random`` (16 bytes) is for reproducing known vectors;
        by default it comes from ``os.urandom``.
        """
        encoding_key = key if key is not None else next(iter(self._keys))
        aes_key = self._keys.get(encoding_key)
        if aes_key is None:
            raise InvalidKeyError("The EncodingAESKey is not one of this app's keys.")
        prefix = os.urandom(_RANDOM_SIZE) if random is None else random
        if len(prefix) != _RANDOM_SIZE:
            raise ValueError("random must be exactly 16 bytes")
        body = text.encode("utf-8")
        plain = prefix + struct.pack(">I", len(body)) + body + self._app_id
        ciphertext = cbc_encrypt(aes_key, aes_key[:16], pkcs7.pad(plain, BLOCK_SIZE))
        encrypt = base64.b64encode(ciphertext).decode("ascii")
        return EncryptedMessage(
            encrypt=encrypt,
            msg_signature=self.signature(timestamp=timestamp, nonce=nonce, encrypt=encrypt),
            timestamp=timestamp,
            nonce=nonce,
        )
