"""The admin site next to the session endpoints, for the admin tests."""

from __future__ import annotations

from django.contrib import admin
from django.urls import path

from tests.jwt.views import urlpatterns as session_urlpatterns

urlpatterns = [path("admin/", admin.site.urls), *session_urlpatterns]
