"""Django app config for :mod:`djwechat.accounts`."""

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """WeChat identities linked to users."""

    name = "djwechat.accounts"
    label = "djwechat_accounts"
    verbose_name = "WeChat identities"
    default_auto_field = "django.db.models.BigAutoField"
