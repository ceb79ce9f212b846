"""The things the simulator remembers: apps, users, codes, tokens, authorizations, faults, calls.

Plain mutable dataclasses; :class:`djwechat.simulator.state.SimulatorState` owns them and guards
every change with its lock.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final, Literal

__all__ = [
    "APP_TYPES",
    "AccessToken",
    "Authorization",
    "Call",
    "Code",
    "CodeKind",
    "CustomMessage",
    "Fault",
    "OAuthGrant",
    "SimApp",
    "SimUser",
]

APP_TYPES: Final = ("miniprogram", "website", "official_account")
CodeKind = Literal["login", "phone", "oauth"]
TokenPool = Literal["classic", "stable"]


@dataclass
class SimApp:
    """A registered WeChat application."""

    type: str
    app_id: str
    app_secret: str
    name: str = ""
    #: Open Platform account the app is bound to (same account = same unionid); ``None``: unbound.
    open_account: str | None = "default"
    #: Official Account message server: Token, EncodingAESKey, message URL, original id (gh_…).
    token: str = ""
    encoding_aes_key: str = ""
    message_url: str = ""
    original_id: str = ""
    #: API calls allowed per minute before 45011; ``None`` = unlimited.
    rate_limit: int | None = None
    #: Hosts ``redirect_uri`` may point at (OAuth pages); empty = any host.
    redirect_domains: tuple[str, ...] = ()

    def public(self) -> dict[str, Any]:
        """JSON description without secrets (the secret, Token and AES key are only flagged)."""
        return {
            "type": self.type,
            "app_id": self.app_id,
            "name": self.name,
            "open_account": self.open_account,
            "has_secret": bool(self.app_secret),
            "has_token": bool(self.token),
            "has_encoding_aes_key": bool(self.encoding_aes_key),
            "message_url": self.message_url,
            "original_id": self.original_id,
            "rate_limit": self.rate_limit,
            "redirect_domains": list(self.redirect_domains),
        }


@dataclass
class SimUser:
    """A fake WeChat user."""

    id: str
    nickname: str
    headimgurl: str = ""
    sex: int = 0
    phone_number: str = ""
    country_code: str = "86"
    #: Mini Program session_key per app id (rotated by every new login code).
    session_keys: dict[str, str] = field(default_factory=dict, repr=False)


@dataclass
class Code:
    """A login, phone or OAuth code: single use, short-lived."""

    code: str
    kind: CodeKind
    app_id: str
    user_id: str
    created_at: float
    expires_at: float
    scope: str = ""
    session_key: str = field(default="", repr=False)
    used: bool = False
    #: An Official Account code of a Moments snapshot visit (``is_snapshotuser``).
    snapshot: bool = False


@dataclass
class AccessToken:
    """An app-level access token (``cgi-bin/token`` or ``cgi-bin/stable_token``)."""

    token: str = field(repr=False)
    app_id: str
    pool: TokenPool
    issued_at: float
    expires_at: float
    #: When a newer token replaced this one; it stays valid until ``valid_until``.
    valid_until: float


@dataclass
class OAuthGrant:
    """A user-level OAuth access token with its refresh token (``sns/oauth2/*``)."""

    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    app_id: str
    user_id: str
    scope: str
    expires_at: float
    refresh_expires_at: float


@dataclass
class Authorization:
    """A pending browser login: a QR code shown by ``connect/qrconnect`` or an H5 consent page."""

    ticket: str
    flow: Literal["qrconnect", "oauth2"]
    app_id: str
    redirect_uri: str
    scope: str
    state: str
    created_at: float
    expires_at: float
    status: Literal["pending", "scanned", "approved", "denied", "expired"] = "pending"
    user_id: str | None = None
    redirect: str | None = None
    code: str | None = field(default=None, repr=False)

    def public(self, now: float) -> dict[str, Any]:
        """JSON description (status, the redirect once decided)."""
        status = (
            "expired" if self.status in ("pending", "scanned") and now >= self.expires_at else self.status
        )
        return {
            "ticket": self.ticket,
            "flow": self.flow,
            "app_id": self.app_id,
            "state": self.state,
            "scope": self.scope,
            "redirect_uri": self.redirect_uri,
            "status": status,
            "user_id": self.user_id,
            "redirect": self.redirect,
        }


@dataclass
class Fault:
    """An injected failure for the next ``times`` calls of ``path``."""

    id: int
    path: str
    times: int
    errcode: int | None = None
    errmsg: str | None = None
    latency: float = 0.0
    timeout: bool = False
    drop: bool = False
    #: A raw answer instead of WeChat's (an HTML error page of a proxy, truncated JSON …).
    body: str | None = None
    status: int = 200
    content_type: str = "text/html; charset=utf-8"

    def public(self) -> dict[str, Any]:
        """JSON description."""
        return {
            "id": self.id,
            "path": self.path,
            "times": self.times,
            "errcode": self.errcode,
            "errmsg": self.errmsg,
            "latency": self.latency,
            "timeout": self.timeout,
            "drop": self.drop,
            "body": self.body,
            "status": self.status,
            "content_type": self.content_type,
        }


@dataclass
class Call:
    """One logged request to the fake WeChat (secrets already masked)."""

    id: int
    time: float
    method: str
    path: str
    query: dict[str, str]
    body: Any
    status: int = 200
    errcode: int | None = None
    response: Any = None
    fault: str | None = None

    def public(self) -> dict[str, Any]:
        """JSON description."""
        return {
            "id": self.id,
            "time": self.time,
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "body": self.body,
            "status": self.status,
            "errcode": self.errcode,
            "response": self.response,
            "fault": self.fault,
        }


@dataclass
class CustomMessage:
    """A customer-service message an app sent to a user (``cgi-bin/message/custom/send``)."""

    id: int
    time: float
    app_id: str
    user_id: str
    openid: str
    msgtype: str
    payload: dict[str, Any]

    def public(self) -> dict[str, Any]:
        """JSON description."""
        return {
            "id": self.id,
            "time": self.time,
            "app_id": self.app_id,
            "user_id": self.user_id,
            "openid": self.openid,
            "msgtype": self.msgtype,
            "payload": self.payload,
        }
