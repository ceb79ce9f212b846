"""A tiny path router for the simulator's WSGI application."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal

from djwechat.simulator.http import Request, Response
from djwechat.simulator.state import SimulatorState

__all__ = ["Handler", "Route", "Router", "route"]

#: A handler gets the state and the request; it returns a Response, or a dict sent as JSON.
Handler = Callable[[SimulatorState, Request], "Response | dict[str, Any]"]
RouteKind = Literal["api", "page", "control"]


@dataclass(frozen=True)
class Route:
    """One path pattern (``<name>`` = one path segment), its methods, handler and kind.

    ``api`` routes behave like WeChat (errors as HTTP 200 + errcode, faults and the call log
    apply); ``page`` routes are the browser pages (logged, faults apply); ``control`` routes are
    the simulator's own ``/_sim/`` API (4xx JSON errors, not logged).
    """

    pattern: str
    methods: tuple[str, ...]
    handler: Handler
    kind: RouteKind

    @property
    def regex(self) -> re.Pattern[str]:
        """The compiled pattern."""
        return re.compile(r"\A" + re.sub(r"<(\w+)>", r"(?P<\1>[^/]+)", self.pattern) + r"/?\Z")


def route(pattern: str, handler: Handler, kind: RouteKind, methods: Iterable[str] = ("GET",)) -> Route:
    """Shorthand to build a :class:`Route`."""
    return Route(pattern=pattern, methods=tuple(methods), handler=handler, kind=kind)


class Router:
    """Matches a path to its routes (one path may have several methods)."""

    def __init__(self, routes: Iterable[Route]) -> None:
        self._routes = [(r, r.regex) for r in routes]

    def match(self, path: str) -> tuple[list[Route], dict[str, str]]:
        """Every route whose pattern matches ``path`` (all share one pattern) and its parameters."""
        for candidate, regex in self._routes:
            found = regex.match(path)
            if found:
                same = [r for r, _ in self._routes if r.pattern == candidate.pattern]
                return same, found.groupdict()
        return [], {}
