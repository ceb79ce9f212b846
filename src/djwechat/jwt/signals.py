"""Signal receivers that keep sessions honest when users or session rows change elsewhere.

* A session row deleted by any ORM path (``QuerySet.delete()``, the admin, the user-deletion
  cascade) has its cached record dropped, so its tokens are refused on the very next request.
* Saving a user with ``is_active=False`` ends all of that user's sessions.

``QuerySet.update()`` sends no signals: after ``User.objects.filter(...).update(is_active=False)``
call :func:`djwechat.jwt.sessions.revoke_user_sessions` yourself.  (Such a user is still caught
the first time a view loads ``request.jwt_user`` or the session refreshes.)
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models.signals import post_delete, post_save

from djwechat.jwt.models import JWTSession
from djwechat.jwt.record_cache import purge


def session_deleted(sender: Any, instance: JWTSession, **kwargs: Any) -> None:
    """Forget the cached record of a deleted session."""
    purge(instance.session_key)


def user_saved(sender: Any, instance: Any, created: bool = False, raw: bool = False, **kwargs: Any) -> None:
    """End every session of a user saved as inactive."""
    if raw or created or getattr(instance, "is_active", True):
        return
    from djwechat.jwt.sessions import revoke_user_sessions

    revoke_user_sessions(instance.pk)


def connect() -> None:
    """Connect the receivers (called once from the app's ``ready()``)."""
    post_delete.connect(session_deleted, sender=JWTSession, dispatch_uid="djwechat.jwt.session_deleted")
    post_save.connect(user_saved, sender=settings.AUTH_USER_MODEL, dispatch_uid="djwechat.jwt.user_saved")
