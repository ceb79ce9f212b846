"""Every djwechat endpoint, mounted with ``path("", include("djwechat.urls"))``."""

from django.urls import include, path

from djwechat.messaging.urls import message_path

urlpatterns = [
    # First, and not through include(): pushes are the most frequent requests, and every
    # include() level costs each request that passes through it another ResolverMatch.
    message_path("wechat/"),
    path("auth/", include("djwechat.jwt.urls")),
    path("auth/", include("djwechat.login.urls")),
]
