from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from example.users.models import User


@admin.register(User)
class ExampleUserAdmin(UserAdmin):
    """Django's user admin plus the WeChat profile.

    Nothing here guards the users' JWT sessions: their secret columns refuse every lookup but
    equality, so ``?jwt_sessions__session_key__startswith=…`` cannot probe them from this (or
    any) admin.
    """

    list_display = ("username", "nickname", "email", "phone_number", "is_active", "date_joined")
    search_fields = ("username", "nickname", "email", "phone_number")
    fieldsets = (
        *UserAdmin.fieldsets,
        ("WeChat profile", {"fields": ("nickname", "avatar_url", "gender", "phone_number")}),
    )
