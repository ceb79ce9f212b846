"""Login endpoints, mounted under ``auth/`` by :mod:`djwechat.urls`."""

from django.urls import URLPattern, path

from djwechat.login.views import miniprogram

urlpatterns: list[URLPattern] = [
    path("miniprogram/<str:app>/login/", miniprogram.login_view, name="djwechat-miniprogram-login"),
    path("miniprogram/<str:app>/phone/", miniprogram.phone_view, name="djwechat-miniprogram-phone"),
]
