"""The bodies of the login endpoints, as the OpenAPI schema shows them.

The views check their input with :mod:`djwechat.login.flows.inputs` (so that a malformed value
is refused before a WeChat code is spent); these serializers describe the same shapes for
drf-spectacular and are not used to validate.
"""

from __future__ import annotations

from typing import Any, get_args

from rest_framework import serializers

from djwechat.jwt.serializers import UserSerializer
from djwechat.login.flows.website import QRStatus


class MiniProgramLoginSerializer(serializers.Serializer[Any]):
    """``{code, encrypted_data?, iv?, raw_data?, signature?}``."""

    code = serializers.CharField(max_length=256, help_text="What `wx.login` gave the Mini Program.")
    encrypted_data = serializers.CharField(
        required=False, help_text="`encryptedData` of `wx.getUserProfile`."
    )
    iv = serializers.CharField(required=False, help_text="Its `iv`.")
    raw_data = serializers.CharField(
        required=False, help_text="`rawData` (the profile JSON the signature covers)."
    )
    signature = serializers.CharField(
        required=False, help_text="`signature`: SHA-1 of rawData + session_key."
    )


class MiniProgramCodeSerializer(serializers.Serializer[Any]):
    """``{code}``: a fresh ``wx.login`` code."""

    code = serializers.CharField(max_length=256, help_text="What `wx.login` gave the Mini Program.")


class PhoneRequestSerializer(serializers.Serializer[Any]):
    """``{code}`` (the phone button's code) or ``{encrypted_data, iv}`` (the older encrypted form)."""

    code = serializers.CharField(required=False, max_length=256, help_text="`getPhoneNumber`'s `code`.")
    encrypted_data = serializers.CharField(required=False)
    iv = serializers.CharField(required=False)


class PhoneNumberSerializer(serializers.Serializer[Any]):
    """The user's phone number as WeChat verified it."""

    phone_number = serializers.CharField(help_text="With the country code, e.g. `+86 13800138000`.")
    pure_phone_number = serializers.CharField()
    country_code = serializers.CharField()


class QRTicketSerializer(serializers.Serializer[Any]):
    """A new QR login ticket."""

    ticket = serializers.CharField()
    poll_secret = serializers.CharField(help_text="Send it with every poll; only its creator knows it.")
    authorize_url = serializers.URLField(help_text="Show it in an iframe (WeChat's QR code page).")
    expires_in = serializers.IntegerField(help_text="Seconds the ticket stays valid.")


class PollRequestSerializer(serializers.Serializer[Any]):
    """``{poll_secret}``."""

    poll_secret = serializers.CharField()


class ErrorDetailSerializer(serializers.Serializer[Any]):
    """Why a QR login failed: ``{code, message}``."""

    code = serializers.CharField()
    message = serializers.CharField()


class LoginCodeSerializer(serializers.Serializer[Any]):
    """``{login_code}``: the one-time code an H5 login's callback put on ``next``."""

    login_code = serializers.CharField()


class IdentitySerializer(serializers.Serializer[Any]):
    """One of the user's WeChat identities (:func:`djwechat.accounts.linking.identity_payload`)."""

    id = serializers.IntegerField()
    provider = serializers.ChoiceField(choices=["miniprogram", "website", "official_account"])
    app_alias = serializers.CharField()
    nickname = serializers.CharField(help_text="The WeChat profile of the identity's last login.")
    avatar_url = serializers.CharField()
    gender = serializers.IntegerField(help_text="0 unknown, 1 male, 2 female.")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class IdentityListSerializer(serializers.Serializer[Any]):
    """``{"identities": [...]}``, oldest first."""

    identities = IdentitySerializer(many=True)


class LinkResultSerializer(serializers.Serializer[Any]):
    """``{"identity", "created"}``: the linked identity, and whether the link made it."""

    identity = IdentitySerializer()
    created = serializers.BooleanField()


class QRPollSerializer(serializers.Serializer[Any]):
    """``{status}``, with the token pair's fields once on ``confirmed``, ``identity`` on ``linked``
    and ``error`` on ``failed``."""

    status = serializers.ChoiceField(choices=list(get_args(QRStatus)))
    error = ErrorDetailSerializer(required=False)
    identity = IdentitySerializer(required=False, help_text="The linked identity (`linked`, link tickets).")
    access = serializers.CharField(required=False)
    refresh = serializers.CharField(required=False)
    token_type = serializers.ChoiceField(choices=["Bearer"], required=False)
    expires_in = serializers.IntegerField(required=False)
    user = UserSerializer(required=False)
    is_new_user = serializers.BooleanField(required=False)
