"""Signal receivers that keep sessions honest when users or session rows change elsewhere.

* A session row deleted by any ORM path (logout, :func:`~djwechat.jwt.sessions.revoke_sessions`,
  ``QuerySet.delete()``, the admin, the user-deletion cascade) has its cached record purged
  here, and only here, so its tokens are refused on the very next request.  The purge runs
  inside the deletion's transaction: when the cache cannot be reached it raises and the
  deletion is rolled back, so a session is never gone from the database while a cached copy
  lives on.
* Saving a user with ``is_active=False`` ends all of that user's sessions.
* Saving a user whose password changed ends all of that user's sessions, as Django's session
  auth hash ends cookie sessions: ``set_password()`` then ``save()`` (the admin's password form,
  ``changepassword``, password reset) or ``set_unusable_password()`` on a usable password.  A
  hash upgrade at login (same password, new hash) is not a change, as Django itself says.

``QuerySet.update()`` sends no signals: after ``User.objects.filter(...).update(is_active=False)``
(or a new password hash written that way) call :func:`djwechat.jwt.sessions.revoke_user_sessions`
yourself.  (A deactivated user is still caught the first time a view loads ``request.jwt_user``
or the session refreshes.)
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models.signals import post_delete, post_save, pre_save

from djwechat.jwt.models import JWTSession, RevocationCount
from djwechat.jwt.record_cache import purge


def session_deleted(sender: Any, instance: JWTSession, using: str, **kwargs: Any) -> None:
    """Purge the cached record of a deleted session (the one place a removal is purged).

    The database's revocation count goes up in the same transaction and the cache's copy with
    it (see :mod:`djwechat.jwt.record_cache`).
    """
    purge(instance.session_key, using, revoked=RevocationCount.bump(using))


#: Set on a user instance between ``pre_save`` and ``post_save`` when its password changed.
_PASSWORD_CHANGED = "_djwechat_password_changed"


def user_saving(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    """Note whether this save changes the user's password (see the module docstring)."""
    update_fields = kwargs.get("update_fields")
    changed = False
    if not raw and instance.pk is not None and (update_fields is None or "password" in update_fields):
        # AbstractBaseUser.set_password() keeps the raw password until the save; its hash
        # upgrade at login clears it first, so an upgrade is not taken for a change.
        changed = getattr(instance, "_password", None) is not None
        if not changed and not _usable(instance.password):
            stored = (
                sender._base_manager.using(kwargs.get("using"))
                .filter(pk=instance.pk)
                .values_list("password", flat=True)
                .first()
            )
            changed = stored is not None and _usable(stored)
    instance.__dict__[_PASSWORD_CHANGED] = changed


def _usable(encoded: str | None) -> bool:
    from django.contrib.auth.hashers import is_password_usable

    return bool(is_password_usable(encoded))


def user_saved(sender: Any, instance: Any, created: bool = False, raw: bool = False, **kwargs: Any) -> None:
    """End every session of a user saved as inactive, or whose password changed."""
    password_changed = instance.__dict__.pop(_PASSWORD_CHANGED, False)
    if raw or created:
        return
    if password_changed or not getattr(instance, "is_active", True):
        from djwechat.jwt.sessions import revoke_user_sessions

        revoke_user_sessions(instance.pk)


def connect() -> None:
    """Connect the receivers (called once from the app's ``ready()``)."""
    post_delete.connect(session_deleted, sender=JWTSession, dispatch_uid="djwechat.jwt.session_deleted")
    pre_save.connect(user_saving, sender=settings.AUTH_USER_MODEL, dispatch_uid="djwechat.jwt.user_saving")
    post_save.connect(user_saved, sender=settings.AUTH_USER_MODEL, dispatch_uid="djwechat.jwt.user_saved")
