"""The parsed settings: one frozen dataclass per section of ``settings.WECHAT``, and their constants.

Each setting is declared here once: the field ``access_token_lifetime`` of :class:`JWTSettings`
is the key ``WECHAT["JWT"]["ACCESS_TOKEN_LIFETIME"]``, its default is the setting's default and
its annotation picks the converter (:func:`djwechat.conf.parsing.schema`); a field that needs a
stricter one names it in ``metadata["convert"]``, a field that is no key says ``"key": False``.
Built by :func:`djwechat.conf.parsing.parse_settings`; import them from :mod:`djwechat.conf`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Final, Literal

from djwechat.conf.values import choice, optional_choice, positive_int, rate
from djwechat.exceptions import AppNotFoundError

AppType = Literal["miniprogram", "website", "official_account"]
MessageMode = Literal["plain", "compatible", "safe"]
TokenMode = Literal["stable", "classic"]
OAuthScope = Literal["snsapi_userinfo", "snsapi_base"]
SessionInvalidation = Literal["pubsub"]

APP_TYPES: Final = ("miniprogram", "website", "official_account")
MESSAGE_MODES: Final = ("plain", "compatible", "safe")
SESSION_INVALIDATIONS: Final = ("pubsub",)
JWT_ALGORITHMS: Final = ("HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "ES256", "ES384", "ES512")

#: The default login pipeline: each entry is the dotted path of a step
#: (see :mod:`djwechat.login.pipeline`).
DEFAULT_PIPELINE: Final = (
    "djwechat.login.pipeline.steps.profile_details",
    "djwechat.login.pipeline.steps.social_uid",
    "djwechat.login.pipeline.steps.existing_identity",
    "djwechat.login.pipeline.steps.link_by_unionid",
    "djwechat.login.pipeline.steps.login_allowed",
    "djwechat.login.pipeline.steps.create_user",
    "djwechat.login.pipeline.steps.associate_identity",
    "djwechat.login.pipeline.steps.save_extra_data",
    "djwechat.login.pipeline.steps.update_profile",
)


@dataclass(frozen=True, slots=True)
class AppSettings:
    """One WeChat application, as configured under ``WECHAT["APPS"][alias]``."""

    #: The key under ``APPS``; used in URLs.
    alias: str = field(metadata={"key": False})
    #: ``miniprogram``, ``website`` or ``official_account``.
    type: AppType
    #: The AppID (``wx…``).
    app_id: str
    #: The AppSecret; never logged or shown.
    app_secret: str = field(repr=False)
    #: Official Account message server token (the ``Token`` of the server configuration page).
    token: str = field(default="", repr=False)
    #: 43-character EncodingAESKey for compatible/safe message mode.
    encoding_aes_key: str = field(default="", repr=False)
    #: Keys that were replaced recently; incoming messages may still be encrypted with them.
    previous_encoding_aes_keys: tuple[str, ...] = field(default=(), repr=False)
    #: ``plain``, ``compatible`` or ``safe`` (official accounts only).
    message_mode: MessageMode = "plain"
    #: Dotted path of the app's :class:`djwechat.messaging.Router` (official accounts only).
    router: str = ""
    #: OAuth scope used by the Official Account H5 login (``snsapi_base`` or ``snsapi_userinfo``).
    oauth_scope: OAuthScope = "snsapi_userinfo"
    #: Origin (``https://www.example.com``) of the OAuth callback URL sent to WeChat (website and
    #: official accounts); empty: the origin of the request, as Django's ``build_absolute_uri`` sees it.
    callback_base_url: str = ""


@dataclass(frozen=True, slots=True)
class JWTSettings:
    """``WECHAT["JWT"]``: how session tokens are issued and checked."""

    #: Lifetime of an access token (a timedelta or seconds).
    access_token_lifetime: timedelta = timedelta(minutes=15)
    #: Lifetime of a refresh token, and so of an unused session.
    refresh_token_lifetime: timedelta = timedelta(days=30)
    #: ``None`` means Django's ``SECRET_KEY`` (HMAC algorithms) - set a separate key in production.
    signing_key: str | None = field(default=None, repr=False)
    #: Extra keys accepted when verifying (key rotation): old HMAC secrets or old public keys.
    verifying_keys: tuple[str, ...] = field(default=(), repr=False)
    #: The one algorithm accepted (``none`` never is); RS/ES algorithms need PEM keys.
    algorithm: str = field(default="HS256", metadata={"convert": choice(*JWT_ALGORITHMS)})
    #: Clock skew tolerated when checking ``exp``, ``nbf`` and ``iat``.
    leeway: timedelta = timedelta(seconds=0)
    #: ``iss`` claim written and required when set.
    issuer: str | None = None
    #: ``aud`` claim written and required when set.
    audience: str | None = None
    #: Accepted ``Authorization`` header types.
    auth_header_types: tuple[str, ...] = ("Bearer", "JWT")
    #: A new login ends the user's other sessions.
    single_session: bool = False
    #: Seconds during which the refresh token just replaced is still accepted (concurrent refreshes).
    refresh_grace_seconds: int = 10
    #: Dotted path of ``(user) -> dict``: the claims identifying a user (must contain ``sub``).
    user_to_payload: str = "djwechat.jwt.hooks.user_to_payload"
    #: Dotted path of ``(payload) -> user | None``: the user named by verified claims.
    payload_to_user: str = "djwechat.jwt.hooks.payload_to_user"
    #: Dotted path of ``(user, session) -> dict``: extra claims for the access token.
    extra_claims: str | None = None
    #: Dotted path of ``(pair: dict, user, request) -> dict``: shapes the token-pair answer.
    token_response: str | None = None
    #: Seconds a session lookup may be served from process memory (0 = check revocation every time).
    session_cache_seconds: int = 0
    #: ``"pubsub"``: keep sessions in process memory and drop them when a change is published on
    #: the cache's Redis pub/sub channel; ``None``: no channel (see ``SESSION_CACHE_SECONDS``).
    session_invalidation: SessionInvalidation | None = field(
        default=None, metadata={"convert": optional_choice(*SESSION_INVALIDATIONS)}
    )
    #: The middleware also sets ``request.user`` from the token when this is true.
    set_request_user: bool = False
    #: How often (seconds) "last seen" is written for a session that keeps being used.
    last_seen_interval: int = 60
    #: Maximum accepted length of the ``Authorization`` header.
    max_header_length: int = 4096


@dataclass(frozen=True, slots=True)
class LoginSettings:
    """``WECHAT["LOGIN"]``: the identity pipeline and login endpoints."""

    #: Dotted paths of the login pipeline steps, in order.
    pipeline: tuple[str, ...] = DEFAULT_PIPELINE
    #: Per-client (IP) login rate, a DRF rate such as ``"30/minute"``, and per-user rate of the
    #: endpoints that call WeChat for a logged-in user (phone numbers); ``None`` disables both.
    throttle_rate: str | None = field(default="30/minute", metadata={"convert": rate})
    #: Per-account login rate (the login string and the account it names / the openid); ``None``
    #: disables it.
    account_throttle_rate: str | None = field(default="30/minute", metadata={"convert": rate})
    #: Seconds a website QR login ticket stays valid.
    qr_ticket_seconds: int = 300
    #: Seconds a QR poll request waits for a change before answering ``pending``.
    qr_poll_seconds: float = 25.0
    #: Hosts that Official Account login may redirect back to (``next``); empty = same host only.
    allowed_redirect_hosts: tuple[str, ...] = ()
    #: Seconds a one-time ``login_code`` stays exchangeable.
    login_code_seconds: int = 60
    #: Maximum age (seconds) of a decrypted Mini Program ``watermark``; 0 turns the check off.
    watermark_max_age: int = 0


@dataclass(frozen=True, slots=True)
class MessageSettings:
    """``WECHAT["MESSAGES"]``: the Official Account message server."""

    #: Seconds a push timestamp may differ from now; 0 turns the check off.
    timestamp_tolerance: int = 300
    #: Seconds a delivered push is remembered for retry and replay dedupe.
    dedupe_seconds: int = 60
    #: Largest accepted request body in bytes.
    max_body_size: int = 256 * 1024
    #: Seconds a handler may run before the push is answered with ``success`` (WeChat waits 5).
    handler_budget: float = 4.0
    #: Threads per process that run handlers; each may block on I/O for the whole budget, and
    #: when all are busy new pushes queue (their wait counts against their budget).
    handler_threads: int = field(default=8, metadata={"convert": positive_int})
    #: Seconds a per-user conversation state lives in the cache.
    state_seconds: int = 24 * 3600


@dataclass(frozen=True, slots=True)
class ClientSettings:
    """``WECHAT["CLIENT"]``: the WeChat API client."""

    #: Seconds for every outbound call (connect + read).
    timeout: float = 5.0
    #: Retries of errcode ``-1`` (system busy), with jittered backoff.
    max_retries: int = 2
    #: ``stable`` (``cgi-bin/stable_token``, recommended) or ``classic`` (``cgi-bin/token``).
    token_mode: TokenMode = "stable"
    #: Refresh the access token this many seconds before it expires.
    token_refresh_margin: int = 300
    #: Seconds the cross-process refresh lock lives if its holder dies.
    lock_timeout: float = 10.0
    #: Dotted path of a zero-argument callable returning an ``httpx`` transport (tests, proxies).
    transport: str | None = None
    #: The same for ``AsyncWeChatClient`` (an ``httpx.AsyncBaseTransport``); ``None``: ``transport``.
    async_transport: str | None = None


@dataclass(frozen=True, slots=True)
class WeChatSettings:
    """The whole parsed ``settings.WECHAT``."""

    #: alias -> app.
    apps: Mapping[str, AppSettings] = field(metadata={"key": False})
    #: Base URL of the server APIs (the simulator's URL in development).
    api_base_url: str = "https://api.weixin.qq.com"
    #: Base URL of the browser-facing authorization pages.
    open_base_url: str = "https://open.weixin.qq.com"
    #: Base URL at which WeChat and the development commands reach this site (the simulator's
    #: Official Account message URL, what ``wechat_push`` and ``wechat_miniprogram_login`` call).
    site_url: str = "http://127.0.0.1:8000"
    #: Alias of the Django cache holding shared state (tokens, tickets, locks, dedupe keys).
    cache_alias: str = "default"
    #: How many reverse proxies in front of Django append to ``X-Forwarded-For``; ``0``: none,
    #: the client is ``REMOTE_ADDR``.  Used for login throttles and session addresses.
    trusted_proxies: int = 0
    jwt: JWTSettings = field(default_factory=JWTSettings, metadata={"key": False})
    login: LoginSettings = field(default_factory=LoginSettings, metadata={"key": False})
    messages: MessageSettings = field(default_factory=MessageSettings, metadata={"key": False})
    client: ClientSettings = field(default_factory=ClientSettings, metadata={"key": False})

    def app(self, alias: str, *, type: AppType | None = None) -> AppSettings:
        """The app configured under ``alias``; :class:`AppNotFoundError` if none (of that type)."""
        app = self.apps.get(alias)
        if app is None or (type is not None and app.type != type):
            raise AppNotFoundError(alias=alias, app_type=type)
        return app

    def apps_of_type(self, type: AppType) -> list[AppSettings]:
        """Every configured app of one type, in settings order."""
        return [app for app in self.apps.values() if app.type == type]
