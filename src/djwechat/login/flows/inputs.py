"""Checks of the values a client sends to a login endpoint, before anything is spent on them.

A malformed value is a :class:`~djwechat.exceptions.BadRequestError` (400) naming the field; it
is refused before the WeChat code is exchanged, so a typo in the front end does not burn the
single-use code.
"""

from __future__ import annotations

import re
from typing import Any, Final

from django.utils.translation import gettext

from djwechat._internal.aescbc import b64decode_strict
from djwechat.exceptions import BadRequestError, CryptoError

#: WeChat codes are short URL-safe tokens; anything else cannot be one.
_CODE_RE: Final = re.compile(r"\A[A-Za-z0-9_\-.~+/=]{1,256}\Z")
_HEX_RE: Final = re.compile(r"\A[0-9a-fA-F]{40}\Z")

#: Longest accepted ``encryptedData`` (base64).  User info and phone payloads are well under 2 KB.
MAX_ENCRYPTED_DATA: Final = 16 * 1024
#: Longest accepted ``rawData`` (the user-info JSON the signature covers).
MAX_RAW_DATA: Final = 8 * 1024


def code(value: Any, name: str = "code") -> str:
    """A WeChat code (``wx.login``, phone button); 400 when missing or not code-shaped."""
    if not isinstance(value, str) or not value:
        raise BadRequestError(gettext("'%(name)s' is required and must be a string.") % {"name": name})
    if not _CODE_RE.match(value):
        raise BadRequestError(gettext("'%(name)s' is not a WeChat code.") % {"name": name})
    return value


def optional_str(value: Any, name: str, *, max_length: int) -> str | None:
    """``None`` for a missing or empty value, else a string of at most ``max_length`` characters."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise BadRequestError(gettext("'%(name)s' must be a string.") % {"name": name})
    if len(value) > max_length:
        raise BadRequestError(gettext("'%(name)s' is too long.") % {"name": name})
    return value


def encrypted_data(value: Any, name: str = "encrypted_data") -> str:
    """Base64 of whole AES blocks (16 bytes each), as ``encryptedData`` always is."""
    text = optional_str(value, name, max_length=MAX_ENCRYPTED_DATA)
    if text is None:
        raise BadRequestError(gettext("'%(name)s' is required.") % {"name": name})
    try:
        raw = b64decode_strict(text)
    except CryptoError:
        raise BadRequestError(gettext("'%(name)s' is not valid base64.") % {"name": name}) from None
    if not raw or len(raw) % 16:
        raise BadRequestError(gettext("'%(name)s' is not AES-CBC ciphertext.") % {"name": name})
    return text


def iv(value: Any, name: str = "iv") -> str:
    """Base64 of 16 bytes, as ``iv`` always is."""
    text = optional_str(value, name, max_length=64)
    if text is None:
        raise BadRequestError(gettext("'%(name)s' is required with encrypted_data.") % {"name": name})
    try:
        raw = b64decode_strict(text)
    except CryptoError:
        raise BadRequestError(gettext("'%(name)s' is not valid base64.") % {"name": name}) from None
    if len(raw) != 16:
        raise BadRequestError(gettext("'%(name)s' must decode to 16 bytes.") % {"name": name})
    return text


def sha1_hex(value: Any, name: str = "signature") -> str:
    """40 hexadecimal digits (a SHA1 signature)."""
    if not isinstance(value, str) or not _HEX_RE.match(value):
        raise BadRequestError(gettext("'%(name)s' must be a SHA1 hex digest.") % {"name": name})
    return value
