"""Linking a WeChat identity to a user who is already logged in (allauth's "connect").

:func:`link_identity` runs the configured login pipeline in link mode: ``ctx.user`` and
``ctx.link_to`` are the user, so no user is created or looked up by unionid, and an identity
(or unionid) that belongs to someone else is refused with
:class:`~djwechat.exceptions.IdentityTakenError` (409).  Everything the pipeline does for a
login - the identity's extra data, profile updates, ``identity_linked`` - happens for a link too,
and no session is started.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from django.db import transaction

from djwechat.conf import AppSettings, get_settings
from djwechat.login.pipeline import LoginContext
from djwechat.login.pipeline.runner import login_lock, run_steps
from djwechat.login.providers import get_provider

__all__ = ["link_context", "link_identity"]


def link_identity(
    user: Any,
    app: str | AppSettings,
    *,
    openid: str,
    unionid: str | None = None,
    response: Mapping[str, Any] | None = None,
    request: Any = None,
) -> LoginContext:
    """Link the WeChat identity ``(app, openid)`` to ``user``; returns the completed pipeline context.

    ``app`` is an alias of ``WECHAT["APPS"]`` (or its settings); ``response`` is what WeChat said
    about the user (code2Session without the ``session_key``, OAuth user info), as a login's
    context holds it.  Linking an identity the user already has changes nothing but its extra
    data and profile (``ctx.is_new_identity`` is ``False``); a new one sends ``identity_linked``.

    Raises :class:`~djwechat.exceptions.IdentityTakenError` when the identity, or another
    identity with the same unionid, belongs to another user (nothing is written), and what the
    pipeline's steps raise (:class:`~djwechat.login.pipeline.StopPipeline`,
    :class:`~djwechat.exceptions.LoginRefusedError` for an inactive user …).
    """
    settings = app if isinstance(app, AppSettings) else get_settings().app(app)
    ctx = LoginContext(
        request=request,
        app=settings,
        provider=get_provider(settings.type),
        openid=openid,
        unionid=unionid,
        response=dict(response or {}),
    )
    return link_context(user, ctx)


def link_context(user: Any, ctx: LoginContext) -> LoginContext:
    """:func:`link_identity` for a context a flow already built (what a login would have run)."""
    ctx = dataclasses.replace(ctx, user=user, link_to=user)
    # The same lock and transaction as a login: a concurrent first login (or link) of the same
    # person waits, and then finds this one's identity.
    with login_lock(ctx) as checked, transaction.atomic():
        return run_steps(checked)
