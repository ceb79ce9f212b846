"""An authentication backend that accepts a username or an email address."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest


class UsernameOrEmailBackend(ModelBackend):
    """Like Django's ``ModelBackend``, but ``username`` may also be the account's email.

    A username match wins over an email match; an email shared by several accounts matches none
    of them (ambiguous).  Inactive users are refused as by ``ModelBackend``.  The password hasher
    still runs when no user matches, so response time does not reveal whether an account exists.
    """

    # The return type is the project's user model, known only at run time.
    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> Any:
        user_model = get_user_model()
        if username is None:
            username = kwargs.get(user_model.USERNAME_FIELD)
        if not isinstance(username, str) or not username or not isinstance(password, str):
            return None
        user = self.find_user(username)
        if user is None:
            user_model().set_password(password)  # same work as a real check (timing)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None

    def find_user(self, login: str) -> Any:
        """The account ``login`` names (username first, then an unambiguous email), or ``None``.

        No password is checked; the session endpoints use it to count login attempts per
        account whatever the account was called.
        """
        user_model = get_user_model()
        manager = user_model._default_manager
        try:
            return manager.get_by_natural_key(login)
        except user_model.DoesNotExist:
            pass
        email_field = user_model.get_email_field_name()
        if "@" not in login or not any(f.name == email_field for f in user_model._meta.get_fields()):
            return None
        matches = list(manager.filter(**{f"{email_field}__iexact": login})[:2])
        return matches[0] if len(matches) == 1 else None
