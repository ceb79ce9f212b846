"""The decorator router that sends each message to one handler.

Example::

    from djwechat.messaging import Router

    router = Router()

    @router.text("help")                         # the whole text, exactly (surrounding spaces ignored)
    def help_(message, ctx):
        return "Send me anything and I will echo it."

    @router.text(re.compile(r"^weather (?P<city>\\w+)$", re.I))   # a regex, searched
    def weather(message, ctx):
        return f"Sunny in {ctx.match['city']}"

    @router.subscribe
    def welcome(message, ctx):
        return "Thanks for following!"

    @router.default
    def fallback(message, ctx):
        return None                               # answer "success": no reply

Routes are tried in the order they were declared and the first match wins.  ``include(other)``
splices another router's routes in at that position (later additions to ``other`` count too);
its default handler is used only when neither this router nor an earlier included one has a
default.

A handler is ``(message, ctx) -> str | Reply | None``: a ``str`` is a text reply, a
:class:`~djwechat.messaging.replies.Reply` is sent as is, ``None`` answers ``success`` (no
reply).  It runs in the message server's thread pool, may use the ORM and the cache, and may
raise: the error is logged and the push is answered ``success``.  A handler marked
:func:`quick` runs in the request thread instead.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeAlias, TypeVar, overload

from djwechat.messaging.context import HandlerContext
from djwechat.messaging.events import ClickEvent, Event, SubscribeEvent
from djwechat.messaging.messages import Message, TextMessage
from djwechat.messaging.replies import Reply

__all__ = ["Handler", "Match", "Route", "Router", "is_quick", "quick"]

#: A message handler: gets the message and its :class:`HandlerContext`.
Handler: TypeAlias = Callable[[Any, HandlerContext], "str | Reply | None"]
#: A route predicate: ``None``/``False`` = no match, ``True`` or an ``re.Match`` = match.
Matcher: TypeAlias = Callable[[Message], "bool | re.Match[str] | None"]

H = TypeVar("H", bound=Handler)

_QUICK = "djwechat_quick"


def quick(handler: H) -> H:
    """Mark ``handler`` as quick: it runs in the request thread, without the 5-second guard.

    The guard hands every handler to a pool thread and waits for it (two thread switches, tens
    of microseconds a push).  A handler that only computes its reply - no network call, no
    query that can be slow - does not need that; mark it, above or below the route decorator::

        @router.text
        @quick
        def echo(message, ctx):
            return message.content

    It is a promise: a quick handler that runs past ``HANDLER_BUDGET`` cannot be answered
    ``success`` in time (WeChat retries it, and a retry after its claim's lease runs it again);
    the server logs a warning when that happens.  Returns ``handler`` itself.
    """
    setattr(handler, _QUICK, True)
    return handler


def is_quick(handler: Handler) -> bool:
    """Whether ``handler`` was marked with :func:`quick`."""
    return getattr(handler, _QUICK, False) is True


@dataclass(frozen=True, slots=True)
class Route:
    """One ``matcher`` → ``handler`` pair; ``label`` names it in logs and ``repr``."""

    matcher: Matcher
    handler: Handler
    label: str


@dataclass(frozen=True, slots=True)
class Match:
    """The outcome of :meth:`Router.resolve`: the handler and, for regex routes, the match."""

    handler: Handler
    regex_match: re.Match[str] | None = None
    label: str = ""


class Router:
    """Maps messages to handlers; see the module documentation for the rules."""

    def __init__(self) -> None:
        self._entries: list[Route | Router] = []
        self._default: Handler | None = None

    # ------------------------------------------------------------------ registration

    def add_route(self, matcher: Matcher, handler: H, *, label: str = "") -> H:
        """Register ``handler`` for messages where ``matcher(message)`` is truthy (an extension hook).

        ``matcher`` gets the typed message and returns ``None``/``False`` (no match), ``True``, or
        an ``re.Match`` that the handler then finds in ``ctx.match``.  It must not raise.
        Returns ``handler`` unchanged, so this also works inside decorators.
        """
        self._entries.append(Route(matcher, handler, label or getattr(handler, "__name__", "handler")))
        return handler

    @overload
    def text(self, pattern: H) -> H: ...
    @overload
    def text(self, pattern: str | re.Pattern[str] | None = None) -> Callable[[H], H]: ...
    def text(self, pattern: Any = None) -> Any:
        """Route text messages.

        ``pattern`` ``None`` (or the bare ``@router.text`` form) matches every text; a ``str``
        matches the whole content exactly, ignoring surrounding whitespace (case-sensitive); a
        compiled regex is *searched* in the content (anchor it with ``^``/``$`` for a whole match)
        and its match object is available as ``ctx.match``.
        """
        if callable(pattern) and not isinstance(pattern, re.Pattern):
            return self.text()(pattern)
        matcher: Matcher
        if pattern is None:
            matcher = _is_text
        elif isinstance(pattern, re.Pattern):
            matcher = _text_regex(pattern)
        elif isinstance(pattern, str):
            matcher = _text_exact(pattern.strip())
        else:
            raise TypeError("router.text() takes None, a str or a compiled regex")
        return self._decorator(matcher, f"text({pattern!r})" if pattern is not None else "text")

    def event(self, name: str) -> Callable[[H], H]:
        """Route events named ``name`` (``subscribe``, ``SCAN``, ``LOCATION`` …; case-insensitive)."""
        wanted = name.lower()
        return self._decorator(
            lambda m: isinstance(m, Event) and m.event.lower() == wanted, f"event({name!r})"
        )

    def click(self, key: str) -> Callable[[H], H]:
        """Route custom-menu clicks (``CLICK`` events) whose menu key is exactly ``key``."""
        return self._decorator(lambda m: isinstance(m, ClickEvent) and m.key == key, f"click({key!r})")

    @overload
    def subscribe(self, handler: H) -> H: ...
    @overload
    def subscribe(self, handler: None = None) -> Callable[[H], H]: ...
    def subscribe(self, handler: Any = None) -> Any:
        """Route follows (``subscribe`` events, with or without a QR scene); bare or called."""
        decorator = self._decorator(lambda m: isinstance(m, SubscribeEvent), "subscribe")
        return decorator if handler is None else decorator(handler)

    def message(self, *types: type[Message]) -> Callable[[H], H]:
        """Route messages of the given classes (e.g. ``ImageMessage``, ``LocationEvent``)."""
        if not types:
            raise TypeError("router.message() needs at least one message class")
        names = ", ".join(t.__name__ for t in types)
        return self._decorator(lambda m: isinstance(m, types), f"message({names})")

    @overload
    def default(self, handler: H) -> H: ...
    @overload
    def default(self, handler: None = None) -> Callable[[H], H]: ...
    def default(self, handler: Any = None) -> Any:
        """Set the handler for messages no route matched (one per router; the last one set wins)."""

        def register(func: H) -> H:
            self._default = func
            return func

        return register if handler is None else register(handler)

    def include(self, other: Router) -> None:
        """Try ``other``'s routes at this position (see the module documentation)."""
        if other is self or self in other._descendants():
            raise ValueError("including this router would create a cycle")
        self._entries.append(other)

    def _decorator(self, matcher: Matcher, label: str) -> Callable[[H], H]:
        def register(handler: H) -> H:
            return self.add_route(matcher, handler, label=f"{label} -> {getattr(handler, '__name__', '?')}")

        return register

    def _descendants(self) -> Iterator[Router]:
        for entry in self._entries:
            if isinstance(entry, Router):
                yield entry
                yield from entry._descendants()

    # ------------------------------------------------------------------ dispatch

    def resolve(self, message: Message) -> Match | None:
        """The first route matching ``message``, else the default handler, else ``None``."""
        found = self._match_routes(message)
        if found is not None:
            return found
        default = self._find_default()
        return None if default is None else Match(default, None, "default")

    def _match_routes(self, message: Message) -> Match | None:
        for entry in self._entries:
            if isinstance(entry, Router):
                found = entry._match_routes(message)
                if found is not None:
                    return found
                continue
            outcome = entry.matcher(message)
            if outcome:
                regex_match = outcome if isinstance(outcome, re.Match) else None
                return Match(entry.handler, regex_match, entry.label)
        return None

    def _find_default(self) -> Handler | None:
        if self._default is not None:
            return self._default
        for entry in self._entries:
            if isinstance(entry, Router):
                default = entry._find_default()
                if default is not None:
                    return default
        return None

    @property
    def routes(self) -> list[Route]:
        """Every route in matching order, included routers flattened (for introspection)."""
        flat: list[Route] = []
        for entry in self._entries:
            flat.extend(entry.routes if isinstance(entry, Router) else [entry])
        return flat

    def __repr__(self) -> str:
        return f"<Router: {len(self.routes)} routes>"


def _is_text(message: Message) -> bool:
    return isinstance(message, TextMessage)


def _text_exact(expected: str) -> Matcher:
    def matcher(message: Message) -> bool:
        return isinstance(message, TextMessage) and message.content.strip() == expected

    return matcher


def _text_regex(pattern: re.Pattern[str]) -> Matcher:
    def matcher(message: Message) -> re.Match[str] | None:
        return pattern.search(message.content) if isinstance(message, TextMessage) else None

    return matcher
