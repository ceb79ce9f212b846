"""The :class:`Identity` model: one WeChat account (an openid in one app) linked to a user."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _

from djwechat._internal.text import storable
from djwechat.accounts.mixins import Gender, HTTPSURLField

#: Keys never kept in :attr:`Identity.extra_data`, at any depth: WeChat's ``session_key`` and
#: OAuth tokens are credentials, and ``extra_data`` is shown in the admin and exported freely.
SECRET_KEYS: Final = frozenset(
    {"session_key", "access_token", "refresh_token", "app_secret", "secret", "code", "js_code"}
)


def scrub_secrets(data: Any) -> Any:
    """``data`` with every mapping key in :data:`SECRET_KEYS` removed, recursively (a copy)."""
    if isinstance(data, Mapping):
        return {
            key: scrub_secrets(value)
            for key, value in data.items()
            if not (isinstance(key, str) and key.lower() in SECRET_KEYS)
        }
    if isinstance(data, list | tuple):
        return [scrub_secrets(item) for item in data]
    return data


class Provider(models.TextChoices):
    """How the identity logged in; the same values as the app ``TYPE`` in ``WECHAT["APPS"]``."""

    MINIPROGRAM = "miniprogram", _("Mini Program")
    WEBSITE = "website", _("website (QR code)")
    OFFICIAL_ACCOUNT = "official_account", _("Official Account")


class Identity(models.Model):
    """A WeChat user as one app sees them, linked to a local user.

    WeChat gives every user a different ``openid`` in every app, and the same ``unionid`` in
    every app bound to one Open Platform account; so ``(app_id, openid)`` is unique (a database
    constraint, which is also what keeps concurrent first logins from creating two identities)
    and ``unionid`` is indexed to find a user's other identities.

    ``nickname``, ``avatar_url`` and ``gender`` are the profile WeChat gave at the last login
    that told one, and ``phone_number`` the number verified through
    ``POST /auth/miniprogram/<app>/phone/``: they are kept here whatever the user model (with
    :class:`~djwechat.accounts.mixins.WeChatProfileMixin` they are copied to the user too).

    ``extra_data`` keeps non-secret details of the last login (language, scope …);
    :func:`scrub_secrets` runs on every save, so a ``session_key`` or token can never be stored
    here even by a project's own pipeline step, and so does
    :func:`~djwechat._internal.text.storable`, so no control character or lone surrogate
    reaches the column (PostgreSQL refuses ``"\\u0000"`` in jsonb).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="wechat_identities",
        verbose_name=_("user"),
    )
    provider = models.CharField(_("provider"), max_length=32, choices=Provider.choices)
    app_alias = models.CharField(
        _("app alias"), max_length=64, help_text=_("The key of the app in WECHAT['APPS'] at login time.")
    )
    app_id = models.CharField(_("AppID"), max_length=64)
    openid = models.CharField(_("openid"), max_length=128)
    # NULL, not "": an absent unionid must never match another absent one in link_by_unionid.
    unionid = models.CharField(_("unionid"), max_length=128, null=True, blank=True, db_index=True)  # noqa: DJ001
    nickname = models.CharField(_("nickname"), max_length=64, blank=True)
    avatar_url = HTTPSURLField(_("avatar URL"), max_length=512, blank=True)
    gender = models.PositiveSmallIntegerField(_("gender"), choices=Gender.choices, default=Gender.UNKNOWN)
    phone_number = models.CharField(_("phone number"), max_length=32, blank=True)
    extra_data = models.JSONField(_("extra data"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("WeChat identity")
        verbose_name_plural = _("WeChat identities")
        constraints = [
            models.UniqueConstraint(fields=["app_id", "openid"], name="djwechat_identity_app_openid_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.provider}:{self.app_alias}:{self.openid}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Save, after removing secrets and control characters from ``extra_data`` and turning an
        empty unionid into NULL."""
        self.extra_data = storable(scrub_secrets(self.extra_data or {}))
        if not self.unionid:
            self.unionid = None
        super().save(*args, **kwargs)
