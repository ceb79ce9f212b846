"""djwechat's router of the benchmark: echo every text, as the peers' handlers do."""

from __future__ import annotations

from djwechat.messaging import HandlerContext, Router, TextMessage

router = Router()


@router.text
def echo(message: TextMessage, ctx: HandlerContext) -> str:
    return message.content
