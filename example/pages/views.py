"""The example site's two pages; everything they do happens in the browser, against djwechat's API."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from djwechat.conf import AppType, get_settings


def _alias(app_type: AppType) -> str | None:
    apps = get_settings().apps_of_type(app_type)
    return apps[0].alias if apps else None


def home(request: HttpRequest) -> HttpResponse:
    """``/``: "Log in with WeChat" by QR code (the website app)."""
    return render(request, "pages/home.html", {"config": {"app": _alias("website")}})


def h5(request: HttpRequest) -> HttpResponse:
    """``/h5/``: the page an Official Account menu would open inside WeChat."""
    return render(request, "pages/h5.html", {"config": {"app": _alias("official_account")}})
