"""Admin for WeChat identities: search by openid, unionid or user, filter by provider and app."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.http import HttpRequest

from djwechat.accounts.models import Identity

if TYPE_CHECKING:
    _IdentityAdminBase = admin.ModelAdmin[Identity]
else:  # ModelAdmin is generic only in django-stubs, not at run time
    _IdentityAdminBase = admin.ModelAdmin


@admin.register(Identity)
class IdentityAdmin(_IdentityAdminBase):
    """Identities are created by logins; the admin is for finding and unlinking them."""

    list_display = (
        "openid",
        "nickname",
        "provider",
        "app_alias",
        "user",
        "unionid",
        "created_at",
        "updated_at",
    )
    list_filter = ("provider", "app_alias", "created_at")
    list_select_related = ("user",)
    raw_id_fields = ("user",)
    readonly_fields = ("created_at", "updated_at")
    date_hierarchy = "created_at"
    ordering = ("-created_at",)

    def get_search_fields(self, request: HttpRequest) -> list[str]:
        """openid and unionid exactly, and the user's login name and email by substring."""
        user_model = get_user_model()
        fields = ["=openid", "=unionid", f"user__{user_model.USERNAME_FIELD}"]
        email = user_model.get_email_field_name()
        if any(field.name == email for field in user_model._meta.get_fields()):
            fields.append(f"user__{email}")
        return fields

    def get_readonly_fields(self, request: HttpRequest, obj: Identity | None = None) -> Any:
        """Once created, the app and openid of an identity never change (WeChat's own keys)."""
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            readonly += ["provider", "app_alias", "app_id", "openid"]
        return readonly
