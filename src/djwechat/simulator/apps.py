"""Django app config for the simulator's management commands (development and tests only)."""

from django.apps import AppConfig


class SimulatorConfig(AppConfig):
    """Adds ``manage.py wechat_simulator`` and ``manage.py wechat_push``."""

    name = "djwechat.simulator"
    label = "djwechat_simulator"
    verbose_name = "WeChat simulator"
