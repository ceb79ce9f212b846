"""System checks for ``settings.WECHAT`` (ids ``djwechat.E001`` …).

========  ==============================================================
id        meaning
========  ==============================================================
E001      ``WECHAT`` or one of its sections is not a dict
E002      unknown setting key
E003      a value of the wrong type or outside its choices
E004      an app is incomplete or its alias / APP_ID is invalid
E005      an Official Account has no message TOKEN
E006      a missing or malformed EncodingAESKey
E007      inconsistent JWT settings
E008      a dotted path (hook, pipeline step, router, transport) does not import
E009      a required app is missing from INSTALLED_APPS
E010      ``CACHE_ALIAS`` names no cache in ``settings.CACHES``
E011      an Official Account's ``ROUTER`` is not a ``djwechat.messaging.Router``
E012      an HMAC ``SIGNING_KEY`` (or verifying key) shorter than its algorithm's minimum
W001      (``--deploy``) no JWT ``SIGNING_KEY``: tokens are signed with ``SECRET_KEY``
W002      (``--deploy``) the shared-state cache is not shared between processes or hosts
W003      (``--deploy``) ``API_BASE_URL`` / ``OPEN_BASE_URL`` is a loopback address (the simulator)
W004      (``--deploy``) ``djwechat.simulator`` is in ``INSTALLED_APPS``
W005      ``JWT.SESSION_INVALIDATION = "pubsub"`` on a cache that is not Redis: sessions are checked strictly
========  ==============================================================
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from typing import Any, Final
from urllib.parse import urlsplit

from django.apps import AppConfig
from django.apps import apps as django_apps
from django.conf import settings
from django.core.checks import CheckMessage, Error, register
from django.core.checks import Warning as CheckWarning
from django.utils.module_loading import import_string

from djwechat._internal.imports import check_import
from djwechat.conf import WeChatSettings, parse_settings

#: Cache backends that offer the pub/sub channel of ``JWT.SESSION_INVALIDATION = "pubsub"``.
REDIS_CACHES: Final = ("django_redis.cache.RedisCache", "django.core.cache.backends.redis.RedisCache")

#: Cache backends whose state one process (or one host) keeps to itself, or that keep nothing.
UNSHARED_CACHES: Final = {
    "django.core.cache.backends.locmem.LocMemCache": "local memory: every process has its own",
    "django.core.cache.backends.dummy.DummyCache": "the dummy cache: it keeps nothing",
    "django.core.cache.backends.filebased.FileBasedCache": "files: one host only, and add() is not atomic",
}


@register("djwechat")
def check_wechat_settings(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """Validate ``settings.WECHAT`` and every dotted path it names."""
    parsed, problems = parse_settings(getattr(settings, "WECHAT", {}))
    errors: list[CheckMessage] = [
        Error(str(problem), hint=problem.hint, id=problem.id) for problem in problems
    ]
    hooks: list[tuple[str, str | None]] = [
        ("['JWT']['USER_TO_PAYLOAD']", parsed.jwt.user_to_payload),
        ("['JWT']['PAYLOAD_TO_USER']", parsed.jwt.payload_to_user),
        ("['JWT']['EXTRA_CLAIMS']", parsed.jwt.extra_claims),
        ("['JWT']['TOKEN_RESPONSE']", parsed.jwt.token_response),
        ("['CLIENT']['TRANSPORT']", parsed.client.transport),
        ("['CLIENT']['ASYNC_TRANSPORT']", parsed.client.async_transport),
    ]
    hooks += [(f"['LOGIN']['PIPELINE'][{i}]", step) for i, step in enumerate(parsed.login.pipeline)]
    routers = [
        (f"['APPS'][{app.alias!r}]['ROUTER']", app.router) for app in parsed.apps.values() if app.router
    ]
    broken = set()
    for path, dotted in hooks + routers:
        if dotted is None:
            continue
        reason = check_import(dotted)
        if reason is not None:
            broken.add(path)
            errors.append(Error(f"WECHAT{path}: {dotted!r} does not import: {reason}", id="djwechat.E008"))
    for needed in ("djwechat.jwt", "djwechat.accounts"):
        if not django_apps.is_installed(needed):
            errors.append(
                Error(
                    f"{needed!r} must be in INSTALLED_APPS",
                    hint="See docs/quickstart.md (INSTALLED_APPS needs rest_framework, djwechat, "
                    "djwechat.accounts and djwechat.jwt).",
                    id="djwechat.E009",
                )
            )
    errors += _check_cache_alias(parsed)
    errors += _check_invalidation_channel(parsed)
    errors += _check_routers([(path, dotted) for path, dotted in routers if path not in broken])
    return errors


def _check_cache_alias(parsed: WeChatSettings) -> list[CheckMessage]:
    caches = getattr(settings, "CACHES", {})
    if parsed.cache_alias in caches:
        return []
    return [
        Error(
            f"WECHAT['CACHE_ALIAS']: {parsed.cache_alias!r} names no cache in settings.CACHES",
            hint=f"Configured caches: {', '.join(map(repr, caches)) or 'none'}.",
            id="djwechat.E010",
        )
    ]


def _check_invalidation_channel(parsed: WeChatSettings) -> list[CheckMessage]:
    backend = str(getattr(settings, "CACHES", {}).get(parsed.cache_alias, {}).get("BACKEND", ""))
    if parsed.jwt.session_invalidation != "pubsub" or backend in REDIS_CACHES or not backend:
        return []
    return [
        CheckWarning(
            f"WECHAT['JWT']['SESSION_INVALIDATION'] is 'pubsub' but the cache {parsed.cache_alias!r} "
            f"({backend}) has no pub/sub channel: every request checks the session in the cache",
            hint="Use a Redis cache (django-redis or Django's RedisCache) for WECHAT['CACHE_ALIAS'], "
            "or remove SESSION_INVALIDATION.",
            id="djwechat.W005",
        )
    ]


def _check_routers(routers: list[tuple[str, str]]) -> list[CheckMessage]:
    from djwechat.messaging.router import Router

    errors: list[CheckMessage] = []
    for path, dotted in routers:
        found = import_string(dotted)
        if not isinstance(found, Router):
            errors.append(
                Error(
                    f"WECHAT{path}: {dotted!r} is a {type(found).__name__}, not a djwechat.messaging.Router",
                    hint="Name the module-level object made with `router = Router()`.",
                    id="djwechat.E011",
                )
            )
    return errors


@register("djwechat", deploy=True)
def check_wechat_deployment(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """``check --deploy``: the mistakes docs/deployment.md warns about."""
    parsed, problems = parse_settings(getattr(settings, "WECHAT", {}))
    if problems:
        return []  # check_wechat_settings reports them
    warnings: list[CheckMessage] = []
    if parsed.jwt.signing_key is None:
        warnings.append(
            CheckWarning(
                "WECHAT['JWT']['SIGNING_KEY'] is not set: session tokens are signed with SECRET_KEY",
                hint="Set a separate secret (at least 32 bytes for HS256), read from the environment: "
                "rotating SECRET_KEY then does not end every session, and whoever learns one key "
                "cannot mint tokens with it.",
                id="djwechat.W001",
            )
        )
    backend = str(getattr(settings, "CACHES", {}).get(parsed.cache_alias, {}).get("BACKEND", ""))
    if backend in UNSHARED_CACHES:
        warnings.append(
            CheckWarning(
                f"The cache {parsed.cache_alias!r} (WECHAT['CACHE_ALIAS']) keeps its state in "
                f"{UNSHARED_CACHES[backend]}",
                hint="Access tokens, their refresh lock, message dedupe and login throttles must be "
                "shared by every process and host: use Redis (djwechat[redis]) or the database cache.",
                id="djwechat.W002",
            )
        )
    for name, url in (("API_BASE_URL", parsed.api_base_url), ("OPEN_BASE_URL", parsed.open_base_url)):
        if _is_loopback(url):
            warnings.append(
                CheckWarning(
                    f"WECHAT[{name!r}] is {url!r}, a loopback address: the local simulator, not WeChat",
                    hint="Remove it in production (WeChat's own URL is the default).",
                    id="djwechat.W003",
                )
            )
    if django_apps.is_installed("djwechat.simulator"):
        warnings.append(
            CheckWarning(
                "djwechat.simulator is in INSTALLED_APPS",
                hint="It is the fake WeChat for development and tests (it hands out login codes for "
                "any user): list it only when DEBUG is on.",
                id="djwechat.W004",
            )
        )
    return warnings


def _is_loopback(url: str) -> bool:
    host = (urlsplit(url).hostname or "").rstrip(".").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified
