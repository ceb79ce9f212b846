"""The address of the client behind a request, with or without reverse proxies in front.

Login throttles are counted per client address and each session records the address it was
started from.  Without proxies that is ``REMOTE_ADDR``.  Behind ``WECHAT["TRUSTED_PROXIES"]``
proxies, ``REMOTE_ADDR`` is the nearest proxy (every user would share one throttle bucket), and
the client is the entry that many places from the right of ``X-Forwarded-For``: each trusted
proxy appends the address it received the request from, so entries further left were written by
the client itself and prove nothing.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from django.http import HttpRequest

from djwechat.conf import get_settings

__all__ = ["client_ip"]


def client_ip(request: Any) -> str | None:
    """The client's IP address in canonical form, or ``None`` when there is no valid one.

    ``request`` is a Django ``HttpRequest`` or a DRF ``Request``.  With ``TRUSTED_PROXIES = n``
    the ``n``-th ``X-Forwarded-For`` entry from the right is used; when the header has fewer
    entries (a request that skipped part of the proxy chain) its leftmost entry is used, and
    without the header ``REMOTE_ADDR``.
    """
    http_request: HttpRequest = getattr(request, "_request", request)
    meta = http_request.META
    candidate = meta.get("REMOTE_ADDR")
    hops = get_settings().trusted_proxies
    if hops:
        forwarded = [part.strip() for part in str(meta.get("HTTP_X_FORWARDED_FOR", "")).split(",")]
        forwarded = [part for part in forwarded if part]
        if forwarded:
            candidate = forwarded[-min(hops, len(forwarded))]
    return _canonical(candidate)


def _canonical(raw: Any) -> str | None:
    if not isinstance(raw, str) or not raw or len(raw) > 64:
        return None
    try:
        return str(ipaddress.ip_address(raw))
    except ValueError:
        return None
