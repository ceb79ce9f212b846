"""Every URL pattern ``djwechat.urls`` mounts, found through Django's resolver.

The sweep is driven by this list, so an endpoint added to the package later is swept without
anyone remembering to add it here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import quote

from django.urls import URLPattern, URLResolver, get_resolver

#: Routes that exist today (DESIGN.md's HTTP API table); the enumeration must find at least these.
KNOWN_ROUTES = frozenset(
    {
        "auth/token/",
        "auth/token/refresh/",
        "auth/logout/",
        "auth/me/",
        "auth/sessions/",
        "auth/sessions/<str:public_id>/",
        "auth/miniprogram/<str:app>/login/",
        "auth/miniprogram/<str:app>/phone/",
        "auth/miniprogram/<str:app>/link/",
        "auth/identities/",
        "auth/identities/<str:identity_id>/",
        "auth/website/<str:app>/qr/",
        "auth/website/<str:app>/qr/<str:ticket>/",
        "auth/website/<str:app>/callback/",
        "auth/oa/<str:app>/authorize/",
        "auth/oa/<str:app>/callback/",
        "auth/exchange/",
        "wechat/<str:app>/",
    }
)

_PARAM = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")


@dataclass(frozen=True)
class Endpoint:
    """One mounted URL pattern: its route (``auth/miniprogram/<str:app>/login/``) and name."""

    route: str
    name: str | None

    @property
    def params(self) -> tuple[str, ...]:
        """Names of the path parameters, in order."""
        return tuple(match["name"] for match in _PARAM.finditer(self.route))

    @property
    def is_message_server(self) -> bool:
        """The Official Account callback URL, which speaks WeChat's protocol instead of JSON."""
        return self.route.startswith("wechat/")

    @property
    def home_alias(self) -> str:
        """The test app alias whose type this endpoint serves (``web``, ``oa`` or ``mp``)."""
        if self.route.startswith(("wechat/", "auth/oa/")):
            return "oa"
        if self.route.startswith("auth/website/"):
            return "web"
        return "mp"

    @property
    def is_browser_page(self) -> bool:
        """A page a browser is sent to (OAuth callback or authorize redirect): it may answer an
        error as an HTML page for a person to read rather than as JSON."""
        return self.route.endswith(("/callback/", "/authorize/"))

    def path(self, **values: str) -> str:
        """The absolute URL path with every parameter replaced by its (percent-encoded) value."""

        def fill(match: re.Match[str]) -> str:
            return quote(values[match["name"]], safe="")

        return "/" + _PARAM.sub(fill, self.route)

    def __str__(self) -> str:
        return self.route


def _walk(patterns: list[URLPattern | URLResolver], prefix: str) -> Iterator[Endpoint]:
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, route)
        else:
            yield Endpoint(route=route, name=entry.name)


def mounted_endpoints() -> list[Endpoint]:
    """Every endpoint of ``djwechat.urls`` (as mounted with ``path("", include("djwechat.urls"))``)."""
    return sorted(_walk(get_resolver("djwechat.urls").url_patterns, ""), key=lambda e: e.route)
