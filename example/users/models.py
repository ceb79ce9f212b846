"""The example site's user: Django's user plus the WeChat profile fields."""

from django.contrib.auth.models import AbstractUser

from djwechat.accounts.mixins import WeChatProfileMixin


class User(WeChatProfileMixin, AbstractUser):
    """A user that can log in with a password or any WeChat identity."""
