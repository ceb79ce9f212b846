"""Django app config for :mod:`djwechat.jwt`."""

from django.apps import AppConfig


class JWTConfig(AppConfig):
    """Server-side sessions behind JWT access and refresh tokens."""

    name = "djwechat.jwt"
    label = "djwechat_jwt"
    verbose_name = "JWT sessions"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from djwechat.jwt import signals

        signals.connect()
