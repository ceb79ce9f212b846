"""Routing: pattern kinds, first match wins, include, defaults."""

from __future__ import annotations

import re

import pytest

from djwechat._internal.xml import parse_xml
from djwechat.messaging import Router, parse_message
from djwechat.messaging.events import LocationEvent
from djwechat.messaging.messages import ImageMessage, Message

from .helpers import event_push, text_push, vectors


def text(content: str) -> Message:
    return parse_message(parse_xml(text_push(content), max_size=0))


def event(name: str, key: str = "") -> Message:
    return parse_message(parse_xml(event_push(name, key), max_size=0))


def named(name: str):
    def handler(message, ctx):
        return name

    handler.__name__ = name
    return handler


def resolved(router: Router, message: Message) -> str | None:
    found = router.resolve(message)
    return None if found is None else found.handler(message, None)


def test_text_patterns() -> None:
    router = Router()
    router.text("help")(named("exact"))
    router.text(re.compile(r"^weather (\w+)"))(named("regex"))
    router.text()(named("any"))
    assert resolved(router, text("help")) == "exact"
    assert resolved(router, text("  help \n")) == "exact"
    assert resolved(router, text("Help")) == "any"
    assert resolved(router, text("help me")) == "any"
    assert resolved(router, text("weather Paris")) == "regex"
    assert router.resolve(text("weather Paris")).regex_match.group(1) == "Paris"
    assert resolved(router, event("subscribe")) is None


def test_bare_decorators() -> None:
    router = Router()

    @router.text
    def any_text(message, ctx):
        return "text"

    @router.subscribe
    def follow(message, ctx):
        return "follow"

    @router.default
    def fallback(message, ctx):
        return "default"

    assert any_text(None, None) == "text"  # the decorators return the function itself
    assert resolved(router, text("x")) == "text"
    assert resolved(router, event("subscribe", "qrscene_1")) == "follow"
    assert resolved(router, event("unsubscribe")) == "default"


def test_events_clicks_and_types() -> None:
    router = Router()
    router.click("MENU_A")(named("menu-a"))
    router.event("scan")(named("scan"))
    router.event("CLICK")(named("other-click"))
    router.message(ImageMessage, LocationEvent)(named("typed"))
    assert resolved(router, event("CLICK", "MENU_A")) == "menu-a"
    assert resolved(router, event("CLICK", "MENU_B")) == "other-click"
    assert resolved(router, event("SCAN", "1")) == "scan"
    image = parse_message(parse_xml(vectors()["xml_image"]["input"]["xml"], max_size=0))
    assert resolved(router, image) == "typed"
    location = parse_message(parse_xml(vectors()["xml_event_location"]["input"]["xml"], max_size=0))
    assert resolved(router, location) == "typed"


def test_first_match_wins() -> None:
    router = Router()
    router.text()(named("first"))
    router.text("hello")(named("never"))
    assert resolved(router, text("hello")) == "first"


def test_include_splices_routes_in_place_and_stays_live() -> None:
    inner = Router()
    inner.text("a")(named("inner-a"))
    outer = Router()
    outer.text("b")(named("outer-b"))
    outer.include(inner)
    outer.text()(named("outer-any"))
    inner.text("c")(named("inner-c-added-later"))
    assert resolved(outer, text("b")) == "outer-b"
    assert resolved(outer, text("a")) == "inner-a"
    assert resolved(outer, text("c")) == "inner-c-added-later"
    assert resolved(outer, text("z")) == "outer-any"
    assert [r.label for r in outer.routes] == [
        "text('b') -> outer-b",
        "text('a') -> inner-a",
        "text('c') -> inner-c-added-later",
        "text -> outer-any",
    ]


def test_defaults_own_first_then_included() -> None:
    inner = Router()
    inner.default(named("inner-default"))
    outer = Router()
    outer.include(inner)
    assert resolved(outer, text("x")) == "inner-default"
    outer.default(named("outer-default"))
    assert resolved(outer, text("x")) == "outer-default"
    assert Router().resolve(text("x")) is None


def test_include_cycles_are_refused() -> None:
    a, b = Router(), Router()
    a.include(b)
    with pytest.raises(ValueError, match="cycle"):
        b.include(a)
    with pytest.raises(ValueError, match="cycle"):
        a.include(a)


def test_bad_arguments() -> None:
    with pytest.raises(TypeError):
        Router().text(42)  # type: ignore[call-overload]
    with pytest.raises(TypeError):
        Router().message()


def test_custom_matcher_hook() -> None:
    router = Router()
    router.add_route(lambda m: m.from_user == "o-user-1", named("vip"), label="vip")
    assert resolved(router, text("anything")) == "vip"
    assert router.resolve(text("x")).label == "vip"
