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

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver

from djwechat.conf.model import (
    APP_TYPES,
    DEFAULT_PIPELINE,
    JWT_ALGORITHMS,
    MESSAGE_MODES,
    AppSettings,
    AppType,
    ClientSettings,
    JWTSettings,
    LoginSettings,
    MessageMode,
    MessageSettings,
    TokenMode,
    WeChatSettings,
)
from djwechat.conf.parsing import parse_settings
from djwechat.conf.values import ConfigProblem

__all__ = [
    "APP_TYPES",
    "DEFAULT_PIPELINE",
    "JWT_ALGORITHMS",
    "MESSAGE_MODES",
    "AppSettings",
    "AppType",
    "ClientSettings",
    "ConfigProblem",
    "JWTSettings",
    "LoginSettings",
    "MessageMode",
    "MessageSettings",
    "TokenMode",
    "WeChatSettings",
    "get_settings",
    "on_settings_reset",
    "parse_settings",
    "reset_settings",
]

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
