"""The soak's Official Account router: the example's, with each run of its "count" handler
written down (``SOAK_HANDLINGS``, one JSON line a run; see :mod:`bench.soak.handlings`)."""

from __future__ import annotations

import json
import os
import time

from djwechat.messaging import HandlerContext, Router, TextMessage
from example import wechat

# One write(2) per line on an O_APPEND descriptor: the workers' lines never interleave, and a
# line is in the file once the call returns, even if the worker is killed right after.
_JOURNAL = os.open(os.environ["SOAK_HANDLINGS"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

router = Router()


@router.text("count")
def count(message: TextMessage, ctx: HandlerContext) -> str:
    started = time.time()
    answer = wechat.count(message, ctx)
    # Before the answer leaves: a reply a client saw has its line.
    line = {"msg_id": message.msg_id, "pid": os.getpid(), "started": started, "answer": answer}
    os.write(_JOURNAL, (json.dumps(line) + "\n").encode())
    return answer


router.include(wechat.router)
