"""The Official Account router of the sweep: it only counts, so a test can prove no handler ran."""

from __future__ import annotations

import threading
from typing import Any

from djwechat.messaging import Router

router = Router()
_lock = threading.Lock()
#: How many pushes reached a handler since the last :func:`reset`.
handled = 0


@router.default
def count(message: Any, ctx: Any) -> None:
    global handled
    with _lock:
        handled += 1


def reset() -> None:
    """Forget earlier calls."""
    global handled
    with _lock:
        handled = 0
