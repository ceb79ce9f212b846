"""djwechat's router of the benchmark: echo every text, as the peers' handlers do.

The handler is marked ``quick`` (it only computes its reply), so it runs in the request thread as
the peers' handlers do, without the 5-second guard's hand-off to its pool.
"""

from __future__ import annotations

from djwechat.messaging import HandlerContext, Router, TextMessage, quick

router = Router()


@router.text
@quick
def echo(message: TextMessage, ctx: HandlerContext) -> str:
    return message.content
