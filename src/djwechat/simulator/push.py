"""Acting as WeChat pushing to an Official Account message endpoint.

What WeChat does (doc/offiaccount/Basic_Information/Access_Overview.html,
doc/offiaccount/Message_Management/Receiving_standard_messages.html and the message encryption
page doc/oplatform/developers/dev/push/encryption.md):

* URL verification: ``GET ?signature&timestamp&nonce&echostr``; the endpoint must answer the
  ``echostr`` verbatim. ``signature`` = sha1 of the sorted [Token, timestamp, nonce].
* Pushes: ``POST ?signature&timestamp&nonce&openid`` with the XML body; in compatible and safe
  mode also ``encrypt_type=aes&msg_signature=…`` and an ``Encrypt`` element (safe mode sends only
  ``ToUserName`` + ``Encrypt``; compatible mode sends the plaintext fields as well).
* WeChat waits 5 seconds; without an answer it pushes again, 3 attempts in all, the same
  message (same ``MsgId`` / ``CreateTime``) with a fresh timestamp and nonce.
* ``success`` or an empty body acknowledges without a reply; in safe mode a real reply must be
  encrypted (``Encrypt``, ``MsgSignature``, ``TimeStamp``, ``Nonce``).
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Literal

import httpx

from djwechat._internal.msgcrypt import MessageCrypto
from djwechat._internal.signing import sha1_signature
from djwechat._internal.xml import cdata, parse_xml
from djwechat.exceptions import WeChatError

__all__ = ["HandshakeResult", "PushMode", "PushResult", "push_handshake", "push_message"]

PushMode = Literal["plain", "compatible", "safe"]
#: Seconds WeChat waits for an answer.
WECHAT_TIMEOUT: Final = 5.0
#: Resends after the first attempt ("3 attempts in all").
WECHAT_RETRIES: Final = 2
_MAX_REPLY: Final = 1024 * 1024


@dataclass(frozen=True)
class HandshakeResult:
    """The answer to a URL-verification GET: ``ok`` when it echoed ``echostr`` exactly."""

    status_code: int | None
    body: str
    echostr: str
    error: str | None = None

    @property
    def ok(self) -> bool:
        """The endpoint answered 200 with the echostr verbatim."""
        return self.status_code == 200 and self.body == self.echostr


@dataclass(frozen=True)
class PushResult:
    """What came back from a push.

    ``reply`` is the reply XML (decrypted when it was encrypted), ``None`` for an acknowledgement
    (``success`` / empty) or when nothing valid came back; ``error`` says what was wrong (no
    answer in time on every attempt, bad reply signature, plain reply in safe mode, …).
    """

    status_code: int | None
    body: str
    attempts: int
    reply: str | None = None
    encrypted: bool = False
    acknowledged: bool = False
    error: str | None = None
    attempt_errors: tuple[str, ...] = field(default=())

    @property
    def ok(self) -> bool:
        """A 200 answer that is an acknowledgement or a valid reply."""
        return self.status_code == 200 and self.error is None

    @property
    def fields(self) -> dict[str, Any]:
        """The reply's fields (``MsgType``, ``Content``, …); empty without a reply."""
        if self.reply is None:
            return {}
        return parse_xml(self.reply, max_size=_MAX_REPLY)


def _nonce() -> str:
    return str(secrets.randbelow(9 * 10**9) + 10**9)


def _client(timeout: float, transport: httpx.BaseTransport | None) -> httpx.Client:
    return httpx.Client(timeout=httpx.Timeout(timeout), transport=transport, follow_redirects=False)


def push_handshake(
    url: str,
    *,
    token: str,
    echostr: str | None = None,
    timeout: float = WECHAT_TIMEOUT,
    transport: httpx.BaseTransport | None = None,
) -> HandshakeResult:
    """Send WeChat's URL-verification GET to ``url`` signed with ``token``."""
    echostr = echostr or str(secrets.randbits(63))
    timestamp, nonce = str(int(time.time())), _nonce()
    params = {
        "signature": sha1_signature(token, timestamp, nonce),
        "timestamp": timestamp,
        "nonce": nonce,
        "echostr": echostr,
    }
    with _client(timeout, transport) as client:
        try:
            response = client.get(url, params=params)
        except httpx.HTTPError as exc:
            return HandshakeResult(None, "", echostr, error=f"no answer: {type(exc).__name__}")
    return HandshakeResult(response.status_code, response.text, echostr)


def _encrypted_body(xml: str, encrypt: str, fields: Mapping[str, Any], mode: PushMode) -> str:
    element = f"<Encrypt>{cdata(encrypt)}</Encrypt>"
    if mode == "safe":
        return f"<xml><ToUserName>{cdata(str(fields.get('ToUserName', '')))}</ToUserName>{element}</xml>"
    head, _sep, _tail = xml.rpartition("</xml>")
    return f"{head}{element}</xml>"


