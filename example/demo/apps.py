"""App config of the example site's demo command."""

from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Adds ``manage.py wechat_demo``."""

    name = "example.demo"
    label = "demo"
    verbose_name = "djwechat demo"
