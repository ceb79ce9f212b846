"""What the session endpoints read and write: the user object and the request bodies."""

from __future__ import annotations

from typing import Any, Final

from django.contrib.auth.base_user import AbstractBaseUser
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from djwechat._internal.openapi import schema_field

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

    default_error_messages = {"invalid": _("Must be text, not a number or a boolean.")}

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    """A ``BooleanField`` that takes only a JSON ``true`` or ``false``, as the schema says.

    DRF's own field also takes ``0``, ``"yes"``, ``"on"`` …: a client that sends one of those
    has misread the API, and guessing what it meant could end every session of the user.
    """

    default_error_messages = {"invalid": _("Must be true or false.")}

    def to_internal_value(self, data: Any) -> bool:
        if not isinstance(data, bool):
            self.fail("invalid")
        return data


class PasswordLoginSerializer(serializers.Serializer[Any]):
    """``{"username" or "email", "password"}``."""

    username = StrictCharField(required=False, max_length=254, trim_whitespace=True)
    email = StrictCharField(required=False, max_length=254, trim_whitespace=True)
    password = StrictCharField(max_length=1024, trim_whitespace=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        login = attrs.get("username") or attrs.get("email")
        if not login:
            raise serializers.ValidationError({"username": [_("Give a username or an email address.")]})
        attrs["login"] = login
        return attrs


class RefreshSerializer(serializers.Serializer[Any]):
    """``{"refresh": "<refresh token>"}``."""

    refresh = StrictCharField(max_length=8192, trim_whitespace=True)


class LogoutSerializer(serializers.Serializer[Any]):
    """``{"all": false}``: ``true`` ends every session of the user."""

    all = StrictBooleanField(required=False, default=False)


# --------------------------------------------------------------------------- answers (OpenAPI only)
# The views build their answers as dicts (user_payload, sessions.login); these serializers
# describe those shapes for the schema.


@schema_field({"oneOf": [{"type": "integer"}, {"type": "string"}]})
class PrimaryKeyField(serializers.JSONField):
    """The user's primary key: an integer, or a string for other key types (UUID …)."""


class UserSerializer(serializers.Serializer[Any]):
    """The ``user`` object (:func:`user_payload`): profile fields when the user model has them."""

    id = PrimaryKeyField()
    username = serializers.CharField()
    email = serializers.CharField(required=False)
    nickname = serializers.CharField(required=False)
    avatar_url = serializers.CharField(required=False)
    gender = serializers.IntegerField(required=False, help_text="0 unknown, 1 male, 2 female.")
    phone_number = serializers.CharField(required=False)


class TokenPairSerializer(serializers.Serializer[Any]):
    """A token pair (the default ``JWT.TOKEN_RESPONSE`` shape)."""

    access = serializers.CharField(help_text="Send as `Authorization: Bearer <access>`.")
    refresh = serializers.CharField(help_text="POST it to /auth/token/refresh/ for a new pair.")
    token_type = serializers.ChoiceField(choices=["Bearer"])
    expires_in = serializers.IntegerField(help_text="Seconds until the access token expires.")
    user = UserSerializer()
    is_new_user = serializers.BooleanField()


class SessionSerializer(serializers.Serializer[Any]):
    """One of the caller's sessions (devices)."""

    id = serializers.CharField()
    user_agent = serializers.CharField()
    ip_address = serializers.IPAddressField(allow_null=True)
    created_at = serializers.DateTimeField()
    last_seen = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()
    current = serializers.BooleanField(help_text="Whether this is the session of the presented token.")


class SessionListSerializer(serializers.Serializer[Any]):
    """``{"sessions": [...]}``, most recent first."""

    sessions = SessionSerializer(many=True)