def _read_reply(
    body: str, mode: PushMode, crypto: MessageCrypto | None
) -> tuple[str | None, bool, str | None]:
    """(reply XML or None, was it encrypted, error)."""
    if body.strip() in ("", "success"):
        return None, False, None
    try:
        fields = parse_xml(body, max_size=_MAX_REPLY)
    except WeChatError as exc:
        return None, False, f"the reply is not valid XML ({exc.code})"
    if "Encrypt" in fields:
        if crypto is None:
            return None, True, "an encrypted reply, but no EncodingAESKey to open it"
        missing = [name for name in ("MsgSignature", "TimeStamp", "Nonce") if not fields.get(name)]
        if missing:
            return None, True, f"the encrypted reply lacks {', '.join(missing)}"
        try:
            opened = crypto.decrypt(
                str(fields["Encrypt"]),
                msg_signature=str(fields["MsgSignature"]),
                timestamp=str(fields["TimeStamp"]),
                nonce=str(fields["Nonce"]),
            )
        except WeChatError as exc:
            return None, True, f"the encrypted reply does not verify ({exc.code})"
        return opened.text, True, None
    if mode == "safe":
        return body, False, "safe mode: the reply must be encrypted"
    return body, False, None


def push_message(
    url: str,
    *,
    token: str,
    xml: str,
    app_id: str | None = None,
    encoding_aes_key: str | None = None,
    mode: PushMode = "plain",
    timeout: float = WECHAT_TIMEOUT,
    retries: int = WECHAT_RETRIES,
    openid: str | None = None,
    timestamp: str | None = None,
    transport: httpx.BaseTransport | None = None,
) -> PushResult:
    """Push ``xml`` to ``url`` as WeChat does and read the reply.

    ``token`` signs the request; in ``compatible`` and ``safe`` mode ``app_id`` and
    ``encoding_aes_key`` encrypt it. Each attempt waits ``timeout`` seconds; after a timeout or a
    connection failure the same message is pushed again, ``retries`` more times (WeChat: 2, so 3
    attempts). ``openid`` defaults to the message's ``FromUserName``; ``timestamp`` overrides the
    signed timestamp (for stale-timestamp tests). ``transport`` lets tests push in-process (e.g.
    :func:`djwechat.testing.django_transport`). Raises ``ValueError`` for bad arguments only;
    everything that goes wrong on the wire is reported in the :class:`PushResult`.
    """
    if mode not in ("plain", "compatible", "safe"):
        raise ValueError("mode must be plain, compatible or safe")
    fields = parse_xml(xml, max_size=_MAX_REPLY)
    crypto: MessageCrypto | None = None
    if encoding_aes_key:
        if not app_id:
            raise ValueError("app_id is required with encoding_aes_key")
        crypto = MessageCrypto(token=token, encoding_aes_key=encoding_aes_key, app_id=app_id)
    if mode != "plain" and crypto is None:
        raise ValueError(f"{mode} mode needs app_id and encoding_aes_key")
    openid = openid if openid is not None else str(fields.get("FromUserName", ""))
    errors: list[str] = []
    with _client(timeout, transport) as client:
        for attempt in range(1, retries + 2):
            stamp, nonce = timestamp or str(int(time.time())), _nonce()
            params = {"signature": sha1_signature(token, stamp, nonce), "timestamp": stamp, "nonce": nonce}
            if openid:
                params["openid"] = openid
            body = xml
            if crypto is not None and mode != "plain":
                encrypted = crypto.encrypt(xml, timestamp=stamp, nonce=nonce)
                params["encrypt_type"] = "aes"
                params["msg_signature"] = encrypted.msg_signature
                body = _encrypted_body(xml, encrypted.encrypt, fields, mode)
            try:
                response = client.post(
                    url, params=params, content=body.encode(), headers={"Content-Type": "text/xml"}
                )
            except httpx.TimeoutException:
                errors.append(f"attempt {attempt}: no answer within {timeout:g} s")
                continue
            except httpx.TransportError as exc:
                errors.append(f"attempt {attempt}: connection failed ({type(exc).__name__})")
                continue
            text = response.text
            if response.status_code != 200:
                return PushResult(
                    response.status_code,
                    text,
                    attempt,
                    error=f"HTTP {response.status_code}",
                    attempt_errors=tuple(errors),
                )
            reply, was_encrypted, error = _read_reply(text, mode, crypto)
            return PushResult(
                response.status_code,
                text,
                attempt,
                reply=reply,
                encrypted=was_encrypted,
                acknowledged=reply is None and error is None,
                error=error,
                attempt_errors=tuple(errors),
            )
    return PushResult(
        None, "", retries + 1, error=errors[-1] if errors else "no attempt", attempt_errors=tuple(errors)
    )
