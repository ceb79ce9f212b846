"""One clock for the whole package, so tests can move time without patching ``time`` itself."""

from __future__ import annotations

import time


def now() -> float:
    """Seconds since the epoch, as a float."""
    return time.time()


def now_int() -> int:
    """Whole seconds since the epoch (WeChat timestamps)."""
    return int(time.time())
