"""URLs of the message server: ``<app>/``, mounted under ``wechat/`` by :mod:`djwechat.urls`."""

from django.urls import URLPattern, path

from djwechat.messaging.schema import described
from djwechat.messaging.views import message_endpoint


def message_path(prefix: str = "") -> URLPattern:
    """The route of :func:`~djwechat.messaging.views.message_endpoint`: ``<prefix><app>/``."""
    return path(f"{prefix}<str:app>/", described(message_endpoint), name="djwechat-messages")


urlpatterns = [message_path()]
