"""Parsing and validating a raw ``settings.WECHAT`` value into :class:`~djwechat.conf.model.WeChatSettings`.

Each section's schema (setting key -> (dataclass field, converter)) is derived by :func:`schema`
from its dataclass in :mod:`djwechat.conf.model`, where every setting is declared once.  The
converters (:mod:`djwechat.conf.values`) report every problem as a
:class:`~djwechat.conf.values.ConfigProblem` instead of raising, so that
``manage.py check`` can list them all; rules that span several keys are checked here.
"""

from __future__ import annotations

import dataclasses
import re
import typing
from collections.abc import Mapping
from datetime import timedelta
from typing import Any, Final, Literal

from djwechat.conf.model import (
    AppSettings,
    ClientSettings,
    JWTSettings,
    LoginSettings,
    MessageSettings,
    WeChatSettings,
)
from djwechat.conf.values import (
    ConfigProblem,
    Converter,
    bool_value,
    choice,
    float_value,
    int_value,
    optional_str,
    section,
    str_tuple,
    str_value,
    timedelta_value,
)

__all__ = ["SCHEMAS", "parse_settings", "schema"]

_ENCODING_AES_KEY_RE: Final = re.compile(r"\A[A-Za-z0-9]{43}\Z")
#: An origin: scheme and host (and port), nothing after it but an optional "/".
_ORIGIN_RE: Final = re.compile(r"\Ahttps?://[A-Za-z0-9.\-]+(?::[0-9]{1,5})?/?\Z")

#: Converters by annotation; a field whose values need more (a rate, a positive count, one of
#: a list that is not its type) names its own in ``metadata["convert"]``.
_CONVERTERS: Final[Mapping[Any, Converter]] = {
    str: str_value,
    str | None: optional_str,
    bool: bool_value,
    int: int_value,
    float: float_value,
    timedelta: timedelta_value,
    tuple[str, ...]: str_tuple,
}


def _converter(annotation: Any) -> Converter:
    if typing.get_origin(annotation) is Literal:
        return choice(*typing.get_args(annotation))
    return _CONVERTERS[annotation]


def schema(cls: type[Any]) -> Mapping[str, tuple[str, Converter]]:
    """``KEY -> (field, converter)`` of a settings dataclass: each field is the key in lower case.

    Fields that are not keys of their section (an app's ``alias``, the top level's sections)
    say so with ``metadata={"key": False}``.
    """
    hints = typing.get_type_hints(cls)
    return {
        f.name.upper(): (f.name, f.metadata.get("convert") or _converter(hints[f.name]))
        for f in dataclasses.fields(cls)
        if f.metadata.get("key", True)
    }


_APP_SCHEMA: Final = schema(AppSettings)
_JWT_SCHEMA: Final = schema(JWTSettings)
_LOGIN_SCHEMA: Final = schema(LoginSettings)
_MESSAGES_SCHEMA: Final = schema(MessageSettings)
_CLIENT_SCHEMA: Final = schema(ClientSettings)
_TOP_SCHEMA: Final = schema(WeChatSettings)
_TOP_SECTIONS: Final = ("APPS", "JWT", "LOGIN", "MESSAGES", "CLIENT")

#: Every schema by where it applies ("" is the top level): what ``docs/settings.md`` must list.
SCHEMAS: Final[Mapping[str, Mapping[str, tuple[str, Converter]]]] = {
    "": _TOP_SCHEMA,
    "APPS[alias]": _APP_SCHEMA,
    "JWT": _JWT_SCHEMA,
    "LOGIN": _LOGIN_SCHEMA,
    "MESSAGES": _MESSAGES_SCHEMA,
    "CLIENT": _CLIENT_SCHEMA,
}


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
    if app.callback_base_url:
        if app.type == "miniprogram":
            problems.append(
                ConfigProblem(
                    "djwechat.E004",
                    path,
                    "CALLBACK_BASE_URL only applies to website and official_account apps",
                )
            )
        elif not _ORIGIN_RE.match(app.callback_base_url):
            problems.append(
                ConfigProblem(
                    "djwechat.E003",
                    f"{path}['CALLBACK_BASE_URL']",
                    "must be an http(s) origin such as 'https://www.example.com' (no path)",
                )
            )
        else:
            app = dataclasses.replace(app, callback_base_url=app.callback_base_url.rstrip("/"))
    return app


def _short_hmac_keys(jwt: JWTSettings) -> list[ConfigProblem]:
    """HMAC keys shorter than the hash: RFC 7518 section 3.2 asks for at least its size."""
    if not jwt.algorithm.startswith("HS"):
        return []
    minimum = int(jwt.algorithm[2:]) // 8
    keys = [("['SIGNING_KEY']", jwt.signing_key)]
    keys += [(f"['VERIFYING_KEYS'][{i}]", key) for i, key in enumerate(jwt.verifying_keys)]
    return [
        ConfigProblem(
            "djwechat.E012",
            f"['JWT']{where}",
            f"{jwt.algorithm} needs a key of at least {minimum} bytes (RFC 7518 section 3.2), "
            f"this one has {len(key.encode())}",
            hint="Generate one: python -c 'import secrets; print(secrets.token_urlsafe(48))'",
        )
        for where, key in keys
        if key is not None and len(key.encode()) < minimum
    ]


def parse_settings(raw: Any) -> tuple[WeChatSettings, list[ConfigProblem]]:
    """Parse a raw ``WECHAT`` value; returns the settings and every problem found (never raises)."""
    problems: list[ConfigProblem] = []
    if raw is None:
        raw = {}
    if not isinstance(raw, Mapping):
        problems.append(ConfigProblem("djwechat.E001", "", "settings.WECHAT must be a dict"))
        raw = {}
    top_values = section(
        {k: v for k, v in raw.items() if k not in _TOP_SECTIONS},
        "",
        _TOP_SCHEMA,
        problems,
        siblings=_TOP_SECTIONS,
    )
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
    if jwt.session_invalidation is not None and jwt.session_cache_seconds:
        problems.append(
            ConfigProblem(
                "djwechat.E007",
                "['JWT']['SESSION_CACHE_SECONDS']",
                f"must be 0 with SESSION_INVALIDATION = {jwt.session_invalidation!r}, which decides "
                "on its own how long a process keeps a session",
            )
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
    problems += _short_hmac_keys(jwt)
    for name in ("api_base_url", "open_base_url", "site_url"):
        url = top_values.get(name)
        if url is not None and not re.match(r"^https?://[^/\s]+", url):
            problems.append(ConfigProblem("djwechat.E003", f"[{name.upper()!r}]", "must be an http(s) URL"))
        elif url is not None:
            top_values[name] = url.rstrip("/")
    settings_obj = WeChatSettings(
        apps=apps, jwt=jwt, login=login, messages=messages, client=client, **top_values
    )
    return settings_obj, problems
