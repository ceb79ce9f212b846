"""Routers the message-server tests configure through ``ROUTER``."""

from __future__ import annotations

import re
import threading
import time
from collections import Counter

from djwechat.messaging import (
    Article,
    HandlerContext,
    ImageMessage,
    NewsReply,
    Router,
    TextMessage,
    TextReply,
    TransferCustomerServiceReply,
)
from djwechat.messaging.messages import Message

#: How many times each handler ran (handlers run in pool threads).
calls: Counter[str] = Counter()
calls_lock = threading.Lock()
#: Set by a test to let the "block" handler finish.
release = threading.Event()
#: Set by the "block" handler once it started.
started = threading.Event()


def count(name: str) -> None:
    with calls_lock:
        calls[name] += 1


router = Router()
#: Only the 6-second handler; included first in ``router``.
slow_router = Router()
router.include(slow_router)


@router.text("boom")
def boom(message: TextMessage, ctx: HandlerContext) -> str:
    count("boom")
    raise RuntimeError("handler failure")


@router.text("block")
def block(message: TextMessage, ctx: HandlerContext) -> str:
    count("block")
    started.set()
    release.wait(30)
    return "finally done"


@router.text("slowpoke")
def slowpoke(message: TextMessage, ctx: HandlerContext) -> str:
    count("slowpoke")
    started.set()
    release.wait(30)
    return "late but here"


@router.text("transfer")
def transfer(message: TextMessage, ctx: HandlerContext) -> TransferCustomerServiceReply:
    return TransferCustomerServiceReply("kf@test")


@router.text("news")
def news(message: TextMessage, ctx: HandlerContext) -> NewsReply:
    return NewsReply([Article("Title ]]> <b>", "Desc", "http://p", "http://u")])


@router.text("remember")
def remember(message: TextMessage, ctx: HandlerContext) -> str:
    previous = ctx.state.get({"n": 0})
    ctx.state.set({"n": previous["n"] + 1})
    return f"seen {previous['n'] + 1}"


@router.text("bad")
def bad(message: TextMessage, ctx: HandlerContext) -> int:
    return 42  # not a valid reply


@router.text(re.compile(r"^weather (?P<city>\w+)$"))
def weather(message: TextMessage, ctx: HandlerContext) -> str:
    assert ctx.match is not None
    return f"Sunny in {ctx.match['city']}"


@router.subscribe
def welcome(message: Message, ctx: HandlerContext) -> str:
    count("subscribe")
    return "welcome"


@router.click("MENU_HELP")
def menu_help(message: Message, ctx: HandlerContext) -> TextReply:
    return TextReply("help from the menu")


@router.message(ImageMessage)
def image(message: ImageMessage, ctx: HandlerContext) -> None:
    count("image")


@router.text
def echo(message: TextMessage, ctx: HandlerContext) -> str:
    count("echo")
    return message.content


@router.default
def fallback(message: Message, ctx: HandlerContext) -> str:
    count("default")
    return f"default {message.msg_type}"


#: How long the "slow" handler takes: longer than WeChat's 5-second window.
SLOW_SECONDS = 6.0


@slow_router.text("slow")
def slow(message: TextMessage, ctx: HandlerContext) -> str:
    count("slow")
    time.sleep(SLOW_SECONDS)
    return "worth the wait"
