"""Mini Program open-data decryption (``encryptedData`` / ``iv``, ``WXBizDataCrypt``).

From developers.weixin.qq.com/miniprogram/dev/framework/open-ability/signature.html:
key = Base64Decode(session_key) (16 bytes), iv = Base64Decode(iv) (16 bytes), AES-128-CBC,
PKCS#7 padding to 16-byte blocks, JSON inside, and the data is only trusted when
``watermark.appid`` is our AppID.  ``watermark.timestamp`` says when WeChat produced the data;
``max_age`` turns it into a freshness check.

Every failure to open the data (base64, length, padding, UTF-8, JSON) raises the same
:class:`CryptoError` so the answers of a login endpoint do not become a padding oracle that
would let a client forge ``encryptedData`` (for example a phone number) block by block.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from typing import Any, Final

from django.views.decorators.debug import sensitive_variables

from djwechat._internal import clock, pkcs7
from djwechat._internal.aescbc import b64decode_strict, cbc_decrypt, cbc_encrypt
from djwechat._internal.signing import constant_time_equals
from djwechat.exceptions import AppIdMismatchError, CryptoError, InvalidKeyError, StaleDataError

__all__ = ["decrypt_data", "encrypt_data"]

_BLOCK_SIZE: Final = 16


@sensitive_variables()
def _decode_key(value: str, what: str) -> bytes:
    try:
        raw = b64decode_strict(value) if isinstance(value, str) else b""
    except CryptoError as exc:
        raise InvalidKeyError(f"The {what} is not valid base64.") from exc
    if len(raw) != 16:
        raise InvalidKeyError(f"The {what} must decode to 16 bytes.")
    return raw


@sensitive_variables()
def decrypt_data(
    encrypted_data: str,
    *,
    session_key: str,
    iv: str,
    app_id: str,
    max_age: int = 0,
) -> dict[str, Any]:
    """Decrypt ``encryptedData`` with the user's ``session_key`` and return its JSON object.

    Raises :class:`InvalidKeyError` when ``session_key`` or ``iv`` is not base64 of 16 bytes,
    :class:`CryptoError` when the data cannot be opened or is not a JSON object,
    :class:`AppIdMismatchError` when ``watermark.appid`` is missing or names another app, and
    :class:`StaleDataError` when ``max_age`` > 0 and ``watermark.timestamp`` is further than
    ``max_age`` seconds from now (either way, so a forward-dated watermark is refused too).
    """
    key = _decode_key(session_key, "session_key")
    iv_bytes = _decode_key(iv, "iv")
    if not isinstance(encrypted_data, str):
        raise CryptoError()
    ciphertext = b64decode_strict(encrypted_data)
    plain = pkcs7.unpad(cbc_decrypt(key, iv_bytes, ciphertext), _BLOCK_SIZE)
    try:
        data = json.loads(plain.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise CryptoError() from exc
    if not isinstance(data, dict):
        raise CryptoError()
    watermark = data.get("watermark")
    watermark_app = watermark.get("appid") if isinstance(watermark, dict) else None
    if not isinstance(watermark_app, str) or not constant_time_equals(watermark_app, app_id):
        raise AppIdMismatchError()
    if max_age > 0:
        assert isinstance(watermark, dict)
        stamp = watermark.get("timestamp")
        if isinstance(stamp, bool) or not isinstance(stamp, int) or abs(clock.now() - stamp) > max_age:
            raise StaleDataError()
    return data


@sensitive_variables()
def encrypt_data(data: Mapping[str, Any], *, session_key: str, iv: str) -> str:
    """Encrypt ``data`` the way WeChat does (the simulator and tests use this).

    The JSON is compact UTF-8 without ``\\uXXXX`` escapes, like WeChat's own payloads.
    Raises :class:`InvalidKeyError` when ``session_key`` or ``iv`` is not base64 of 16 bytes.
    """
    key = _decode_key(session_key, "session_key")
    iv_bytes = _decode_key(iv, "iv")
    plain = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return base64.b64encode(cbc_encrypt(key, iv_bytes, pkcs7.pad(plain, _BLOCK_SIZE))).decode("ascii")
