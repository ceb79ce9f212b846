"""Listing and removing a user's WeChat identities, never the last way to log in.

Linking lives in :mod:`djwechat.login.linking` (it runs the login pipeline); removing needs
only the models, so it lives here.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext

from djwechat.accounts.models import Identity
from djwechat.accounts.signals import identity_unlinked
from djwechat.exceptions import LastLoginMethodError, NotFoundError

__all__ = ["identities_of", "identity_payload", "unlink_identity"]


def identity_payload(identity: Identity) -> dict[str, Any]:
    """What ``GET /auth/identities/`` shows of an identity (no openid, unionid, phone or extra data)."""
    return {
        "id": identity.pk,
        "provider": identity.provider,
        "app_alias": identity.app_alias,
        "nickname": identity.nickname,
        "avatar_url": identity.avatar_url,
        "gender": identity.gender,
        "created_at": identity.created_at.isoformat(),
        "updated_at": identity.updated_at.isoformat(),
    }


def identities_of(user: Any) -> QuerySet[Identity]:
    """``user``'s identities, oldest first."""
    return Identity.objects.filter(user_id=user.pk).order_by("created_at", "pk")


def unlink_identity(user: Any, identity_id: Any, *, request: Any = None) -> Identity:
    """Remove ``user``'s identity ``identity_id`` and send ``identity_unlinked``; returns the removed row.

    Refused with :class:`~djwechat.exceptions.LastLoginMethodError` (409) when it is the user's
    only identity and the user has no usable password: nothing would be left to log in with.
    The user's row is locked (``SELECT … FOR UPDATE``) while counting, so two removals racing
    each other cannot both see "another one is left".  Raises
    :class:`~djwechat.exceptions.NotFoundError` (404) for an id that is not one of the user's
    identities (another user's identity is "not found" too).
    """
    pk = _identity_pk(identity_id)
    with transaction.atomic():
        locked = get_user_model()._default_manager.select_for_update().filter(pk=user.pk).first()
        if locked is None:
            raise NotFoundError(gettext("No such identity."))
        identity = Identity.objects.filter(user_id=user.pk, pk=pk).first()
        if identity is None:
            raise NotFoundError(gettext("No such identity."))
        others = Identity.objects.filter(user_id=user.pk).exclude(pk=pk).exists()
        if not others and not locked.has_usable_password():
            raise LastLoginMethodError()
        identity.delete()
        identity.pk = pk  # Model.delete() clears it; receivers want to know which row went
        identity_unlinked.send(sender=Identity, identity=identity, user=locked, request=request)
    return identity


def _identity_pk(value: Any) -> int:
    """An identity id from a URL or a caller: a positive integer, else "not found"."""
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 18:
        return int(value)
    raise NotFoundError(gettext("No such identity."))
