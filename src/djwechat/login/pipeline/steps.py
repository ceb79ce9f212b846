"""The default pipeline steps (``conf.DEFAULT_PIPELINE``), in the order they run.

A step is a function ``(ctx: LoginContext) -> Mapping[str, Any] | None``.  It may change ``ctx``
directly or return updates (keys naming a :class:`LoginContext` field set it, other keys land
in ``ctx.extra``); it may raise :class:`StopPipeline` or any
:class:`~djwechat.exceptions.WeChatError` to end the login, and every write made so far is
rolled back.  Steps run inside one transaction, which is re-run from the start when it loses a
race with a concurrent login of the same WeChat user, so a step must not have effects outside
the database (send e-mail from a signal receiver or a ``transaction.on_commit`` hook instead).

For a returning user the default steps only read: nothing is written unless a profile value
or an extra-data value changed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from django.contrib.auth import get_user_model
from django.utils.translation import gettext

from djwechat.accounts.models import Identity, scrub_secrets
from djwechat.exceptions import IdentityTakenError, LoginError, LoginRefusedError
from djwechat.login.pipeline.context import LoginContext
from djwechat.login.pipeline.users import generate_username, profile_changes

StepResult = Mapping[str, Any] | None

_MAX_ID_LENGTH: Final = 128


def profile_details(ctx: LoginContext) -> StepResult:
    """Read the profile (nickname, avatar, gender) from WeChat's answer through the provider.

    Leaves ``ctx.details`` alone when an earlier step (or the flow) already filled it.
    """
    if ctx.details.as_fields():
        return None
    return {"details": ctx.provider.details(ctx.response)}


def social_uid(ctx: LoginContext) -> StepResult:
    """Check the openid and normalise the unionid (an empty one becomes ``None``).

    Raises :class:`LoginError` when WeChat's answer named no usable openid.
    """
    openid = ctx.openid.strip() if isinstance(ctx.openid, str) else ""
    if not openid or len(openid) > _MAX_ID_LENGTH:
        raise LoginError(gettext("WeChat did not say who the user is."))
    unionid = ctx.unionid.strip() if isinstance(ctx.unionid, str) else ""
    if len(unionid) > _MAX_ID_LENGTH:
        unionid = ""
    return {"openid": openid, "unionid": unionid or None}


def existing_identity(ctx: LoginContext) -> StepResult:
    """Find the identity of ``(app_id, openid)``; when there is one, its user is the user.

    When linking (``ctx.link_to``), an identity of another user is refused with
    :class:`~djwechat.exceptions.IdentityTakenError`.
    """
    identity = (
        Identity.objects.select_related("user").filter(app_id=ctx.app.app_id, openid=ctx.openid).first()
    )
    if identity is None:
        return None
    if ctx.link_to is not None and identity.user_id != ctx.link_to.pk:
        raise IdentityTakenError()
    return {"identity": identity, "user": identity.user}


def link_by_unionid(ctx: LoginContext) -> StepResult:
    """For a first login in this app, join the user already known by the same unionid.

    WeChat gives one person the same unionid in every app bound to one Open Platform account,
    so the person who used the Mini Program and now scans the website QR code stays one user.
    The oldest identity wins if (through an earlier manual merge) several users share it.

    When linking (``ctx.link_to``), a unionid already known for another user is refused with
    :class:`~djwechat.exceptions.IdentityTakenError`: that person is someone else's account.
    """
    if ctx.link_to is not None and ctx.unionid:
        taken = Identity.objects.filter(unionid=ctx.unionid).exclude(user_id=ctx.link_to.pk).exists()
        if taken:
            raise IdentityTakenError()
    if ctx.user is not None or not ctx.unionid:
        return None
    other = (
        Identity.objects.select_related("user")
        .filter(unionid=ctx.unionid)
        .order_by("created_at", "pk")
        .first()
    )
    if other is None:
        return None
    return {"user": other.user}


def login_allowed(ctx: LoginContext) -> StepResult:
    """Refuse a login to a user that is not active (:class:`LoginRefusedError`, 403).

    Runs before anything is created, so a refused login writes nothing.  Replace this step to
    add rules of your own (``ctx.user`` is ``None`` for someone who would be a new user).
    """
    if ctx.user is not None and not getattr(ctx.user, "is_active", True):
        raise LoginRefusedError(gettext("This account is disabled."))
    return None


def create_user(ctx: LoginContext) -> StepResult:
    """Create a user when no earlier step found one.

    The user gets a random username (:func:`generate_username`), an unusable password, and the
    nickname, avatar and gender of ``ctx.details`` for the fields the user model has.
    """
    if ctx.user is not None:
        return None
    user_model = get_user_model()
    user = user_model(**{user_model.USERNAME_FIELD: generate_username()})
    user.set_unusable_password()
    for name, value in profile_changes(user, ctx.details.as_fields()).items():
        setattr(user, name, value)
    user.save()
    return {"user": user, "is_new_user": True}


def associate_identity(ctx: LoginContext) -> StepResult:
    """Create the identity of ``(app_id, openid)`` for ``ctx.user`` when there is none yet.

    Two first logins of the same person racing each other both get here; the database's unique
    constraint lets one insert win and the other raise ``IntegrityError``, on which the runner
    rolls this attempt back and runs the pipeline again - and ``existing_identity`` then finds
    the winner's identity and user.
    """
    if ctx.identity is not None:
        return None
    if ctx.user is None:
        raise LoginError(gettext("No user to link the WeChat identity to."))
    identity = Identity(
        user=ctx.user,
        provider=ctx.provider_name,
        app_alias=ctx.app.alias,
        app_id=ctx.app.app_id,
        openid=ctx.openid,
        unionid=ctx.unionid,
        extra_data=_extra_data(ctx, {}),
    )
    for name, value in profile_changes(identity, ctx.details.as_fields()).items():
        setattr(identity, name, value)
    identity.save(force_insert=True)
    return {"identity": identity, "is_new_identity": True}


def save_extra_data(ctx: LoginContext) -> StepResult:
    """Keep the login's non-secret details and profile on the identity, and its unionid once WeChat tells it.

    The profile (nickname, avatar, gender) is kept on the identity whatever the user model;
    values WeChat did not tell leave the identity's alone.  Writes only when something changed.
    """
    identity = ctx.identity
    if identity is None:
        return None
    changed: list[str] = []
    for name, value in profile_changes(identity, ctx.details.as_fields()).items():
        setattr(identity, name, value)
        changed.append(name)
    extra = _extra_data(ctx, identity.extra_data)
    if extra != identity.extra_data:
        identity.extra_data = extra
        changed.append("extra_data")
    if ctx.unionid and identity.unionid != ctx.unionid:
        identity.unionid = ctx.unionid
        changed.append("unionid")
    if identity.app_alias != ctx.app.alias:
        identity.app_alias = ctx.app.alias
        changed.append("app_alias")
    if changed:
        identity.save(update_fields=[*changed, "updated_at"])
    return None


def update_profile(ctx: LoginContext) -> StepResult:
    """Refresh a returning user's nickname, avatar and gender from this login's profile.

    Values WeChat did not tell (empty, or the anonymous placeholder) leave the user's alone.
    """
    if ctx.user is None or ctx.is_new_user:
        return None
    changes = profile_changes(ctx.user, ctx.details.as_fields())
    if changes:
        for name, value in changes.items():
            setattr(ctx.user, name, value)
        ctx.user.save(update_fields=list(changes))
    return None


def _extra_data(ctx: LoginContext, current: Mapping[str, Any]) -> dict[str, Any]:
    merged = {**current, **ctx.provider.extra_data(ctx.response), **ctx.extra_data}
    result: dict[str, Any] = scrub_secrets(merged)
    return result
