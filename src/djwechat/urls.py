"""Every djwechat endpoint, mounted with ``path("", include("djwechat.urls"))``."""

from django.urls import include, path

urlpatterns = [
    path("auth/", include("djwechat.jwt.urls")),
    path("auth/", include("djwechat.login.urls")),
    path("wechat/", include("djwechat.messaging.urls")),
]
