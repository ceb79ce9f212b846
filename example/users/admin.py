from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from example.users.models import User


@admin.register(User)
class ExampleUserAdmin(UserAdmin):
    list_display = ("username", "nickname", "email", "phone_number", "is_active", "date_joined")
    search_fields = ("username", "nickname", "email", "phone_number")
    fieldsets = (
        *UserAdmin.fieldsets,
        ("WeChat profile", {"fields": ("nickname", "avatar_url", "gender", "phone_number")}),
    )
