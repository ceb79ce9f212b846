"""URLs of the message server, mounted under ``wechat/``: ``wechat/<app>/``."""

from django.urls import path

from djwechat.messaging.schema import described
from djwechat.messaging.views import message_endpoint

urlpatterns = [
    path("<str:app>/", described(message_endpoint), name="djwechat-messages"),
]
