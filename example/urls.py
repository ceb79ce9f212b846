"""URLs of the example site."""

from django.contrib import admin
from django.urls import include, path

from example.pages import views as pages

urlpatterns = [
    path("", pages.home, name="home"),
    path("h5/", pages.h5, name="h5"),
    path("admin/", admin.site.urls),
    path("", include("djwechat.urls")),
]
