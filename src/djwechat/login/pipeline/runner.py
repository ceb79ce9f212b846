"""Runs the pipeline steps over a :class:`LoginContext`, in one transaction, race-safe."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, Final

from django.db import IntegrityError, transaction

from djwechat._internal.imports import import_hook
from djwechat._internal.text import UNSTORABLE_CHARS
from djwechat.accounts.models import Identity
from djwechat.accounts.signals import identity_linked, user_created
from djwechat.conf import get_settings
from djwechat.exceptions import LoginError
from djwechat.login.pipeline.context import LoginContext
from djwechat.login.pipeline.locks import first_login_lock

logger = logging.getLogger("djwechat.login")

Step = Callable[[LoginContext], Mapping[str, Any] | None]

#: How many times the pipeline runs when it keeps losing races (unique-constraint errors).
MAX_ATTEMPTS: Final = 3


def get_pipeline() -> tuple[Step, ...]:
    """The steps named by ``WECHAT["LOGIN"]["PIPELINE"]``, imported (``ImportError`` if one does not)."""
    return tuple(import_hook(path) for path in get_settings().login.pipeline)


@contextmanager
def login_lock(ctx: LoginContext) -> Iterator[LoginContext]:
    """Hold what one login needs held; yields ``ctx`` with ids a database can store.

    For the person's first login in the app that is the per-unionid lock of
    :mod:`~djwechat.login.pipeline.locks`, taken before the login's transaction opens (on
    MySQL's ``REPEATABLE READ`` a transaction that had already read would not see a concurrent
    login's identity) and given back after it commits.  :func:`run_pipeline` runs under it, and
    so does a flow's whole login (pipeline, session, signal): the lock is taken once per login.

    An openid holding a control character or a lone surrogate (nothing WeChat hands out, and
    nothing a database column can store) is refused with :class:`LoginError`; such a unionid
    counts as none.
    """
    ctx = _storable_ids(ctx)
    with first_login_lock(ctx.app.app_id, ctx.openid, ctx.unionid):
        yield ctx


def run_pipeline(ctx: LoginContext, *, steps: Sequence[Step] | None = None) -> LoginContext:
    """Run ``steps`` (default: the configured pipeline) and return the completed context.

    The steps run under :func:`login_lock`, in one transaction (a savepoint when the caller
    already opened one) per attempt: see :func:`run_steps`.  ``ctx`` itself is not changed; the
    returned context is a new object.

    Raises whatever a step raises: :class:`~djwechat.login.pipeline.StopPipeline`, a
    :class:`~djwechat.exceptions.WeChatError` (:class:`~djwechat.exceptions.LoginRefusedError`
    for an inactive user …); :class:`~djwechat.exceptions.LoginError` when the steps ended
    without a user and an identity.
    """
    with login_lock(ctx) as checked:
        return run_steps(checked, steps=steps)


def run_steps(ctx: LoginContext, *, steps: Sequence[Step] | None = None) -> LoginContext:
    """The attempts of :func:`run_pipeline`, for a caller that holds the :func:`login_lock` of ``ctx``.

    When a step hits an ``IntegrityError`` - a concurrent first login of the same person
    inserted the identity (or the generated username) first - the attempt's savepoint is rolled
    back and the pipeline runs again on a fresh copy of ``ctx``, and then finds the winner's
    rows; after :data:`MAX_ATTEMPTS` the error propagates.  Profile and extra-data values are
    cleaned where they are stored (:func:`~djwechat.login.pipeline.users.profile_changes`,
    :class:`Identity`).

    After the last step ``user_created`` and ``identity_linked`` are sent (see
    :mod:`djwechat.accounts.signals`), still inside the transaction.
    """
    steps = get_pipeline() if steps is None else tuple(steps)
    for attempt in range(1, MAX_ATTEMPTS + 1):
        work = ctx.fresh_copy()
        try:
            with transaction.atomic():
                _run_steps(work, steps)
                _send_signals(work)
        except IntegrityError:
            if attempt == MAX_ATTEMPTS:
                raise
            logger.info(
                "Login of a %s user in app %r raced a concurrent login; running the pipeline again.",
                ctx.provider_name,
                ctx.app.alias,
            )
            continue
        return work
    raise AssertionError("unreachable")  # pragma: no cover


def _storable_ids(ctx: LoginContext) -> LoginContext:
    """``ctx`` with ids a database can store: a bad openid is refused, a bad unionid dropped."""
    if not isinstance(ctx.openid, str) or UNSTORABLE_CHARS.search(ctx.openid):
        raise LoginError("WeChat did not say who the user is.")
    unionid = ctx.unionid
    if isinstance(unionid, str) and UNSTORABLE_CHARS.search(unionid):
        unionid = None  # not a unionid WeChat hands out: as if none was told
    return dataclasses.replace(ctx, unionid=unionid)


def _run_steps(ctx: LoginContext, steps: Sequence[Step]) -> None:
    for step in steps:
        updates = step(ctx)
        if updates:
            ctx.apply(updates)
    if ctx.user is None or not isinstance(ctx.identity, Identity):
        raise LoginError("The login pipeline ended without a user and an identity.")
    if ctx.identity.user_id != ctx.user.pk:
        raise LoginError("The login pipeline ended with an identity of another user.")


def _send_signals(ctx: LoginContext) -> None:
    if ctx.is_new_user:
        user_created.send(
            sender=type(ctx.user), user=ctx.user, identity=ctx.identity, context=ctx, request=ctx.request
        )
    if ctx.is_new_identity:
        identity_linked.send(
            sender=Identity,
            identity=ctx.identity,
            user=ctx.user,
            created_user=ctx.is_new_user,
            context=ctx,
            request=ctx.request,
        )
