"""The one way djwechat waits for shared state that another process is about to change.

A token refresh held by another worker, a login lock held by another login of the same person,
a push whose first delivery is still running its handler: each caller tries (``cache.add``, a
read), and on failure pauses and tries again until a deadline.  The pauses double from ``start``
up to ``cap`` (a short wait answers quickly, a long one does not hammer the cache) and the last
one is cut to the deadline.  With ``jitter`` each pause is scaled by a random factor in
[0.5, 1.5), so that callers who failed together do not retry together.

:class:`Backoff` only computes the pauses; the caller sleeps, so one schedule serves blocking
code (``time.sleep``) and coroutines (``await asyncio.sleep``) alike::

    backoff = Backoff(timeout, start=0.02, cap=0.5)
    while not attempt():
        pause = backoff.pause()
        if pause is None:
            raise TimeoutError
        time.sleep(pause)
"""

from __future__ import annotations

import random
import time

__all__ = ["Backoff"]


class Backoff:
    """Pauses between attempts until ``timeout`` seconds from now (see the module docstring)."""

    __slots__ = ("_cap", "_delay", "_jitter", "deadline")

    def __init__(self, timeout: float, *, start: float, cap: float, jitter: bool = False) -> None:
        #: ``time.monotonic()`` after which :meth:`pause` answers ``None``.
        self.deadline = time.monotonic() + timeout
        self._delay = start
        self._cap = cap
        self._jitter = jitter

    def pause(self) -> float | None:
        """Seconds to sleep before the next attempt; ``None`` once the deadline has passed."""
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            return None
        delay = self._delay
        self._delay = min(self._cap, delay * 2)
        if self._jitter:
            delay *= random.uniform(0.5, 1.5)  # noqa: S311 - spreads retries, not a secret
        return min(delay, remaining)
