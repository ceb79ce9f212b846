"""Where a browser login may send the user: the OAuth callback URL and the allow-listed ``next``."""

from __future__ import annotations

import re
from typing import Any, Final

from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from djwechat.conf import AppSettings, get_settings

__all__ = ["DEFAULT_NEXT", "callback_url", "safe_next"]

#: Where a login goes when ``next`` is missing or not allowed.
DEFAULT_NEXT: Final = "/"
_MAX_NEXT: Final = 2048
#: Browsers drop tabs and newlines inside URLs and read "\\" as "/", which turns "/\t/evil" or
#: "/\\evil" into "//evil"; no legitimate ``next`` needs them (or spaces, or C1 controls).
_REFUSED_CHARS: Final = re.compile(r"[\x00-\x20\x7f-\x9f\\]")


def callback_url(request: Any, app: AppSettings, url_name: str) -> str:
    """The absolute URL WeChat redirects to after the user decided (``redirect_uri``).

    The app's ``CALLBACK_BASE_URL`` when set, else the origin of ``request`` as Django sees it
    (``request.build_absolute_uri``: behind a proxy set ``SECURE_PROXY_SSL_HEADER`` and
    ``USE_X_FORWARDED_HOST``, see docs/deployment.md).  Its host must be the app's authorised
    callback domain on the WeChat side.
    """
    path = reverse(url_name, kwargs={"app": app.alias})
    if app.callback_base_url:
        return app.callback_base_url + path
    return str(request.build_absolute_uri(path))


def safe_next(request: Any, value: Any, *, default: str = DEFAULT_NEXT) -> str:
    """``value`` if it is a safe place to send the user after logging in, else ``default``.

    Safe: a path on this site, or an absolute URL whose host is this site's or one of
    ``LOGIN["ALLOWED_REDIRECT_HOSTS"]`` (with ``https`` when this request is secure), as judged by
    Django's ``url_has_allowed_host_and_scheme``.  Anything else - ``//evil``, ``\\\\evil``,
    ``/\\evil``, ``https:evil``, ``javascript:``, userinfo tricks, control characters - falls back.
    """
    if not isinstance(value, str) or not value or len(value) > _MAX_NEXT or _REFUSED_CHARS.search(value):
        return default
    if not value.startswith(("/", "http://", "https://")):
        return default
    allowed = {request.get_host(), *get_settings().login.allowed_redirect_hosts}
    if not url_has_allowed_host_and_scheme(value, allowed_hosts=allowed, require_https=request.is_secure()):
        return default
    return value
