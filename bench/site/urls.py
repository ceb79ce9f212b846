"""One URL per contender, and djwechat's own endpoints (``/wechat/<app>/``)."""

from django.urls import include, path

from bench.site import drf_views, peers, views

urlpatterns = [
    path("bare/", views.bare),
    path("bare-cache-get/", views.bare_cache_get),
    path("bare-push-admission/", views.bare_push_admission),
    path("django-session/", views.django_session),
    path("djwechat-session/", views.djwechat_session),
    path("drf/bare/", drf_views.DRFBare.as_view()),
    path("drf/simplejwt/", drf_views.SimpleJWTUser.as_view()),
    path("drf/simplejwt-stateless/", drf_views.SimpleJWTStateless.as_view()),
    path("drf/djwechat/", drf_views.DjwechatDRF.as_view()),
    path("werobot/plain/", peers.werobot_plain),
    path("werobot/safe/", peers.werobot_safe),
    path("wechatpy/plain/", peers.wechatpy_plain),
    path("wechatpy/safe/", peers.wechatpy_safe),
    path("", include("djwechat.urls")),
]
