"""The Official Account message server, free of any web framework.

:meth:`MessageServer.handle` takes what an HTTP request carries (method, query, raw body) and
returns status, body and content type; the Django view in :mod:`djwechat.messaging.views` is a
thin wrapper, and tests and benchmarks can drive the server directly.

Protocol (developers.weixin.qq.com/doc/offiaccount/Basic_Information/Access_Overview.html and
.../Message_Management/Receiving_standard_messages.html; the encryption on
doc/oplatform/developers/dev/push/encryption.md):

* ``GET`` - server URL verification: ``signature`` = sha1(sorted token, timestamp, nonce); the
  answer is ``echostr`` verbatim.
* ``POST`` - a push.  ``signature`` is always checked; with ``encrypt_type=aes`` the
  ``Encrypt`` element is checked with ``msg_signature`` and decrypted, and the reply is encrypted
  with the EncodingAESKey that opened it.  ``success`` (unencrypted) acknowledges without a reply.

Mode (``MESSAGE_MODE`` of the app): ``plain`` and ``compatible`` accept plaintext and encrypted
pushes (an encrypted one needs ``ENCODING_AES_KEY``); ``safe`` accepts encrypted pushes only.

Every refusal is a 4xx with a JSON ``{"error": {"code", "message"}}`` body, logged on the
``djwechat.security`` logger when it looks like an attack (bad signature, stale timestamp,
forbidden XML, a push for another app).  A failure inside the server itself is logged and
answered ``success``: WeChat would otherwise retry into the same failure.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final, TypeVar

from django.core.cache import BaseCache

from djwechat._internal.clock import now_int
from djwechat._internal.msgcrypt import MessageCrypto
from djwechat._internal.responses import ErrorAnswer, error_answer, render_error
from djwechat._internal.signing import verify_sha1_signature
from djwechat._internal.xml import parse_xml
from djwechat.conf import AppSettings, MessageSettings
from djwechat.exceptions import (
    AppIdMismatchError,
    CryptoError,
    InvalidSignatureError,
    ProtocolError,
    SharedStateError,
    TimestampError,
    WeChatError,
    XMLForbiddenError,
)
from djwechat.messaging.context import ConversationState, HandlerContext
from djwechat.messaging.dedupe import Admission, DeliveryLedger
from djwechat.messaging.guard import HandlerGuard
from djwechat.messaging.messages import Message
from djwechat.messaging.parser import parse_message
from djwechat.messaging.replies import Reply, coerce_reply
from djwechat.messaging.router import Router, is_quick

__all__ = ["MessageServer", "ServerResponse"]

logger = logging.getLogger("djwechat.messaging")
security_logger = logging.getLogger("djwechat.security")

SUCCESS: Final = "success"
TEXT: Final = "text/plain; charset=utf-8"
XML: Final = "application/xml; charset=utf-8"
JSON: Final = "application/json"
#: Extra seconds a retry waits for the first delivery beyond the handler budget.
_WAIT_MARGIN: Final = 0.5
#: The owner of a claim answers this long before its lease runs out (at most; a tenth of short budgets).
_LEASE_MARGIN: Final = 0.2
#: An answer is stored after the reply only while the lease has this many seconds left.
_DEFER_MIN_LEASE: Final = 1.0
_SECURITY_ERRORS: Final = (InvalidSignatureError, TimestampError, XMLForbiddenError, CryptoError)

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class ServerResponse:
    """What the HTTP layer sends back."""

    status: int
    body: str
    content_type: str


class MessageServer:
    """Serves one Official Account: handshake, push verification, dispatch, dedupe, guard.

    ``app`` and ``messages`` are the settings, ``router`` picks handlers, ``cache`` holds the
    shared dedupe keys and conversation states (every process must use the same one), ``guard``
    runs handlers under ``messages.handler_budget``, ``clock`` gives Unix seconds.
    """

    def __init__(
        self,
        app: AppSettings,
        *,
        messages: MessageSettings,
        router: Router,
        cache: BaseCache,
        guard: HandlerGuard,
        clock: Callable[[], int] = now_int,
    ) -> None:
        self.app = app
        self.messages = messages
        self.router = router
        self.cache = cache
        self.guard = guard
        self.clock = clock
        self.crypto: MessageCrypto | None = (
            MessageCrypto(
                token=app.token,
                encoding_aes_key=app.encoding_aes_key,
                app_id=app.app_id,
                previous_keys=app.previous_encoding_aes_keys,
            )
            if app.encoding_aes_key
            else None
        )
        # A replay is accepted by the timestamp check for up to twice the tolerance (clock skew
        # either way), so its dedupe key must live at least that long.
        ttl = max(messages.dedupe_seconds, 2 * messages.timestamp_tolerance)
        # A claim is a lease of the handler budget: if its owner dies (a killed worker), WeChat's
        # next retry finds it gone and runs the handler.  Without a guard (budget 0) a handler
        # may run for any time in the request thread, so its claim lasts the whole TTL.
        self.ledger = DeliveryLedger(
            cache, prefix=f"djwechat:oa:{app.app_id}", ttl=ttl, lease=messages.handler_budget
        )

    # ------------------------------------------------------------------ HTTP entry point

    def handle(self, method: str, query: Mapping[str, str], body: bytes, *, peer: str = "") -> ServerResponse:
        """Answer one HTTP request (``GET`` handshake or ``POST`` push); never raises."""
        try:
            if method == "GET":
                return self.handshake(query)
            if method == "POST":
                return self.push(query, body)
            return _error(error_answer("method_not_allowed", "Use GET or POST.", 405))
        except WeChatError as exc:
            if isinstance(exc, _SECURITY_ERRORS):
                security_logger.warning(
                    "Official Account %r refused a %s from %s: %s",
                    self.app.alias,
                    method,
                    peer or "?",
                    exc.code,
                )
            return _error(render_error(exc))
        except Exception:
            logger.exception(
                "Official Account %r: the message server failed; answered 'success'", self.app.alias
            )
            return ServerResponse(200, SUCCESS, TEXT)

    def handshake(self, query: Mapping[str, str]) -> ServerResponse:
        """URL verification: check ``signature`` and answer ``echostr`` verbatim."""
        timestamp, nonce = self._verify_signature(query)
        self._check_timestamp(timestamp)
        echostr = query.get("echostr")
        if echostr is None:
            raise ProtocolError("echostr is missing.")
        self._bind(timestamp, nonce, "handshake:" + echostr)
        return ServerResponse(200, echostr, TEXT)

    def push(self, query: Mapping[str, str], body: bytes) -> ServerResponse:
        """Verify, decrypt and parse a push, run its handler once, and answer its reply."""
        timestamp, nonce = self._verify_signature(query)
        self._check_timestamp(timestamp)
        outer = parse_xml(body, max_size=self.messages.max_body_size)
        encrypt_type = query.get("encrypt_type", "raw").lower()
        key: str | None = None
        if encrypt_type == "aes":
            fields, key = self._decrypt(outer, query, timestamp, nonce)
        elif encrypt_type in ("raw", ""):
            if self.app.message_mode == "safe":
                raise ProtocolError("This Official Account accepts encrypted pushes only (safe mode).")
            fields = outer
        else:
            raise ProtocolError(f"Unknown encrypt_type {encrypt_type!r}.")
        message = parse_message(fields)
        openid = query.get("openid")
        if openid and openid != message.from_user:
            raise ProtocolError("The openid of the URL is not the sender of the push.")
        # The signature covers neither a plain body nor the mode: a signed (timestamp, nonce)
        # pair serves one request only, whatever carried it first.  Binding it and claiming the
        # push take one round trip on Redis.
        use = ("aes:" if key is not None else "raw:") + message.dedupe_id
        started = time.monotonic()
        admission = _shared(lambda: self.ledger.admit(timestamp, nonce, use, message.dedupe_id))
        if not admission.bound:
            raise InvalidSignatureError("This signature was already used for another request.")
        answer = self._deliver_once(message, admission, started)
        if not answer:
            return ServerResponse(200, SUCCESS, TEXT)
        if key is not None and self.crypto is not None:
            envelope = self.crypto.encrypt(answer, timestamp=str(self.clock()), nonce=nonce, key=key)
            return ServerResponse(200, envelope.to_xml(), XML)
        return ServerResponse(200, answer, XML)

    # ------------------------------------------------------------------ verification

    def _verify_signature(self, query: Mapping[str, str]) -> tuple[str, str]:
        timestamp, nonce = query.get("timestamp", ""), query.get("nonce", "")
        verify_sha1_signature(query.get("signature", ""), self.app.token, timestamp, nonce)
        return timestamp, nonce

    def _bind(self, timestamp: str, nonce: str, use: str) -> None:
        if not _shared(lambda: self.ledger.bind_nonce(timestamp, nonce, use)):
            raise InvalidSignatureError("This signature was already used for another request.")

    def _check_timestamp(self, timestamp: str) -> None:
        tolerance = self.messages.timestamp_tolerance
        if not tolerance:
            return
        try:
            sent = int(timestamp)
        except ValueError:
            raise TimestampError("The timestamp is not a number.") from None
        if abs(self.clock() - sent) > tolerance:
            raise TimestampError()

    def _decrypt(
        self, outer: Mapping[str, Any], query: Mapping[str, str], timestamp: str, nonce: str
    ) -> tuple[Mapping[str, Any], str]:
        if self.crypto is None:
            raise ProtocolError("Encrypted pushes need the app's ENCODING_AES_KEY.")
        encrypt = outer.get("Encrypt")
        if not isinstance(encrypt, str) or not encrypt:
            raise ProtocolError("The encrypted push has no Encrypt element.")
        decrypted = self.crypto.decrypt(
            encrypt, msg_signature=query.get("msg_signature", ""), timestamp=timestamp, nonce=nonce
        )
        inner = parse_xml(decrypted.text, max_size=self.messages.max_body_size)
        # The envelope is not signed, only Encrypt is: what it says in clear must agree with it
        # (compatible mode repeats every field in clear).
        for name, value in outer.items():
            if name != "Encrypt" and name in inner and inner[name] != value:
                raise AppIdMismatchError(f"{name} of the envelope does not match the encrypted push.")
        return inner, decrypted.key

    # ------------------------------------------------------------------ delivery

    def _deliver_once(self, message: Message, admission: Admission, claimed_at: float) -> str:
        """The plaintext reply XML (``""`` = ``success``), running the handler once per live owner."""
        push_id = message.dedupe_id
        if not admission.claimed:
            # A retry (or a replay): serve the first delivery's answer.
            if admission.stored is not None:
                return admission.stored
            # Nothing has run for this delivery yet: an outage answers 503 here too.
            stored = _shared(lambda: self.ledger.wait(push_id, self.messages.handler_budget + _WAIT_MARGIN))
            if stored is not None:
                return stored
            claimed_at = time.monotonic()
            if not _shared(lambda: self.ledger.claim(push_id)):
                return ""  # still pending at the deadline
            # The key is gone: the lease ran out without an answer, its owner died.
            logger.warning(
                "Official Account %r: a push's first delivery died unanswered; its retry runs the handler",
                self.app.alias,
            )
        answer = ""
        try:
            answer = self._dispatch(message, claimed_at)
        finally:
            # Off the critical path while the lease has time to spare (a retry meanwhile waits
            # for it); near its end, stored before answering.
            lease_left = claimed_at + self.ledger.lease - time.monotonic()
            self.ledger.record(push_id, answer, defer=lease_left > _DEFER_MIN_LEASE)
        return answer

    def _dispatch(self, message: Message, claimed_at: float) -> str:
        found = self.router.resolve(message)
        if found is None:
            return ""
        ctx = HandlerContext(
            app=self.app,
            messages=self.messages,
            state=self.state_for(message.from_user),
            match=found.regex_match,
        )
        handler = found.handler
        label = f"{self.app.alias}:{found.label}"
        try:
            reply: Reply | None
            if is_quick(handler):
                # No hop to the guard's pool: the handler promised to be quick.
                reply = coerce_reply(handler(message, ctx))
                self._check_quick(label, claimed_at)
            else:
                outcome = self.guard.run(
                    lambda: coerce_reply(handler(message, ctx)),
                    budget=self._time_left(claimed_at),
                    on_late=lambda late: self._send_late(message, late),
                    label=label,
                )
                reply = outcome.value if outcome.finished else None
            if reply is None:
                return ""
            return reply.render(
                to_user=message.from_user, from_user=message.to_user, create_time=self.clock()
            )
        except Exception:
            logger.exception("message handler %s failed; answered 'success'", label)
            return ""

    def _time_left(self, claimed_at: float) -> float:
        """The guard's wait: the budget, ending before the claim's lease does (0 = no guard)."""
        budget = self.messages.handler_budget
        if budget <= 0:
            return 0.0
        lease_end = claimed_at + self.ledger.lease - min(_LEASE_MARGIN, budget / 10)
        # Never 0, which would mean "no guard": an owner out of time answers at once.
        return max(1e-3, min(budget, lease_end - time.monotonic()))

    def _check_quick(self, label: str, claimed_at: float) -> None:
        budget = self.messages.handler_budget
        if budget > 0 and time.monotonic() - claimed_at > budget:
            logger.warning(
                "quick handler %s ran past HANDLER_BUDGET (%.1fs): WeChat may retry it, and run it again",
                label,
                budget,
            )

    def _send_late(self, message: Message, reply: Reply | None) -> None:
        if reply is None:
            return
        pair = reply.custom_message()
        if pair is None:
            logger.warning("a late %s reply has no customer-service form; dropped", reply.msg_type)
            return
        from djwechat.messaging.tasks import send_late_reply

        msgtype, content = pair
        send_late_reply.enqueue(self.app.alias, message.from_user, msgtype, content)

    def state_for(self, openid: str) -> ConversationState:
        """The conversation state of one user of this account."""
        # openids are pushed text: hash them into a key every cache backend accepts.
        digest = hashlib.blake2b(openid.encode(), digest_size=16).hexdigest()
        return ConversationState(
            self.cache, f"djwechat:oa:{self.app.app_id}:state:{digest}", self.messages.state_seconds
        )


def _shared(command: Callable[[], T]) -> T:
    """Run a cache command made before the handler runs: an outage answers 503, so that WeChat
    pushes again later, instead of the catch-all's "success", which would drop the message."""
    try:
        return command()
    except Exception as exc:  # the cache backend's own errors (redis.ConnectionError, DatabaseError …)
        raise SharedStateError(f"The message cache failed: {type(exc).__name__}") from exc


def _error(answer: ErrorAnswer) -> ServerResponse:
    return ServerResponse(answer.status, answer.json(), JSON)
