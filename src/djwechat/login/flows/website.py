"""Website QR-code login (Open Platform 网站应用, doc/oplatform/Website_App/WeChat_Login/Wechat_Login.html).

1. The page asks for a login ticket (:func:`start_qr_login`): a random ticket, a ``poll_secret``
   only the page knows, and the ``connect/qrconnect`` URL to show in an iframe (as WeChat's
   ``wxLogin.js`` does), whose ``state`` names the ticket.
2. The user scans and confirms on the phone; WeChat sends the iframe to the callback with
   ``code`` and ``state`` (:func:`complete_qr_login`): the state is used up, the code exchanged,
   the pipeline run, a JWT session started, and the token pair parked for the ticket.
3. Meanwhile the page polls the ticket with its secret (:func:`poll_qr_login`,
   :func:`apoll_qr_login`) and receives the token pair exactly once.

Neither the ticket nor the state yields tokens: the poll needs the ``poll_secret``, which travels
only in the body of the page's own requests, and the cache keeps only its SHA-256.  WeChat does
not tell the server when the code was scanned, so a poll never answers ``scanned``.
"""

from __future__ import annotations

import hmac
import time
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from djwechat._internal import clock
from djwechat._internal.cacheio import CacheIO
from djwechat._internal.concurrency import run_sync
from djwechat._internal.throttling import throttle_login
from djwechat.conf import get_settings
from djwechat.exceptions import LoginRefusedError, LoginStateError, PollSecretError, WeChatError
from djwechat.login.flows import inputs
from djwechat.login.flows.common import LoginResult
from djwechat.login.flows.oauth import authorize_url, oauth_login
from djwechat.login.onetime import OneTimeStore, digest, new_token, parse_token, waiting_io
from djwechat.login.pipeline import StopPipeline
from djwechat.login.redirects import callback_url

__all__ = [
    "QRPoll",
    "QRStatus",
    "QRTicket",
    "apoll_qr_login",
    "complete_qr_login",
    "poll_qr_login",
    "start_qr_login",
]

QRStatus = Literal["pending", "refused", "expired", "confirmed", "failed"]

#: URL name of the callback (``GET /auth/website/<app>/callback/``).
CALLBACK_URL_NAME: Final = "djwechat-website-callback"
#: Seconds a ticket outlives its expiry, so that a late poll hears ``expired`` rather than "unknown".
GRACE_SECONDS: Final = 60
#: Longest pause between two looks at a waiting ticket (seconds).
POLL_INTERVAL: Final = 1.0

_TICKETS: Final = "qr"
_STATES: Final = "state"
_TOKENS: Final = "qr-tokens"


@dataclass(frozen=True, slots=True)
class QRTicket:
    """A started QR login: what ``POST /auth/website/<app>/qr/`` answers."""

    ticket: str
    poll_secret: str = field(repr=False)
    authorize_url: str = field(repr=False)
    expires_in: int

    def as_dict(self) -> dict[str, Any]:
        """``{ticket, poll_secret, authorize_url, expires_in}``."""
        return {
            "ticket": self.ticket,
            "poll_secret": self.poll_secret,
            "authorize_url": self.authorize_url,
            "expires_in": self.expires_in,
        }


@dataclass(frozen=True, slots=True)
class QRPoll:
    """Where a QR login stands; ``tokens`` once, with ``confirmed``; ``error`` with ``failed``."""

    status: QRStatus
    tokens: dict[str, Any] | None = field(default=None, repr=False)
    error: dict[str, str] | None = None

    def as_dict(self) -> dict[str, Any]:
        """``{"status": …}`` plus the token pair (``confirmed``) or ``{"error": {code, message}}`` (``failed``)."""
        answer: dict[str, Any] = {"status": self.status}
        if self.tokens is not None:
            answer.update(self.tokens)
        if self.error is not None:
            answer["error"] = dict(self.error)
        return answer


def _lifetime() -> float:
    return float(get_settings().login.qr_ticket_seconds)


def start_qr_login(request: Any, alias: str) -> QRTicket:
    """Start a QR login for the website app ``alias``: a ticket valid ``LOGIN.QR_TICKET_SECONDS``.

    Raises :class:`~djwechat.exceptions.AppNotFoundError`, :class:`~djwechat.exceptions.ThrottledError`
    (the login limit per client IP) and :class:`~djwechat.exceptions.SharedStateError`.
    """
    app = get_settings().app(alias, type="website")
    throttle_login(request, None)
    seconds = _lifetime()
    ticket, poll_secret, state = new_token(), new_token(), new_token()
    record = {
        "alias": alias,
        "app_id": app.app_id,
        "secret": digest(poll_secret),
        "status": "pending",
        "expires_at": clock.now() + seconds,
    }
    run_sync(OneTimeStore.blocking(_TICKETS).put(ticket, record, seconds + GRACE_SECONDS))
    run_sync(
        OneTimeStore.blocking(_STATES).put(
            state, {"flow": "website", "alias": alias, "ticket": ticket}, seconds
        )
    )
    url = authorize_url(
        "/connect/qrconnect",
        app,
        redirect_uri=callback_url(request, app, CALLBACK_URL_NAME),
        scope="snsapi_login",
        state=state,
    )
    return QRTicket(ticket=ticket, poll_secret=poll_secret, authorize_url=url, expires_in=int(seconds))


