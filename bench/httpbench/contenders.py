"""The contenders: one URL of the benchmark site each, in table order."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["get", "push"]
#: ``main``: the site as configured; ``cached``: the same site with ``SESSION_CACHE_SECONDS=1``;
#: ``pubsub``: with ``SESSION_INVALIDATION = "pubsub"``.
Server = Literal["main", "cached", "pubsub"]
#: Every server, in the order of their ports (``BENCH_PORT``, the next one, ...), and its environment.
SERVERS: dict[Server, dict[str, str]] = {
    "main": {"BENCH_SESSION_CACHE_SECONDS": "0"},
    "cached": {"BENCH_SESSION_CACHE_SECONDS": "1"},
    "pubsub": {"BENCH_SESSION_CACHE_SECONDS": "0", "BENCH_SESSION_INVALIDATION": "pubsub"},
}
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


def _push(key: str, label: str, path: str, mode: str, *, ours: bool = False) -> Contender:
    return Contender(key, label, path, kind="push", mode=mode, ours=ours)


def _session(key: str, label: str, path: str, server: Server = "main") -> Contender:
    return Contender(key, label, path, auth="djwechat", server=server, ours=True)


CONTENDERS: tuple[Contender, ...] = (
    Contender(BARE, "bare Django JSON view", "/bare/"),
    Contender("bare-get", "bare view + exactly one cache GET (the limit)", "/bare-cache-get/"),
    # A push's one round trip (the admission script) and its deferred answer, nothing else.
    Contender("bare-admit", "bare view + a push's cache work", "/bare-push-admission/"),
    Contender("drf-bare", "DRF APIView, no authentication", "/drf/bare/"),
    Contender("simplejwt", "simplejwt JWTAuthentication (DB user)", "/drf/simplejwt/", auth="simplejwt"),
    Contender(
        "simplejwt-stateless",
        "simplejwt stateless (no revocation)",
        "/drf/simplejwt-stateless/",
        auth="simplejwt",
    ),
    Contender("django-session", "Django session on Redis (+ user query)", "/django-session/", auth="django"),
    _session("jwt-strict", "djwechat JWT session, strict", "/djwechat-session/"),
    _session("jwt-cached", "djwechat JWT session, SESSION_CACHE_SECONDS=1", "/djwechat-session/", "cached"),
    _session(
        "jwt-pubsub", "djwechat JWT session, SESSION_INVALIDATION=pubsub", "/djwechat-session/", "pubsub"
    ),
    _session("jwt-drf", "djwechat DRF JWTAuthentication", "/drf/djwechat/"),
    _push("werobot-plain", "WeRoBot, plain", "/werobot/plain/", "plain"),
    _push("wechatpy-plain", "wechatpy, plain", "/wechatpy/plain/", "plain"),
    _push("djwechat-plain", "djwechat /wechat/<app>/, plain", "/wechat/plain/", "plain", ours=True),
    _push("werobot-safe", "WeRoBot, safe mode", "/werobot/safe/", "safe"),
    _push("wechatpy-safe", "wechatpy, safe mode", "/wechatpy/safe/", "safe"),
    _push("djwechat-safe", "djwechat /wechat/<app>/, safe mode", "/wechat/safe/", "safe", ours=True),
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
