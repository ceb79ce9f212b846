"""MessageServer without Django's request cycle: what the view and the benchmark drive."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from django.core.cache.backends.locmem import LocMemCache

from djwechat._internal.xml import parse_xml
from djwechat.conf import AppSettings, MessageSettings
from djwechat.messaging import Router, TextMessage, quick
from djwechat.messaging.guard import HandlerGuard
from djwechat.messaging.router import is_quick
from djwechat.messaging.server import MessageServer

from .helpers import APP_ID, TOKEN, signed_query, text_push

APP = AppSettings(alias="oa", type="official_account", app_id=APP_ID, app_secret="s", token=TOKEN)


class BrokenCache(LocMemCache):
    """A cache backend whose server is down."""

    def add(self, *args: Any, **kwargs: Any) -> bool:
        raise ConnectionError("cache unavailable")


def make_server(
    cache: Any = None, router: Router | None = None, **messages: Any
) -> tuple[MessageServer, Router]:
    router = router or Router()

    @router.text
    def shout(message: TextMessage, ctx: Any) -> str:
        return message.content.upper()

    server = MessageServer(
        APP,
        messages=MessageSettings(**messages),
        router=router,
        cache=cache or LocMemCache("server-tests", {}),
        guard=HandlerGuard(max_workers=2),
    )
    return server, router


def test_framework_free_round_trip() -> None:
    server, _ = make_server()
    response = server.handle("POST", signed_query(), text_push("quiet").encode())
    assert (response.status, response.content_type) == (200, "application/xml; charset=utf-8")
    assert parse_xml(response.body, max_size=0)["Content"] == "QUIET"
    handshake = server.handle("GET", signed_query(echostr="e1"), b"")
    assert (handshake.status, handshake.body) == (200, "e1")
    assert server.handle("DELETE", {}, b"").status == 405


def test_a_failing_cache_answers_503_so_that_wechat_pushes_again() -> None:
    # "success" would tell WeChat the push was handled: it would be lost.
    server, _ = make_server(BrokenCache("broken", {}), timestamp_tolerance=0)
    response = server.handle("POST", signed_query(), text_push("hello").encode())
    assert response.status == 503
    assert '"shared_state_unavailable"' in response.body


class GetFailsCache(LocMemCache):
    """A local cache whose server goes down (``down``) for reads."""

    down = False

    def get(self, *args: Any, **kwargs: Any) -> Any:
        if self.down:
            raise ConnectionError("cache unavailable")
        return super().get(*args, **kwargs)


def test_a_cache_failing_while_a_retry_waits_answers_503() -> None:
    # The push's owner (another worker) still runs it; the retry's wait for its answer fails.
    cache = GetFailsCache("get-fails", {})
    server, _ = make_server(cache, timestamp_tolerance=0)
    assert server.ledger.claim("msg:1001")
    cache.down = True
    response = server.handle("POST", signed_query(), text_push("hello", msg_id=1001).encode())
    assert response.status == 503
    assert '"shared_state_unavailable"' in response.body


def test_errors_are_json_and_security_ones_are_logged(caplog) -> None:
    server, _ = make_server()
    with caplog.at_level(logging.WARNING, logger="djwechat.security"):
        response = server.handle("POST", signed_query(timestamp="1"), b"<xml/>", peer="203.0.113.9")
    assert response.status == 403
    assert response.content_type == "application/json"
    assert '"stale_timestamp"' in response.body
    assert any("203.0.113.9" in r.getMessage() for r in caplog.records)


class CountingCache(LocMemCache):
    """A local cache that counts its round trips (each public call is one on a shared cache)."""

    def __init__(self) -> None:
        super().__init__("counting", {})
        self.calls: list[str] = []

    def add(self, *args: Any, **kwargs: Any) -> bool:
        self.calls.append("add")
        return super().add(*args, **kwargs)

    def get(self, *args: Any, **kwargs: Any) -> Any:
        self.calls.append("get")
        return super().get(*args, **kwargs)

    def set(self, *args: Any, **kwargs: Any) -> None:
        self.calls.append("set")
        super().set(*args, **kwargs)


def test_cache_round_trips_per_request() -> None:
    """What a request costs on the shared cache: binding its signature is one ``add``."""
    cache = CountingCache()
    server, _ = make_server(cache)
    assert server.handle("GET", signed_query(echostr="e"), b"").status == 200
    assert cache.calls == ["add"]  # the signature binding
    cache.calls.clear()
    query = signed_query()
    assert server.handle("POST", query, text_push("one", msg_id=1).encode()).status == 200
    assert cache.calls == ["add", "add", "set"]  # binding, dedupe claim, stored answer
    cache.calls.clear()
    # WeChat's retry of that push: both keys are there already; the stored answer is served.
    assert server.handle("POST", query, text_push("one", msg_id=1).encode()).status == 200
    assert cache.calls == ["add", "get", "add", "get"]


def _thread_reporting_server(**messages: Any) -> tuple[MessageServer, list[str]]:
    router = Router()
    seen: list[str] = []

    @router.text("where")
    def where(message: TextMessage, ctx: Any) -> str:
        seen.append(threading.current_thread().name)
        return "pool"

    @router.text("here")
    @quick
    def here(message: TextMessage, ctx: Any) -> str:
        seen.append(threading.current_thread().name)
        time.sleep(float(ctx.messages.handler_budget) * 1.5 if message.to_user == "gh_slow" else 0)
        return "request thread"

    server, _ = make_server(router=router, **messages)
    return server, seen


def test_a_quick_handler_runs_in_the_request_thread(caplog) -> None:
    server, seen = _thread_reporting_server()
    answers = [
        parse_xml(server.handle("POST", signed_query(), text_push(text, msg_id=n).encode()).body, max_size=0)
        for n, text in enumerate(("where", "here"), start=60)
    ]
    assert [a["Content"] for a in answers] == ["pool", "request thread"]
    assert seen[0].startswith("djwechat-handler")
    assert seen[1] == threading.current_thread().name
    assert not any("ran past HANDLER_BUDGET" in r.getMessage() for r in caplog.records)


def test_a_quick_handler_that_is_not_quick_is_logged(caplog) -> None:
    server, _ = _thread_reporting_server(handler_budget=0.05)
    with caplog.at_level(logging.WARNING, logger="djwechat.messaging"):
        response = server.handle("POST", signed_query(), text_push("here", msg_id=62, to="gh_slow").encode())
    assert parse_xml(response.body, max_size=0)["Content"] == "request thread"  # not cut short
    assert any("ran past HANDLER_BUDGET" in r.getMessage() for r in caplog.records)


def test_quick_marks_in_either_decorator_order() -> None:
    router = Router()

    @quick
    @router.text
    def outer(message: TextMessage, ctx: Any) -> str:
        return ""

    @router.text
    def plain(message: TextMessage, ctx: Any) -> str:
        return ""

    assert [is_quick(r.handler) for r in router.routes] == [True, False]
