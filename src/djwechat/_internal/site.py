"""Absolute URLs of this site's djwechat endpoints, for the development commands."""

from __future__ import annotations

from typing import Any

from django.urls import NoReverseMatch, reverse

from djwechat.conf import get_settings

__all__ = ["site_endpoint"]


def site_endpoint(name: str, *, base: str | None = None, **kwargs: Any) -> str | None:
    """``base`` (default ``WECHAT["SITE_URL"]``) plus the path the project's URLconf gives the
    endpoint named ``name``; ``None`` when the URLconf does not route it (``djwechat.urls`` is not
    included)."""
    try:
        path = reverse(name, kwargs=kwargs)
    except NoReverseMatch:
        return None
    return (base or get_settings().site_url).rstrip("/") + path
