"""What the session endpoints read and write: the user object and the request bodies."""

from __future__ import annotations

from typing import Any, Final

from django.contrib.auth.base_user import AbstractBaseUser
from rest_framework import serializers

#: Profile fields copied into the user object when the user model has them.
PROFILE_FIELDS: Final = ("nickname", "avatar_url", "gender", "phone_number")


def user_payload(user: AbstractBaseUser) -> dict[str, Any]:
    """The ``"user"`` object of token answers and ``GET /auth/me/``.

    ``id`` and ``username`` always; ``nickname``, ``avatar_url``, ``gender`` and
    ``phone_number`` when the model has them (see
    :class:`djwechat.accounts.mixins.WeChatProfileMixin`); ``email`` when the model has an
    email field.  Values are JSON-ready (the primary key as a string when it is not an int).
    """
    pk = user.pk
    payload: dict[str, Any] = {
        "id": pk if isinstance(pk, int) else str(pk),
        "username": user.get_username(),
    }
    for name in PROFILE_FIELDS:
        if hasattr(user, name):
            payload[name] = getattr(user, name)
    email_field = user.get_email_field_name()
    if hasattr(user, email_field):
        payload["email"] = getattr(user, email_field) or ""
    return payload


class StrictCharField(serializers.CharField):
    """A ``CharField`` that refuses numbers and booleans instead of turning them into text."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class PasswordLoginSerializer(serializers.Serializer[Any]):
    """``{"username" or "email", "password"}``."""

    username = StrictCharField(required=False, max_length=254, trim_whitespace=True)
    email = StrictCharField(required=False, max_length=254, trim_whitespace=True)
    password = StrictCharField(max_length=1024, trim_whitespace=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        login = attrs.get("username") or attrs.get("email")
        if not login:
            raise serializers.ValidationError({"username": ["Give a username or an email address."]})
        attrs["login"] = login
        return attrs


class RefreshSerializer(serializers.Serializer[Any]):
    """``{"refresh": "<refresh token>"}``."""

    refresh = StrictCharField(max_length=8192, trim_whitespace=True)


class LogoutSerializer(serializers.Serializer[Any]):
    """``{"all": false}``: ``true`` ends every session of the user."""

    all = serializers.BooleanField(required=False, default=False)
