"""The example Official Account router (``"ROUTER": "example.wechat.router"`` in settings).

Try it with the simulator running (``make demo``)::

    python example/manage.py wechat_push --text hello        # echoed back
    python example/manage.py wechat_push --text help         # the keyword reply
    python example/manage.py wechat_push --event subscribe   # the welcome
    python example/manage.py wechat_push --click MENU_HELLO  # a menu click reply
    python example/manage.py wechat_push --text slow         # "success" at once; the reply follows
                                                             # ~6 s later as a customer-service message
"""

from __future__ import annotations

import re
import time

from djwechat.messaging import (
    Article,
    ClickEvent,
    HandlerContext,
    NewsReply,
    Router,
    SubscribeEvent,
    TextMessage,
)

router = Router()

#: Seconds the "slow" handler takes: past the 4-second budget and WeChat's 5-second window.
SLOW_SECONDS = 6


@router.text("help")
def help_text(message: TextMessage, ctx: HandlerContext) -> str:
    return "Send any text and I will echo it. Try: 'count', 'weather <city>', 'slow'."


@router.text("count")
def count(message: TextMessage, ctx: HandlerContext) -> str:
    # Per-user conversation state lives in the shared cache (MESSAGES.STATE_SECONDS).
    seen = int(ctx.state.get(0)) + 1
    ctx.state.set(seen)
    return f"You asked me to count {seen} time(s)."


@router.text(re.compile(r"^weather\s+(?P<city>\S+)$", re.IGNORECASE))
def weather(message: TextMessage, ctx: HandlerContext) -> str:
    assert ctx.match is not None
    return f"It is always sunny in {ctx.match['city']} on the demo server."


@router.text("slow")
def slow(message: TextMessage, ctx: HandlerContext) -> str:
    # Longer than WeChat waits: the push is answered "success" within the budget and this
    # reply is sent afterwards through the customer-service API, as a background task.
    time.sleep(SLOW_SECONDS)
    return f"Sorry for the wait: this took {SLOW_SECONDS} seconds."


@router.subscribe
def welcome(message: SubscribeEvent, ctx: HandlerContext) -> str:
    if message.scene:
        return f"Welcome! You followed us by scanning QR code {message.scene}."
    return "Welcome! Send 'help' to see what I can do."


@router.click("MENU_NEWS")
def menu_news(message: ClickEvent, ctx: HandlerContext) -> NewsReply:
    return NewsReply([Article("djwechat", "WeChat for Django backends", url="https://example.com/")])


@router.click("MENU_HELLO")
def menu_hello(message: ClickEvent, ctx: HandlerContext) -> str:
    return "Hello from the menu!"


@router.text
def echo(message: TextMessage, ctx: HandlerContext) -> str:
    return message.content
