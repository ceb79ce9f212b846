"""The ``djwechat`` Django app: registers the system checks."""

from django.apps import AppConfig


class DjWeChatConfig(AppConfig):
    """Add ``"djwechat"`` to ``INSTALLED_APPS`` to get the ``djwechat.E…`` system checks."""

    name = "djwechat"
    verbose_name = "WeChat"

    def ready(self) -> None:
        from djwechat import checks  # noqa: F401  (registers the checks)
