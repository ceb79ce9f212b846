"""The contenders: one URL of the benchmark site each, in table order."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["get", "push"]
#: ``main``: the site as configured; ``cached``: the same site with ``SESSION_CACHE_SECONDS=1``.
Server = Literal["main", "cached"]
#: Which credentials a GET contender presents.
Auth = Literal["", "djwechat", "simplejwt", "django"]


@dataclass(frozen=True, slots=True)
class Contender:
    """One row of the table."""

    key: str
    label: str
    path: str
    kind: Kind = "get"
    auth: Auth = ""
    server: Server = "main"
    #: For pushes: ``plain`` or ``safe`` (encrypted, ``msg_signature``).
    mode: str = ""
    #: djwechat's own rows are drawn in another colour.
    ours: bool = False


BARE = "bare"

CONTENDERS: tuple[Contender, ...] = (
    Contender(BARE, "bare Django JSON view", "/bare/"),
    Contender("bare-get", "bare view + exactly one cache GET (the limit)", "/bare-cache-get/"),
    Contender("drf-bare", "DRF APIView, no authentication", "/drf/bare/"),
    Contender("simplejwt", "simplejwt JWTAuthentication (DB user)", "/drf/simplejwt/", auth="simplejwt"),
    Contender(
        "simplejwt-stateless",
        "simplejwt stateless (no revocation)",
        "/drf/simplejwt-stateless/",
        auth="simplejwt",
    ),
    Contender("django-session", "Django session on Redis (+ user query)", "/django-session/", auth="django"),
    Contender(
        "jwt-strict",
        "djwechat JWT session, strict",
        "/djwechat-session/",
        auth="djwechat",
        ours=True,
    ),
    Contender(
        "jwt-cached",
        "djwechat JWT session, SESSION_CACHE_SECONDS=1",
        "/djwechat-session/",
        auth="djwechat",
        server="cached",
        ours=True,
    ),
    Contender("jwt-drf", "djwechat DRF JWTAuthentication", "/drf/djwechat/", auth="djwechat", ours=True),
    Contender("werobot-plain", "WeRoBot, plain", "/werobot/plain/", kind="push", mode="plain"),
    Contender("wechatpy-plain", "wechatpy, plain", "/wechatpy/plain/", kind="push", mode="plain"),
    Contender(
        "djwechat-plain",
        "djwechat /wechat/<app>/, plain",
        "/wechat/plain/",
        kind="push",
        mode="plain",
        ours=True,
    ),
    Contender("werobot-safe", "WeRoBot, safe mode", "/werobot/safe/", kind="push", mode="safe"),
    Contender("wechatpy-safe", "wechatpy, safe mode", "/wechatpy/safe/", kind="push", mode="safe"),
    Contender(
        "djwechat-safe",
        "djwechat /wechat/<app>/, safe mode",
        "/wechat/safe/",
        kind="push",
        mode="safe",
        ours=True,
    ),
)

#: Peers of each djwechat push row: its ratio to the faster of them is reported too.
PUSH_PEERS: dict[str, tuple[str, ...]] = {
    "djwechat-plain": ("werobot-plain", "wechatpy-plain"),
    "djwechat-safe": ("werobot-safe", "wechatpy-safe"),
}


def select(keys: str | None) -> tuple[Contender, ...]:
    """The contenders named in ``keys`` (comma-separated; the bare view is always included)."""
    if not keys:
        return CONTENDERS
    wanted = {BARE, *keys.split(",")}
    unknown = wanted - {c.key for c in CONTENDERS}
    if unknown:
        raise SystemExit(f"unknown contenders: {', '.join(sorted(unknown))}")
    return tuple(c for c in CONTENDERS if c.key in wanted)
