"""WeChat signatures: the SHA1 push signatures, the Mini Program ``rawData`` signature and the
login-state HMAC.

Every comparison goes through :func:`hmac.compare_digest` so a forged signature cannot be found
byte by byte from response timings.

Sources:

* Push handshake and ``msg_signature``: developers.weixin.qq.com/miniprogram/dev/framework/
  server-ability/message-push.html ("signature = sha1 of the sorted token, timestamp, nonce";
  encrypted pushes add the ``Encrypt`` value as a fourth part).
* ``rawData`` signature: developers.weixin.qq.com/miniprogram/dev/framework/open-ability/signature.html
  (``sha1(rawData + session_key)``, the session_key as its base64 text).
* Login-state signature: developers.weixin.qq.com/minigame/en/dev/tutorial/open-ability/http-signature.html
  (HMAC-SHA256, key = the session_key text, message = the request body; ``""`` for GET).
"""

from __future__ import annotations

import hashlib
import hmac

from django.views.decorators.debug import sensitive_variables

from djwechat.exceptions import InvalidSignatureError

__all__ = [
    "constant_time_equals",
    "rawdata_signature",
    "session_hmac_signature",
    "sha1_signature",
    "verify_rawdata_signature",
    "verify_sha1_signature",
]


def constant_time_equals(a: str | bytes, b: str | bytes) -> bool:
    """``a == b`` in time independent of where they differ (both encoded as UTF-8 first)."""
    a_bytes = a.encode() if isinstance(a, str) else a
    b_bytes = b.encode() if isinstance(b, str) else b
    return hmac.compare_digest(a_bytes, b_bytes)


def sha1_signature(*parts: str) -> str:
    """Lower-case SHA1 hex of ``parts`` sorted as plain strings and joined without a separator.

    ``sha1_signature(token, timestamp, nonce)`` is the 3-field handshake ``signature``;
    ``sha1_signature(token, timestamp, nonce, encrypt)`` is the 4-field ``msg_signature``.
    """
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()  # noqa: S324 - protocol-mandated


def verify_sha1_signature(signature: str, *parts: str) -> None:
    """Check ``signature`` against :func:`sha1_signature` of ``parts``.

    Raises :class:`InvalidSignatureError` when it does not match (including an empty or
    non-hex value).  Hex is compared case-insensitively: some proxies upper-case query values.
    """
    expected = sha1_signature(*parts)
    if not signature or not constant_time_equals(signature.lower(), expected):
        raise InvalidSignatureError()


@sensitive_variables()
def rawdata_signature(raw_data: str, session_key: str) -> str:
    """The Mini Program ``signature`` of ``rawData``: ``sha1(raw_data + session_key)`` hex.

    ``session_key`` is used as its base64 text, exactly as ``code2Session`` returned it.
    """
    return hashlib.sha1((raw_data + session_key).encode()).hexdigest()  # noqa: S324 - protocol-mandated


@sensitive_variables()
def verify_rawdata_signature(signature: str, raw_data: str, session_key: str) -> None:
    """Check a ``getUserInfo`` ``signature``; raises :class:`InvalidSignatureError` on mismatch."""
    expected = rawdata_signature(raw_data, session_key)
    if not signature or not constant_time_equals(signature.lower(), expected):
        raise InvalidSignatureError()


@sensitive_variables()
def session_hmac_signature(session_key: str, body: str | bytes) -> str:
    """The user login-state signature: HMAC-SHA256 hex, key = session_key text, message = body.

    Used by ``wxa/checksession`` (``body=""``) and the other "user login state" server APIs.
    """
    message = body.encode() if isinstance(body, str) else body
    return hmac.new(session_key.encode(), message, hashlib.sha256).hexdigest()
