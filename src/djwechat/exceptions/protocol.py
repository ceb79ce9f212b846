"""Errors of the WeChat wire protocol: signatures, timestamps, crypto, XML."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from djwechat.exceptions.base import WeChatError


class ProtocolError(WeChatError):
    """Input that does not follow the WeChat protocol (signatures, crypto, XML)."""

    code = "protocol_error"
    status_code = 400
    default_message = _("The request does not follow the WeChat protocol.")


class InvalidSignatureError(ProtocolError):
    """A signature (``signature``, ``msg_signature``, ``rawData`` signature …) did not match."""

    code = "invalid_signature"
    status_code = 403
    default_message = _("The signature does not match.")


class TimestampError(ProtocolError):
    """A push timestamp is outside the accepted window (replay protection)."""

    code = "stale_timestamp"
    status_code = 403
    default_message = _("The timestamp is outside the accepted window.")


class CryptoError(ProtocolError):
    """Ciphertext that cannot be decrypted: bad base64, length, padding or framing."""

    code = "decrypt_failed"
    default_message = _("The encrypted data cannot be decrypted.")


class InvalidKeyError(CryptoError):
    """A key or IV of the wrong shape (EncodingAESKey, session_key, iv)."""

    code = "invalid_key"
    default_message = _("The key is not valid.")


class AppIdMismatchError(CryptoError):
    """Decrypted data names another app (message receive id or data watermark)."""

    code = "app_id_mismatch"
    default_message = _("The data was made for another app.")


class StaleDataError(CryptoError):
    """Decrypted data whose watermark timestamp is older than the accepted age."""

    code = "stale_data"
    default_message = _("The encrypted data is too old; get it again.")


class XMLError(ProtocolError):
    """Malformed XML."""

    code = "invalid_xml"
    default_message = _("The XML is malformed.")


class XMLForbiddenError(XMLError):
    """XML with a DTD, entities or external references (XXE, billion laughs) - refused."""

    code = "forbidden_xml"
    default_message = _("XML with a DTD or entities is refused.")


class BodyTooLargeError(XMLError):
    """A request body over the configured size limit."""

    code = "body_too_large"
    status_code = 413
    default_message = _("The request body is too large.")
