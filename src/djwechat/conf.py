"""Typed, validated view of ``settings.WECHAT``.

Settings are read when :func:`get_settings` is called, never at import time, and the parsed
object is cached until Django's ``setting_changed`` signal says ``WECHAT`` (or ``SECRET_KEY``)
changed, so ``override_settings`` works in tests.

Validation is strict: unknown keys, wrong types and incomplete apps are reported as
:class:`ConfigProblem` values.  :mod:`djwechat.checks` turns them into system-check errors
(``djwechat.E001`` …); :func:`get_settings` raises ``ImproperlyConfigured`` on the first one so a
broken configuration never half-works.

Example::

    WECHAT = {
        "APPS": {
            "mp": {"TYPE": "miniprogram", "APP_ID": "wx…", "APP_SECRET": "…"},
            "oa": {"TYPE": "official_account", "APP_ID": "wx…", "APP_SECRET": "…",
                   "TOKEN": "…", "ENCODING_AES_KEY": "…", "ROUTER": "myproject.wechat.router"},
        },
        "JWT": {"ACCESS_TOKEN_LIFETIME": timedelta(minutes=15)},
    }
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Final, Literal

from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver

from djwechat._internal.settings_values import (
    ConfigProblem,
    Converter,
    bool_value,
    choice,
    float_value,
    int_value,
    optional_str,
    positive_int,
    rate,
    section,
    str_tuple,
    str_value,
    timedelta_value,
)
from djwechat.exceptions import AppNotFoundError

AppType = Literal["miniprogram", "website", "official_account"]
MessageMode = Literal["plain", "compatible", "safe"]
TokenMode = Literal["stable", "classic"]

APP_TYPES: Final = ("miniprogram", "website", "official_account")
MESSAGE_MODES: Final = ("plain", "compatible", "safe")
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

_ENCODING_AES_KEY_RE: Final = re.compile(r"^[A-Za-z0-9]{43}$")


@dataclass(frozen=True, slots=True)
class AppSettings:
    """One WeChat application, as configured under ``WECHAT["APPS"][alias]``."""

    #: The key under ``APPS``; used in URLs.
    alias: str
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
    oauth_scope: str = "snsapi_userinfo"


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
    algorithm: str = "HS256"
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
    #: Per-client (IP) login rate, a DRF rate such as ``"30/minute"``; ``None`` disables it.
    throttle_rate: str | None = "30/minute"
    #: Per-account login rate (username / openid); ``None`` disables it.
    account_throttle_rate: str | None = "30/minute"
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
    handler_threads: int = 8
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
    apps: Mapping[str, AppSettings]
    #: Base URL of the server APIs (the simulator's URL in development).
    api_base_url: str = "https://api.weixin.qq.com"
    #: Base URL of the browser-facing authorization pages.
    open_base_url: str = "https://open.weixin.qq.com"
    #: Alias of the Django cache holding shared state (tokens, tickets, locks, dedupe keys).
    cache_alias: str = "default"
    #: How many reverse proxies in front of Django append to ``X-Forwarded-For``; ``0``: none,
    #: the client is ``REMOTE_ADDR``.  Used for login throttles and session addresses.
    trusted_proxies: int = 0
    jwt: JWTSettings = field(default_factory=JWTSettings)
    login: LoginSettings = field(default_factory=LoginSettings)
    messages: MessageSettings = field(default_factory=MessageSettings)
    client: ClientSettings = field(default_factory=ClientSettings)

    def app(self, alias: str, *, type: AppType | None = None) -> AppSettings:
        """The app configured under ``alias``; :class:`AppNotFoundError` if none (of that type)."""
        app = self.apps.get(alias)
        if app is None or (type is not None and app.type != type):
            raise AppNotFoundError(alias=alias, app_type=type)
        return app

    def apps_of_type(self, type: AppType) -> list[AppSettings]:
        """Every configured app of one type, in settings order."""
        return [app for app in self.apps.values() if app.type == type]


# --------------------------------------------------------------------------- parsing

_APP_SCHEMA: Final[Mapping[str, tuple[str, Converter]]] = {
    "TYPE": ("type", choice(*APP_TYPES)),
    "APP_ID": ("app_id", str_value),
    "APP_SECRET": ("app_secret", str_value),
    "TOKEN": ("token", str_value),
    "ENCODING_AES_KEY": ("encoding_aes_key", str_value),
    "PREVIOUS_ENCODING_AES_KEYS": ("previous_encoding_aes_keys", str_tuple),
    "MESSAGE_MODE": ("message_mode", choice(*MESSAGE_MODES)),
    "ROUTER": ("router", str_value),
    "OAUTH_SCOPE": ("oauth_scope", choice("snsapi_userinfo", "snsapi_base")),
}

_JWT_SCHEMA: Final[Mapping[str, tuple[str, Converter]]] = {
    "ACCESS_TOKEN_LIFETIME": ("access_token_lifetime", timedelta_value),
    "REFRESH_TOKEN_LIFETIME": ("refresh_token_lifetime", timedelta_value),
    "SIGNING_KEY": ("signing_key", optional_str),
    "VERIFYING_KEYS": ("verifying_keys", str_tuple),
    "ALGORITHM": ("algorithm", choice(*JWT_ALGORITHMS)),
    "LEEWAY": ("leeway", timedelta_value),
    "ISSUER": ("issuer", optional_str),
    "AUDIENCE": ("audience", optional_str),
    "AUTH_HEADER_TYPES": ("auth_header_types", str_tuple),
    "SINGLE_SESSION": ("single_session", bool_value),
    "REFRESH_GRACE_SECONDS": ("refresh_grace_seconds", int_value),
    "USER_TO_PAYLOAD": ("user_to_payload", str_value),
    "PAYLOAD_TO_USER": ("payload_to_user", str_value),
    "EXTRA_CLAIMS": ("extra_claims", optional_str),
    "TOKEN_RESPONSE": ("token_response", optional_str),
    "SESSION_CACHE_SECONDS": ("session_cache_seconds", int_value),
    "SET_REQUEST_USER": ("set_request_user", bool_value),
    "LAST_SEEN_INTERVAL": ("last_seen_interval", int_value),
    "MAX_HEADER_LENGTH": ("max_header_length", int_value),
}

_LOGIN_SCHEMA: Final[Mapping[str, tuple[str, Converter]]] = {
    "PIPELINE": ("pipeline", str_tuple),
    "THROTTLE_RATE": ("throttle_rate", rate),
    "ACCOUNT_THROTTLE_RATE": ("account_throttle_rate", rate),
    "QR_TICKET_SECONDS": ("qr_ticket_seconds", int_value),
    "QR_POLL_SECONDS": ("qr_poll_seconds", float_value),
    "ALLOWED_REDIRECT_HOSTS": ("allowed_redirect_hosts", str_tuple),
    "LOGIN_CODE_SECONDS": ("login_code_seconds", int_value),
    "WATERMARK_MAX_AGE": ("watermark_max_age", int_value),
}

_MESSAGES_SCHEMA: Final[Mapping[str, tuple[str, Converter]]] = {
    "TIMESTAMP_TOLERANCE": ("timestamp_tolerance", int_value),
    "DEDUPE_SECONDS": ("dedupe_seconds", int_value),
    "MAX_BODY_SIZE": ("max_body_size", int_value),
    "HANDLER_BUDGET": ("handler_budget", float_value),
    "HANDLER_THREADS": ("handler_threads", positive_int),
    "STATE_SECONDS": ("state_seconds", int_value),
}

_CLIENT_SCHEMA: Final[Mapping[str, tuple[str, Converter]]] = {
    "TIMEOUT": ("timeout", float_value),
    "MAX_RETRIES": ("max_retries", int_value),
    "TOKEN_MODE": ("token_mode", choice("stable", "classic")),
    "TOKEN_REFRESH_MARGIN": ("token_refresh_margin", int_value),
    "LOCK_TIMEOUT": ("lock_timeout", float_value),
    "TRANSPORT": ("transport", optional_str),
    "ASYNC_TRANSPORT": ("async_transport", optional_str),
}

_TOP_SCHEMA: Final[Mapping[str, tuple[str, Converter]]] = {
    "API_BASE_URL": ("api_base_url", str_value),
    "OPEN_BASE_URL": ("open_base_url", str_value),
    "CACHE_ALIAS": ("cache_alias", str_value),
    "TRUSTED_PROXIES": ("trusted_proxies", int_value),
}
_TOP_SECTIONS: Final = ("APPS", "JWT", "LOGIN", "MESSAGES", "CLIENT")


def _parse_app(alias: Any, raw: Any, problems: list[ConfigProblem]) -> AppSettings | None:
    path = f"['APPS'][{alias!r}]"
    if not isinstance(alias, str) or not re.fullmatch(r"[A-Za-z0-9_-]+", alias):
        problems.append(ConfigProblem("djwechat.E004", path, "an app alias must be letters, digits, - or _"))
        return None
    count = len(problems)
    values = section(raw, path, _APP_SCHEMA, problems)
    if len(problems) > count and not isinstance(raw, Mapping):
        return None
    for required in ("TYPE", "APP_ID", "APP_SECRET"):
        if not values.get(_APP_SCHEMA[required][0]):
            problems.append(ConfigProblem("djwechat.E004", path, f"{required} is required"))
    if len(problems) > count:
        return None
    app = AppSettings(alias=alias, **values)
    if app.type == "official_account":
        if not app.token:
            problems.append(
                ConfigProblem(
                    "djwechat.E005",
                    path,
                    "an official_account app needs TOKEN (the message server token)",
                    hint="Copy it from the Official Account's server configuration page.",
                )
            )
        if app.message_mode != "plain" and not app.encoding_aes_key:
            problems.append(
                ConfigProblem(
                    "djwechat.E006", path, f"MESSAGE_MODE {app.message_mode!r} needs ENCODING_AES_KEY"
                )
            )
    for key_path, key in [("ENCODING_AES_KEY", app.encoding_aes_key)] + [
        (f"PREVIOUS_ENCODING_AES_KEYS[{i}]", k) for i, k in enumerate(app.previous_encoding_aes_keys)
    ]:
        if key and not _ENCODING_AES_KEY_RE.match(key):
            problems.append(
                ConfigProblem("djwechat.E006", f"{path}[{key_path!r}]", "must be 43 letters and digits")
            )
    if app.type != "official_account" and (app.router or app.token):
        problems.append(
            ConfigProblem("djwechat.E004", path, "ROUTER and TOKEN only apply to official_account apps")
        )
    return app


def parse_settings(raw: Any) -> tuple[WeChatSettings, list[ConfigProblem]]:
    """Parse a raw ``WECHAT`` value; returns the settings and every problem found (never raises)."""
    problems: list[ConfigProblem] = []
    if raw is None:
        raw = {}
    if not isinstance(raw, Mapping):
        problems.append(ConfigProblem("djwechat.E001", "", "settings.WECHAT must be a dict"))
        raw = {}
    top_values = section({k: v for k, v in raw.items() if k not in _TOP_SECTIONS}, "", _TOP_SCHEMA, problems)
    apps: dict[str, AppSettings] = {}
    raw_apps = raw.get("APPS", {})
    if not isinstance(raw_apps, Mapping):
        problems.append(ConfigProblem("djwechat.E001", "['APPS']", "must be a dict of alias -> app"))
    else:
        seen_ids: dict[tuple[str, str], str] = {}
        for alias, raw_app in raw_apps.items():
            app = _parse_app(alias, raw_app, problems)
            if app is None:
                continue
            apps[app.alias] = app
            other = seen_ids.setdefault((app.type, app.app_id), app.alias)
            if other != app.alias:
                problems.append(
                    ConfigProblem(
                        "djwechat.E004", f"['APPS'][{alias!r}]", f"APP_ID is already used by app {other!r}"
                    )
                )
    jwt = JWTSettings(**section(raw.get("JWT"), "['JWT']", _JWT_SCHEMA, problems))
    login = LoginSettings(**section(raw.get("LOGIN"), "['LOGIN']", _LOGIN_SCHEMA, problems))
    messages = MessageSettings(**section(raw.get("MESSAGES"), "['MESSAGES']", _MESSAGES_SCHEMA, problems))
    client = ClientSettings(**section(raw.get("CLIENT"), "['CLIENT']", _CLIENT_SCHEMA, problems))
    if jwt.access_token_lifetime <= timedelta(0) or jwt.refresh_token_lifetime <= jwt.access_token_lifetime:
        problems.append(
            ConfigProblem(
                "djwechat.E007",
                "['JWT']",
                "ACCESS_TOKEN_LIFETIME must be positive and shorter than REFRESH_TOKEN_LIFETIME",
            )
        )
    if jwt.refresh_grace_seconds > 60:
        problems.append(
            ConfigProblem("djwechat.E007", "['JWT']['REFRESH_GRACE_SECONDS']", "must be at most 60 seconds")
        )
    if not jwt.auth_header_types:
        problems.append(ConfigProblem("djwechat.E007", "['JWT']['AUTH_HEADER_TYPES']", "must not be empty"))
    if not jwt.algorithm.startswith("HS") and not jwt.signing_key:
        problems.append(
            ConfigProblem(
                "djwechat.E007",
                "['JWT']['SIGNING_KEY']",
                f"{jwt.algorithm} needs SIGNING_KEY (a PEM private key)",
            )
        )
    for name in ("api_base_url", "open_base_url"):
        url = top_values.get(name)
        if url is not None and not re.match(r"^https?://[^/\s]+", url):
            problems.append(ConfigProblem("djwechat.E003", f"[{name.upper()!r}]", "must be an http(s) URL"))
        elif url is not None:
            top_values[name] = url.rstrip("/")
    settings_obj = WeChatSettings(
        apps=apps, jwt=jwt, login=login, messages=messages, client=client, **top_values
    )
    return settings_obj, problems


# --------------------------------------------------------------------------- access

_cached: WeChatSettings | None = None


def get_settings() -> WeChatSettings:
    """The current ``settings.WECHAT``, parsed and validated (cached until settings change).

    Raises ``ImproperlyConfigured`` describing the first problem when the settings are invalid;
    ``manage.py check`` lists all of them.
    """
    global _cached
    current = _cached
    if current is None:
        from django.conf import settings

        current, problems = parse_settings(getattr(settings, "WECHAT", {}))
        if problems:
            raise ImproperlyConfigured(f"{problems[0]} ({problems[0].id})")
        _cached = current
    return current


def reset_settings() -> None:
    """Forget the parsed settings (called automatically when ``WECHAT`` changes)."""
    global _cached
    _cached = None


_reset_hooks: list[Callable[[], None]] = []


def on_settings_reset(hook: Callable[[], None]) -> Callable[[], None]:
    """Register ``hook`` to run whenever the settings are reset (for caches derived from them)."""
    _reset_hooks.append(hook)
    return hook


@receiver(setting_changed)
def _on_setting_changed(*, setting: str, **kwargs: Any) -> None:
    if setting in {"WECHAT", "SECRET_KEY", "CACHES", "AUTH_USER_MODEL"}:
        reset_settings()
        for hook in _reset_hooks:
            hook()
