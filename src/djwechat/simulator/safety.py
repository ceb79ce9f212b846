"""The simulator refuses to run in production.

It hands out codes and tokens for any user on request, so it must never run next to a
production site: with Django settings configured and ``DEBUG = False`` it refuses to start unless
``--allow-production`` is passed or ``DJWECHAT_SIMULATOR_ALLOW_PRODUCTION=1`` is set (CI machines
running the test suite with production-like settings).
"""

from __future__ import annotations

import os
from typing import Final

__all__ = ["ALLOW_ENV", "SimulatorRefusedError", "ensure_allowed"]

ALLOW_ENV: Final = "DJWECHAT_SIMULATOR_ALLOW_PRODUCTION"


class SimulatorRefusedError(RuntimeError):
    """The simulator was asked to start where ``DEBUG`` is off."""


def _django_debug() -> bool | None:
    """``settings.DEBUG`` when Django settings are available, else ``None``."""
    try:
        from django.conf import settings
        from django.core.exceptions import ImproperlyConfigured
    except ImportError:
        return None
    if not settings.configured and not os.environ.get("DJANGO_SETTINGS_MODULE"):
        return None
    try:
        return bool(settings.DEBUG)
    except (ImproperlyConfigured, ImportError):
        return None


def ensure_allowed(*, allow_production: bool = False) -> None:
    """Raise :class:`SimulatorRefusedError` when Django's ``DEBUG`` is off and nothing allows it."""
    if allow_production or os.environ.get(ALLOW_ENV, "").lower() in {"1", "true", "yes"}:
        return
    if _django_debug() is False:
        raise SimulatorRefusedError(
            "The WeChat simulator refuses to start with DEBUG = False: it hands out login codes for "
            f"any user. Pass --allow-production or set {ALLOW_ENV}=1 if this really is not production."
        )
