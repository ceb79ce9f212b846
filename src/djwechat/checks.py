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
========  ==============================================================
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.apps import apps as django_apps
from django.conf import settings
from django.core.checks import CheckMessage, Error, register

from djwechat._internal.imports import check_import
from djwechat.conf import parse_settings


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
    hooks += [(f"['APPS'][{app.alias!r}]['ROUTER']", app.router or None) for app in parsed.apps.values()]
    for path, dotted in hooks:
        if dotted is None:
            continue
        reason = check_import(dotted)
        if reason is not None:
            errors.append(Error(f"WECHAT{path}: {dotted!r} does not import: {reason}", id="djwechat.E008"))
    for needed in ("djwechat.jwt", "djwechat.accounts"):
        if not django_apps.is_installed(needed):
            errors.append(
                Error(
                    f"{needed!r} must be in INSTALLED_APPS",
                    hint="See docs/quickstart.md.",
                    id="djwechat.E009",
                )
            )
    return errors
