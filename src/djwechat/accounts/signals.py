"""Signals sent by WeChat logins.

All three are sent inside the login's database transaction, after the pipeline finished: a
receiver's writes commit or roll back together with the login, and a receiver that raises makes
the whole login fail (nothing of it is kept).  A pipeline attempt that lost a race with a
concurrent login and was re-run sends nothing for the lost attempt.

``user_created``
    A login created a new user.  ``sender`` is the user model; kwargs: ``user``, ``identity``
    (the :class:`~djwechat.accounts.models.Identity` the user was created for), ``context``
    (the :class:`djwechat.login.pipeline.LoginContext`), ``request`` (or ``None``).

``identity_linked``
    A new identity was linked to a user, new or existing (for example a website login joining
    the user first seen in the Mini Program, by unionid).  ``sender`` is
    :class:`~djwechat.accounts.models.Identity`; kwargs: ``identity``, ``user``,
    ``created_user`` (``True`` when the user is new too), ``context``, ``request``.

``login_succeeded``
    A WeChat login finished and a session was issued.  ``sender`` is the user model; kwargs:
    ``user``, ``identity``, ``is_new_user``, ``provider`` (``"miniprogram"`` …), ``app_alias``,
    ``context``, ``request``.
"""

from __future__ import annotations

from django.dispatch import Signal

user_created = Signal()
identity_linked = Signal()
login_succeeded = Signal()

__all__ = ["identity_linked", "login_succeeded", "user_created"]
