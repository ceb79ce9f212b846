"""Signals sent by WeChat logins and by linking and unlinking identities.

All four are sent inside the database transaction of the login (or link, or unlink), after the
pipeline finished: a receiver's writes commit or roll back together with it, and a receiver that
raises makes the whole operation fail (nothing of it is kept).  A pipeline attempt that lost a race with a
concurrent login and was re-run sends nothing for the lost attempt.

``user_created``
    A login created a new user.  ``sender`` is the user model; kwargs: ``user``, ``identity``
    (the :class:`~djwechat.accounts.models.Identity` the user was created for), ``context``
    (the :class:`djwechat.login.pipeline.LoginContext`), ``request`` (or ``None``).

``identity_linked``
    A new identity was linked to a user, new or existing (for example a website login joining
    the user first seen in the Mini Program, by unionid, or a logged-in user linking WeChat
    with :func:`djwechat.login.linking.link_identity`).  ``sender`` is
    :class:`~djwechat.accounts.models.Identity`; kwargs: ``identity``, ``user``,
    ``created_user`` (``True`` when the user is new too), ``context``, ``request``.

``identity_unlinked``
    An identity was removed from its user (``DELETE /auth/identities/<id>/`` or
    :func:`djwechat.accounts.linking.unlink_identity`), inside that transaction.  ``sender`` is
    :class:`~djwechat.accounts.models.Identity`; kwargs: ``identity`` (the deleted row, its
    ``pk`` still set), ``user``, ``request`` (or ``None``).

``login_succeeded``
    A WeChat login finished and a session was issued.  ``sender`` is the user model; kwargs:
    ``user``, ``identity``, ``is_new_user``, ``provider`` (``"miniprogram"`` …), ``app_alias``,
    ``context``, ``request``.
"""

from __future__ import annotations

from django.dispatch import Signal

user_created = Signal()
identity_linked = Signal()
identity_unlinked = Signal()
login_succeeded = Signal()

__all__ = ["identity_linked", "identity_unlinked", "login_succeeded", "user_created"]