def complete_qr_login(request: Any, alias: str, *, code: Any, state: Any) -> LoginResult | None:
    """The callback: WeChat sent the browser back with ``code`` (or without, when the user refused).

    Uses up ``state`` (once, even under concurrent callbacks), then either marks the ticket
    ``refused`` and returns ``None``, or logs the user in, parks the token pair for the ticket's
    poller and returns the result.  A failure after the state was used up marks the ticket
    ``failed`` (with the error's code) before it propagates, so the page stops waiting.

    Raises :class:`~djwechat.exceptions.LoginStateError` for a state that is malformed, unknown,
    expired, already used or of another app (nothing is changed then),
    :class:`~djwechat.exceptions.BadRequestError` for a malformed code,
    :class:`~djwechat.exceptions.ThrottledError`, the errors of
    :func:`~djwechat.login.flows.oauth.oauth_login` and :class:`StopPipeline`.
    """
    app = get_settings().app(alias, type="website")
    state_token = parse_token(state, "login state")
    wechat_code = None if code in (None, "") else inputs.code(code)
    if wechat_code is not None:
        throttle_login(request, None)
    seconds = _lifetime()
    taken = run_sync(
        OneTimeStore.blocking(_STATES).take(
            state_token, seconds=seconds, what="login link", expect={"flow": "website", "alias": alias}
        )
    )
    ticket = str(taken["ticket"])
    tickets = OneTimeStore.blocking(_TICKETS)
    record = run_sync(tickets.get(ticket))
    if record is None or record.get("status") != "pending" or clock.now() >= record["expires_at"]:
        raise LoginStateError("This QR login has expired; scan a new QR code.")
    if wechat_code is None:
        _finish(tickets, ticket, record, "refused")
        return None
    try:
        result = oauth_login(request, app, wechat_code)
    except StopPipeline as stop:
        _finish(tickets, ticket, record, "failed", stop.error or LoginRefusedError())
        raise
    except WeChatError as exc:
        _finish(tickets, ticket, record, "failed", exc)
        raise
    remaining = max(1.0, record["expires_at"] - clock.now()) + GRACE_SECONDS
    run_sync(OneTimeStore.blocking(_TOKENS).put(ticket, result.tokens, remaining))
    _finish(tickets, ticket, record, "confirmed")
    return result


def _finish(
    tickets: OneTimeStore,
    ticket: str,
    record: dict[str, Any],
    status: QRStatus,
    error: WeChatError | None = None,
) -> None:
    """Record the outcome on the ticket (only the caller that used the state up writes it)."""
    record = {**record, "status": status}
    if error is not None:
        record["error"] = {"code": error.code, "message": error.message}
    remaining = max(1.0, record["expires_at"] - clock.now()) + GRACE_SECONDS
    run_sync(tickets.replace(ticket, record, remaining))


def poll_qr_login(alias: str, ticket: Any, poll_secret: Any, *, wait: float = 0.0) -> QRPoll:
    """Where the QR login ``ticket`` stands, waiting up to ``wait`` seconds for it to change.

    Blocks the calling thread while it waits; see :func:`apoll_qr_login` for coroutines.
    ``confirmed`` comes with the token pair to exactly one caller, even when several poll at
    once.  Raises :class:`~djwechat.exceptions.PollSecretError` (403) for a missing or wrong
    ``poll_secret``, :class:`~djwechat.exceptions.LoginStateError` for an unknown ticket or one
    whose tokens were already handed out, and
    :class:`~djwechat.exceptions.AppNotFoundError`.
    """
    return run_sync(_poll(CacheIO(get_settings().cache_alias), alias, ticket, poll_secret, wait))


async def apoll_qr_login(alias: str, ticket: Any, poll_secret: Any, *, wait: float = 0.0) -> QRPoll:
    """:func:`poll_qr_login` for coroutines: it waits on the event loop, not in a thread of its own.

    On Redis its looks at the cache run on the shared thread pool; on the database cache each
    waiting poll keeps a thread of its own (see :func:`~djwechat.login.onetime.waiting_io`).
    """
    return await _poll(waiting_io(get_settings().cache_alias), alias, ticket, poll_secret, wait)


async def _poll(io: CacheIO, alias: str, ticket: Any, poll_secret: Any, wait: float) -> QRPoll:
    app = get_settings().app(alias, type="website")
    ticket = parse_token(ticket, "QR ticket")
    secret = parse_token(poll_secret, "poll_secret", error=PollSecretError)
    tickets = OneTimeStore(_TICKETS, io)
    deadline = time.monotonic() + max(0.0, wait)
    pause = 0.05
    while True:
        record = await tickets.get(ticket)
        if record is None or record.get("app_id") != app.app_id:
            raise LoginStateError("This QR login ticket is unknown or has expired.")
        if not hmac.compare_digest(str(record.get("secret")), digest(secret)):
            raise PollSecretError()
        status: QRStatus = record["status"]
        if status == "pending" and clock.now() >= record["expires_at"]:
            return QRPoll("expired")
        if status == "confirmed":
            tokens = await OneTimeStore(_TOKENS, io).take(
                ticket, seconds=_lifetime() + GRACE_SECONDS, what="QR login's token pair"
            )
            return QRPoll("confirmed", tokens=tokens)
        left = deadline - time.monotonic()
        if status != "pending" or left <= 0:
            return QRPoll(status, error=record.get("error"))
        await io.sleep(min(pause, left))
        pause = min(pause * 2, POLL_INTERVAL)
