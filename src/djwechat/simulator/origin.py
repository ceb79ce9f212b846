"""Refusing requests that a web page, rather than a test or a developer, sent to the simulator.

The simulator mints login codes and tokens for any user on request, so any web page a developer
visits could drive it with a cross-site ``text/plain`` POST, and a page on a rebound DNS name
could read its answers.  So, before routing:

* the ``Host`` must be a loopback name (``127.0.0.1``, ``localhost``, ``[::1]``) or the host the
  server was started on - a rebound name is not; the in-process transport, which no browser
  can reach, is exempt;
* an ``Origin`` header, when a browser sends one, must be the simulator's own;
* a POST to the JSON control API (``/_sim/…``) must say ``Content-Type: application/json``,
  which no cross-site form or ``text/plain`` POST can without a CORS preflight, and the
  simulator never grants one.

The phone and consent pages keep working: their HTML forms post to the simulator's own origin.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final
from urllib.parse import urlsplit

from djwechat.simulator.errors import ControlError
from djwechat.simulator.http import Request
from djwechat.simulator.routing import Route

__all__ = ["LOOPBACK_HOSTS", "OriginGuard"]

#: Host names that always reach this machine only.
LOOPBACK_HOSTS: Final = frozenset({"127.0.0.1", "localhost", "::1"})
#: Methods exempt from the content-type rule: they read only, or (``DELETE``) a browser never
#: sends them cross-site without a preflight, which the simulator never grants.
_EXEMPT_METHODS: Final = frozenset({"GET", "HEAD", "OPTIONS", "DELETE"})


def _hostname(netloc: str) -> str | None:
    """The host name of ``host[:port]`` (``[::1]:8900`` → ``::1``), lower-cased; ``None`` if malformed."""
    try:
        parsed = urlsplit("//" + netloc)
        _ = parsed.port  # ValueError for a port that is not a number
    except ValueError:
        return None
    return parsed.hostname


class OriginGuard:
    """The checks of the module docstring; ``hosts`` adds the names the server was started on."""

    def __init__(self, hosts: Iterable[str] = ()) -> None:
        self.hosts = LOOPBACK_HOSTS | {host.strip("[]").lower() for host in hosts if host}

    def check(self, request: Request, routes: list[Route], *, in_process: bool) -> None:
        """Raise :class:`ControlError` (403, or 415 for the content type) for a refused request."""
        host = request.headers.get("host", "")
        if not in_process and _hostname(host) not in self.hosts:
            raise ControlError(
                "the simulator answers only requests for a loopback host or the host it runs on",
                status=403,
                code="forbidden_host",
            )
        origin = request.headers.get("origin")
        if origin is not None and origin.rstrip("/").lower() != request.base_url.lower():
            raise ControlError("cross-origin requests are refused", status=403, code="forbidden_origin")
        if routes and routes[0].kind == "control" and request.method not in _EXEMPT_METHODS:
            content_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
            if content_type != "application/json":
                raise ControlError(
                    "the control API takes Content-Type: application/json",
                    status=415,
                    code="unsupported_media_type",
                )
